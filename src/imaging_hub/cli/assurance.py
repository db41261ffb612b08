"""``imaging-hub assurance validate|segmentation|monitor|mrmc``: assess an AI tool from files (and, through the
hub's data, ``reader-study create|list|analyse`` in ``_assurance_readers``).

The assurance package is imported inside each command: it loads scipy, statsmodels and matplotlib, which the
other commands should not pay for.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.cli._assurance_readers import add_reader_study_commands
from imaging_hub.cli._assurance_register import add_register_commands
from imaging_hub.cli._assurance_seg import add_seg_command


def _fail(console: Console, exc: Exception) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc}")
    return typer.Exit(2)


def register(app: typer.Typer) -> None:
    assurance = typer.Typer(help="AI assurance: validation, segmentation agreement, monitoring.",
                            no_args_is_help=True)

    @assurance.command("validate")
    def validate(
        cases: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV: case_id, patient_id, site, "
                                     "label, score, comparator and subgroup columns."),
        out: Path = typer.Option(..., "--out", help="Folder for validation.json, report.html, report.pdf."),
        threshold: float = typer.Option(..., "--threshold", help="The tool's locked operating threshold."),
        compare: str | None = typer.Option(None, "--compare", help="Comparator score column (paired DeLong)."),
        prevalence: float | None = typer.Option(None, "--prevalence", help="Deployment prevalence for PPV/NPV."),
        bootstrap: int | None = typer.Option(None, "--bootstrap", help="Patient-clustered bootstrap replicates."),
        seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
        correction: str = typer.Option("holm", "--correction", help="Subgroup multiplicity: holm or bh."),
        min_cases: int = typer.Option(30, "--min-cases", help="Smaller subgroup levels are flagged insufficient."),
    ) -> None:
        """Validate an AI tool's scores against the reference standard."""
        from imaging_hub.assurance import (
            AssuranceInputError,
            SubgroupRules,
            ValidationOptions,
            described,
            validate_csv,
        )

        console = Console(stderr=True)
        try:
            rules = SubgroupRules(min_cases=min_cases, correction=correction)
            options = ValidationOptions(threshold, compare, prevalence, bootstrap, seed, rules)
            result = validate_csv(cases, options, out)
        except (AssuranceInputError, ValueError) as exc:
            raise _fail(console, exc) from None
        auc = result["auc"]
        console.print(f"AUC {described(auc)}; "
                      f"sensitivity {described(result['sensitivity'])}, "
                      f"specificity {described(result['specificity'])}; {result['n']} cases, "
                      f"{len(result['sites'])} sites. Wrote {out}/validation.json, report.html, report.pdf")

    @assurance.command("segmentation")
    def segmentation(
        reference: Path = typer.Argument(..., exists=True, file_okay=False, help="Reference masks or SEGs."),
        predicted: Path = typer.Argument(..., exists=True, file_okay=False, help="The AI tool's masks or SEGs."),
        out: Path = typer.Option(..., "--out", help="Folder for segmentation.json."),
        tolerance: float = typer.Option(2.0, "--tolerance-mm", help="Surface Dice tolerance in mm."),
    ) -> None:
        """Dice, HD95 and surface Dice per case and summarised."""
        from imaging_hub.assurance import AssuranceInputError, assess_segmentations
        from imaging_hub.files import write_atomic

        console = Console(stderr=True)
        try:
            result = assess_segmentations(reference, predicted, tolerance)
        except AssuranceInputError as exc:
            raise _fail(console, exc) from None
        write_atomic(out / "segmentation.json", json.dumps(result, indent=1, allow_nan=False).encode())
        dice = result["summary"]["dice"]
        console.print(f"{len(result['cases'])} structures; mean Dice {dice.get('mean', float('nan')):.3f}. "
                      f"Wrote {out}/segmentation.json")

    @assurance.command("monitor")
    def monitor(
        stream: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV in time order: case_id, date, "
                                      "site, score, label (may be empty), metadata columns."),
        out: Path = typer.Option(..., "--out", help="Folder for monitor.json and monitor.html."),
        threshold: float = typer.Option(..., "--threshold", help="The tool's locked operating threshold."),
        baseline_rows: int = typer.Option(..., "--baseline-rows", help="The first N rows form the baseline."),
        arl0: float = typer.Option(1000.0, "--arl0", min=100.0, help="In-control cases between false alarms."),
        window: int = typer.Option(200, "--window", min=10, help="Drift window in rows."),
        webhook: str | None = typer.Option(None, "--webhook", help="URL that receives a JSON POST per alarm."),
    ) -> None:
        """Watch the tool's error rate (CUSUM, EWMA) and its cases' metadata (drift); raise alarms."""
        from imaging_hub.assurance import AssuranceInputError, DriftRules, MonitorOptions, monitor_csv

        console = Console(stderr=True)
        try:
            options = MonitorOptions(threshold, baseline_rows, arl0=arl0,
                                     drift=DriftRules(window=window, step=max(1, window // 4)))
            result = monitor_csv(stream, options, out, webhook)
        except AssuranceInputError as exc:
            raise _fail(console, exc) from None
        for alarm in result["alarms"]:
            console.print(f"[yellow]alarm[/yellow] {alarm['method']} at row {alarm['index']} ({alarm['date']}): "
                          f"{alarm['detail']}")
        console.print(f"{len(result['alarms'])} alarm(s). Wrote {out}/monitor.json and monitor.html")
        delivery = result["webhook"]
        if delivery and delivery["failed"]:
            console.print(f"[red]webhook:[/red] {len(delivery['failed'])} alarm(s) not delivered to {webhook}")
            raise typer.Exit(1)

    @assurance.command("mrmc")
    def mrmc(
        reads: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV: reader, case_id, modality, score, "
                                     "label; every reader rates every case in every modality."),
        out: Path = typer.Option(..., "--out", help="Folder for mrmc.json and feedback-reader-NN.json."),
        reference: str | None = typer.Option(None, "--reference-modality", help="The modality the others are "
                                             "compared with (default: the first in sorted order)."),
        covariance: str = typer.Option("jackknife", "--covariance", help="jackknife or delong."),
    ) -> None:
        """Compare readers' AUCs across modalities (e.g. without and with AI): Obuchowski-Rockette, Hillis ddf."""
        from imaging_hub.assurance import (
            AssuranceInputError,
            obuchowski_rockette,
            read_reader_study,
            reader_feedback,
            write_together,
        )

        console = Console(stderr=True)
        try:
            study = read_reader_study(reads)
            if reference is not None:
                if reference not in study.modalities:
                    raise AssuranceInputError(f"{reads.name}: no modality of that name")
                order = (reference, *[m for m in study.modalities if m != reference])
                study = read_reader_study(reads, order)
            result = obuchowski_rockette(study, covariance=covariance)
        except AssuranceInputError as exc:
            raise _fail(console, exc) from None
        files = {"mrmc.json": json.dumps(result.to_json(), indent=1, allow_nan=False).encode()}
        for number, reader in enumerate(study.readers, start=1):  # one private file per reader, for their CPD
            files[f"feedback-reader-{number:02d}.json"] = json.dumps(reader_feedback(result, reader), indent=1).encode()
        write_together(out, files)
        for c in result.comparisons:
            d = c.difference
            console.print(f"AUC {c.modality} minus {c.reference}: {d.estimate:+.3f} ({d.low:+.3f} to {d.high:+.3f}), "
                          f"p = {c.p_value:.3g}, ddf {c.ddf:.1f}; {len(study.readers)} readers, "
                          f"{len(study.cases)} cases")
        console.print(f"Wrote {out}/mrmc.json and {len(study.readers)} private feedback-reader-NN.json file(s)")

    add_register_commands(assurance)
    add_seg_command(assurance)
    add_reader_study_commands(assurance)
    app.add_typer(assurance, name="assurance")
