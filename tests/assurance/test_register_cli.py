"""``imaging-hub assurance tool-register|run-model|validate-run|report`` against a hub data folder: the tiny ONNX
model over a released snapshot under an agreement in force, validated against a reference CSV, each step audited
in governance's trail; a changed model file and an agreement not in force are refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from api.hub import part10, study
from assurance.stream import write_stream
from imaging_hub.assurance.inference import mean_intensity_model
from imaging_hub.assurance.register import Actor, AssuranceRoom
from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import ArchiveSource, AuditFilter, Governance, Grant, Principal, Role, Scope
from imaging_hub.governance import administration as admin
from imaging_hub.store import Archive

runner = CliRunner()
CONSOLE = Actor("tests", manages=None)


def _hub_folder(data: Path) -> None:
    archive = Archive.open(data)
    for seed in range(1, 9):
        for ds in study(seed, series=1, per_series=2, project="PROJ1"):
            ds.ClinicalTrialSiteID = "RXA" if seed % 2 else "RXB"
            archive.store_bytes(part10(ds))
    gov = Governance.open(HubSettings(data=data).database_url)
    try:
        for site in ("RXA", "RXB"):
            admin.add_site(gov, site, f"Trust {site}")
        admin.add_organisation(gov, "Example University", "university")
        admin.add_project(gov, "PROJ1", "Nodules", sites=["RXA", "RXB"])
        for reference in ("DSA-1", "DSA-DRAFT"):
            admin.add_agreement(gov, reference, "Example University", ["PROJ1"], "AI validation", ["imaging"])
        admin.activate_agreement(gov, "DSA-1", "tests")
        person = admin.add_person(gov, "lead@uni.example", "Lee Lead", "Example University")
        lead = Principal(person_id=person.id, email=person.email, display_name=person.display_name,
                         organisation_id=person.organisation_id,
                         grants=frozenset({Grant(Role.PROJECT_LEAD, "PROJ1")}), scopes=frozenset(Scope))
        gov.snapshots.create(lead, "PROJ1", "DSA-1", ArchiveSource(archive), "AI validation cohort")
    finally:
        gov.close()
        archive.close()


def _labelling_task(data: Path, labels: dict[str, int]) -> None:
    """Two readers who agree on every study, in the labelling room of the same hub database."""
    from imaging_hub.labelling import Actor as Reader
    from imaging_hub.labelling import Cohort, CohortStudy, LabellingRoom, Labels, TaskSpec, parse_schema

    archive = Archive.open(data)
    try:
        room = LabellingRoom.open(archive.database.writer)
        schema = parse_schema({"questions": [{"name": "finding", "text": "Dense finding",
                                              "categories": ["no", "yes"]}]})
        readers = ("a@uni.example", "b@uni.example")
        task = room.create_task(Reader("lead", manages=None), TaskSpec(
            "PROJ1", "Dense", Cohort("snapshot", "PROJ1/v1", tuple(CohortStudy(uid, "RXA") for uid in labels)),
            schema, readers))
        room.import_reads(Reader("lead", manages=None), task.id, [
            (uid, reader, Labels({"finding": "yes" if label else "no"})) for uid, label in labels.items()
            for reader in readers])
    finally:
        archive.close()


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["assurance", *args], env=env)
    unexpected = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output + (repr(unexpected) if unexpected else "")


@contextmanager
def webhook_server(received: list[dict[str, object]]) -> Iterator[str]:
    """A real HTTP server on a free port that keeps each JSON body POSTed to it."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alarms"
    finally:
        server.shutdown()
        thread.join(5)


