"""Pure DICOM knowledge: tables, VR rules, UID generation, rendering, synthetic instances. No I/O policy.

Public surface::

    ConfidentialityOption, load_table() -> ConfidentialityTable     PS3.15 Table E.1-1 and its options
    BASIC_PROFILE_CODE, CLEAN_PIXEL_DATA_CODE                       the codes a de-identified instance records
    iod_kind(sop_class_uid), attribute_type(keyword, kind)          an attribute's type (1, 2, 3) in its IOD
    keyed_uid(secret, uid)                                          a UID replaced by a keyed 2.25 UID
    load_private_kb(), PrivateDisposition, Signature, normalise_creator, parse_signature   private tags (TCIA)
    dummy_value(vr)                                                 a replacement value valid for a VR
    render_frame(...), Window, RenderError, RENDER_MEDIA_TYPES      a frame as PNG or JPEG
    render_thumbnail(path) -> JPEG bytes                               a series' thumbnail (middle instance)
    make_study(...), make_network_sample(...), StudySpec, SyntheticPatient   invented instances for demos and tests

The Part 10 codec is a sub-package with its own surface, ``imaging_hub.dicom.part10`` (see its docstring):
it is imported as that package, never through its modules.
"""

from imaging_hub.dicom.confidentiality import (
    BASIC_PROFILE_CODE,
    CLEAN_PIXEL_DATA_CODE,
    ConfidentialityOption,
    ConfidentialityRow,
    ConfidentialityTable,
    load_table,
)
from imaging_hub.dicom.iod_types import attribute_type, iod_kind
from imaging_hub.dicom.keyed_uids import keyed_uid
from imaging_hub.dicom.private_kb import (
    PrivateDisposition,
    Signature,
    load_private_kb,
    normalise_creator,
    parse_signature,
)
from imaging_hub.dicom.render import RENDER_MEDIA_TYPES, RenderError, Window, render_frame, to_display
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_network_sample, make_study
from imaging_hub.dicom.thumbnail import THUMBNAIL_SIDE, render_thumbnail
from imaging_hub.dicom.vr_dummies import dummy_value

__all__ = [
    "BASIC_PROFILE_CODE",
    "CLEAN_PIXEL_DATA_CODE",
    "RENDER_MEDIA_TYPES",
    "THUMBNAIL_SIDE",
    "ConfidentialityOption",
    "ConfidentialityRow",
    "ConfidentialityTable",
    "PrivateDisposition",
    "RenderError",
    "Signature",
    "StudySpec",
    "SyntheticPatient",
    "Window",
    "attribute_type",
    "dummy_value",
    "iod_kind",
    "keyed_uid",
    "load_private_kb",
    "load_table",
    "make_network_sample",
    "make_study",
    "normalise_creator",
    "parse_signature",
    "render_frame",
    "render_thumbnail",
    "to_display",
]
