"""``imaging-hub audit verify`` and ``imaging-hub audit export``: check and export the tamper-evident trail."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.cli._existing import require_hub
from imaging_hub.config import HubSettings
from imaging_hub.governance import Governance


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)

    def open_governance(data: Path | None, database: str | None, config: Path | None) -> Governance:
        settings = HubSettings.load(config, data=data, database=database)
        require_hub(settings, Console(stderr=True))  # a mistyped folder is an error, never a new empty trail
        return Governance.open(settings.database_url)

    @audit.command("verify")
    def verify(
        data: Path | None = typer.Option(None, help="Hub data folder."),
        database: str | None = typer.Option(None, help="Database URL (default: SQLite in the data folder)."),
        config: Path | None = typer.Option(None, help="TOML settings file."),
        expect_head: str | None = typer.Option(None, help="Chain head hash recorded earlier, to anchor the check."),
    ) -> None:
        """Check every entry's hash and link; name any altered, removed or reordered entry. Exit 1 if broken."""
        console = Console()
        gov = open_governance(data, database, config)
        try:
            report = gov.verify_audit()
        finally:
            gov.close()
        problems = list(report.problems)
        if expect_head and expect_head != report.head_hash:
            problems.append(f"chain head is {report.head_hash}, not the expected {expect_head}")
        if problems:
            console.print(f"[red]Audit trail BROKEN[/red]: {len(problems)} problem(s) in {report.checked} entries")
            for problem in problems:
                console.print(f"  - {problem}")
            raise typer.Exit(1)
        console.print(
            f"[green]Audit trail intact[/green]: {report.checked} entries; head entry {report.head_seq}, "
            f"hash {report.head_hash} (record it to anchor later checks)"
        )

    @audit.command("export")
    def export(
        output: Path = typer.Argument(..., help="File to write (FHIR R4 Bundle JSON, or NDJSON with --ndjson)."),
        data: Path | None = typer.Option(None, help="Hub data folder."),
        database: str | None = typer.Option(None, help="Database URL (default: SQLite in the data folder)."),
        config: Path | None = typer.Option(None, help="TOML settings file."),
        project: str | None = typer.Option(None, help="Only entries about this project."),
        ndjson: bool = typer.Option(False, help="One AuditEvent per line instead of a Bundle."),
    ) -> None:
        """Export the trail as FHIR AuditEvent resources."""
        from imaging_hub.governance import to_fhir_audit_event, to_fhir_bundle

        gov = open_governance(data, database, config)
        try:
            entries = [e for e in gov.audit.all_in_order() if project is None or e.project == project]
        finally:
            gov.close()
        tmp = output.with_name(output.name + ".part")
        with tmp.open("w", encoding="utf-8") as out:
            if ndjson:
                for entry in entries:
                    out.write(json.dumps(to_fhir_audit_event(entry)) + "\n")
            else:
                json.dump(to_fhir_bundle(entries), out, indent=1)
        tmp.replace(output)
        Console().print(f"Exported {len(entries)} audit events to {output}")

    app.add_typer(audit, name="audit")