def test_a_registered_onnx_tool_runs_over_a_snapshot_and_is_validated(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    _hub_folder(data)
    model = tmp_path / "tiny.onnx"
    model.write_bytes(mean_intensity_model(0.02, 40.0))
    where = ("--data", str(data))
    code, out = _run("tool-register", "--name", "Dense", "--vendor", "Demo", "--version", "1", "--threshold", "0.5",
                     "--intended-use", "Flag dense findings", "--model", str(model), *where)
    assert code == 0, out
    tool = json.loads(_run("tools", *where)[1])[0]
    assert tool["threshold"] == 0.5 and len(tool["model_sha256"]) == 64

    refused, out = _run("run-model", str(tool["id"]), "--model", str(model), "--snapshot", "PROJ1/v1",
                        "--agreement", "DSA-DRAFT", "--workers", "1", *where)
    assert refused == 1 and "not in force" in out
    code, out = _run("run-model", str(tool["id"]), "--model", str(model), "--snapshot", "PROJ1/v1",
                     "--agreement", "DSA-1", "--workers", "1", *where)
    assert code == 0 and "16 instance(s) and 8 study(ies) scored" in out, out

    archive = Archive.open(data)
    try:
        room = AssuranceRoom.open(archive.database.writer)
        studies = room.results(CONSOLE, 1, "study")
        instances = room.results(CONSOLE, 1, "instance")
        for s in studies:  # a study's score is the highest of its instances' scores
            assert s.score == max(r.score for r in instances if r.study_uid == s.study_uid)
        assert len({round(s.score, 4) for s in studies}) > 1  # the images really differ
    finally:
        archive.close()
    labels = {s.case_id: i % 2 for i, s in enumerate(sorted(studies, key=lambda s: s.case_id))}
    reference = tmp_path / "reference.csv"
    reference.write_text("case_id,label,sex\n" + "".join(f"{uid},{label},{'F' if i < 4 else 'M'}\n"
                                                          for i, (uid, label) in enumerate(labels.items())))
    code, out = _run("validate-run", "1", "--reference", str(reference), "--out", str(tmp_path / "v"), *where)
    assert code == 0, out
    document = json.loads((tmp_path / "v" / "validation.json").read_text())
    expected = roc_auc_score([labels[s.case_id] for s in studies], [s.score for s in studies])
    assert document["auc"]["estimate"] == np.float64(expected).item()
    assert "PROJ1/v1" in document["source"]["name"] and "DSA-1" in document["source"]["name"]
    html = (tmp_path / "v" / "report.html").read_text()
    assert document["worst_errors"] and html.count('src="data:image/jpeg;base64,') == len(document["worst_errors"])
    _labelling_task(data, labels)
    both = _run("validate-run", "1", "--reference", str(reference), "--labels-task", "1", "--out",
                str(tmp_path / "x"), *where)
    assert both[0] == 1 and "either --reference or --labels-task" in both[1]
    code, out = _run("validate-run", "1", "--labels-task", "1", "--question", "finding", "--positive", "yes",
                     "--out", str(tmp_path / "consensus"), *where)
    assert code == 0, out
    consensus = json.loads((tmp_path / "consensus" / "validation.json").read_text())
    assert consensus["auc"]["estimate"] == document["auc"]["estimate"]  # the readers agreed with the CSV's labels
    code, out = _run("report", "2", "report.pdf", *where)
    assert code == 0 and out.strip().endswith("report.pdf")

    stream = write_stream(tmp_path / "stream.csv", 1200, 0.1, change_at=800, error_after=0.35)
    received: list[dict[str, object]] = []
    with webhook_server(received) as url:
        code, out = _run("monitor-run", str(tool["id"]), "--stream", str(stream), "--snapshot", "PROJ1/v1",
                         "--agreement", "DSA-1", "--baseline-rows", "400", "--out", str(tmp_path / "m"), *where,
                         env={"IMAGING_HUB_ASSURANCE_WEBHOOK": url})
    assert code == 0, out
    alarms = json.loads((tmp_path / "m" / "monitor.json").read_text())["alarms"]
    assert alarms and len(received) == len(alarms) and all(a["index"] >= 800 for a in alarms)
    archive = Archive.open(data)
    try:
        stored = AssuranceRoom.open(archive.database.writer).alarms(tool["id"])
        assert [(a.method, a.index) for a in stored] == [(a["method"], a["index"]) for a in alarms]
    finally:
        archive.close()

    code, out = _run("incident", str(tool["id"]), "--case", studies[0].case_id, "--kind", "unsafe", "--harm",
                     "minor", "--description", "Missed a dense finding the reader saw", *where)
    assert code == 0 and "incident 1 recorded" in out, out
    assert _run("incident", str(tool["id"]), "--case", "1.2", "--kind", "bad", "--description", "x", *where)[0] == 1
    assert _run("incident-review", "1", "--review", "Below the tool's size limit", "--close", *where)[0] == 0
    code, out = _run("incident-export", str(tool["id"]), "--out", str(tmp_path / "mhra.csv"), *where)
    assert code == 0 and "Below the tool's size limit" in (tmp_path / "mhra.csv").read_text()

    model.write_bytes(mean_intensity_model(0.03, 40.0))
    refused, out = _run("run-model", str(tool["id"]), "--model", str(model), "--snapshot", "PROJ1/v1",
                        "--agreement", "DSA-1", *where)
    assert refused == 1 and "not the one registered" in out

    gov = Governance.open(HubSettings(data=data).database_url)
    try:
        trail = [(e.action, e.outcome) for e in gov.audit.entries(AuditFilter(action="assurance.", limit=100))]
    finally:
        gov.close()
    for expected_entry in [("assurance.tool.register", "success"), ("assurance.run.inference", "denied"),
                           ("assurance.run.inference", "success"), ("assurance.run.validation", "success"),
                           ("assurance.report.read", "success"), ("assurance.model.check", "denied"),
                           ("assurance.run.monitoring", "success"), ("assurance.alarm.raise", "success"),
                           ("assurance.incident.report", "success"), ("assurance.incident.close", "success"),
                           ("assurance.incident.export", "success")]:
        assert expected_entry in trail

