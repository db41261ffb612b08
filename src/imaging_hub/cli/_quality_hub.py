"""``imaging-hub quality run --project`` and ``quality protocol``: the quality room on the hub's own data
folder and database, as the local operator, audited in the hub's trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from imaging_hub.cli._hub_session import hub_session
from imaging_hub.governance import AuditRecord, Governance
from imaging_hub.quality import ClusterChoice, ProtocolError, QualityRoom, QualitySettings, run_project
from imaging_hub.store import Archive


@dataclass
class HubQuality:
    gov: Governance
    archive: Archive
    room: QualityRoom
    operator: str

    def audit(self, action: str, project: str, outcome: str = "success", **detail: Any) -> None:
        self.gov.audit.record(AuditRecord(actor=self.operator, actor_kind="cli", action=action, entity_type="project",
                                          entity_id=project, project=project, purpose="quality", outcome=outcome,
                                          detail=detail))


@contextmanager
def hub_quality(data: Path | None, database: str | None, config: Path | None, console: Console) -> Iterator[HubQuality]:
    with hub_session(data, database, config, console) as session:
        room = QualityRoom.open(session.archive.database.writer)
        yield HubQuality(session.gov, session.archive, room, session.operator.audit_name)


def run_hub_project(project: str, data: Path | None, database: str | None, config: Path | None,
                    cluster: ClusterChoice | None, console: Console) -> None:
    """Every series of the project the hub holds, with a progress bar; what is done already is skipped."""
    if cluster is None:
        try:
            cluster = QualitySettings.load(config).cluster
        except ValueError as exc:
            console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
    with hub_quality(data, database, config, console) as hub, Progress(
        TextColumn(f"quality of {project}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task("run", total=None)
        summary = run_project(hub.archive, hub.room, project, cluster=cluster,
                              on_found=lambda n: progress.update(task, total=n),
                              on_done=lambda _: progress.advance(task))
        hub.audit("quality.run", project, "failed" if summary.failed else "success",
                  assessed=summary.assessed, already_done=summary.already_done, failed=len(summary.failed))
    for uid, reason in summary.failed:
        console.print(f"failed {uid}: {reason}", markup=False, soft_wrap=True)
    console.print(f"{project}: {summary.assessed} series assessed, {summary.already_done} already done, "
                  f"{len(summary.failed)} failed", markup=False)
    if summary.failed:
        raise typer.Exit(1)


def save_hub_protocol(project: str, protocol_file: Path, data: Path | None, database: str | None,
                      config: Path | None, console: Console) -> None:
    try:
        text = protocol_file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"error: {protocol_file}: cannot read the protocol: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    with hub_quality(data, database, config, console) as hub:
        try:
            saved = hub.room.save_protocol(project, text, hub.operator)
        except ProtocolError as exc:
            hub.audit("quality.protocol.save", project, "failed", reason="invalid protocol")
            console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        hub.audit("quality.protocol.save", project, version=saved.version)
    console.print(f"{project}: protocol version {saved.version} saved", markup=False)
