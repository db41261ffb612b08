"""``imaging-hub assurance tool-register|tools|run-model|validate-run|report``: the register of AI tools against
the hub's data folder and database, acting as the local operator and audited through governance.

Here the face joins what the rooms keep apart: a governed cohort (a governance snapshot, its instances found in
the archive and checked against the snapshot's hashes) and the agreement in force, for the assurance room's runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress

from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE, failed, hub_session
from imaging_hub.errors import ImagingHubError
from imaging_hub.governance import Governance, GovernanceError, is_in_force
from imaging_hub.store import Archive

if TYPE_CHECKING:  # the assurance package is imported late: it loads scipy, statsmodels and matplotlib
    from imaging_hub.assurance import Actor, AssuranceRoom, CaseResult, InstanceInput

console = Console(stderr=True)


@dataclass
class Hub:
    gov: Governance
    archive: Archive
    room: AssuranceRoom
    actor: Actor


def _fail(message: str, code: int = 1) -> typer.Exit:
    return failed(console, message, code)


@contextmanager
def _hub(data: Path | None, database: str | None, config: Path | None) -> Iterator[Hub]:
    from imaging_hub.assurance import Actor, AssuranceRoom

    with hub_session(data, database, config, console) as session:
        try:
            room = AssuranceRoom.open(session.archive.database.writer, audit=session.room_audit())
            yield Hub(session.gov, session.archive, room, Actor(session.operator.audit_name, kind="cli", manages=None))
        except (ImagingHubError, GovernanceError) as exc:
            raise _fail(str(exc)) from None


def _in_force(hub: Hub, reference: str, agreement: str) -> tuple[str, int]:
    """The snapshot reference's project and version, refused unless the agreement is in force for the project."""
    from imaging_hub.assurance import AssuranceInputError

    project, _, version = reference.partition("/v")
    if not project or not version.isdigit():
        raise AssuranceInputError("--snapshot must be PROJ/vN")
    found = hub.gov.agreements.get(agreement)
    if project not in {p.code for p in found.projects} or not is_in_force(found, hub.gov.clock()):
        raise AssuranceInputError(f"agreement {agreement} is not in force for project {project}")
    return project, int(version)


def governed_cohort(hub: Hub, reference: str, agreement: str) -> list[InstanceInput]:
    """The snapshot's instances as the archive holds them, refused unless the agreement is in force for its
    project and every blob still has the hash the snapshot recorded."""
    from imaging_hub.assurance import AssuranceInputError, InstanceInput

    project, version = _in_force(hub, reference, agreement)
    snapshot = hub.gov.snapshots.get(project, version)
    cohort: list[InstanceInput] = []
    for item in hub.gov.snapshots.items(snapshot):
        held = hub.archive.get(item.sop_instance_uid)
        if held is None or held.sha256 != item.sha256:
            raise AssuranceInputError(f"snapshot {reference}: an instance is missing or changed in the archive")
        cohort.append(InstanceInput(held.sop_instance_uid, held.study_instance_uid, held.patient_id,
                                    item.site or held.clinical_trial_site_id or "unknown", str(held.path)))
    return cohort


def archive_thumbnails(archive: Archive, instances: Sequence[CaseResult], studies: list[str]) -> dict[str, str]:
    """For each study, the picture of its instance the tool scored highest, as a JPEG data URI."""
    from imaging_hub.dicom import render_thumbnail

    best: dict[str, CaseResult] = {}
    for result in instances:
        found = best.get(result.study_uid)
        if result.study_uid in studies and (found is None or result.score > found.score):
            best[result.study_uid] = result
    pictures = {}
    for study, result in best.items():
        held = archive.get(result.case_id)
        if held is not None:
            pictures[study] = "data:image/jpeg;base64," + base64.b64encode(render_thumbnail(held.path)).decode()
    return pictures


def consensus_reference(hub: Hub, project: str, task_id: int, question: str,
                        positive: str) -> dict[str, dict[str, str]]:
    """The labelling room's final answers (consensus or adjudicated) for a task of the run's project: the rooms
    never meet, the console joins them."""
    from imaging_hub.assurance import AssuranceInputError, reference_from_answers
    from imaging_hub.labelling import LabellingRoom

    labels = LabellingRoom.open(hub.archive.database.writer)
    task = labels.task(task_id)
    if task.project != project:
        raise AssuranceInputError(f"labelling task {task_id} is not a task of project {project}")
    final = labels.final_labels(task_id)
    return reference_from_answers({uid: dict(f.answers) if f else None for uid, f in final.items()}, question,
                                  positive)


