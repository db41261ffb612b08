"""Who an instance is about, found in its header, and keyed hashes that let us log that without saying it.

NHS numbers are ten digits with a modulus 11 check digit; DICOM carries them as the PatientID (when the
issuer is the NHS or the value is a valid NHS number) or in OtherPatientIDsSequence.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

from imaging_hub.deid import peek
from imaging_hub.nhs_number import is_valid_nhs_number

_NHS_ISSUERS = ("NHS", "NHSN", "NHS NUMBER", "2.16.840.1.113883.2.1.4.1")
_SOP_INSTANCE_UID, _STUDY_DATE, _MODALITY = 0x00080018, 0x00080020, 0x00080060
_PATIENT_ID, _ISSUER_OF_PATIENT_ID, _OTHER_PATIENT_IDS_SEQUENCE = 0x00100020, 0x00100021, 0x00101002
_STUDY_INSTANCE_UID, _SERIES_INSTANCE_UID = 0x0020000D, 0x0020000E


def normalise_nhs_number(value: str) -> str | None:
    """The ten digits of a valid NHS number written with or without spaces/dashes, else None."""
    digits = "".join(ch for ch in value if ch not in " -")
    return digits if is_valid_nhs_number(digits) else None


@dataclass(frozen=True)
class InstanceIdentity:
    """The identifying values of one instance that enrolment and the opt-out need."""

    patient_id: str
    nhs_numbers: frozenset[str]
    study_date: str  # DA or ""
    modality: str
    study_uid: str
    sop_uid: str
    series_uid: str = ""

    @classmethod
    def of(cls, ds: Dataset) -> InstanceIdentity:
        """Read with ``peek``: the elements stay as read, for de-identification to copy or replace."""
        patient_id = str(peek(ds, _PATIENT_ID, "") or "").strip()
        nhs: set[str] = set()
        issuer = str(peek(ds, _ISSUER_OF_PATIENT_ID, "") or "").strip().upper()
        if (found := normalise_nhs_number(patient_id)) and (issuer in _NHS_ISSUERS or issuer == ""):
            nhs.add(found)
        for item in peek(ds, _OTHER_PATIENT_IDS_SEQUENCE, []) or []:
            value = str(item.get("PatientID", "") or "")
            found = normalise_nhs_number(value)
            item_issuer = str(item.get("IssuerOfPatientID", "") or "").strip().upper()
            if found and (item_issuer in _NHS_ISSUERS or item_issuer == ""):
                nhs.add(found)
        return cls(
            patient_id=patient_id,
            nhs_numbers=frozenset(nhs),
            study_date=str(peek(ds, _STUDY_DATE, "") or ""),
            modality=str(peek(ds, _MODALITY, "") or "").upper(),
            study_uid=str(peek(ds, _STUDY_INSTANCE_UID, "") or ""),
            sop_uid=str(peek(ds, _SOP_INSTANCE_UID, "") or ""),
            series_uid=str(peek(ds, _SERIES_INSTANCE_UID, "") or ""),
        )


class SubjectHasher:
    """Keyed hashes of identifiers (HMAC-SHA256 with the spoke's own secret), for decision logs.

    The secret never leaves the spoke, so a hash cannot be matched against a list of NHS numbers elsewhere,
    yet the same patient always gets the same hash here, which is what an auditor needs.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("spoke secret must be at least 16 bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "SubjectHasher(<secret>)"

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> SubjectHasher:
        """Load the spoke secret from ``data_dir/spoke.secret``, creating it (mode 0600) the first time."""
        path = data_dir / "spoke.secret"
        if not path.exists():
            _publish_secret(path)
        return cls(path.read_bytes())

    def hash(self, value: str) -> str:
        if not value:
            return ""
        return hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:24]


def _publish_secret(path: Path) -> None:
    """Write a new secret whole to a private file, then link it into place: processes starting together
    (the de-identification workers) all end up reading the one that won, never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process published first: theirs is the secret
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
