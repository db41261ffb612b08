"""De-identification engine: DICOM PS3.15 Annex E with every option, keyed pseudonyms and UIDs, date
shifting, free-text cleaning, private tags by the TCIA knowledge base and burned-in text.

Public surface::

    ProjectKey.generate() / .load(path) / .save(path)     the project's secret
    Profile.builtin("basic" | "research") / .from_toml(path)   ProfileError names a problem
    Deidentifier(profile, key, project_id=None, site_id=None)
        .deidentify(ds, subject_id=None) -> DeidOutcome(dataset, actions, review, masks)
            raises Quarantined, or HeldForReview(reason, boxes) when pixels may carry text nothing masked
        .uid(original_uid) -> str      .pseudonym(value) -> str
    deidentify_tree(src, dst, ...) -> RunReport            a whole folder, optionally in a process pool
    read_part10(data) -> FileDataset / encode_part10(ds) -> bytes
        the fast way in and out: elements the engine keeps are copied as raw bytes (the same output as
        ``ds.save_as(..., enforce_file_format=True)``, with a zero preamble)
    encode_part10_buffers(ds) -> list[bytes]   the same file as buffers to write in order (no joined copy)
"""

from imaging_hub.deid.batch import FileResult, deidentify_tree
from imaging_hub.deid.deidentifier import Deidentifier, DeidOutcome
from imaging_hub.deid.errors import HeldForReview, Quarantined
from imaging_hub.deid.part10 import encode_part10, encode_part10_buffers, read_part10
from imaging_hub.deid.profile import BurnedInPolicy, FixedRegion, Profile, ProfileError
from imaging_hub.deid.project_key import KeyFileError, ProjectKey
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
    "deidentify_tree",
    "encode_part10",
    "encode_part10_buffers",
    "read_part10",
]
