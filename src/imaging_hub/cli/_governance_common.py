"""What the ``imaging-hub governance`` commands share: the hub options, opening the hub's governance, and
running one domain action with its refusal printed as words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

from imaging_hub.cli._existing import require_hub
from imaging_hub.config import HubSettings
from imaging_hub.governance import Governance, GovernanceError

console = Console(stderr=True)
T = TypeVar("T")



@contextmanager
def open_governance(
    data: Path | None, database: str | None, config: Path | None, *, read_only: bool = False
) -> Iterator[Governance]:
    """The hub's governance; ``read_only``: the hub must exist already (a read never creates one)."""
    try:
        settings = HubSettings.load(config, data=data, database=database)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if read_only:
        require_hub(settings, console)
    else:
        settings.data.mkdir(parents=True, exist_ok=True)
    gov = Governance.open_hub(settings)
    try:
        yield gov
    finally:
        gov.close()


def run(
    data: Path | None, database: str | None, config: Path | None, action: Callable[[Governance], T],
    *, read_only: bool = False,
) -> T:
    """Run one domain action; a refusal is printed as what was wrong and exits 1."""
    with open_governance(data, database, config, read_only=read_only) as gov:
        try:
            return action(gov)
        except GovernanceError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from exc


def when(text: str | None, option: str) -> datetime | None:
    """An ISO date (midnight UTC) or date-time (UTC when no offset is given)."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {option} must be an ISO date or date-time, not {text!r}")
        raise typer.Exit(2) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
