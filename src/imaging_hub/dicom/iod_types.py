"""Attribute types (PS3.3: 1 required, 2 required but may be empty, 3 optional) needed to resolve the
combined PS3.15 actions (X/Z, X/D, X/Z/D, Z/D, X/Z/U*).

Only the attributes that carry a combined action are listed, by the kind of IOD that holds them: ``image``
(the classic single-frame image IODs' General Study/Series/Image/Equipment modules), ``enhanced`` (the
multi-frame Enhanced and Legacy Converted IODs, whose equipment and acquisition timing are Type 1) and
``sr`` (structured reports). Anything not listed returns None, and the caller resolves conservatively.
"""

from __future__ import annotations

from pydicom.uid import UID

_IMAGE, _ENHANCED, _SR = "image", "enhanced", "sr"

# keyword -> {iod kind -> type}; "*" applies to every kind not named.
ATTRIBUTE_TYPES: dict[str, dict[str, int]] = {
    "AcquisitionDate": {_IMAGE: 3},
    "AcquisitionTime": {_IMAGE: 3},
    "AcquisitionDateTime": {_IMAGE: 3, _ENHANCED: 1},
    "AcquisitionDeviceProcessingDescription": {"*": 3},
    "BarcodeValue": {"*": 3},
    "ContentCreatorName": {"*": 2},
    "ContentDate": {_IMAGE: 2, _ENHANCED: 1, _SR: 1},
    "ContentTime": {_IMAGE: 2, _ENHANCED: 1, _SR: 1},
    "ContrastBolusAgent": {"*": 2},
    "DateOfLastDetectorCalibration": {"*": 3},
    "TimeOfLastDetectorCalibration": {"*": 3},
    "DetectorID": {"*": 3},
    "DeviceSerialNumber": {_IMAGE: 3, _SR: 3, _ENHANCED: 1},
    "InstanceCreationDate": {"*": 3},
    "InstanceCreationTime": {"*": 3},
    "InstitutionCodeSequence": {"*": 3},
    "InstitutionName": {"*": 3},
    "LabelText": {"*": 3},
    "OperatorIdentificationSequence": {"*": 3},
    "OperatorsName": {"*": 2},  # Type 2 in the RT Series module; Z is valid where it is Type 3
    "PatientID": {"*": 2},
    "PatientSexNeutered": {"*": 3},  # 2C only for non-human subjects
    "ProtocolName": {_IMAGE: 3, _SR: 3},
    "ReferencedPerformedProcedureStepSequence": {"*": 2},  # Type 2 in SR Document Series
    "ReferencedStudySequence": {"*": 3},
    "RequestedProcedureDescription": {"*": 3},
    "SeriesDate": {"*": 3},
    "SeriesTime": {"*": 3},
    "StationName": {"*": 3},
}


def iod_kind(sop_class_uid: str) -> str:
    """Classify a SOP class as ``image``, ``enhanced`` or ``sr`` for the table above."""
    name = UID(sop_class_uid).name if sop_class_uid else ""
    if "Enhanced" in name or "Legacy Converted" in name or "Breast Tomosynthesis" in name:
        return _ENHANCED
    if " SR" in name or "Structured Report" in name or "Key Object" in name:
        return _SR
    return _IMAGE


def attribute_type(keyword: str, kind: str) -> int | None:
    """The attribute's type in this kind of IOD, or None when unknown."""
    types = ATTRIBUTE_TYPES.get(keyword)
    if types is None:
        return None
    return types.get(kind, types.get("*"))
