"""The register of AI tools and its runs, in a real archive's database (SQLite and PostgreSQL): what is stored,
what is refused and audited, and that nothing partial is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from imaging_hub.assurance import AssuranceInputError, ModelMismatch, NotFound, Refused
from imaging_hub.assurance.register import (
    Actor,
    AssuranceRoom,
    AuditEntry,
    CaseResult,
    RunSpec,
    ToolSpec,
    file_sha256,
)
from imaging_hub.store import Archive

REGISTRAR = Actor("registrar@example.nhs.uk", registrar=True)
LEAD = Actor("lead@example.nhs.uk", manages=frozenset({"PROJ1"}))
OUTSIDER = Actor("outsider@example.nhs.uk")
HASH = "a" * 64


class Recorder(list[AuditEntry]):
    def __call__(self, entry: AuditEntry) -> None:
        self.append(entry)

    def actions(self, outcome: str) -> list[str]:
        return [e.action for e in self if e.outcome == outcome]


@pytest.fixture
def audit() -> Recorder:
    return Recorder()


@pytest.fixture
def room(archive: Archive, audit: Recorder) -> AssuranceRoom:
    return AssuranceRoom.open(archive.database.writer, audit=audit)


def tool_spec(**overrides: object) -> ToolSpec:
    values: dict[str, object] = dict(name="ChestCheck", vendor="Acme AI", version="2.1", threshold=0.4,
                                     intended_use="Flag chest radiographs with a likely nodule", model_sha256=HASH)
    values.update(overrides)
    return ToolSpec(**values)  # type: ignore[arg-type]


def run_spec(**overrides: object) -> RunSpec:
    values: dict[str, object] = dict(kind="inference", source="onnx", project="PROJ1", snapshot="PROJ1/v2",
                                     agreement="DSA-7", summary={"instances": 2})
    values.update(overrides)
    return RunSpec(**values)  # type: ignore[arg-type]


RESULTS = [CaseResult("instance", "1.2.3.1", "1.2.3", "P1", "RXA", 0.2),
           CaseResult("instance", "1.2.3.2", "1.2.3", "P1", "RXA", 0.7),
           CaseResult("study", "1.2.3", "1.2.3", "P1", "RXA", 0.7, label=1)]


def test_a_tool_is_registered_once_with_its_locked_threshold_and_hash(room: AssuranceRoom, audit: Recorder) -> None:
    tool = room.register_tool(REGISTRAR, tool_spec())
    assert (tool.name, tool.vendor, tool.version, tool.threshold, tool.model_sha256) == \
        ("ChestCheck", "Acme AI", "2.1", 0.4, HASH)
    assert room.find_tool("ChestCheck", "2.1") == tool == room.tools()[0]
    assert audit.actions("success") == ["assurance.tool.register"]
    with pytest.raises(AssuranceInputError, match="already holds"):
        room.register_tool(REGISTRAR, tool_spec())
    assert room.register_tool(REGISTRAR, tool_spec(version="2.2")).id != tool.id


@pytest.mark.parametrize(("field", "value", "message"), [
    ("threshold", 1.5, "threshold"), ("threshold", float("nan"), "threshold"), ("model_sha256", "abc", "sha256"),
    ("name", " ", "name is empty"), ("intended_use", "", "intended_use"),
])
def test_a_bad_tool_is_refused_with_its_field_named(room: AssuranceRoom, field: str, value: object,
                                                     message: str) -> None:
    with pytest.raises(AssuranceInputError, match=message):
        room.register_tool(REGISTRAR, tool_spec(**{field: value}))
    assert room.tools() == []


def test_only_a_registrar_registers_and_the_refusal_is_audited(room: AssuranceRoom, audit: Recorder) -> None:
    with pytest.raises(Refused):
        room.register_tool(LEAD, tool_spec())
    assert audit.actions("denied") == ["assurance.tool.register"]
    assert room.tools() == []


def test_the_model_file_must_be_the_registered_one(room: AssuranceRoom, audit: Recorder, tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"model bytes")
    tool = room.register_tool(REGISTRAR, tool_spec(model_sha256=file_sha256(model)))
    room.check_model(LEAD, tool, model)
    model.write_bytes(b"model bytes, retrained")
    with pytest.raises(ModelMismatch, match="not the one registered"):
        room.check_model(LEAD, tool, model)
    assert audit.actions("denied") == ["assurance.model.check"]


def test_a_run_is_stored_with_its_snapshot_agreement_and_results_per_case(room: AssuranceRoom,
                                                                          audit: Recorder) -> None:
    tool = room.register_tool(REGISTRAR, tool_spec())
    run = room.record_run(LEAD, tool.id, run_spec(), RESULTS)
    assert (run.snapshot, run.agreement, run.project, run.started_by) == ("PROJ1/v2", "DSA-7", "PROJ1", LEAD.name)
    assert room.results(LEAD, run.id, "study") == [RESULTS[2]]
    assert room.results(LEAD, run.id) == sorted(RESULTS, key=lambda r: (r.level, r.case_id))
    assert room.runs(tool.id) == [run]
    assert "assurance.run.inference" in audit.actions("success")
    assert audit.actions("success").count("assurance.results.read") == 2


def test_reads_of_another_projects_run_are_refused_and_audited(room: AssuranceRoom, audit: Recorder) -> None:
    tool = room.register_tool(REGISTRAR, tool_spec())
    run = room.record_run(LEAD, tool.id, run_spec(), RESULTS)
    with pytest.raises(Refused):
        room.results(OUTSIDER, run.id)
    with pytest.raises(Refused):
        room.read_report(OUTSIDER, run.id, "report.pdf")
    with pytest.raises(Refused):
        room.record_run(OUTSIDER, tool.id, run_spec())
    assert audit.actions("denied") == ["assurance.results.read", "assurance.report.read", "assurance.run.inference"]


def test_a_report_read_is_audited_and_only_named_report_files_are_served(room: AssuranceRoom, audit: Recorder,
                                                                          tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7")
    tool = room.register_tool(REGISTRAR, tool_spec())
    run = room.record_run(LEAD, tool.id, run_spec(kind="validation", report_folder=str(tmp_path)))
    assert room.read_report(LEAD, run.id, "report.pdf") == tmp_path / "report.pdf"
    for name in ("../secret.txt", "report.html"):
        with pytest.raises(NotFound):
            room.read_report(LEAD, run.id, name)
    assert [(e.action, e.outcome) for e in audit if e.action == "assurance.report.read"] == \
        [("assurance.report.read", "success"), ("assurance.report.read", "failed"),
         ("assurance.report.read", "failed")]


@pytest.mark.parametrize("overrides", [{"snapshot": "PROJ2/v1"}, {"snapshot": "PROJ1"}, {"agreement": " "},
                                       {"kind": "guess"}, {"source": "email"}])
def test_a_run_outside_a_governed_cohort_is_refused(room: AssuranceRoom, overrides: dict[str, object]) -> None:
    tool = room.register_tool(REGISTRAR, tool_spec())
    with pytest.raises(AssuranceInputError):
        room.record_run(LEAD, tool.id, run_spec(**overrides), RESULTS)
    assert room.runs(tool.id) == []


def test_bad_results_store_nothing(room: AssuranceRoom, archive: Archive) -> None:
    tool = room.register_tool(REGISTRAR, tool_spec())
    with pytest.raises(AssuranceInputError, match="same case twice"):
        room.record_run(LEAD, tool.id, run_spec(), [RESULTS[0], RESULTS[0]])
    with pytest.raises(AssuranceInputError, match=r"0\.\.1"):
        room.record_run(LEAD, tool.id, run_spec(), [CaseResult("study", "1.2", "1.2", "P", "S", 1.2)])
    assert room.runs(tool.id) == []
    with archive.database.writer.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM assurance_result")).scalar() == 0


def test_alarms_stay_open_until_closed_with_a_note(room: AssuranceRoom, audit: Recorder) -> None:
    tool = room.register_tool(REGISTRAR, tool_spec())
    run = room.record_run(LEAD, tool.id, run_spec(kind="monitoring", source="csv"))
    raised = room.record_alarms(LEAD, run, [{"method": "cusum", "index": 812, "date": "2026-03-08",
                                             "detail": "error rate above 0.20"}])
    assert [(a.method, a.index, a.open) for a in raised] == [("cusum", 812, True)]
    with pytest.raises(Refused):
        room.close_alarm(LEAD, raised[0].id, "seen")
    with pytest.raises(AssuranceInputError, match="note"):
        room.close_alarm(REGISTRAR, raised[0].id, " ")
    closed = room.close_alarm(REGISTRAR, raised[0].id, "scanner software upgrade; vendor informed")
    assert not closed.open and closed.closed_by == REGISTRAR.name
    assert room.alarms(tool.id) == [] and room.alarms(tool.id, open_only=False) == [closed]


def test_migrations_are_idempotent_and_the_room_keeps_its_own_version_table(room: AssuranceRoom,
                                                                            archive: Archive) -> None:
    tool = room.register_tool(REGISTRAR, tool_spec())
    again = AssuranceRoom.open(archive.database.writer)
    assert again.tool(tool.id) == tool
    with archive.database.writer.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version_assurance")).scalar() == "assurance_0003"


def test_an_incident_is_flagged_by_any_reader_reviewed_to_closure_and_exported_for_the_mhra(
        room: AssuranceRoom, audit: Recorder) -> None:
    import csv
    import io

    from imaging_hub.assurance import MHRA_FIELDS, IncidentSpec

    tool = room.register_tool(REGISTRAR, tool_spec())
    flagged = room.report_incident(OUTSIDER, tool.id, IncidentSpec("1.2.3", "unsafe", "serious",
                                                                   "Missed a 9 mm nodule the reader saw"))
    room.report_incident(LEAD, tool.id, IncidentSpec("1.2.4", "wrong", "none", "False positive on a scar"))
    assert (flagged.status, flagged.reported_by) == ("open", OUTSIDER.name)
    assert room.incident_counts(tool.id) == {"open": 2, "reviewing": 0, "closed": 0}
    with pytest.raises(Refused):
        room.review_incident(LEAD, flagged.id, "looked", close=True)
    room.review_incident(REGISTRAR, flagged.id, "Vendor asked for the case", close=False)
    closed = room.review_incident(REGISTRAR, flagged.id, "Known limitation below 10 mm; users told", close=True)
    assert closed.status == "closed" and closed.closed_at is not None
    with pytest.raises(AssuranceInputError, match="already closed"):
        room.review_incident(REGISTRAR, flagged.id, "again", close=True)
    assert room.incident_counts(tool.id) == {"open": 1, "reviewing": 0, "closed": 1}
    with pytest.raises(Refused):
        room.export_incidents(LEAD, tool.id)
    rows = list(csv.DictReader(io.StringIO(room.export_incidents(REGISTRAR, tool.id))))
    assert tuple(rows[0]) == MHRA_FIELDS and len(rows) == 2
    assert rows[0]["device_name"] == "ChestCheck" and rows[0]["patient_outcome"] == "serious"
    assert rows[0]["investigation"].startswith("Known limitation") and rows[0]["status"] == "closed"
    assert audit.actions("denied") == ["assurance.incident.review", "assurance.incident.export"]
    assert {"assurance.incident.report", "assurance.incident.close", "assurance.incident.export"} <= \
        set(audit.actions("success"))


@pytest.mark.parametrize("spec", [("1.2", "odd", "none", "x"), ("1.2", "wrong", "fatal", "x"),
                                  ("", "wrong", "none", "x"), ("1.2", "wrong", "none", " ")])
def test_a_bad_incident_is_refused_and_nothing_is_stored(room: AssuranceRoom, spec: tuple[str, ...]) -> None:
    from imaging_hub.assurance import IncidentSpec

    tool = room.register_tool(REGISTRAR, tool_spec())
    with pytest.raises(AssuranceInputError):
        room.report_incident(LEAD, tool.id, IncidentSpec(*spec))
    assert room.incidents(tool.id) == []


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_typed_cell_of_the_mhra_export_comes_out_defused(room: AssuranceRoom, typed: str) -> None:
    """The tool's name and vendor, the case, the description and the review: each typed by a person."""
    import csv
    import io

    from imaging_hub.assurance import IncidentSpec

    tool = room.register_tool(REGISTRAR, tool_spec(name=typed, vendor=typed, version=typed, intended_use=typed))
    flagged = room.report_incident(Actor(typed), tool.id, IncidentSpec(typed, "unsafe", "serious", typed))
    room.review_incident(REGISTRAR, flagged.id, typed, close=False)
    room.report_incident(LEAD, tool.id, IncidentSpec("1.2.4", "wrong", "none", "False positive on a scar"))
    text = room.export_incidents(REGISTRAR, tool.id)
    hostile, ordinary = csv.DictReader(io.StringIO(text, newline=""))
    for field in ("device_name", "manufacturer", "model_version", "intended_use", "case_reference", "description",
                  "reporter", "investigation"):
        assert hostile[field] == "'" + typed.strip() or hostile[field] == "'" + typed, field
    assert (ordinary["case_reference"], ordinary["description"]) == ("1.2.4", "False positive on a scar")
    assert not any(cell.startswith(tuple("=+-@\t\r")) for row in (hostile, ordinary) for cell in row.values())
