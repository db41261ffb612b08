"""Pull from the PACS for enrolled participants: find their studies in the project's time window, note
what is expected (series of wanted modalities and their instance counts), and retrieve what is not here yet,
a few studies at a time. Retrieval starts with the first participant's studies while the next participants
are still being looked up: a project of thousands does not wait for thousands of queries first."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Update, bindparam, case, func, select, union_all, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from imaging_hub.spoke.delivery.reconciliation import (
    LOOKUP_FAILED,
    NOT_FOUND_BY_LOCAL_ID,
    NOT_FOUND_BY_NHS_NUMBER,
    RETRIEVE_GIVE_UP,
)
from imaging_hub.spoke.pacs.protocol import Pacs, PacsError, PatientKey, StudyFound
from imaging_hub.spoke.participants.enrolment import Participant, participants
from imaging_hub.spoke.participants.gatekeeper import OPTED_OUT, Gatekeeper
from imaging_hub.spoke.participants.identity import SubjectHasher
from imaging_hub.spoke.participants.register import is_opted_out
from imaging_hub.spoke.pipeline.projects import ProjectDeidentifiers
from imaging_hub.spoke.settings import OptOutPolicy, ProjectSettings
from imaging_hub.spoke.state import transaction
from imaging_hub.spoke.tables import instance, participant_lookup
from imaging_hub.spoke.tables import participant as participant_table
from imaging_hub.spoke.tables import study as study_table

log = logging.getLogger(__name__)

# A study retrieved without error is not asked of the PACS again while files that arrived before that retrieve
# ended still wait in the intake buffer: what it lacks may be there, not yet de-identified. A backlog (after a
# restart, say) would otherwise have every scheduled pull or retry fetch the same studies again. For at most
# this long, so that one file the workers keep failing on cannot hold back a study's gaps for good.
RETRIEVE_SETTLE_S = 3600.0


@dataclass
class PullSummary:
    participants: int = 0
    studies_found: int = 0
    studies_retrieved: int = 0
    instances_sent: int = 0
    skipped_opted_out: int = 0
    awaiting_intake: int = 0  # studies not fetched again: their last retrieve may still wait in the intake buffer
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the spoke's health: what was fetched, and why not, if something failed."""
        first = f" (first: {self.errors[0][:200]})" if self.errors else ""
        waiting = (f", {self.awaiting_intake} not asked for again (their last retrieve still waits to be"
                   " de-identified)") if self.awaiting_intake else ""
        return (f"{self.studies_retrieved} of {self.studies_found} studies retrieved, {len(self.errors)} error(s)"
                f"{first}{waiting}")


@dataclass
class _Wanted:
    study_uid: str
    series: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)
    retrieved_at: float | None = None  # when a retrieve of it last ended without error


