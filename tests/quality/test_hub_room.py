"""The quality room at the hub: versioned protocols, results in its own tables, and the subscriber that
assesses series as they arrive and, after a restart, catches up on what arrived while it was down (on the
embedded SQLite database and on PostgreSQL: the ``archive`` fixture is both)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset
from quality_phantoms import COLUMNS, PROTOCOL, ROWS, disk, series, set_pixels
from quality_records import record

from imaging_hub.quality import (
    ClusterChoice,
    Problem,
    ProtocolError,
    QualityRoom,
    QualitySubscriber,
    run_project,
    study_qc_status,
)
from imaging_hub.store import Archive

THREADS = ClusterChoice(n_workers=1, processes=False)
PROJECT = "NET1"


def ct(seed: int, *, thickness: str = "2.5", project: str = PROJECT) -> list[Dataset]:
    headers = series("CT", 4, seed=seed)
    rng = np.random.default_rng(seed)
    for ds in headers:
        set_pixels(ds, disk(0.0, -1000.0) + rng.normal(0, 10, (ROWS, COLUMNS)))
        ds.ClinicalTrialProtocolID = project
        ds.SliceThickness = thickness
    return headers


def store(archive: Archive, headers: list[Dataset], tmp_path: Path) -> None:
    for ds in headers:
        path = tmp_path / f"{ds.SOPInstanceUID}.dcm"
        ds.save_as(path, enforce_file_format=True)
        archive.store_file(path)


@pytest.mark.postgres
def test_protocols_are_versioned_and_a_wrong_one_stores_nothing(archive: Archive) -> None:
    room = QualityRoom.open(archive.database.writer)
    assert room.protocol(PROJECT) is None
    first = room.save_protocol(PROJECT, PROTOCOL, "lead@example.org")
    second = room.save_protocol(PROJECT, PROTOCOL.replace('version = "1.2"', 'version = "1.3"'), "lead@example.org")
    assert (first.version, second.version) == (1, 2)
    assert room.protocol(PROJECT).protocol.version == "1.3"  # type: ignore[union-attr]
    assert room.protocol(PROJECT, 1).protocol.version == "1.2"  # type: ignore[union-attr]
    with pytest.raises(ProtocolError, match="SliceThickness"):
        room.save_protocol(PROJECT, PROTOCOL.replace("SliceThickness = { min = 2.0", "SliceThickness = { min = 'x'"),
                           "lead@example.org")
    assert [p.version for p in room.protocol_history(PROJECT)] == [2, 1]
    assert room.protocol_history("OTHER") == []


@pytest.mark.postgres
def test_the_subscriber_assesses_arrivals_and_catches_up_after_a_restart(archive: Archive, tmp_path: Path) -> None:
    room = QualityRoom.open(archive.database.writer)
    room.save_protocol(PROJECT, PROTOCOL, "lead@example.org")
    good, thick = ct(1), ct(2, thickness="5")
    store(archive, good, tmp_path)
    store(archive, ct(3, project="ELSEWHERE"), tmp_path)  # another project: its own results, not this one's

    first = QualitySubscriber(archive, room, cluster=THREADS)
    summary = first.catch_up()
    first.close()
    assert (summary.assessed, summary.failed) == (2, [])
    assert [r.series_instance_uid for r in room.records(PROJECT)] == [str(good[0].SeriesInstanceUID)]

    store(archive, thick, tmp_path)  # arrives while the hub's subscriber is down
    restarted = QualitySubscriber(archive, QualityRoom.open(archive.database.writer), cluster=THREADS,
                                  settle_seconds=0.0)
    with restarted:
        records = wait_for(room, 2)
        by_uid = {r.series_instance_uid: r for r in records}
        problem = by_uid[str(thick[0].SeriesInstanceUID)].conformance.problems[0]
        assert (problem.attribute, problem.rule, problem.found) == ("SliceThickness", "max", "5")
        assert by_uid[str(good[0].SeriesInstanceUID)].conformance.conformant

        live = ct(4, thickness="2.0")
        store(archive, live, tmp_path)  # arrives while it runs: heard live
        wait_for(room, 3)
        archive.delete(str(live[0].StudyInstanceUID))  # withdrawn: its result goes too
        deadline = time.monotonic() + 60
        while len(room.records(PROJECT)) != 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert str(live[0].SeriesInstanceUID) not in {r.series_instance_uid for r in room.records(PROJECT)}
    assert restarted.catch_up().assessed == 0  # nothing left, nothing assessed twice

    status = study_qc_status(archive.database.reader, PROJECT, [str(good[0].StudyInstanceUID),
                                                               str(thick[0].StudyInstanceUID), "1.2.3"])
    assert [s.status for s in status.values()] == ["not conformant", "not conformant", "not checked"]
    assert status[str(good[0].StudyInstanceUID)].missing == ("T1 brain",)  # a required series not sent
    assert status[str(thick[0].StudyInstanceUID)].problems == 2


@pytest.mark.postgres
def test_a_project_run_on_demand_is_idempotent(archive: Archive, tmp_path: Path) -> None:
    room = QualityRoom.open(archive.database.writer)
    store(archive, ct(5), tmp_path)
    store(archive, ct(6), tmp_path)
    found: list[int] = []
    first = run_project(archive, room, PROJECT, cluster=THREADS, on_found=found.append)
    assert (found, first.assessed) == ([2], 2)
    assert all(r.protocol is None and r.conformance.metrics["snr"] for r in room.records(PROJECT))
    room.save_protocol(PROJECT, PROTOCOL, "lead@example.org")  # a new protocol version: assessed again
    assert run_project(archive, room, PROJECT, cluster=THREADS).assessed == 2
    assert run_project(archive, room, PROJECT, cluster=THREADS).already_done == 2


@pytest.mark.postgres
def test_study_status_on_a_hub_whose_room_never_ran(archive: Archive) -> None:
    assert study_qc_status(archive.database.reader, PROJECT, ["1.2.3"])["1.2.3"].status == "not checked"


def wait_for(room: QualityRoom, count: int, timeout: float = 60.0) -> list:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = room.records(PROJECT)
        if len(records) >= count:
            return records
        time.sleep(0.2)
    raise AssertionError(f"the subscriber did not assess {count} series in {timeout} s")


def test_the_hub_file_carries_quality_settings_beside_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from imaging_hub.config import HubSettings
    from imaging_hub.quality import QualitySettings

    config = tmp_path / "hub.toml"
    config.write_text('http_port = 8123\n\n[quality]\nscheduler = "tcp://10.0.0.5:8786"\nsettle_seconds = 5\n')
    assert HubSettings.load(config).http_port == 8123
    monkeypatch.setenv("IMAGING_HUB_QUALITY_SETTLE_SECONDS", "1")
    settings = QualitySettings.load(config)
    assert (settings.cluster.scheduler, settings.settle_seconds, settings.subscribe) == ("tcp://10.0.0.5:8786", 1.0,
                                                                                      True)
    config.write_text("[quality]\nworkers = 0\n")
    with pytest.raises(ValueError, match="workers"):
        QualitySettings.load(config)


def test_a_result_against_a_replaced_protocol_never_replaces_one_against_the_current(archive: Archive) -> None:
    """The subscriber may start a series before the lead saves a protocol and finish after the run against it."""
    room = QualityRoom.open(archive.database.writer)
    room.save_protocol(PROJECT, PROTOCOL, "lead@example.org")
    current = room.protocol(PROJECT).protocol  # type: ignore[union-attr]
    label = f"{current.name} {current.version}"
    fresh = replace(record("1.2.3", problems=(Problem("max", "SliceThickness", "<= 3", "5"),)), protocol=label)
    room.store(PROJECT, fresh)
    room.store(PROJECT, replace(record("1.2.3"), protocol=None))  # the late one, from before the protocol
    room.store(PROJECT, replace(record("1.2.3"), protocol="NET 0.9"))  # and one against an older version
    assert [r.conformance.problems for r in room.records(PROJECT)] == [fresh.conformance.problems]
    newer = replace(record("1.2.3"), content_hash="hash-more-instances", protocol=label)
    room.store(PROJECT, newer)  # a result against the current protocol still replaces it
    assert room.records(PROJECT) == [newer]
    room.store(PROJECT, replace(record("9.9"), protocol=None))  # nothing against the current one to keep
    assert [r.series_instance_uid for r in room.records(PROJECT)] == ["1.2.3", "9.9"]
    # "9.9" was checked against no protocol: older than version 1, for this project and no other
    assert room.outdated() == room.outdated(PROJECT) == {PROJECT: (1, 1)} and room.outdated("ELSEWHERE") == {}


def test_a_new_protocol_version_is_checked_by_the_subscriber(archive: Archive, tmp_path: Path) -> None:
    """A lead widens the slice thickness limit: results against the old version are re-checked, once."""
    room = QualityRoom.open(archive.database.writer)
    room.save_protocol(PROJECT, PROTOCOL, "lead@example.org")
    thick = ct(7, thickness="5")
    store(archive, thick, tmp_path)
    with QualitySubscriber(archive, room, cluster=THREADS, settle_seconds=0.0, poll_seconds=0.2) as subscriber:
        (before,) = wait_for(room, 1)
        assert ("SliceThickness", "max") in {(p.attribute, p.rule) for p in before.conformance.problems}
        assert room.outdated() == {}
        wider = PROTOCOL.replace('version = "1.2"', 'version = "1.3"').replace("max = 3.0", "max = 6.0")
        room.save_protocol(PROJECT, wider, "lead@example.org")
        assert room.outdated() == {PROJECT: (2, 1)}  # version 2; one series checked against version 1
        deadline = time.monotonic() + 60
        while room.outdated() and time.monotonic() < deadline:  # the next poll sees the new version
            time.sleep(0.2)
        (after,) = room.records(PROJECT)
        assert after.protocol == "NET-CHEST-BRAIN 1.3"
        assert ("SliceThickness", "max") not in {(p.attribute, p.rule) for p in after.conformance.problems}
        assert subscriber.recheck().assessed == 0  # nothing older left, nothing assessed twice
