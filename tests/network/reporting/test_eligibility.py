"""Rule 1: only an eligible reporter (credentialed for the site, holding the subspecialty, rostered now) gets a task,
however idle an ineligible one is."""

from __future__ import annotations

from imaging_hub.network.reporting import Pathway, route

from .builders import AT, READ_PATHWAY, reporter, task


def _routed(tasks, reporters):  # type: ignore[no-untyped-def]
    return {a.task_id: a for a in route(tasks, reporters, AT).assignments}


def test_a_reporter_not_credentialed_for_the_site_never_receives_the_task() -> None:
    idle_elsewhere = reporter("idle", sites=("B",))
    busy_here = reporter("busy", workload=40.0, stat=5)
    assert _routed([task("t1")], [idle_elsewhere, busy_here])["t1"].reporter_id == "busy"
    alone = _routed([task("t1")], [idle_elsewhere])["t1"]
    assert alone.reporter_id is None
    assert "credentialed for site A" in alone.reason


def test_a_reporter_without_the_required_subspecialty_never_receives_the_task() -> None:
    idle_generalist = reporter("idle", subspecialties=("msk",))
    busy_neuro = reporter("busy", subspecialties=("neuro",), workload=40.0)
    neuro = task("t1", subspecialty="neuro", modality="MR", body_part="HEAD")
    assert _routed([neuro], [idle_generalist, busy_neuro])["t1"].reporter_id == "busy"
    alone = _routed([neuro], [idle_generalist])["t1"]
    assert alone.reporter_id is None
    assert "subspecialty neuro" in alone.reason


def test_a_reporter_not_rostered_now_never_receives_the_task() -> None:
    idle_off_duty = reporter("idle", sessions=("Tue 08:00-18:00", "2025-03-03T11:00+00:00/2025-03-03T12:00+00:00"))
    busy_on_duty = reporter("busy", workload=40.0)
    assert _routed([task("t1")], [idle_off_duty, busy_on_duty])["t1"].reporter_id == "busy"
    alone = _routed([task("t1")], [idle_off_duty])["t1"]
    assert alone.reporter_id is None
    assert "rostered" in alone.reason


def test_research_reads_go_only_to_reporters_in_a_research_session() -> None:
    clinical_only = reporter("clinical")
    researcher = reporter("research", sessions=(), research_sessions=("Mon 09:00-13:00",), workload=9.0)
    read = task("r1", pathway=READ_PATHWAY)
    assert _routed([read], [clinical_only, researcher])["r1"].reporter_id == "research"
    alone = _routed([read], [clinical_only])["r1"]
    assert alone.reporter_id is None
    assert "research session" in alone.reason
    clinical = task("c1", pathway=Pathway("overflow", READ_PATHWAY.turnaround))
    assert _routed([clinical], [researcher])["c1"].reporter_id is None


def test_an_overnight_session_covers_the_small_hours_and_weekly_times_follow_the_clocks() -> None:
    from datetime import UTC, datetime

    from imaging_hub.network.reporting import parse_session

    overnight = parse_session("Mon 20:00-08:00")
    assert overnight.covers(datetime(2025, 3, 4, 2, 0, tzinfo=UTC))  # Tuesday 02:00
    assert not overnight.covers(datetime(2025, 3, 4, 9, 0, tzinfo=UTC))
    assert not overnight.covers(datetime(2025, 3, 3, 19, 59, tzinfo=UTC))
    morning = parse_session("Mon 08:00-12:00")  # local time: 07:00 UTC in British Summer Time
    assert morning.covers(datetime(2025, 7, 7, 7, 0, tzinfo=UTC))
    assert not morning.covers(datetime(2025, 7, 7, 11, 30, tzinfo=UTC))