class Puller:
    def __init__(
        self, connect: Callable[[], Connection], pacs: Pacs, projects: Mapping[str, ProjectSettings],
        deidentifiers: ProjectDeidentifiers, hasher: SubjectHasher, gatekeeper: Gatekeeper, concurrency: int = 2,
        nhs_number_keys: Sequence[PatientKey] = ("PatientID", "OtherPatientIDsSequence", "OtherPatientIDs"),
        intake_since: Callable[[], float | None] = lambda: None,
    ) -> None:
        """``intake_since``: when the oldest file waiting in the intake buffer arrived (None: none waits)."""
        self._intake_since = intake_since
        self._nhs_number_keys = list(nhs_number_keys)
        self._gatekeeper = gatekeeper
        self._connect = connect
        self._pacs = pacs
        self._projects = dict(projects)
        self._deid = deidentifiers
        self._hasher = hasher
        self._concurrency = concurrency

    def pull(self, project_id: str | None = None) -> PullSummary:
        summary = PullSummary()
        with ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix="pull") as pool:
            retrievals = _Retrievals(pool, self._retrieve)
            conn = self._connect()
            try:
                self._find_all(conn, project_id, summary, retrievals, self._intake_since())
            finally:
                conn.close()
            summary.studies_found = retrievals.studies
            for outcome in retrievals.outcomes():
                if isinstance(outcome, str):
                    summary.errors.append(outcome)
                else:
                    summary.studies_retrieved += 1
                    summary.instances_sent += outcome
        return summary

    def _find_all(self, conn: Connection, project_id: str | None, summary: PullSummary,
                  retrievals: _Retrievals, intake_since: float | None) -> None:
        for participant in participants(conn, project_id):
            if participant.withdrawn or participant.project_id not in self._projects:
                continue
            if self._opted_out(conn, participant):
                summary.skipped_opted_out += 1
                with transaction(conn):
                    self._gatekeeper.record_skipped_pull(conn, participant, OPTED_OUT)
                continue
            summary.participants += 1
            try:
                studies, not_found = self._find(participant)
            except PacsError as exc:
                summary.errors.append(f"project {participant.project_id}, participant "
                                      f"{participant.participant_id}: {exc}")
                log.warning("looking up a participant of project %s in the PACS failed: %s",
                            participant.project_id, exc)
                _record_lookup(conn, participant, f"{LOOKUP_FAILED}: {exc}", failed=True)
                continue
            _record_lookup(conn, participant, not_found)
            for study in studies:
                wanted = self._note_expected(conn, participant, study)
                if wanted is None:
                    continue
                if _may_be_in_intake(wanted.retrieved_at, intake_since):
                    summary.awaiting_intake += 1
                    continue
                retrievals.add(wanted)

    def _find(self, participant: Participant) -> tuple[list[StudyFound], str]:
        """The participant's studies, by local patient ID when enrolment gave one, else by NHS number under
        each configured key in turn; and, when nothing is found, why (for reconciliation)."""
        window = (participant.window_start, participant.window_end)
        if participant.local_patient_id:
            studies = self._pacs.find_studies(participant.local_patient_id, *window)
            return studies, "" if studies else NOT_FOUND_BY_LOCAL_ID
        for key in self._nhs_number_keys:
            studies = self._pacs.find_studies(participant.nhs_number, *window, key=key)
            if studies:
                return studies, ""
        return [], f"{NOT_FOUND_BY_NHS_NUMBER} (searched {', '.join(self._nhs_number_keys)})"

    def _opted_out(self, conn: Connection, participant: Participant) -> bool:
        project = self._projects[participant.project_id]
        if project.opt_out is not OptOutPolicy.APPLIES or not participant.nhs_number:
            return False  # without an NHS number here, the gatekeeper checks the one in the images
        return is_opted_out(conn, [self._hasher.hash(participant.nhs_number)])

    def _note_expected(self, conn: Connection, participant: Participant, study: StudyFound) -> _Wanted | None:
        """Record what the PACS holds of the study for the participant's project; what to fetch, if anything."""
        series = [s for s in study.series if not participant.modalities or s.modality in participant.modalities]
        if not series:
            return None
        counts = [s.instances for s in series]
        expected = sum(c for c in counts if c is not None) if all(c is not None for c in counts) else None
        project_id = participant.project_id
        with transaction(conn):
            retrieved_at = conn.scalar(_NOTE_STUDY, {
                "project_id": project_id, "source_study_uid": study.study_uid,
                "deid_study_uid": self._deid.study_uid(project_id, study.study_uid),
                "participant_id": participant.participant_id, "expected_instances": expected,
                "expected_series": len(series), "queried_at": time.time(),
            })
        held: dict[str, int] = {
            series_uid: n for series_uid, n in conn.execute(_HELD, {"p": project_id, "study": study.study_uid})
        }
        if expected is not None and sum(held.values()) >= expected:
            return None  # already here: a scheduled pull does not fetch it again
        # Only the series that lack instances (after an interrupted retrieve, say), unless that cannot be told:
        # rows recorded before series were, or counts the PACS did not give.
        lacking = {s.series_uid for s in series if s.instances is None or held.get(s.series_uid, 0) < s.instances}
        if "" in held or not lacking:
            lacking = {s.series_uid for s in series}
        return _Wanted(study.study_uid, lacking, {project_id}, retrieved_at)

    def _retrieve(self, wanted: _Wanted) -> int | str:
        try:
            sent = self._pacs.retrieve(wanted.study_uid, sorted(wanted.series))
            error = ""
        except PacsError as exc:
            sent, error = 0, str(exc)
            log.warning("retrieve of a study for project(s) %s failed: %s", ",".join(sorted(wanted.projects)), exc)
        conn = self._connect()
        try:
            with transaction(conn):  # attempts count failures in a row; the scheduler retries with backoff
                conn.execute(_retrieve_ended(failed=bool(error)),
                             [{"error": error, "now": time.time(), "p": p, "study": wanted.study_uid}
                              for p in wanted.projects])
        finally:
            conn.close()
        return error if error else sent


def _may_be_in_intake(retrieved_at: float | None, intake_since: float | None) -> bool:
    """Whether a study's last good retrieve ended after the oldest file still waiting in the intake buffer
    arrived (and not longer ago than ``RETRIEVE_SETTLE_S``)."""
    if retrieved_at is None or intake_since is None:
        return False
    return intake_since <= retrieved_at and time.time() - retrieved_at < RETRIEVE_SETTLE_S


