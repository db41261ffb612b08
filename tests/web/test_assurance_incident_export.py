"""``/assurance/tools/{id}/incidents.csv``: the MHRA export of a tool's incidents from its page, byte for byte the
CLI's ``incident-export`` for a registrar, only its own project's incidents for a lead, refused and audited for
everyone else; free text screened for identifiers and formulas defused in both, as they share one function."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.assurance import MHRA_FIELDS, Actor, AssuranceRoom, IncidentSpec, RunSpec, ToolSpec
from imaging_hub.cli import app
from imaging_hub.governance import AuditFilter, Governance, SettableClock

ADMIN, LEAD, RESEARCHER, ANNOTATOR, AUDITOR = (
    "admin@network.example", "lead@uni.example", "res@uni.example", "ann@uni.example", "audit@network.example")
NHS_NUMBER = "943 476 5919"  # valid modulus 11: the detector must find it
HOSTILE = {  # typed by readers and reviewers: each starts a formula or carries an identifier
    "LUNG1": ("1.2.826.0.1.7", f"=HYPERLINK(\"http://evil.example\",\"x\") patient {NHS_NUMBER}", "+cmd|' /C calc'!A0"),
    "BRAIN2": ("1.2.826.0.1.8", "@SUM(1+1) ring 07700 900123 or write to pat@example.com", "-2+3"),
    "": ("1.2.826.0.1.9", "Missed a nodule at LS1 4AP", ""),
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, int, Path]]:
    """A tool with a validation run in LUNG1 and in BRAIN2, one incident on each and one on no run."""
    data = tmp_path_factory.mktemp("incident-export")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    room = AssuranceRoom.open(built.archive.database.writer)
    console = Actor("tests", manages=None)
    tool = room.register_tool(console, ToolSpec("NoduleNet", "Acme AI", "3", "Lung nodules", 0.5, "e" * 64))
    for project, (case, description, review) in HOSTILE.items():
        run_id = room.record_run(console, tool.id, RunSpec("validation", "csv", project, f"{project}/v1",
                                                           "DSA-2026-001", {})).id if project else None
        found = room.report_incident(Actor("reader@uni.example"), tool.id,
                                     IncidentSpec(case, "unsafe", "minor", description, run_id=run_id))
        if review:
            room.review_incident(console, found.id, review, close=True)
    yield built, tool.id, data / "archive"
    built.archive.close()
    gov.close()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _denied(hub: Hub) -> int:
    entries = hub.gov.audit.entries(AuditFilter(action="assurance.incident.export", limit=500))
    return sum(1 for e in entries if e.outcome == "denied")


def test_a_registrar_downloads_exactly_the_clis_export(hub: tuple[Hub, int, Path], tmp_path: Path) -> None:
    built, tool_id, archive = hub
    answer = built.client(ADMIN).get(f"/assurance/tools/{tool_id}/incidents.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == f'attachment; filename="ai-tool-{tool_id}-incidents.csv"'
    out = tmp_path / "mhra.csv"
    cli = CliRunner().invoke(app, ["assurance", "incident-export", str(tool_id), "--out", str(out),
                                   "--data", str(archive)])
    assert cli.exit_code == 0, cli.output
    assert answer.content == out.read_bytes()
    rows = _rows(answer.text)
    assert tuple(rows[0]) == MHRA_FIELDS and len(rows) == 3
    trail = built.gov.audit.entries(AuditFilter(action="assurance.incident.export", limit=50))
    assert any(e.actor == ADMIN and e.outcome == "success" and e.entity_id == str(tool_id) for e in trail)


def test_no_cell_starts_a_formula_and_no_typed_identifier_leaves(hub: tuple[Hub, int, Path]) -> None:
    built, tool_id, _ = hub
    text = built.client(ADMIN).get(f"/assurance/tools/{tool_id}/incidents.csv").text
    rows = _rows(text)
    for row in rows:
        for field, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (field, cell)
    by_case = {row["case_reference"]: row for row in rows}
    lung = by_case["1.2.826.0.1.7"]
    assert lung["description"].startswith("'=HYPERLINK(") and lung["investigation"] == "'+cmd|' /C calc'!A0"
    assert by_case["1.2.826.0.1.8"]["investigation"] == "'-2+3"
    for typed in (NHS_NUMBER, "9434765919", "07700 900123", "pat@example.com", "LS1 4AP"):
        assert typed not in text
    assert lung["description"].endswith("patient *") and by_case["1.2.826.0.1.9"]["description"].endswith("at *")
    assert lung["device_name"] == "NoduleNet" and lung["patient_outcome"] == "minor" and lung["status"] == "closed"


def test_a_lead_gets_only_the_incidents_of_the_project_they_lead(hub: tuple[Hub, int, Path]) -> None:
    built, tool_id, _ = hub
    everything = _rows(built.client(ADMIN).get(f"/assurance/tools/{tool_id}/incidents.csv").text)
    answer = built.client(LEAD).get(f"/assurance/tools/{tool_id}/incidents.csv")
    assert answer.status_code == 200
    assert _rows(answer.text) == [row for row in everything if row["case_reference"] == "1.2.826.0.1.7"]
    page = built.client(LEAD).get(f"/assurance/tools/{tool_id}")
    assert f'href="/assurance/tools/{tool_id}/incidents.csv"' in page.text


@pytest.mark.parametrize("email", [RESEARCHER, ANNOTATOR, AUDITOR])
def test_those_who_may_not_review_incidents_are_refused_and_audited(hub: tuple[Hub, int, Path], email: str) -> None:
    built, tool_id, _ = hub
    before = _denied(built)
    client = built.client(email)
    answer = client.get(f"/assurance/tools/{tool_id}/incidents.csv")
    assert answer.status_code == 403 and "MHRA" not in answer.text and "1.2.826.0.1" not in answer.text
    assert _denied(built) == before + 1
    assert "/incidents.csv" not in client.get(f"/assurance/tools/{tool_id}").text  # no link to what is refused


def test_an_unknown_tool_is_not_found_and_audited(hub: tuple[Hub, int, Path]) -> None:
    built, _, _ = hub
    assert built.client(ADMIN).get("/assurance/tools/999999/incidents.csv").status_code == 404
    trail = built.gov.audit.entries(AuditFilter(action="assurance.incident.export", limit=50))
    assert any(e.entity_id == "999999" and e.outcome == "failed" for e in trail)
    assert built.client(ADMIN).get("/assurance/tools/x/incidents.csv").status_code == 422
