"""A PACS reached by DIMSE: C-FIND (study root) for studies and series, C-MOVE to the spoke's own Storage
SCP or C-GET on the same association."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pynetdicom import AE, StoragePresentationContexts, build_role, evt
from pynetdicom.association import Association
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from imaging_hub.dimse import MAX_PDU, exact_reactor_pause, no_delay
from imaging_hub.spoke.pacs.protocol import PacsError, PatientKey, SeriesFound, StudyFound, check_series_answered

_PENDING = (0xFF00, 0xFF01)
_MAX_CONTEXTS = 128


class DimsePacs:
    def __init__(
        self, host: str, port: int, called_ae: str, calling_ae: str, *, retrieve: str = "move",
        move_destination: str = "", store_handler: Callable[[Any], int] | None = None, timeout_s: float = 120,
    ) -> None:
        if retrieve == "get" and store_handler is None:
            raise ValueError("C-GET needs a store handler for the instances it brings back")
        self._host, self._port, self._called = host, port, called_ae
        self._calling = calling_ae
        self._retrieve = retrieve
        self._destination = move_destination or calling_ae
        self._store_handler = store_handler
        self._timeout = timeout_s
        exact_reactor_pause()  # else, under load, pynetdicom's reactor can take a response meant for us

    def _associate(self, contexts: list[Any], roles: list[Any] | None = None,
                   handlers: list[Any] | None = None) -> Association:
        ae = AE(ae_title=self._calling)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self._timeout
        ae.maximum_pdu_size = MAX_PDU  # C-GET sub-operations arrive on this association
        for context in contexts:
            ae.add_requested_context(context)
        assoc = ae.associate(self._host, self._port, ae_title=self._called, ext_neg=roles or [],
                             evt_handlers=[*(handlers or []), (evt.EVT_CONN_OPEN, no_delay)])
        if not assoc.is_established:
            raise PacsError(f"PACS {self._called} at {self._host}:{self._port} refused or did not answer")
        return assoc

    def _find(self, query: Dataset) -> list[Dataset]:
        """One C-FIND on its own association. pynetdicom's reactor thread can take the first response of a
        second request sent on the same association off the queue and drop it ("Received unexpected C-FIND
        service message"), which here would silently lose a series: so never two queries on one."""
        assoc = self._associate([StudyRootQueryRetrieveInformationModelFind])
        try:
            answers = []
            for status, identifier in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind):
                if not status:
                    raise PacsError("C-FIND got no answer from the PACS (timeout or aborted)")
                code = int(status.Status)
                if code in _PENDING and identifier is not None:
                    answers.append(identifier)
                elif code != 0x0000:
                    raise PacsError(f"C-FIND failed with status 0x{code:04X}")
            return answers
        finally:
            assoc.release()

    def find_studies(self, patient_id: str, date_from: str, date_to: str, *,
                     key: PatientKey = "PatientID") -> list[StudyFound]:
        """The patient's studies and their series, each checked against the study's series count."""
        query = Dataset()
        query.QueryRetrieveLevel = "STUDY"
        if key == "OtherPatientIDsSequence":
            item = Dataset()
            item.PatientID = patient_id
            query.OtherPatientIDsSequence = [item]
        elif key == "OtherPatientIDs":
            query.OtherPatientIDs = patient_id
        else:
            query.PatientID = patient_id
        query.StudyInstanceUID = ""
        query.StudyDate = f"{date_from}-{date_to}" if (date_from or date_to) else ""
        query.NumberOfStudyRelatedSeries = ""
        found = []
        for study in self._find(query):
            if not _carries(study, key, patient_id):
                continue
            study_uid = str(study.StudyInstanceUID)
            listed = _int(study.get("NumberOfStudyRelatedSeries"))
            series = self._find_series(study_uid)
            if listed is not None and len(series) < listed:
                series = self._find_series(study_uid)  # once more before calling the PACS inconsistent
            check_series_answered(listed, series)
            found.append(StudyFound(study_uid, str(study.get("StudyDate", "") or ""), series))
        return found

    def _find_series(self, study_uid: str) -> tuple[SeriesFound, ...]:
        query = Dataset()
        query.QueryRetrieveLevel = "SERIES"
        query.StudyInstanceUID = study_uid
        query.SeriesInstanceUID = ""
        query.Modality = ""
        query.NumberOfSeriesRelatedInstances = ""
        return tuple(
            SeriesFound(str(r.SeriesInstanceUID), str(r.get("Modality", "") or "").upper(),
                        _int(r.get("NumberOfSeriesRelatedInstances")))
            for r in self._find(query)
        )

    def retrieve(self, study_uid: str, series_uids: list[str]) -> int:
        identifier = Dataset()
        identifier.QueryRetrieveLevel = "SERIES"
        identifier.StudyInstanceUID = study_uid
        identifier.SeriesInstanceUID = series_uids
        if self._retrieve == "get":
            return self._c_get(identifier)
        return self._c_move(identifier)

    def _c_move(self, identifier: Dataset) -> int:
        assoc = self._associate([StudyRootQueryRetrieveInformationModelMove])
        try:
            return _drain(assoc.send_c_move(identifier, self._destination,
                                            StudyRootQueryRetrieveInformationModelMove), "C-MOVE")
        finally:
            assoc.release()

    def _c_get(self, identifier: Dataset) -> int:
        storage = [c.abstract_syntax for c in StoragePresentationContexts if c.abstract_syntax][: _MAX_CONTEXTS - 1]
        roles = [build_role(uid, scp_role=True) for uid in storage]
        handlers = [(evt.EVT_C_STORE, self._store_handler)]
        assoc = self._associate([StudyRootQueryRetrieveInformationModelGet, *storage], roles, handlers)
        try:
            return _drain(assoc.send_c_get(identifier, StudyRootQueryRetrieveInformationModelGet), "C-GET")
        finally:
            assoc.release()


def _drain(responses: Iterator[tuple[Dataset, Dataset | None]], what: str) -> int:
    completed = failed = 0
    final = None
    for status, _ in responses:
        if not status:
            raise PacsError(f"{what} got no answer from the PACS (timeout or aborted)")
        final = int(status.Status)
        completed = int(status.get("NumberOfCompletedSuboperations", completed) or completed)
        failed = int(status.get("NumberOfFailedSuboperations", failed) or failed)
    if final is None:
        raise PacsError(f"{what}: the PACS sent no final status")
    if final not in (0x0000, 0xB000) or failed:
        raise PacsError(f"{what} ended with status 0x{final:04X}: {completed} sent, {failed} failed")
    return completed


def _carries(answer: Dataset, key: PatientKey, value: str) -> bool:
    """Whether a C-FIND answer shows the matched value back (else the PACS did not match on it)."""
    if key == "OtherPatientIDsSequence":
        return any(str(i.get("PatientID", "") or "") == value for i in answer.get("OtherPatientIDsSequence", []) or [])
    held = answer.get(key, "") or ""
    values = list(held) if isinstance(held, MultiValue) else [held]
    return value in [str(v) for v in values]


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