class _Retrievals:
    """Studies handed to the pool as they are found. A study found again (the same patient in another project)
    joins its retrieval if that has not started; once started, only the series it lacks are fetched again."""

    def __init__(self, pool: ThreadPoolExecutor, retrieve: Callable[[_Wanted], int | str]) -> None:
        self._pool = pool
        self._retrieve = retrieve
        self._lock = threading.Lock()
        self._waiting: dict[str, _Wanted] = {}
        self._started: dict[str, _Wanted] = {}
        self._futures: list[Future[int | str]] = []

    @property
    def studies(self) -> int:
        with self._lock:
            return len(self._waiting.keys() | self._started.keys())

    def add(self, wanted: _Wanted) -> None:
        with self._lock:
            waiting = self._waiting.get(wanted.study_uid)
            if waiting is not None:
                waiting.series |= wanted.series
                waiting.projects |= wanted.projects
                return
            running = self._started.get(wanted.study_uid)
            if running is not None:
                # its outcome is recorded for this project too (a new set: the running retrieve may be reading it)
                running.projects = running.projects | wanted.projects
                wanted.series -= running.series
                if not wanted.series:
                    return
            self._waiting[wanted.study_uid] = wanted
        self._futures.append(self._pool.submit(self._run, wanted.study_uid))

    def _run(self, study_uid: str) -> int | str:
        with self._lock:
            wanted = self._waiting.pop(study_uid)
            running = self._started.setdefault(study_uid, wanted)
            if running is not wanted:
                running.series = running.series | wanted.series
                running.projects = running.projects | wanted.projects
        return self._retrieve(wanted)

    def outcomes(self) -> list[int | str]:
        return [future.result() for future in self._futures]


def _record_lookup(conn: Connection, participant: Participant, not_found: str, failed: bool = False) -> None:
    """What the participant's PACS query came to: '' (studies found), why nothing was found, or why the PACS
    could not be asked (``failed``: counted, so the scheduler retries with backoff and gives up in the end)."""
    with transaction(conn):
        conn.execute(_RECORD_LOOKUP, {
            "project_id": participant.project_id, "participant_id": participant.participant_id,
            "outcome": not_found, "queried_at": time.time(), "attempts": int(failed),
        })


def projects_to_retry(conn: Connection) -> tuple[set[str], int]:
    """Projects with a study whose last retrieve failed, or a participant the PACS could not be asked about,
    that may be tried again; and the most failures in a row among those (for the backoff)."""
    rows = conn.execute(_TO_RETRY).all()
    return {r[0] for r in rows}, max((r[1] for r in rows), default=0)


_new_study = insert(study_table)
_NOTE_STUDY = _new_study.on_conflict_do_update(
    index_elements=[study_table.c.project_id, study_table.c.source_study_uid],
    set_={c: _new_study.excluded[c] for c in ("expected_instances", "expected_series", "queried_at")},
).returning(study_table.c.retrieved_at)
_HELD = (
    select(instance.c.source_series_uid, func.count())
    .where(instance.c.project_id == bindparam("p"), instance.c.source_study_uid == bindparam("study"),
           instance.c.state != "withdrawn")
    .group_by(instance.c.source_series_uid)
)
_new_lookup = insert(participant_lookup)
_RECORD_LOOKUP = _new_lookup.on_conflict_do_update(
    index_elements=[participant_lookup.c.project_id, participant_lookup.c.participant_id],
    set_={"outcome": _new_lookup.excluded.outcome, "queried_at": _new_lookup.excluded.queried_at,
          "attempts": case((_new_lookup.excluded.attempts > 0, participant_lookup.c.attempts + 1), else_=0)},
)
_lookup, _enrolled = participant_lookup, participant_table
_TO_RETRY = union_all(
    select(study_table.c.project_id, func.max(study_table.c.retrieve_attempts))
    .where(study_table.c.retrieve_error != "", study_table.c.retrieve_attempts < RETRIEVE_GIVE_UP)
    .group_by(study_table.c.project_id),
    select(_lookup.c.project_id, func.max(_lookup.c.attempts))
    .join(_enrolled, (_enrolled.c.project_id == _lookup.c.project_id)
          & (_enrolled.c.participant_id == _lookup.c.participant_id))
    .where(_lookup.c.attempts > 0, _lookup.c.attempts < RETRIEVE_GIVE_UP, _enrolled.c.withdrawn_at.is_(None))
    .group_by(_lookup.c.project_id),
)


def _retrieve_ended(failed: bool) -> Update:
    """A study's retrieve ended: failures in a row are counted; a success clears them and says when."""
    ended = update(study_table).where(study_table.c.project_id == bindparam("p"),
                                      study_table.c.source_study_uid == bindparam("study"))
    if failed:
        return ended.values(retrieve_error=bindparam("error"), retrieve_attempts=study_table.c.retrieve_attempts + 1)
    return ended.values(retrieve_error=bindparam("error"), retrieve_attempts=0, retrieved_at=bindparam("now"))
