"""``imaging-hub audit verify|checkpoint|rotate-key|export``: check the tamper-evident trail against a signed
checkpoint an auditor keeps, write such a checkpoint, rotate the chain's HMAC key, export the trail."""

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
        return Governance.open_hub(settings)

    @audit.command("verify")
    def verify(
        data: Path | None = typer.Option(None, help="Hub data folder."),
        database: str | None = typer.Option(None, help="Database URL (default: SQLite in the data folder)."),
        config: Path | None = typer.Option(None, help="TOML settings file."),
        checkpoint: Path | None = typer.Option(
            None, help="A checkpoint file written earlier by 'audit checkpoint' (kept outside the hub): the entry "
            "it names must still be there, unchanged."),
    ) -> None:
        """Check every entry's keyed hash and link, and the chain against a checkpoint; name any altered,
        removed, forged or reordered entry. Exit 1 if broken."""
        from imaging_hub.governance import read_checkpoint

        console = Console()
        try:
            anchor = read_checkpoint(checkpoint) if checkpoint is not None else None
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        gov = open_governance(data, database, config)
        try:
            report = gov.verify_audit(anchor)
        finally:
            gov.close()
        problems = list(report.problems)
        if problems:
            console.print(f"[red]Audit trail BROKEN[/red]: {len(problems)} problem(s) in {report.checked} entries")
            for problem in problems:
                console.print(f"  - {problem}")
            raise typer.Exit(1)
        console.print(
            f"[green]Audit trail intact[/green]: {report.checked} entries; head entry {report.head_seq}, "
            f"hash {report.head_hash}" + (f"; checkpoint at entry {anchor.seq} holds" if anchor else
                                          " (keep a checkpoint, 'audit checkpoint --out FILE', to anchor later checks)")
        )

    @audit.command("checkpoint")
    def checkpoint_command(
        out: Path = typer.Option(..., "--out", help="File to write the signed checkpoint to (keep it off the hub)."),
        data: Path | None = typer.Option(None, help="Hub data folder."),
        database: str | None = typer.Option(None, help="Database URL (default: SQLite in the data folder)."),
        config: Path | None = typer.Option(None, help="TOML settings file."),
    ) -> None:
        """Sign the chain's head now with the hub's checkpoint key and write it to a file an auditor keeps."""
        from imaging_hub.governance import write_checkpoint

        gov = open_governance(data, database, config)
        try:
            report = gov.verify_audit()
            if not report.ok:
                Console().print("[red]Audit trail BROKEN[/red]: no checkpoint written; run 'audit verify'")
                raise typer.Exit(1)
            signed = gov.audit.checkpoint()
        finally:
            gov.close()
        write_checkpoint(out, signed)
        Console().print(f"Checkpoint of entry {signed.seq} (hash {signed.entry_hash}) written to {out}")

    @audit.command("rotate-key")
    def rotate_key(
        data: Path | None = typer.Option(None, help="Hub data folder."),
        database: str | None = typer.Option(None, help="Database URL (default: SQLite in the data folder)."),
        config: Path | None = typer.Option(None, help="TOML settings file."),
    ) -> None:
        """Key new audit entries with a new HMAC key; the old keys stay for verifying older entries.
        Running hubs pick the new key up when restarted."""
        gov = open_governance(data, database, config)
        try:
            assert gov.audit.keys is not None
            key_id = gov.audit.keys.rotate()
        finally:
            gov.close()
        Console().print(f"New audit key {key_id} is current")

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
