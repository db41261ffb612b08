"""A command working on a hub's own data (labels, assurance, quality): its settings from the usual options, its
governance and archive opened and closed, the local operator as the actor, and the governance audit trail as
the audit sink a room takes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.config import HubSettings
from imaging_hub.governance import Governance, Principal, TrailSink
from imaging_hub.governance import administration as admin
from imaging_hub.store import Archive

# The options naming a hub, the same on every command that works on one.
DATA = typer.Option(None, "--data", help="Hub data folder (default ./imaging-hub-data).")
DATABASE = typer.Option(None, "--database", help="Database URL (default: SQLite in the data folder).")
CONFIG = typer.Option(None, "--config", help="TOML settings file.")


@dataclass
class HubSession:
    gov: Governance
    archive: Archive
    operator: Principal

    def room_audit(self) -> TrailSink:
        """A room's audit sink onto the hub's trail; the commands act as the local operator (``Actor(
        operator.audit_name, kind="cli")``), so that is who its entries name."""
        return TrailSink(self.gov.audit)


def failed(console: Console, message: str, code: int = 1) -> typer.Exit:
    """Print why a command stops (as typed, no markup) and the exit to raise."""
    console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def hub_session(data: Path | None, database: str | None, config: Path | None, console: Console) -> Iterator[HubSession]:
    """Bad settings exit 2 naming what was wrong (never a value)."""
    try:
        settings = HubSettings.load(config, data=data, database=database)
    except ValueError as exc:
        raise failed(console, str(exc), 2) from exc
    settings.data.mkdir(parents=True, exist_ok=True)
    gov = Governance.open_hub(settings)
    try:
        archive = Archive.open(settings.data, settings.database)
        try:
            yield HubSession(gov, archive, admin.local_operator())
        finally:
            archive.close()
    finally:
        gov.close()
