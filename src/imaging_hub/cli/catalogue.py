"""``imaging-hub catalogue``: the network catalogue at the hub's console. ``sync`` fills it from the released
snapshots (as the local operator, audited), ``search`` reads it in full text, ``jsonld`` prints one entry as
schema.org ``Dataset`` JSON-LD for other catalogues to harvest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE, hub_session
from imaging_hub.config import HubSettings
from imaging_hub.governance import Governance
from imaging_hub.governance import administration as admin
from imaging_hub.hub import catalogue_snapshots, put_entries
from imaging_hub.network.catalogue import Catalogue, CatalogueInputError, EntryKind, entered_entries
from imaging_hub.store import Archive

console = Console(stderr=True)


def _settings(data: Path | None, database: str | None, config: Path | None) -> HubSettings:
    try:
        return HubSettings.load(config, data=data, database=database)
    except ValueError as exc:
        console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    catalogue = typer.Typer(
        help="The network catalogue: fill it from snapshots, search it, export JSON-LD.", no_args_is_help=True
    )

    @catalogue.command("sync")
    def sync(
        publisher: str = typer.Option("Imaging Hub network", "--publisher", help="Who publishes the entries."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Put an entry for every released snapshot (replacing earlier ones); prints their keys."""
        settings = _settings(data, database, config)
        if not settings.data.is_dir():
            console.print("error: no hub data folder there; run imaging-hub serve or demo first", markup=False)
            raise typer.Exit(2)
        gov = Governance.open_hub(settings)
        archive = Archive.open(settings.data, settings.database)
        try:
            keys = catalogue_snapshots(
                gov, archive, Catalogue.on(archive.database.writer), publisher, admin.local_operator()
            )
        finally:
            archive.close()
            gov.close()
        console.print(f"{len(keys)} snapshot entr{'y' if len(keys) == 1 else 'ies'} in the catalogue.")
        for key in keys:
            typer.echo(key)

    @catalogue.command("add")
    def add(
        entries: Path = typer.Argument(..., metavar="ENTRIES.json", help=(
            "A JSON list of entries, each with key, kind (external_repository, trials_unit or imaging_site), title,"
            " description, publisher, and optionally modalities, body_parts, sites, keywords (lists), url, terms,"
            " licence_url, participants, studies, instances, scanners, start, end (YYYY-MM-DD).")),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Add (or replace, by key) open repositories, trials units and imaging sites; audited. All or nothing."""
        try:
            checked = entered_entries(json.loads(entries.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, CatalogueInputError) as exc:
            reason = str(exc) if isinstance(exc, CatalogueInputError) else f"{entries.name} is not readable JSON"
            console.print(f"error: {reason}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        settings = _settings(data, database, config)
        if not settings.data.is_dir():
            console.print("error: no hub data folder there; run imaging-hub serve or demo first", markup=False)
            raise typer.Exit(2)
        with hub_session(data, database, config, console) as session:
            put_entries(Catalogue.on(session.archive.database.writer), checked, session.gov, session.operator)
        console.print(f"{len(checked)} entr{'y' if len(checked) == 1 else 'ies'} in the catalogue.")

    @catalogue.command("search")
    def search(
        text: str = typer.Argument(..., help="Words to find (all must match; a trailing * matches a prefix)."),
        kind: str | None = typer.Option(
            None, "--kind", help="Only this kind: " + ", ".join(k.value for k in EntryKind)
        ),
        limit: int = typer.Option(20, "--limit", min=1, max=200, help="At most this many results."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Full-text search; prints key, kind and title, best first."""
        try:
            wanted = EntryKind(kind) if kind else None
        except ValueError:
            console.print(f"error: --kind must be one of {', '.join(k.value for k in EntryKind)}", markup=False)
            raise typer.Exit(2) from None
        with _open(_settings(data, database, config)) as cat:
            try:
                hits = cat.search(text, wanted, limit)
            except CatalogueInputError as exc:
                console.print(f"error: {exc}", markup=False)
                raise typer.Exit(2) from None
        for hit in hits:
            typer.echo(f"{hit.entry.key}\t{hit.entry.kind.value}\t{hit.entry.title}")

    @catalogue.command("jsonld")
    def jsonld(
        key: str = typer.Argument(..., help="The entry's key."),
        base_url: str = typer.Option("https://imaging-hub.example", "--base-url", help="The catalogue's address."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """One entry as schema.org Dataset JSON-LD."""
        with _open(_settings(data, database, config)) as cat:
            document = cat.jsonld(key, base_url)
        if document is None:
            console.print("error: no catalogue entry with that key", markup=False)
            raise typer.Exit(1)
        typer.echo(json.dumps(document, indent=2, sort_keys=True))

    app.add_typer(catalogue, name="catalogue")


@contextmanager
def _open(settings: HubSettings) -> Iterator[Catalogue]:
    """The catalogue in the hub's database; refuses where there is no hub rather than creating one."""
    if not settings.data.is_dir():
        console.print("error: no hub data folder there; run imaging-hub serve or demo first", markup=False)
        raise typer.Exit(2)
    archive = Archive.open(settings.data, settings.database)
    try:
        yield Catalogue.on(archive.database.writer)
    finally:
        archive.close()
