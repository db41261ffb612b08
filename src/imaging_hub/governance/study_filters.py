"""What a person may search a project's studies by, checked and turned into the archive's matching keys."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from imaging_hub.governance.errors import InvalidInput

_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_MODALITY = re.compile(r"[A-Z]{1,16}")
_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_TEXT_LIMIT = 64


@dataclass(frozen=True)
class StudyFilters:
    participant: str = ""  # the pseudonymised participant (PatientID after de-identification), or its start
    site: str = ""
    modality: str = ""
    date_from: str = ""  # YYYY-MM-DD (or YYYYMMDD)
    date_to: str = ""
    description: str = ""  # words anywhere in the study description

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if len(value) > _TEXT_LIMIT:
                raise InvalidInput(f"{name.replace('_', ' ')} is longer than {_TEXT_LIMIT} characters")
            if any(c in value for c in "*?\\"):
                raise InvalidInput(f"{name.replace('_', ' ')} may not contain *, ? or \\")
        if self.site and not _CODE.fullmatch(self.site):
            raise InvalidInput("site must be a site code such as RXX")
        if self.modality and not _MODALITY.fullmatch(self.modality):
            raise InvalidInput("modality must be a DICOM modality code such as CT or MR")

    @property
    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def matching(self, project: str) -> dict[str, str]:
        """DICOM matching keys for the archive's search, always inside ``project``."""
        keys = {"ClinicalTrialProtocolID": project}
        if self.participant:
            keys["PatientID"] = self.participant.strip() + "*"
        if self.site:
            keys["ClinicalTrialSiteID"] = self.site
        if self.modality:
            keys["ModalitiesInStudy"] = self.modality
        if self.date_from or self.date_to:
            keys["StudyDate"] = f"{_dicom_date(self.date_from, 'from')}-{_dicom_date(self.date_to, 'to')}"
        if self.description.strip():
            # Text matching is exact about case; descriptions are mostly upper case, some as typed.
            text = " ".join(self.description.split())
            spellings = dict.fromkeys((text, text.upper(), text.lower()))
            keys["StudyDescription"] = "\\".join("*" + s.replace(" ", "*") + "*" for s in spellings)
        return keys

    def as_params(self) -> dict[str, str]:
        """The filters in use, as query parameters (for the next page's link)."""
        return {k: v for k, v in asdict(self).items() if v}


def _dicom_date(value: str, which: str) -> str:
    if not value:
        return ""
    found = _DATE.fullmatch(value.strip())
    if found is None:
        raise InvalidInput(f"date {which} must be a date like 2024-03-14, got {value[:20]!r}")
    return "".join(found.groups())