def add_register_commands(assurance: typer.Typer) -> None:
    @assurance.command("tool-register")
    def tool_register(
        name: str = typer.Option(..., "--name", help="The AI tool's product name."),
        vendor: str = typer.Option(..., "--vendor", help="Who makes it."),
        version: str = typer.Option(..., "--version", help="Its version, as the vendor names it."),
        intended_use: str = typer.Option(..., "--intended-use", help="What it is for, in the vendor's words."),
        threshold: float = typer.Option(..., "--threshold", help="The locked operating threshold (0..1)."),
        model: Path = typer.Option(..., "--model", exists=True, dir_okay=False, help="The model file (its hash "
                                   "is locked in the register; an ONNX file when the hub runs it)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Add an AI tool to the register with its locked threshold and model hash."""
        from imaging_hub.assurance import ToolSpec, file_sha256

        with _hub(data, database, config) as hub:
            tool = hub.room.register_tool(hub.actor, ToolSpec(
                name, vendor, version, intended_use, threshold, file_sha256(model)))
        console.print(f"registered AI tool {tool.id}: {tool.label} (sha256 {tool.model_sha256[:16]}...)")

    @assurance.command("tools")
    def tools(data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """List the register as JSON."""
        with _hub(data, database, config) as hub:
            found = hub.room.tools()
        typer.echo(json.dumps([{"id": t.id, "name": t.name, "vendor": t.vendor, "version": t.version,
                                "intended_use": t.intended_use, "threshold": t.threshold,
                                "model_sha256": t.model_sha256} for t in found], indent=1))

    @assurance.command("run-model")
    def run_model_command(
        tool_id: int = typer.Argument(..., help="The registered AI tool's id."),
        model: Path = typer.Option(..., "--model", exists=True, dir_okay=False, help="Its ONNX file."),
        snapshot: str = typer.Option(..., "--snapshot", help="The governed cohort: a released snapshot, PROJ/vN."),
        agreement: str = typer.Option(..., "--agreement", help="The data-sharing agreement in force."),
        scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a "
                                             "LocalCluster on this machine)."),
        workers: int | None = typer.Option(None, "--workers", min=1, help="LocalCluster workers."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Run the registered ONNX model over a snapshot; results stored per instance and per study."""
        from imaging_hub.assurance import ClusterChoice, RunSpec, run_model

        with _hub(data, database, config) as hub:
            room = hub.room
            tool = room.tool(tool_id)
            project = snapshot.partition("/")[0]
            try:
                cohort = governed_cohort(hub, snapshot, agreement)
                room.check_model(hub.actor, tool, model)
            except ImagingHubError as exc:
                room.record(hub.actor, "run.inference", "ai_tool", tool.id, project, "denied",
                            reason=type(exc).__name__, snapshot=snapshot, agreement=agreement)
                raise
            with Progress(console=console, transient=True) as progress:
                bar = progress.add_task(f"{tool.label} over {snapshot}", total=len(cohort))
                found = run_model(model, tool.model_sha256, cohort,
                                  cluster=ClusterChoice(scheduler=scheduler, n_workers=workers),
                                  on_done=lambda _item: progress.advance(bar))
            summary = {"instances": len(found.instances), "studies": len(found.studies), "failed": len(found.failed),
                       "cluster": scheduler or "LocalCluster"}
            run = room.record_run(hub.actor, tool.id, RunSpec(
                "inference", "onnx", project, snapshot, agreement, summary), found.results)
        console.print(f"run {run.id}: {summary['instances']} instance(s) and {summary['studies']} study(ies) scored"
                      + (f"; {summary['failed']} could not be read" if found.failed else ""))

    @assurance.command("import-sr")
    def import_sr(
        tool_id: int = typer.Argument(..., help="The registered AI tool's id."),
        snapshot: str = typer.Option(..., "--snapshot", help="The governed cohort: a released snapshot, PROJ/vN."),
        agreement: str = typer.Option(..., "--agreement", help="The data-sharing agreement in force."),
        score_code: str = typer.Option(..., "--score-code", help="The score's concept code in the tool's SR, "
                                       "VALUE,SCHEME (e.g. 12345,99ACME)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Read the AI tool's own SR outputs in a snapshot as its results, one score per study."""
        from pydicom import dcmread

        from imaging_hub.assurance import SR_CLASS_PREFIX, AssuranceInputError, RunSpec, made_by, sr_result

        value, _, scheme = score_code.partition(",")
        with _hub(data, database, config) as hub:
            tool = hub.room.tool(tool_id)
            project, version = _in_force(hub, snapshot, agreement)
            if not value or not scheme:
                raise AssuranceInputError("--score-code must be VALUE,SCHEME")
            results = []
            for item in hub.gov.snapshots.items(hub.gov.snapshots.get(project, version)):
                held = hub.archive.get(item.sop_instance_uid)
                if held is None or not held.sop_class_uid.startswith(SR_CLASS_PREFIX):
                    continue
                report = dcmread(held.path)
                if made_by(report, tool):
                    results.append(sr_result(report, (value, scheme), item.site or "unknown"))
            if not results:
                raise AssuranceInputError(f"snapshot {snapshot} holds no report made by {tool.label}")
            run = hub.room.record_run(hub.actor, tool.id, RunSpec(
                "inference", "dicom", project, snapshot, agreement, {"studies": len(results)}), results)
        console.print(f"run {run.id}: {len(results)} study score(s) read from {tool.label}'s reports")

    @assurance.command("validate-run")
    def validate_run(
        run_id: int = typer.Argument(..., help="An inference run's id."),
        reference: Path | None = typer.Option(None, "--reference", exists=True, dir_okay=False,
                                              help="CSV: case_id (the Study Instance UID), label, subgroup columns."),
        labels_task: int | None = typer.Option(None, "--labels-task", help="Or: a labelling task whose readers' "
                                               "final answers are the reference."),
        question: str = typer.Option("", "--question", help="With --labels-task: the question that is the label."),
        positive: str = typer.Option("", "--positive", help="With --labels-task: the answer that counts as 1."),
        out: Path = typer.Option(..., "--out", help="Folder for validation.json, report.html, report.pdf."),
        prevalence: float | None = typer.Option(None, "--prevalence", help="Deployment prevalence for PPV/NPV."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Validate a stored run's study scores against a reference standard, at the tool's locked threshold."""
        from imaging_hub.assurance import (
            AssuranceInputError,
            RunSpec,
            ValidationOptions,
            cases_from_results,
            described,
            read_reference,
            validate_table,
        )

        with _hub(data, database, config) as hub:
            room = hub.room
            inference = room.run(run_id)
            tool = room.tool(inference.tool_id)
            results = room.results(hub.actor, run_id, "study")
            if (reference is None) == (labels_task is None):
                raise AssuranceInputError("give the reference as either --reference or --labels-task")
            truth = read_reference(reference) if reference is not None else \
                consensus_reference(hub, inference.project, labels_task or 0, question, positive)
            cases = cases_from_results(results, truth, source=f"run {run_id}")
            digest = hashlib.sha256(json.dumps([[r.case_id, r.score] for r in results]).encode()
                                    + json.dumps(truth, sort_keys=True).encode()).hexdigest()
            source = {"name": f"run {run_id} of {tool.label} over {inference.snapshot} under {inference.agreement}",
                      "sha256": digest}
            instances = room.results(hub.actor, run_id, "instance")
            document = validate_table(cases, ValidationOptions(tool.threshold, prevalence=prevalence), out, source,
                                      lambda ids: archive_thumbnails(hub.archive, instances, ids))
            run = room.record_run(hub.actor, tool.id, RunSpec(
                "validation", inference.source, inference.project, inference.snapshot, inference.agreement,
                {"from_run": run_id, "n": document["n"], "auc": document["auc"]}, str(out.resolve())))
        auc = document["auc"]
        console.print(f"validation run {run.id}: AUC {described(auc)} "
                      f"on {document['n']} studies. Wrote {out}/validation.json, report.html, report.pdf")

    @assurance.command("monitor-run")
    def monitor_run(
        tool_id: int = typer.Argument(..., help="The registered AI tool's id."),
        stream: Path = typer.Option(..., "--stream", exists=True, dir_okay=False, help="CSV in time order: "
                                    "case_id, date, site, score, label (may be empty), metadata columns."),
        snapshot: str = typer.Option(..., "--snapshot", help="The project's snapshot the monitoring belongs to."),
        agreement: str = typer.Option(..., "--agreement", help="The data-sharing agreement in force."),
        baseline_rows: int = typer.Option(..., "--baseline-rows", help="The first N rows form the baseline."),
        out: Path = typer.Option(..., "--out", help="Folder for monitor.json and monitor.html."),
        webhook: str | None = typer.Option(None, "--webhook", help="URL for the alarms (default: the "
                                           "[assurance] webhook setting)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Monitor a registered tool at its locked threshold; the run and its alarms go into the register."""
        from imaging_hub.assurance import AssuranceSettings, MonitorOptions, RunSpec, monitor_csv

        url = webhook or AssuranceSettings.load(config).webhook
        with _hub(data, database, config) as hub:
            tool = hub.room.tool(tool_id)
            project, _ = _in_force(hub, snapshot, agreement)
            document = monitor_csv(stream, MonitorOptions(tool.threshold, baseline_rows), out, url)
            run = hub.room.record_run(hub.actor, tool.id, RunSpec(
                "monitoring", "csv", project, snapshot, agreement,
                {"n": document["rows"], "alarms": len(document["alarms"]),
                 "incidents": hub.room.incident_counts(tool.id)},
                str(out.resolve())))
            hub.room.record_alarms(hub.actor, run, document["alarms"])
        console.print(f"monitoring run {run.id}: {len(document['alarms'])} alarm(s)"
                      + (f", sent to the webhook ({document['webhook']['sent']} delivered)" if url else ""))

    @assurance.command("incident")
    def incident(
        tool_id: int = typer.Argument(..., help="The registered AI tool's id."),
        case: str = typer.Option(..., "--case", help="The case's de-identified Study (or SOP) Instance UID."),
        kind: str = typer.Option(..., "--kind", help="wrong or unsafe."),
        harm: str = typer.Option("none", "--harm", help="Patient outcome: none, minor, serious or death."),
        description: str = typer.Option(..., "--description", help="What the tool got wrong; no identifiers."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Flag the AI tool's result on a case as wrong or unsafe."""
        from imaging_hub.assurance import IncidentSpec

        with _hub(data, database, config) as hub:
            found = hub.room.report_incident(hub.actor, tool_id, IncidentSpec(case, kind, harm, description))
        console.print(f"incident {found.id} recorded ({found.kind}, outcome {found.harm}); open until reviewed")

    @assurance.command("incident-review")
    def incident_review(
        incident_id: int = typer.Argument(..., help="The incident's id."),
        review: str = typer.Option(..., "--review", help="What was found and done."),
        close: bool = typer.Option(False, "--close", help="Close the incident with this review."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Review an incident, and close it when it is resolved."""
        with _hub(data, database, config) as hub:
            found = hub.room.review_incident(hub.actor, incident_id, review, close=close)
        console.print(f"incident {found.id}: {found.status}")

    @assurance.command("incident-export")
    def incident_export(
        tool_id: int = typer.Argument(..., help="The registered AI tool's id."),
        out: Path = typer.Option(..., "--out", help="CSV file with the MHRA report's fields."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Export the tool's incidents with the fields a report to the MHRA needs."""
        from imaging_hub.files import write_atomic

        with _hub(data, database, config) as hub:
            text = hub.room.export_incidents(hub.actor, tool_id)
        write_atomic(out, text.encode())
        console.print(f"wrote {out}")

    @assurance.command("report")
    def report(
        run_id: int = typer.Argument(..., help="A validation or monitoring run's id."),
        name: str = typer.Argument("report.pdf", help="validation.json, report.html, report.pdf, monitor.*"),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Print the path of a run's report file (the read is audited)."""
        with _hub(data, database, config) as hub:
            path = hub.room.read_report(hub.actor, run_id, name)
        typer.echo(str(path))
