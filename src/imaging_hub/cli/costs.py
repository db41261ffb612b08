"""``imaging-hub costs attribute``: AcoRD attribution and cost per site per month, offline, from CSV files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console

_HELP = """Attribute a study's costs by AcoRD and price recorded activity per site per month.

SCHEDULE.csv, the schedule of events, one row per activity of a visit: study, arm, visit, activity, kind (scan,
report, research_read, consent, data_transfer, data_collection, coordination, regulatory, analysis, other),
staff_role, minutes, tariff_code, patient_care (yes/no), continues_after_study (yes/no: would the care continue
if the service carried on after the study; blank for research activity), standard_care (yes/no); optional
part_b_item (local_coordination, data_collection, regulatory_preparation, investigator_explanation),
replaces_tariff_code (the standard care a new treatment replaces, for its excess treatment cost) and per_visit
(how many times a visit does it, default 1).

ACTIVITY.csv, recorded activity: site, month (YYYY-MM), study, arm, visit, count (participants who had the
visit); optional activity (only that activity took place, not the whole visit).

TARIFF.csv, one financial year's prices (give --tariff once per year the months span): year (2025/26), code,
description, unit (item: per occurrence; hour: per hour of staff time, charged for the activity's minutes and
rounded to the penny), price (pounds, 123.45).

OVERRIDES.csv (optional): study, arm, visit, activity, category (research_part_a, research_part_b,
nhs_support, nhs_treatment), by, at (ISO 8601 with a UTC offset), justification.

COSTS.csv, one row per site, month and activity: site, month, tariff_year, study, arm, visit, activity, kind,
staff_role, minutes, tariff_code, occurrences, unit_cost, cost, category, reason, rule_category, rule_reason,
override_by, override_at, override_justification, standard_care_cost, excess_treatment_cost,
excess_treatment_saving (the excess is never negative: care cheaper than the standard care it replaces is a
saving). --summary writes per site and month: site, month, one column per category, total,
excess_treatment_cost, excess_treatment_saving. --xlsx writes that summary and a sheet per category; --chart
a panel per category (PNG or SVG by the file's suffix).

Any bad row or column is named and nothing is written."""


def register(app: typer.Typer) -> None:
    costs = typer.Typer(help="Study costs: AcoRD attribution and cost per site per month.", no_args_is_help=True)

    @costs.command("attribute", help=_HELP)
    def attribute(
        schedule: Path = typer.Argument(..., metavar="SCHEDULE.csv", help="The schedule of events."),
        activity: Path = typer.Argument(..., metavar="ACTIVITY.csv", help="Recorded activity per site and month."),
        tariff: list[Path] = typer.Option(..., "--tariff", metavar="TARIFF.csv", help="An annual tariff (repeatable)."),
        out: Path = typer.Option(..., "--out", metavar="COSTS.csv", help="Cost lines to write."),
        overrides: Path | None = typer.Option(None, "--overrides", metavar="OVERRIDES.csv",
                                              help="Recorded overrides of the rule's category."),
        summary: Path | None = typer.Option(None, "--summary", metavar="SUMMARY.csv",
                                            help="Per site per month totals to write."),
        xlsx: Path | None = typer.Option(None, "--xlsx", metavar="COSTS.xlsx", help="Workbook to write."),
        chart: Path | None = typer.Option(None, "--chart", metavar="COSTS.png", help="Chart to write (.png or .svg)."),
    ) -> None:
        from imaging_hub.network import costs as engine

        errors = Console(stderr=True)
        image_format = (chart.suffix.lstrip(".").lower() if chart else "png") or "png"
        if image_format not in ("png", "svg"):
            errors.print("[red]Refused[/red]: --chart must name a .png or .svg file")
            raise typer.Exit(2)
        try:
            plan = engine.read_schedule(schedule)
            tariffs = engine.Tariffs([engine.read_tariff(path) for path in tariff])
            log = engine.read_activity(activity)
            chosen = engine.read_overrides(overrides, plan) if overrides else {}
            report = engine.cost(plan, tariffs, log, chosen)
        except engine.CostsInputError as refused:
            errors.print(f"[red]Refused[/red]: {len(refused.problems)} problem(s); nothing was written")
            for problem in refused.problems:
                errors.print(f"  - {problem}", markup=False, highlight=False)
            raise typer.Exit(1) from None
        outputs: list[tuple[Path, Callable[[Path], None]]] = [(out, lambda p: engine.write_lines_csv(report, p))]
        if summary:
            outputs.append((summary, lambda p: engine.write_summary_csv(report, p)))
        if xlsx:
            outputs.append((xlsx, lambda p: engine.write_workbook(report, p)))
        if chart:
            outputs.append((chart, lambda p: engine.write_chart(report, p, image_format)))
        try:
            engine.write_together(outputs)
        except (OSError, ValueError) as failed:
            errors.print(f"[red]Not written[/red]: {failed}", highlight=False)
            raise typer.Exit(1) from None
        console = Console()
        console.print(f"{len(report.lines)} cost lines for {len(report.site_months())} site-months, "
                      f"tariff year(s) {', '.join(tariffs.years)}")
        for category in engine.Category:
            console.print(f"  {category.label}: £{report.category_total(category):,.2f}")
        console.print(f"Wrote {', '.join(str(p) for p, _ in outputs)}")

    app.add_typer(costs, name="costs")
