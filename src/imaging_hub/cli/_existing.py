"""Read-only commands never create state: they check that the hub or spoke they read already exists.

A mistyped ``--data`` must be an error, not a fresh empty database that then reports "intact, 0 entries".
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.config import HubSettings
from imaging_hub.spoke import STATE_FILE_NAME

_SQLITE = "sqlite:///"


def require_hub(settings: HubSettings, console: Console) -> None:
    """Exit 2, saying why, unless the settings name a hub database that already exists. A server
    database (PostgreSQL) is checked by connecting; an SQLite one must be a file already."""
    url = settings.database_url
    if not url.startswith(_SQLITE):
        return
    index = Path(url.removeprefix(_SQLITE))
    if not index.parent.is_dir():
        console.print(
            f"[red]error:[/red] no hub data folder at {index.parent} (give the --data or --config of an existing hub)"
        )
        raise typer.Exit(2)
    if not index.is_file():
        console.print(
            f"[red]error:[/red] {index.parent} holds no hub database ({index.name}): is it a hub's data folder?"
        )
        raise typer.Exit(2)


def require_spoke_data(data: Path, console: Console) -> None:
    """Exit 2, saying why, unless the spoke data folder and its database exist (opening a missing database
    would create one)."""
    if not data.is_dir():
        console.print(
            f"[red]error:[/red] no spoke data folder at {data} "
            "(give the spoke's --config, or --data of a spoke that has run)"
        )
        raise typer.Exit(2)
    if not (data / STATE_FILE_NAME).is_file():
        console.print(
            f"[red]error:[/red] {data} holds no spoke database ({STATE_FILE_NAME}): "
            "is it the data folder of a spoke that has run?"
        )
        raise typer.Exit(2)
