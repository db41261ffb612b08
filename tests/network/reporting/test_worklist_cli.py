"""``imaging-hub worklist route`` end to end on CSV files written here."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from imaging_hub.cli import app

runner = CliRunner()

TASKS = """task_id,accession,site,modality,body_part,priority,acquired_at,pathway,turnaround_hours,subspecialty,research
t-routine,ACC1,RAA,CT,CHEST,routine,2025-03-03T08:00+00:00,overflow,48,,
t-stat,ACC2,RAA,CT,HEAD,STAT,2025-03-03T09:30+00:00,acute,1,,
t-neuro,ACC3,RAA,MR,HEAD,urgent,2025-03-03T06:00+00:00,overflow,48,neuro,
t-far,ACC4,RBB,XR,CHEST,routine,2025-03-03T09:00+00:00,overflow,48,,
t-read,ACC5,RAA,MR,KNEE,routine,2025-03-01T09:00+00:00,trial,336,,true
"""
REPORTERS = """reporter_id,home_site,sites,subspecialties,sessions,research_sessions,stat_in_hand,workload
alice,RAA,RAA,neuro,Mon 08:00-17:00,,1,0.5
bob,RAA,RAA;RBB,,Mon 08:00-17:00,,0,4.0
carol,RCC,RAA,msk,Mon 08:00-17:00,Mon 09:00-12:00,0,0
"""


def _write(tmp_path: Path, tasks: str = TASKS, reporters: str = REPORTERS) -> tuple[Path, Path]:
    (tmp_path / "tasks.csv").write_text(tasks)
    (tmp_path / "reporters.csv").write_text(reporters)
    return tmp_path / "tasks.csv", tmp_path / "reporters.csv"


def _invoke(tmp_path: Path, tasks: Path, reporters: Path, *extra: str):  # type: ignore[no-untyped-def]
    out = tmp_path / "assignments.csv"
    args = ["worklist", "route", str(tasks), str(reporters), "--at", "2025-03-03T10:00+00:00", "--out", str(out)]
    return runner.invoke(app, [*args, *extra]), out


def _rows(out: Path) -> list[dict[str, str]]:
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_routes_a_batch_and_writes_reporter_and_reason_per_task(tmp_path: Path) -> None:
    result, out = _invoke(tmp_path, *_write(tmp_path))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == ["task_id", "reporter_id", "reason"]
    assert [(row["task_id"], row["reporter_id"]) for row in rows] == [
        ("t-stat", "bob"),  # least STAT in hand at RAA (alice holds one); carol's home is RCC
        ("t-neuro", "alice"),  # the only neuro reporter
        ("t-routine", "alice"),  # alice 0.5 + MR 1.5 = 2.0 is less than bob's 4.0 + CT 1.0
        ("t-far", ""),  # only bob is credentialed for RBB, and RBB is not his site until breach nears
        ("t-read", ""),  # only carol is in a research session, and she is at RCC
    ]
    reasons = {row["task_id"]: row["reason"] for row in rows}
    assert "least STAT work in hand (0; next alice has 1)" in reasons["t-stat"]
    assert "only at other sites; offered network-wide from 2025-03-04T21:00" in reasons["t-far"]
    assert "Routed 5 task(s): 3 assigned, 2 unassigned" in result.output


def test_network_wide_visibility_from_the_start_lets_every_site_help(tmp_path: Path) -> None:
    tasks, reporters = _write(tmp_path)
    result, out = _invoke(tmp_path, tasks, reporters, "--escalate-at", "1")
    assert result.exit_code == 0, result.output
    assert [(row["task_id"], row["reporter_id"]) for row in _rows(out)] == [
        ("t-stat", "carol"),  # carol and bob hold no STAT; carol has less workload
        ("t-neuro", "alice"),
        ("t-routine", "carol"),  # carol 1.0 (after the STAT CT) < alice 2.0 < bob 4.0
        ("t-far", "bob"),
        ("t-read", "carol"),
    ]


def test_a_bad_cell_is_refused_naming_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    bad = TASKS.replace("t-stat,ACC2,RAA,CT,HEAD,STAT", "t-stat,ACC2,RAA,CT,HEAD,soon")
    result, out = _invoke(tmp_path, *_write(tmp_path, tasks=bad))
    assert result.exit_code == 2
    assert "tasks.csv row 3, column 'priority'" in result.output
    assert not out.exists()


def test_a_target_beyond_28_days_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    bad = TASKS.replace("trial,336", "trial,700")
    result, _ = _invoke(tmp_path, *_write(tmp_path, tasks=bad))
    assert result.exit_code == 2
    assert "tasks.csv row 6, column 'turnaround_hours'" in result.output
    assert "28-day maximum" in result.output


def test_bad_reporter_rows_and_missing_columns_are_refused(tmp_path: Path) -> None:
    bad = REPORTERS.replace("Mon 08:00-17:00,Mon 09:00-12:00", "Mon 08:00-17:00,Someday")
    result, _ = _invoke(tmp_path, *_write(tmp_path, reporters=bad))
    assert result.exit_code == 2
    assert "reporters.csv row 4, column 'research_sessions'" in result.output
    no_sites = "reporter_id,home_site,sessions\nalice,RAA,Mon 08:00-17:00\n"
    result, _ = _invoke(tmp_path, *_write(tmp_path, reporters=no_sites))
    assert result.exit_code == 2
    assert "reporters.csv row 1: missing column(s) sites" in result.output
    inconsistent = TASKS.replace("09:00+00:00,overflow,48", "09:00+00:00,overflow,24")
    result, _ = _invoke(tmp_path, *_write(tmp_path, tasks=inconsistent))
    assert result.exit_code == 2
    assert "row 5, column 'turnaround_hours': pathway overflow was defined differently on row 2" in result.output


def test_help_documents_the_columns() -> None:
    result = runner.invoke(app, ["worklist", "route", "--help"])
    assert result.exit_code == 0
    for column in ("turnaround_hours", "subspecialty_load", "share_targets", "reporter_id, reason"):
        assert column in result.output


def test_reporters_are_added_to_the_hubs_worklist_all_or_nothing(tmp_path: Path) -> None:
    from imaging_hub.config import HubSettings
    from imaging_hub.governance import AuditFilter, Governance
    from imaging_hub.network.operations import NetworkRoom
    from imaging_hub.store import Archive

    data = tmp_path / "hub"
    listed = REPORTERS.replace("workload\n", "workload,account\n", 1).replace("0.5\n", "0.5,alice@raa.example\n")
    listed = listed.replace("4.0\n", "4.0,bob@rbb.example\n").replace(",0,0\n", ",0,0,carol@rcc.example\n")
    (tmp_path / "reporters.csv").write_text(listed)
    added = runner.invoke(app, ["worklist", "reporters", str(tmp_path / "reporters.csv"), "--data", str(data)])
    assert added.exit_code == 0, added.output
    with Archive.open(data) as archive:
        room = NetworkRoom.open(archive.database.writer)
        assert {v.reporter.reporter_id: v.account for v in room.reporters()} == {
            "alice": "alice@raa.example", "bob": "bob@rbb.example", "carol": "carol@rcc.example"}
        assert [v.research_sessions for v in room.reporters() if v.reporter.reporter_id == "carol"] == [
            ("Mon 09:00-12:00",)]

    again = runner.invoke(app, ["worklist", "reporters", str(tmp_path / "reporters.csv"), "--data", str(data)])
    assert again.exit_code == 2 and "already in the register: alice, bob, carol" in again.output
    (tmp_path / "bad.csv").write_text(listed.replace("alice", "dave").replace("bob", "erin").replace(
        "carol,RCC,RAA,msk,Mon 08:00-17:00", "frank,RCC,RAA,msk,Mon 25:00-17:00"))
    bad = runner.invoke(app, ["worklist", "reporters", str(tmp_path / "bad.csv"), "--data", str(data)])
    assert bad.exit_code == 2 and "sessions" in bad.output
    with Archive.open(data) as archive:
        assert len(NetworkRoom.open(archive.database.writer).reporters()) == 3  # dave and erin were not added
    gov = Governance.open_hub(HubSettings(data=data))
    try:
        added_entries = gov.audit.entries(AuditFilter(action="network.reporter.add", limit=10))
        assert sorted(e.entity_id for e in added_entries) == ["alice", "bob", "carol"]
    finally:
        gov.close()
