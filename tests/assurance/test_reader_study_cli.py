"""``imaging-hub assurance reader-study create|list|analyse`` against a hub data folder: the two labelling tasks
made from a stored run and a reference CSV, reads through the labelling room, the group's analysis equal to the
Obuchowski-Rockette function on the same table and free of any reader's own figures; each step in governance's
trail; a bad reference and an unfinished study refused with nothing made."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from imaging_hub.assurance import Actor, AssuranceRoom, CaseResult, ReaderStudy, RunSpec, ToolSpec, obuchowski_rockette
from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import AuditFilter, Governance
from imaging_hub.labelling import Actor as Reader
from imaging_hub.labelling import LabellingRoom, Labels
from imaging_hub.store import Archive

runner = CliRunner()
CASES = tuple(f"1.2.826.0.1.3680043.10.77.{k}" for k in range(6))
TRUTH = np.array([1, 1, 1, 0, 0, 0])
READERS = ("one@trust.example", "two@trust.example", "three@trust.example")


def _run(data: Path) -> int:
    archive = Archive.open(data)
    try:
        room = AssuranceRoom.open(archive.database.writer)
        console = Actor("tests", manages=None)
        tool = room.register_tool(console, ToolSpec("ChestCheck", "Acme AI", "2.1", "Nodules", 0.5, "e" * 64))
        return room.record_run(console, tool.id, RunSpec("inference", "onnx", "PROJ1", "PROJ1/v1", "DSA-1", {}), [
            CaseResult("study", uid, uid, f"P{k}", "RXA", 0.9 - 0.1 * k) for k, uid in enumerate(CASES)]).id
    finally:
        archive.close()


def _reference(path: Path, labels: list[str]) -> Path:
    path.write_text("case_id,label\n" + "".join(f"{c},{label}\n" for c, label in zip(CASES, labels, strict=True)))
    return path


def _invoke(*args: str) -> object:
    return runner.invoke(app, ["assurance", "reader-study", *args])


def test_a_reader_study_is_set_up_read_and_analysed_from_the_console(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    run = _run(data)
    readers = [x for r in READERS for x in ("--reader", r)]
    bad = _invoke("create", "--run", str(run), "--name", "Nodules", *readers, "--reference",
                  str(_reference(tmp_path / "bad.csv", ["1", "1", "2", "0", "0", "0"])), "--data", str(data))
    assert bad.exit_code == 1 and "0 or 1" in bad.output  # type: ignore[attr-defined]
    made = _invoke("create", "--run", str(run), "--name", "Nodules", *readers, "--reference",
                   str(_reference(tmp_path / "ref.csv", [str(t) for t in TRUTH])), "--data", str(data))
    assert made.exit_code == 0, made.output  # type: ignore[attr-defined]
    [study] = json.loads(_invoke("list", "--data", str(data)).stdout)  # type: ignore[attr-defined]
    assert (study["readers"], study["cases"], study["positives"]) == (3, 6, 3)
    early = _invoke("analyse", str(study["id"]), "--out", str(tmp_path / "early"), "--data", str(data))
    assert early.exit_code == 1 and "36 of 36 reads are still to come" in early.output  # type: ignore[attr-defined]
    assert not (tmp_path / "early").exists()

    rng = np.random.default_rng(5)
    scores = np.clip(np.round(TRUTH * 30 + rng.normal(40, 15, (2, 3, 6)) + np.array([0, 15])[:, None, None]),
                     0, 100)
    archive = Archive.open(data)
    try:
        labelling = LabellingRoom.open(archive.database.writer)
        for i, j, k in product(range(2), range(3), range(6)):
            task = (study["unaided_task"], study["aided_task"])[i]
            labelling.submit_read(Reader(READERS[j]), task, CASES[k],
                                  Labels({"finding": "present" if scores[i, j, k] >= 50 else "absent"},
                                         {"confidence": float(scores[i, j, k])}))
    finally:
        archive.close()
    out = tmp_path / "analysis"
    done = _invoke("analyse", str(study["id"]), "--out", str(out), "--data", str(data))
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    document = json.loads((out / "reader-study.json").read_text())
    expected = obuchowski_rockette(ReaderStudy(("unaided", "aided"), READERS, CASES, scores, TRUTH)).to_json()
    assert document["test"] == pytest.approx(expected["test"])
    found, wanted = document["comparisons"][0], expected["comparisons"][0]
    assert found["auc_difference"]["estimate"] == pytest.approx(wanted["auc_difference"]["estimate"])
    assert found["auc_difference"]["ci"] == pytest.approx(wanted["auc_difference"]["ci"])
    assert found["p_value"] == pytest.approx(wanted["p_value"]) and 0 < found["p_value"] < 1
    assert "reader_auc" not in document and not any(r in json.dumps(document) for r in READERS)
    gov = Governance.open(HubSettings(data=data).database_url)
    try:
        for action in ("assurance.reader_study.create", "labels.task.create", "assurance.reader_study.analyse"):
            assert gov.audit.entries(AuditFilter(action=action, limit=100)), action
    finally:
        gov.close()
