"""A PACS reached by DICOMweb: QIDO-RS for studies and series (with counts), WADO-RS for the instances."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from imaging_hub.dicomweb import MultipartError, boundary_of, iter_parts
from imaging_hub.spoke.pacs.protocol import PacsError, PatientKey, SeriesFound, StudyFound, check_series_answered

_STUDY_UID, _SERIES_UID, _STUDY_DATE, _MODALITY, _STUDY_SERIES, _SERIES_COUNT = (
    "0020000D", "0020000E", "00080020", "00080060", "00201206", "00201209",
)


def _value(item: dict[str, Any], tag: str) -> Any:
    values = (item.get(tag) or {}).get("Value") or []
    return values[0] if values else None


class DicomWebPacs:
    def __init__(self, url: str, deliver: Callable[[bytes], None], *, timeout_s: float = 120,
                 headers: dict[str, str] | None = None) -> None:
        self._client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout_s, headers=headers or {})
        self._deliver = deliver

    def close(self) -> None:
        self._client.close()

    def _qido(self, path: str, params: dict[str, str], what: str) -> list[dict[str, Any]]:
        """``what`` names the query in errors: the path holds a study's UID, which must not reach a log."""
        try:
            response = self._client.get(path, params=params, headers={"Accept": "application/dicom+json"})
        except httpx.TransportError as exc:
            raise PacsError(f"QIDO-RS {what}: PACS unreachable ({type(exc).__name__})") from exc
        if response.status_code == 204:
            return []
        if response.status_code != 200:
            raise PacsError(f"QIDO-RS {what}: HTTP {response.status_code}")
        body = response.json()
        return body if isinstance(body, list) else []

    def find_studies(self, patient_id: str, date_from: str, date_to: str, *,
                     key: PatientKey = "PatientID") -> list[StudyFound]:
        params = {_QIDO_KEYS[key]: patient_id, "includefield": f"{_QIDO_RETURN[key]},NumberOfStudyRelatedSeries"}
        if date_from or date_to:
            params["StudyDate"] = f"{date_from}-{date_to}"
        found = []
        for study in self._qido("/studies", params, "study search"):
            study_uid = str(_value(study, _STUDY_UID) or "")
            if not study_uid or not _carries(study, key, patient_id):
                continue
            series = tuple(
                SeriesFound(str(_value(s, _SERIES_UID)), str(_value(s, _MODALITY) or "").upper(),
                            _count(_value(s, _SERIES_COUNT)))
                for s in self._qido(f"/studies/{study_uid}/series", {"includefield": "NumberOfSeriesRelatedInstances"},
                                    "series query")
            )
            check_series_answered(_count(_value(study, _STUDY_SERIES)), series)
            found.append(StudyFound(study_uid, str(_value(study, _STUDY_DATE) or ""), series))
        return found

    def retrieve(self, study_uid: str, series_uids: list[str]) -> int:
        total = 0
        for series_uid in series_uids:
            total += self._retrieve_series(study_uid, series_uid)
        return total

    def _retrieve_series(self, study_uid: str, series_uid: str) -> int:
        path = f"/studies/{study_uid}/series/{series_uid}"
        accept = 'multipart/related; type="application/dicom"; transfer-syntax=*'
        count = 0
        try:
            with self._client.stream("GET", path, headers={"Accept": accept}) as response:
                if response.status_code != 200:
                    raise PacsError(f"WADO-RS series retrieve: HTTP {response.status_code}")
                boundary = boundary_of(response.headers.get("content-type", ""))
                for part in iter_parts(response.iter_bytes(), boundary):
                    self._deliver(part)
                    count += 1
        except httpx.TransportError as exc:
            raise PacsError(f"WADO-RS series retrieve: PACS unreachable ({type(exc).__name__})") from exc
        except MultipartError as exc:
            raise PacsError(f"WADO-RS series retrieve: {exc}") from exc
        return count


_QIDO_KEYS = {"PatientID": "PatientID", "OtherPatientIDs": "OtherPatientIDs",
              "OtherPatientIDsSequence": "OtherPatientIDsSequence.PatientID"}
_QIDO_RETURN = {"PatientID": "PatientID", "OtherPatientIDs": "OtherPatientIDs",
                "OtherPatientIDsSequence": "OtherPatientIDsSequence"}
_TAGS = {"PatientID": "00100020", "OtherPatientIDs": "00101000", "OtherPatientIDsSequence": "00101002"}


def _carries(study: dict[str, Any], key: PatientKey, value: str) -> bool:
    """Whether a QIDO answer shows the matched value back (else the PACS did not match on it)."""
    values = (study.get(_TAGS[key]) or {}).get("Value") or []
    if key == "OtherPatientIDsSequence":
        return any(_value(item, "00100020") == value for item in values if isinstance(item, dict))
    return value in [str(v) for v in values]


def _count(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
