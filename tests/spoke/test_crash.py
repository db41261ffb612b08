"""Crash safety: kill -9 the spoke, its de-identification and delivery process alone, one de-identification
worker alone, and separately the hub, at random moments while a couple of thousand small instances move from
the PACS to the hub; restart; the hub holds exactly the expected set."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pydicom
import pytest
from harness import HubProcess, OrthancPacs, SpokeProcess, TlsFiles, free_port, part10, wait_for, write_spoke_config

from imaging_hub.deid import Deidentifier, Profile, ProjectKey
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import SpokeStatus, classify
from imaging_hub.store import Archive

pytestmark = pytest.mark.slow

PATIENTS, SERIES, PER_SERIES = 8, 5, 50  # 2000 instances
SPEC = StudySpec(rows=16, columns=16, series=SERIES, instances_per_series=PER_SERIES, study_date=dt.date(2024, 2, 1))


def test_kill_spoke_and_hub_mid_transfer(tmp_path: Path, tls: TlsFiles) -> None:
    rng = random.Random()  # truly random moments; the seed is printed for a rerun
    seed = random.randrange(1 << 30)
    rng.seed(seed)
    print(f"crash test seed {seed}")
    orphans_before = _orphaned_workers()
    people = [SyntheticPatient.make(random.Random(n), "RX1") for n in range(PATIENTS)]
    key_file = tmp_path / "p.key"
    ProjectKey.generate().save(key_file)
    deid = Deidentifier(Profile.builtin("research"), ProjectKey.load(key_file), project_id="CRASH")
    expected: set[str] = set()
    hub = HubProcess(tmp_path / "hub", tls, ["RX1"], ["CRASH"])
    hub.start()
    with OrthancPacs.running(tmp_path / "pacs") as orthanc:
        for n, person in enumerate(people):
            study = [part10(ds) for ds in make_study(person, SPEC, seed=1000 + n)]
            orthanc.upload_many(study)
        source_studies: set[str] = set()
        for ds in _all_instances(orthanc):
            expected.add(deid.uid(ds.SOPInstanceUID))
            source_studies.add(str(ds.StudyInstanceUID))
        assert len(expected) == PATIENTS * SERIES * PER_SERIES
        port = free_port()
        orthanc.add_modality("CRASHSPOKE", "CRASHSPOKE", "127.0.0.1", port)
        config = write_spoke_config(
            tmp_path / "spoke", site_id="RX1", hub=hub, dicom_port=port, ae_title="CRASHSPOKE", batch_size=40,
            deid_workers=2,
            projects=[{"id": "CRASH", "key_file": str(key_file), "opt_out": "consent",
                       "opt_out_basis": "test consent"}],
            pacs={"kind": "dimse", "host": "127.0.0.1", "port": orthanc.dicom_port, "ae_title": "ORTHANC",
                  "retrieve": "move", "concurrency": 2},
        )
        enrol = tmp_path / "enrol.csv"
        enrol.write_text("participant_id,local_patient_id\n" + "".join(
            f"C-{n:03d},{p.patient_id}\n" for n, p in enumerate(people)))
        subprocess.run([sys.executable, "-m", "imaging_hub", "spoke", "enrol", "CRASH", str(enrol), "--config",
                        str(config)], check=True, capture_output=True)
        data = tmp_path / "spoke" / "data"
        spoke = SpokeProcess(config, ["--pull"])
        spoke.start()
        try:
            for _ in range(3):  # the spoke dies mid-pull / mid-de-identification / mid-delivery
                time.sleep(rng.uniform(2.0, 6.0))
                spoke.kill()
                spoke.start()
            time.sleep(rng.uniform(1.0, 4.0))  # the pipeline process dies alone; the spoke restarts it
            assert spoke.process is not None
            os.kill(_pipeline_pid(data, spoke.process.pid), signal.SIGKILL)
            time.sleep(rng.uniform(1.0, 3.0))  # one de-identification worker dies; the pipeline restarts it
            os.kill(_worker_pid(_pipeline_pid(data, spoke.process.pid)), signal.SIGKILL)
            for _ in range(2):  # the hub dies mid-ingest
                time.sleep(rng.uniform(2.0, 6.0))
                hub.kill()
                time.sleep(rng.uniform(0.2, 2.0))
                hub.start()

            def done() -> bool:
                state = SpokeStatus.read(data)
                return len(state.studies) == PATIENTS and all(classify(s)[0] == "complete" for s in state.studies)

            def pull_again_if_idle() -> bool:
                if done():
                    return True
                state = SpokeStatus.read(data)
                missing = sum((s.expected_instances or 0) - s.received for s in state.studies)
                if missing and "retrieved" in state.health.get("last_pull", "") and not state.backlog.get(
                        "deidentified") and not int(state.health.get("intake_pending", "0")):
                    subprocess.run([sys.executable, "-m", "imaging_hub", "spoke", "pull", "--config", str(config)],
                                   check=True, capture_output=True)
                return False

            wait_for(pull_again_if_idle, 420, interval=3.0, what="every study complete after the crashes")
        finally:
            spoke.stop()
            hub.stop()

    # every process a killed spoke left behind (its pipeline, their de-identification workers) has left too
    wait_for(lambda: not _orphaned_workers() - orphans_before, 15, interval=0.5, what="orphaned workers to exit")
    archive = Archive.open(tmp_path / "hub")
    try:
        held: dict[str, str] = {}
        for person_study in {deid.uid(uid) for uid in source_studies}:
            for instance in archive.instances(person_study):
                held[instance.sop_instance_uid] = instance.sha256
        assert set(held) == expected  # nothing lost, nothing extra
        assert archive.count_instances() == len(expected)  # nothing duplicated
        assert not archive.conflicts()  # every resend was byte-identical
    finally:
        archive.close()


def _parent_pid(proc: Path) -> int:
    """The parent of the process whose /proc folder this is (the field after the command name in its stat)."""
    return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])


def _orphaned_workers() -> set[int]:
    """Spawned Python worker processes whose parent is gone (adopted by init)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes()
            ppid = _parent_pid(entry)
            if b"spawn_main" in command and b"multiprocessing-fork" in command and ppid == 1:
                found.add(int(entry.name))
    return found


