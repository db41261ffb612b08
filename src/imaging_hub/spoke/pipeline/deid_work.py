"""One intake file's worth of work: read it, decide which projects it may leave for, de-identify a copy per
project and write it to the outbox. Pure CPU and file work with read-only database queries, so it can run in
a worker process; what must be committed comes back as plain data (``FileOutcome``) for the processor.

A worker process builds its ``WorkContext`` once, from the spoke settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from imaging_hub.deid import HeldForReview, Quarantined
from imaging_hub.dicom.part10 import encode_part10_buffers, read_part10
from imaging_hub.spoke.delivery.outbox import DEIDENTIFIED, QUARANTINED, Outbox
from imaging_hub.spoke.intake.fingerprint import same_source, source_fingerprint
from imaging_hub.spoke.participants.gatekeeper import Decision, Gatekeeper
from imaging_hub.spoke.participants.identity import InstanceIdentity, SubjectHasher
from imaging_hub.spoke.pipeline.acquisition import AcquisitionRule, check_acquisition, summary
from imaging_hub.spoke.pipeline.projects import ProjectDeidentifiers
from imaging_hub.spoke.review import HELD, HeldFolder
from imaging_hub.spoke.settings import SpokeSettings
from imaging_hub.spoke.state import connect
from imaging_hub.spoke.tables import instance

log = logging.getLogger(__name__)

UNREADABLE = "unreadable DICOM"
HELD_BY_CHECK = "held by acquisition check"


@dataclass
class OutboxRow:
    project_id: str
    source_sop_uid: str
    source_study_uid: str
    source_sha256: str  # the source's fingerprint (``fingerprint``)
    participant_id: str
    deid_study_uid: str
    deid_sop_uid: str = ""
    state: str = DEIDENTIFIED
    reason: str = ""
    finding: str = ""  # acquisition checks that warned
    blob: str = ""
    sha256: str = ""
    size: int = 0
    source_series_uid: str = ""  # which of the study's series it came in, for pulling only what a study lacks
    proposed: tuple[tuple[int, int, int, int], ...] = ()  # held for review: the masks the screen proposes


@dataclass
class FileOutcome:
    """What one intake file came to; the processor records it in one transaction with its group."""

    path: Path
    decided: list[tuple[InstanceIdentity, list[Decision]]] = field(default_factory=list)
    rows: list[OutboxRow] = field(default_factory=list)
    queued: int = 0
    quarantined: int = 0
    duplicates: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> instances

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


@dataclass
class WorkContext:
    conn: Connection
    outbox: Outbox
    gatekeeper: Gatekeeper
    deidentifiers: ProjectDeidentifiers
    acquisition_checks: dict[str, list[AcquisitionRule]] = field(default_factory=dict)  # by project
    held: HeldFolder | None = None  # where instances held for review wait; beside the outbox if not given

    def held_folder(self) -> HeldFolder:
        if self.held is None:
            self.held = HeldFolder(self.outbox.directory.parent / "held")
        return self.held

    @classmethod
    def for_settings(cls, settings: SpokeSettings, conn: Connection | None = None,
                     outbox: Outbox | None = None) -> WorkContext:
        data = settings.data
        return cls(
            conn=conn if conn is not None else connect(data),
            outbox=outbox if outbox is not None else Outbox(data / "outbox", fsync=settings.intake_fsync),
            gatekeeper=Gatekeeper({p.id: p for p in settings.projects}, SubjectHasher.for_data_dir(data)),
            deidentifiers=ProjectDeidentifiers(settings.projects, settings.site_id),
            acquisition_checks={p.id: p.acquisition_checks for p in settings.projects if p.acquisition_checks},
            held=HeldFolder(data / "held"),
        )


def process_file(ctx: WorkContext, path: Path) -> FileOutcome:
    outcome = FileOutcome(path)
    data = path.read_bytes()
    try:
        ds = read_part10(data)
        who = InstanceIdentity.of(ds)
        if not who.sop_uid or not who.study_uid:
            raise InvalidDicomError("missing SOPInstanceUID or StudyInstanceUID")
    except Exception:  # anything unparsable is dropped, counted, never forwarded
        outcome.decided.append((InstanceIdentity("", frozenset(), "", "", "", ""), [Decision("", None, UNREADABLE)]))
        outcome.drop(UNREADABLE)
        return outcome
    decisions = ctx.gatekeeper.decide(ctx.conn, who)
    outcome.decided.append((who, decisions))
    fingerprint = source_fingerprint(data, ds)  # before de-identification changes ds
    first = True
    for decision in decisions:
        if not decision.accepted or decision.participant is None:
            outcome.drop(decision.reason)
            continue
        if _already_queued(ctx.conn, decision.project_id, who.sop_uid, fingerprint, data):
            outcome.duplicates += 1
            continue
        if not first:
            ds = read_part10(data)  # each project de-identifies its own copy
        first = False
        outcome.rows.append(_deidentify(ctx, ds, who, decision, fingerprint, outcome))
    return outcome


def _deidentify(
    ctx: WorkContext, ds: Dataset, who: InstanceIdentity, decision: Decision, fingerprint: str, outcome: FileOutcome
) -> OutboxRow:
    assert decision.participant is not None
    project_id = decision.project_id
    deid = ctx.deidentifiers[project_id]
    row = OutboxRow(project_id, who.sop_uid, who.study_uid, fingerprint, decision.participant.participant_id,
                    deid.uid(who.study_uid), source_series_uid=who.series_uid)
    try:
        result = deid.deidentify(ds, subject_id=decision.participant.participant_id)
    except HeldForReview as exc:
        if exc.candidate is None:
            raise
        return _hold(ctx, row, exc, exc.candidate, outcome)
    except Quarantined as exc:
        row.state, row.reason = QUARANTINED, f"quarantined by de-identification: {exc}"
        outcome.quarantined += 1
        log.warning("project=%s instance quarantined: %s", project_id, exc)
        return row
    row.deid_sop_uid = str(result.dataset.SOPInstanceUID)
    row.deid_study_uid = str(result.dataset.StudyInstanceUID)
    findings = check_acquisition(ctx.acquisition_checks.get(project_id, ()), result.dataset)
    held = [f for f in findings if f.action == "hold"]
    if held:
        row.state, row.reason = QUARANTINED, f"{HELD_BY_CHECK}: {summary(held)}"
        outcome.quarantined += 1
        log.warning("project=%s instance held by acquisition check: %s", project_id, summary(held))
        return row
    row.finding = summary(findings)
    encoded = encode_part10_buffers(result.dataset)  # kept elements copied as raw bytes, Pixel Data not copied
    written = ctx.outbox.write(project_id, row.deid_sop_uid, encoded)
    row.blob, row.sha256, row.size = str(written.path), written.sha256, written.size
    outcome.queued += 1
    return row


def _hold(ctx: WorkContext, row: OutboxRow, held: HeldForReview, candidate: Dataset,
          outcome: FileOutcome) -> OutboxRow:
    """Keep the candidate at the spoke, out of the outbox, for a person to review (``spoke.review``)."""
    row.deid_sop_uid = str(candidate.SOPInstanceUID)
    row.deid_study_uid = str(candidate.StudyInstanceUID)
    row.state, row.reason, row.proposed = HELD, held.why, held.boxes
    row.blob = str(ctx.held_folder().write(row.project_id, row.deid_sop_uid, encode_part10_buffers(candidate)))
    outcome.quarantined += 1
    log.warning("project=%s instance %s", row.project_id, held.reason)
    return row


def _already_queued(conn: Connection, project_id: str, source_sop_uid: str, fingerprint: str,
                    data: bytes) -> bool:
    found = conn.scalar(_SOURCE_FINGERPRINT, {"p": project_id, "sop": source_sop_uid})
    # The same source again (a PACS resend, a repeated pull): nothing to do. A different one: the PACS
    # corrected the instance, so it goes again (the hub keeps the first and flags the conflict).
    return found is not None and same_source(found, fingerprint, data)


_SOURCE_FINGERPRINT = select(instance.c.source_sha256).where(
    instance.c.project_id == bindparam("p"), instance.c.source_sop_uid == bindparam("sop"))
