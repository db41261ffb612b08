"""``imaging-hub labels`` against a hub data folder: create over a saved query, assign, import, status,
agreement and export under an agreement in force, each audited in governance's trail."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.hub import study
from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import AuditFilter, Governance
from imaging_hub.governance import administration as admin
from imaging_hub.store import Archive

from .conftest import ALICE, BOB, SCHEMA

runner = CliRunner()


def _hub_folder(data: Path) -> list[str]:
    archive = Archive.open(data)
    uids = []
    for seed in (1, 2, 3):
        for ds in study(seed, series=1, per_series=1, project="PROJ1"):
            ds.ClinicalTrialSiteID = "RXA" if seed < 3 else "RXB"
            archive.store_bytes(_bytes(ds))
            uids.append(str(ds.StudyInstanceUID))
    archive.close()
    gov = Governance.open(HubSettings(data=data).database_url)
    try:
        for site in ("RXA", "RXB"):
            admin.add_site(gov, site, f"Trust {site}")
        admin.add_organisation(gov, "Example University", "university")
        admin.add_project(gov, "PROJ1", "Nodules", sites=["RXA", "RXB"])
        admin.add_agreement(gov, "DSA-1", "Example University", ["PROJ1"], "Labelling", ["imaging"])
        admin.add_agreement(gov, "DSA-DRAFT", "Example University", ["PROJ1"], "Labelling", ["imaging"])
        admin.activate_agreement(gov, "DSA-1", "tests")
    finally:
        gov.close()
    return uids


def _bytes(ds: object) -> bytes:
    from api.hub import part10

    return part10(ds)  # type: ignore[arg-type]


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["labels", *args])
    return result.exit_code, result.output


def test_labels_commands_end_to_end(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    uids = _hub_folder(data)
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(SCHEMA))
    code, out = _run("create", "PROJ1", "Nodules", "--schema", str(schema_file), "--query", "ModalitiesInStudy=CT",
                     "--reader", ALICE.name, "--reader", BOB.name, "--data", str(data))
    assert code == 0, out
    task = out.strip().splitlines()[-1]
    assert _run("assign", task, "--data", str(data))[0] == 0
    reads = tmp_path / "reads.csv"
    reads.write_text("study_uid,reader,nodule\n" + "".join(
        f"{uid},{reader},{answer}\n" for uid, answers in zip(uids, [("present", "present"), ("absent", "absent"),
                                                                     ("present", "absent")], strict=True)
        for reader, answer in zip((ALICE.name, BOB.name), answers, strict=True)))
    code, out = _run("import", task, str(reads), "--data", str(data))
    assert code == 0, out
    chart = tmp_path / "progress.png"
    code, out = _run("status", task, "--chart", str(chart), "--data", str(data))
    status = json.loads(out[out.index("{"):])
    assert code == 0 and status["reads_done"] == 6 and status["final"] == 2
    assert status["sites"]["RXA"]["reads_done"] == 4 and chart.read_bytes().startswith(b"\x89PNG")
    code, out = _run("agreement", task, "--data", str(data))
    agreement = json.loads(out[out.index("{"):])
    assert code == 0 and agreement["questions"][0]["cohen"][0]["subjects"] == 3
    refused, out = _run("export", task, "--agreement", "DSA-DRAFT", "--out", str(tmp_path / "x"), "--data", str(data))
    assert refused == 1 and "not in force" in out and not (tmp_path / "x").exists()
    code, out = _run("export", task, "--agreement", "DSA-1", "--out", str(tmp_path / "export"), "--data", str(data))
    assert code == 0, out
    manifest = json.loads((tmp_path / "export" / "manifest.json").read_text())
    assert manifest["agreement"] == "DSA-1" and {f["path"] for f in manifest["files"]} == {"final.csv", "reads.csv"}
    code, out = _run("import", task, str(reads), "--data", str(data))
    assert code == 1 and "nothing was imported" in out
    gov = Governance.open(HubSettings(data=data).database_url)
    try:
        trail = [(e.action, e.outcome) for e in gov.audit.entries(AuditFilter(action="labels.", limit=50))]
    finally:
        gov.close()
    assert ("labels.task.create", "success") in trail and ("labels.task.export", "denied") in trail
    assert ("labels.read.import", "success") in trail


def test_bad_input_names_what_was_wrong(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    _hub_folder(data)
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps({"questions": [{"name": "q", "categories": ["one"]}]}))
    code, out = _run("create", "PROJ1", "T", "--schema", str(schema_file), "--query", "ModalitiesInStudy=CT",
                     "--reader", ALICE.name, "--data", str(data))
    assert code == 2 and "questions[0].categories" in out
    code, out = _run("assign", "42", "--data", str(data))
    assert code == 1 and "no labelling task 42" in out
