"""Which SOP classes and transfer syntaxes the hub's SCP accepts, in order of preference.

pynetdicom accepts, for each proposed context, the first of *our* transfer syntaxes that the requestor
proposed, so this order is a policy: uncompressed first (any sender can produce it without work), then
the lossless compressions, lossy ones last so that the hub never prompts a sender to compress lossily.
A sender that proposes its compressed original in a context of its own (as dcmtk and most modalities do)
has it accepted and stored as sent.
"""

from __future__ import annotations

from pydicom.uid import (
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom.presentation import AllStoragePresentationContexts

# pynetdicom generates its SOP class constants at run time, so type checkers cannot see them; name them here.
VERIFICATION = UID("1.2.840.10008.1.1")
PatientRootQueryRetrieveInformationModelFind = UID("1.2.840.10008.5.1.4.1.2.1.1")
PatientRootQueryRetrieveInformationModelMove = UID("1.2.840.10008.5.1.4.1.2.1.2")
PatientRootQueryRetrieveInformationModelGet = UID("1.2.840.10008.5.1.4.1.2.1.3")
StudyRootQueryRetrieveInformationModelFind = UID("1.2.840.10008.5.1.4.1.2.2.1")
StudyRootQueryRetrieveInformationModelMove = UID("1.2.840.10008.5.1.4.1.2.2.2")
StudyRootQueryRetrieveInformationModelGet = UID("1.2.840.10008.5.1.4.1.2.2.3")

UNCOMPRESSED: tuple[UID, ...] = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)

STORAGE_TRANSFER_SYNTAXES: tuple[UID, ...] = (
    *UNCOMPRESSED,
    DeflatedExplicitVRLittleEndian,
    JPEGLosslessSV1,
    JPEGLossless,
    JPEGLSLossless,
    JPEG2000Lossless,
    RLELossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLSNearLossless,
    JPEG2000,
    ExplicitVRBigEndian,  # retired, but older modalities still send it
)

# Identifiers and the verification service need no compression.
QUERY_TRANSFER_SYNTAXES: tuple[UID, ...] = (*UNCOMPRESSED, DeflatedExplicitVRLittleEndian)

STORAGE_SOP_CLASSES: tuple[UID, ...] = tuple(UID(str(cx.abstract_syntax)) for cx in AllStoragePresentationContexts)

FIND_SOP_CLASSES: tuple[UID, ...] = (
    PatientRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelFind,
)
MOVE_SOP_CLASSES: tuple[UID, ...] = (
    PatientRootQueryRetrieveInformationModelMove,
    StudyRootQueryRetrieveInformationModelMove,
)
GET_SOP_CLASSES: tuple[UID, ...] = (
    PatientRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelGet,
)
PATIENT_ROOT: frozenset[UID] = frozenset(
    {
        PatientRootQueryRetrieveInformationModelFind,
        PatientRootQueryRetrieveInformationModelMove,
        PatientRootQueryRetrieveInformationModelGet,
    }
)
