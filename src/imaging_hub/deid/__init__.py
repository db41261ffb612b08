"""De-identification engine: DICOM PS3.15 Annex E with every option, keyed pseudonyms and UIDs, date
shifting, free-text cleaning, private tags by the TCIA knowledge base and burned-in text.

Public surface::

    ProjectKey.generate() / .load(path) / .save(path)     the project's secret
    Profile.builtin("basic" | "research") / .from_toml(path)   ProfileError names a problem
    Deidentifier(profile, key, project_id=None, site_id=None)
        .deidentify(ds, subject_id=None) -> DeidOutcome(dataset, actions, review, masks)
            raises Quarantined, or HeldForReview(reason, boxes) when pixels may carry text nothing masked;
            its .candidate is the instance with the header de-identified and the pixels untouched
    review_frame(ds) -> 8-bit first frame      apply_masks(ds, boxes)     a person's review of a held one
        .uid(original_uid) -> str      .pseudonym(value) -> str
    deidentify_tree(src, dst, ...) -> RunReport            a whole folder, optionally in a process pool
    iter_files(src)                                       every file under a folder, in a stable order
    peek(ds, tag, default=None)                           a value read without decoding the element in place
    redact_detected(text, found) -> str                   NHS numbers, phones, postcodes, e-mails in free text -> *

Files in and out: ``imaging_hub.dicom.part10`` (``read_part10``, ``encode_part10``, ``encode_part10_buffers``),
whose writer copies the elements the engine keeps as their raw bytes.
"""

from imaging_hub.deid.batch import FileResult, deidentify_tree, iter_files
from imaging_hub.deid.burned_in_review import apply_masks, review_frame
from imaging_hub.deid.deidentifier import Deidentifier, DeidOutcome
from imaging_hub.deid.detectors import redact_detected
from imaging_hub.deid.errors import HeldForReview, Quarantined
from imaging_hub.deid.profile import BurnedInPolicy, FixedRegion, Profile, ProfileError
from imaging_hub.deid.project_key import KeyFileError, ProjectKey
from imaging_hub.deid.raw_values import peek
from imaging_hub.deid.report import RunReport

__all__ = [
    "BurnedInPolicy",
    "DeidOutcome",
    "Deidentifier",
    "FileResult",
    "FixedRegion",
    "HeldForReview",
    "KeyFileError",
    "Profile",
    "ProfileError",
    "ProjectKey",
    "Quarantined",
    "RunReport",
    "apply_masks",
    "deidentify_tree",
    "iter_files",
    "peek",
    "redact_detected",
    "review_frame",
]