def _pipeline_pid(data: Path, spoke_pid: int) -> int:
    """The running spoke's de-identification and delivery process, as its status shows it."""
    found: list[int] = []

    def shown() -> bool:
        match = re.search(r"running \(pid (\d+)", SpokeStatus.read(data).health.get("pipeline", ""))
        if match is None:
            return False
        pid = int(match.group(1))
        with contextlib.suppress(OSError):  # the status may still name a pipeline of the killed spoke
            if _parent_pid(Path(f"/proc/{pid}")) == spoke_pid:
                found.append(pid)
        return bool(found)

    wait_for(shown, 30, interval=0.2, what="the spoke to report its pipeline process")
    return found[0]


def _worker_pid(pipeline: int) -> int:
    """One of the pipeline's de-identification worker processes."""
    found: list[int] = []

    def started() -> bool:
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError, ValueError):
                if _parent_pid(entry) == pipeline and b"spawn_main" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
        return bool(found)

    wait_for(started, 30, interval=0.2, what="the pipeline's de-identification workers")
    return found[0]


def _all_instances(orthanc: OrthancPacs) -> list[pydicom.Dataset]:
    """What the PACS really holds (read back from it, not from what we meant to upload)."""
    with httpx.Client(base_url=orthanc.http_url, timeout=60) as client:
        ids = client.get("/instances").json()
        return [pydicom.dcmread(io.BytesIO(client.get(f"/instances/{i}/file").content), stop_before_pixels=True)
                for i in ids]
