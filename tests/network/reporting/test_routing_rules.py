"""Rules 2 to 6 of routing: urgency order, STAT by STAT load, others by weighted workload, share targets,
and visibility that widens from the task's own site to the network only as breach approaches."""

from __future__ import annotations

from imaging_hub.network.reporting import Priority, RoutingPolicy, WorkloadWeights, route

from .builders import AT, reporter, task


def test_stat_goes_to_the_eligible_reporter_with_the_least_stat_work_in_hand() -> None:
    light_but_stat_loaded = reporter("r1", stat=2, workload=0.0)
    heavy_but_no_stat = reporter("r2", stat=0, workload=12.0)
    result = route([task("s1", priority=Priority.STAT)], [light_but_stat_loaded, heavy_but_no_stat], AT)
    (only,) = result.assignments
    assert only.reporter_id == "r2"
    assert "least STAT work in hand (0; next r1 has 2)" in only.reason
    assert result.loads["r2"].stat_in_hand == 1


def test_stat_load_is_updated_as_the_batch_proceeds() -> None:
    reporters = [reporter("r1", stat=1, workload=1.0), reporter("r2", stat=0, workload=5.0)]
    stats = [task(f"s{i}", priority=Priority.STAT, hours_ago=i) for i in range(1, 4)]
    result = route(stats, reporters, AT)
    # s3 is closest to breach: to r2 (0 STAT); then both hold 1 and r1 has less workload; then r2 again.
    assert [(a.task_id, a.reporter_id) for a in result.assignments] == [("s3", "r2"), ("s2", "r1"), ("s1", "r2")]


def test_urgent_before_routine_and_closer_to_breach_first() -> None:
    reporters = [reporter("r1")]
    tasks = [
        task("routine-nearly-breached", hours_ago=23.0),
        task("urgent-fresh", priority=Priority.URGENT, hours_ago=1.0),
        task("urgent-older", priority=Priority.URGENT, hours_ago=20.0),
        task("stat", priority=Priority.STAT, hours_ago=0.5),
        task("routine-fresh", hours_ago=2.0),
    ]
    order = [a.task_id for a in route(tasks, reporters, AT).assignments]
    assert order == ["stat", "urgent-older", "urgent-fresh", "routine-nearly-breached", "routine-fresh"]


def test_routine_goes_to_the_least_weighted_workload_which_each_assignment_raises() -> None:
    reporters = [reporter("r1", workload=2.0), reporter("r2", workload=1.0)]
    scans = [task(f"m{i}", modality="MR", body_part="KNEE", hours_ago=10 - i) for i in range(3)]
    result = route(scans, reporters, AT)
    # MR weighs 1.5: r2 1.0 -> 2.5; r1 2.0 -> 3.5; r2 2.5 -> 4.0
    assert [a.reporter_id for a in result.assignments] == ["r2", "r1", "r2"]
    assert result.loads["r2"].workload == 4.0
    assert "least weighted workload (1.00" in result.assignments[0].reason


def test_workload_weights_are_configurable_per_modality_and_body_part() -> None:
    weights = WorkloadWeights.parse("MR/HEAD=4.0,XR=0.3")
    reporters = [reporter("r1"), reporter("r2", workload=1.0)]
    tasks = [task("head", modality="MR", body_part="HEAD", hours_ago=5), task("chest", modality="XR", hours_ago=4)]
    result = route(tasks, reporters, AT, RoutingPolicy(weights=weights))
    assert [(a.task_id, a.reporter_id) for a in result.assignments] == [("head", "r1"), ("chest", "r2")]
    assert result.loads["r1"].workload == 4.0
    assert abs(result.loads["r2"].workload - 1.3) < 1e-9


def test_share_targets_nudge_a_subspecialty_towards_the_reporter_below_target() -> None:
    below_target = reporter(
        "r1", subspecialties=("neuro",), workload=3.0, by_subspecialty={"neuro": 1}, share_targets={"neuro": 0.8}
    )
    no_target = reporter("r2", subspecialties=("neuro",), workload=2.8, by_subspecialty={"neuro": 3})
    neuro = task("n1", subspecialty="neuro", modality="MR", body_part="HEAD")
    (only,) = route([neuro], [below_target, no_target], AT).assignments
    assert only.reporter_id == "r1"  # 3.0 - 2.0 * (0.8 - 0.25) = 1.9 < 2.8
    assert "neuro share 25% vs target 80%" in only.reason
    (unnudged,) = route([neuro], [below_target, no_target], AT, RoutingPolicy(share_weight=0.0)).assignments
    assert unnudged.reporter_id == "r2"


def test_visibility_stays_at_the_site_until_breach_approaches_then_widens_to_the_network() -> None:
    other_site = reporter("b1", home="B", sites=("A", "B"))
    policy = RoutingPolicy(escalate_fraction=0.25)  # network-wide in the last 6 hours of a 24-hour target
    early = task("early", hours_ago=10.0)
    near = task("near", hours_ago=20.0)
    result = {a.task_id: a for a in route([early, near], [other_site], AT, policy).assignments}
    assert result["early"].reporter_id is None
    assert "only at other sites; offered network-wide from 2025-03-03T18:00" in result["early"].reason
    assert result["near"].reporter_id == "b1"
    assert "network-wide (near breach)" in result["near"].reason


def test_the_own_site_is_preferred_over_an_idler_reporter_elsewhere_before_escalation() -> None:
    busy_home = reporter("a1", workload=20.0)
    idle_away = reporter("b1", home="B", sites=("A", "B"))
    (early,) = route([task("t", hours_ago=1.0)], [busy_home, idle_away], AT).assignments
    assert early.reporter_id == "a1"
    (late,) = route([task("t", hours_ago=23.0)], [busy_home, idle_away], AT).assignments
    assert late.reporter_id == "b1"
    breached = route([task("t", hours_ago=30.0)], [idle_away], AT).assignments[0]
    assert breached.reporter_id == "b1"
    assert "breached 6.0h ago" in breached.reason
