"""One spoke against a real Orthanc PACS and a real hub over TLS: pull by C-MOVE, C-GET and QIDO/WADO, push
by storescu, reconciliation at both ends, hub downtime, a refused token, a full disk and withdrawal."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness import (
    HubProcess,
    OrthancPacs,
    SpokeProcess,
    TlsFiles,
    free_port,
    part10,
    wait_for,
    write_spoke_config,
)

from imaging_hub.deid import ProjectKey
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import SpokeSettings, SpokeStatus, classify, connect
from imaging_hub.spoke.intake.buffer import EVERYTHING
from imaging_hub.spoke.pacs.pull import projects_to_retry
from imaging_hub.spoke.runtime.gateway import Spoke
from imaging_hub.spoke.runtime.workers import make_processor

SPEC = StudySpec(rows=16, columns=16, series=2, instances_per_series=3)
PYTHON = sys.executable


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, tls: TlsFiles) -> Iterator[HubProcess]:
    process = HubProcess(tmp_path_factory.mktemp("hub") / "data", tls, ["RX1", "RY2"])
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrthancPacs, list[SyntheticPatient]]]:
    rng = random.Random(7)
    people = [SyntheticPatient.make(rng, "RX1") for _ in range(3)]
    with OrthancPacs.running(tmp_path_factory.mktemp("pacs")) as orthanc:
        for seed, person in enumerate(people, start=1):
            orthanc.upload_many([part10(ds) for ds in make_study(person, SPEC, seed=seed)])
        yield orthanc, people


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "imaging_hub", "spoke", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def _setup_spoke(tmp: Path, hub: HubProcess, orthanc: OrthancPacs, people: list[SyntheticPatient], *,
                 kind: str, retrieve: str = "move", site: str = "RX1", pacs_extra: dict[str, object] | None = None,
                 checks: list[dict[str, object]] | None = None, **extra: object) -> tuple[Path, Path]:
    key = tmp / "project.key"
    ProjectKey.generate().save(key)
    port = free_port()
    ae = f"SP{tmp.name[-10:].upper().replace('-', '').replace('_', '')}"[:16]
    orthanc.add_modality(ae, ae, "127.0.0.1", port)
    pacs_link: dict[str, object] = {"kind": kind, "ae_title": "ORTHANC", "concurrency": 2, "rate": 200}
    if kind == "dimse":
        pacs_link |= {"host": "127.0.0.1", "port": orthanc.dicom_port, "retrieve": retrieve}
    else:
        pacs_link |= {"url": orthanc.dicomweb_url}
    pacs_link |= pacs_extra or {}
    optout = tmp / "optout.csv"
    optout.write_text(f"{people[1].nhs_number},2024-05-01\n")
    project = f"PRJ-{tmp.name[-6:]}".replace("_", "-")
    hub.add_project(project, [site])
    config = write_spoke_config(tmp / "spoke", site_id=site, hub=hub, dicom_port=port, ae_title=ae, pacs=pacs_link,
                                opt_out_file=optout, **extra,
                                projects=[{"id": project, "key_file": str(key), "acquisition_checks": checks or []}])
    enrol = tmp / "enrol.csv"
    enrol.write_text("participant_id,local_patient_id,nhs_number\n"
                     f"{project}-001,{people[0].patient_id},\n{project}-002,,{people[1].nhs_number}\n")
    result = _cli("enrol", project, str(enrol), "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    return config, tmp / "spoke" / "data"


@contextlib.contextmanager
def _receiving(settings: SpokeSettings) -> Iterator[Spoke]:
    """A spoke in this process with only its Storage SCP running: it pulls into its intake buffer, and nothing
    is de-identified unless a test asks."""
    spoke = Spoke(settings)
    spoke.scp.start()
    try:
        yield spoke
    finally:
        spoke.scp.stop()


def _complete(data: Path, studies: int = 1) -> bool:
    state = SpokeStatus.read(data)
    return len(state.studies) == studies and all(classify(s)[0] == "complete" for s in state.studies)


@pytest.mark.parametrize(("kind", "retrieve"), [("dimse", "move"), ("dimse", "get"), ("dicomweb", "")])
def test_pull_delivers_enrolled_study_only(
    tmp_path: Path, hub: HubProcess, pacs: tuple[OrthancPacs, list[SyntheticPatient]], kind: str, retrieve: str
) -> None:
    orthanc, people = pacs
    config, data = _setup_spoke(tmp_path, hub, orthanc, people, kind=kind, retrieve=retrieve)
    spoke = SpokeProcess(config, ["--pull"])
    spoke.start()
    try:
        wait_for(lambda: _complete(data), 90, what="the enrolled study to be acknowledged")
        state = SpokeStatus.read(data)
        study = state.studies[0]
        assert (study.expected_instances, study.received, study.acknowledged) == (6, 6, 6)
        assert state.backlog == {"acknowledged": 6}
        # acknowledged files are deleted, and identifiable ones as soon as they are de-identified: no file is
        # kept anywhere under the intake or the outbox, hidden folders included
        assert [p for p in (data / "outbox").rglob("*") if not p.is_dir()] == []
        assert [p for p in (data / "intake").rglob("*") if not p.is_dir()] == []
        status = _cli("status", "--config", str(config))
        assert status.returncode == 0 and "complete" in status.stdout
        assert people[1].nhs_number not in status.stdout and people[0].patient_id not in status.stdout
        with hub.reader() as client:
            view = client.get("/spokes/reconciliation", params={"project": study.project_id}).json()
        assert [(s["status"], s["hub_instances"]) for s in view["studies"]] == [("complete", 6)]
        with hub.reader() as client:
            found = client.get("/dicom-web/studies", params={"StudyInstanceUID": study.study_uid}).json()
        assert found and found[0]["00100020"]["Value"][0] == study.participant_id  # pseudonymous PatientID
        if kind == "dimse" and retrieve == "move":  # one spoke per data folder
            second = _cli("--config", str(config))
            assert second.returncode == 2 and "another spoke is running on the data folder" in second.stdout
            assert spoke.alive()
    finally:
        spoke.stop()
    # nothing identifiable stays behind the stopped spoke
    assert [p for p in (data / "intake").rglob("*") if not p.is_dir()] == []


def test_acquisition_checks_warn_or_hold(
    tmp_path: Path, hub: HubProcess, pacs: tuple[OrthancPacs, list[SyntheticPatient]]
) -> None:
    orthanc, people = pacs
    checks: list[dict[str, object]] = [
        {"attribute": "SliceThickness", "modalities": ["CT"], "max": 1.0},  # warns on all six
        {"attribute": "SeriesNumber", "one_of": ["1"], "action": "hold"},  # holds the second series back
    ]
    config, data = _setup_spoke(tmp_path, hub, orthanc, people, kind="dimse", retrieve="get", checks=checks)
    spoke = SpokeProcess(config, ["--pull"])
    spoke.start()
    try:
        def settled() -> bool:
            state = SpokeStatus.read(data)
            return len(state.studies) == 1 and state.studies[0].acknowledged == 3
        wait_for(settled, 90, what="the first series to be acknowledged")
        study = SpokeStatus.read(data).studies[0]
        assert (study.received, study.failed, study.acknowledged) == (6, 3, 3)
        assert classify(study) == ("failed", "3 held by acquisition check: SeriesNumber 2 is not one of 1")
        assert study.findings == {"SliceThickness 2.5 above 1": 3}
        status = _cli("status", "--config", str(config))
        assert "held by acquisition check" in status.stdout
        with hub.reader() as client:
            view = client.get("/spokes/reconciliation", params={"project": study.project_id}).json()
        assert [(s["status"], s["hub_instances"], s["findings"]) for s in view["studies"]] == [
            ("failed", 3, {"SliceThickness 2.5 above 1": 3})]
    finally:
        spoke.stop()


def test_a_pull_asks_only_for_what_is_neither_recorded_nor_waiting_in_the_intake_buffer(
    tmp_path: Path, hub: HubProcess, pacs: tuple[OrthancPacs, list[SyntheticPatient]]
) -> None:
    orthanc, people = pacs
    config, _ = _setup_spoke(tmp_path, hub, orthanc, people, kind="dimse")
    settings = SpokeSettings.load(config)
    with _receiving(settings) as spoke:  # nothing is de-identified until the test says so
        first = spoke.pull()  # both participants' studies (nothing is filtered before de-identification here)
        studies, sent = first.studies_retrieved, first.instances_sent
        assert (studies, sent) == (2, 12)
        wait_for(lambda: spoke.intake.count() == sent, 30, interval=0.05, what="the studies in the intake buffer")
        again = spoke.pull()  # a scheduled pull, or a retry for another study, while those files wait
        assert (again.studies_found, again.awaiting_intake, spoke.intake.count()) == (0, studies, sent)
        spoke.intake.pending()[0].unlink()  # one of them is lost before it is de-identified
        assert make_processor(settings, EVERYTHING).drain().files == sent - 1
        third = spoke.pull()  # nothing waits any more: the study lacks one, so the series it was in is asked for
        assert (third.studies_retrieved, third.instances_sent, third.awaiting_intake) == (1, 3, 0)
        wait_for(lambda: spoke.intake.count() == 3, 30, interval=0.05, what="that series again")
        result = make_processor(settings, EVERYTHING).drain()
        assert (result.files, result.duplicates + result.dropped) == (3, 2)  # the lost one is back, once
        assert spoke.pull().studies_found == 0  # complete: not asked for again


def test_a_pull_that_cannot_reach_the_pacs_says_why_and_is_retried(
    tmp_path: Path, hub: HubProcess, pacs: tuple[OrthancPacs, list[SyntheticPatient]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    orthanc, people = pacs
    config, data = _setup_spoke(tmp_path, hub, orthanc, people, kind="dimse", pacs_extra={"port": free_port()})
    settings = SpokeSettings.load(config)
    with caplog.at_level(logging.WARNING):
        summary = Spoke(settings).pull()
        Spoke(settings).pull()  # the scheduler's retry, the PACS still down
    line = summary.describe()
    assert line.startswith(f"0 of 0 studies retrieved, {len(summary.errors)} error(s) (first: project ")
    assert summary.errors and "refused or did not answer" in line
    assert "looking up a participant of project" in caplog.text
    for person in people:  # neither the line the status shows nor the log names a patient
        for value in (person.patient_id, person.nhs_number, person.name):
            assert value not in line and value not in caplog.text
    conn = connect(data)
    try:
        assert projects_to_retry(conn) == ({settings.projects[0].id}, 2)  # retried with backoff
        rows = [classify(s) for s in SpokeStatus.read(data).studies]
        assert rows and all(status == "incomplete" and "failed 2 time(s), retrying: PACS lookup failed" in why
                            for status, why in rows)
        back = settings.model_copy(update={"pacs": settings.pacs.model_copy(update={"port": orthanc.dicom_port})})
        with _receiving(back) as spoke:
            assert spoke.pull().errors == []  # the PACS answers again
        assert projects_to_retry(conn) == (set(), 0)
    finally:
        conn.close()


def test_ctrl_c_then_sigterm_stop_the_spoke_cleanly(
    tmp_path: Path, hub: HubProcess, pacs: tuple[OrthancPacs, list[SyntheticPatient]]
) -> None:
    orthanc, people = pacs
    config, data = _setup_spoke(tmp_path, hub, orthanc, people, kind="dimse")
    spoke = SpokeProcess(config)
    spoke.start()
    try:
        wait_for(lambda: SpokeStatus.read(data).health.get("accepting") == "yes", 60, what="spoke start")
        assert spoke.process is not None
        # Ctrl-C, then the service manager's SIGTERM, again and again while the spoke stops: a handler that
        # took a lock hung the spoke when a signal came in while the previous one was being handled.
        until = time.monotonic() + 1.0
        while time.monotonic() < until and spoke.process.poll() is None:
            spoke.process.send_signal(signal.SIGINT)
            spoke.process.send_signal(signal.SIGTERM)
            time.sleep(0.0005)
        spoke.process.wait(timeout=30)  # stopped on its own, not left for the harness to kill
    finally:
        spoke.stop()
    assert "spoke stopped" in (config.parent / "spoke.log").read_text()  # through its orderly stop
    assert not SpokeStatus.read(data).running


def test_push_survives_hub_downtime_and_disk_guard(
    tmp_path: Path, tls: TlsFiles, pacs: tuple[OrthancPacs, list[SyntheticPatient]]
) -> None:
    orthanc, people = pacs
    hub = HubProcess(tmp_path / "own-hub", tls, ["RX1"])
    hub.start()
    config, data = _setup_spoke(tmp_path, hub, orthanc, people, kind="dimse")
    hub.stop()  # the hub is down before anything is sent
    spoke = SpokeProcess(config)
    spoke.start()
    folder = tmp_path / "modality"
    folder.mkdir()
    for ds in make_study(people[0], SPEC, seed=99):
        (folder / f"{ds.InstanceNumber}-{ds.SeriesNumber}.dcm").write_bytes(part10(ds))
    port = int(config.read_text().split("dicom_port = ")[1].split()[0])
    try:
        wait_for(lambda: SpokeStatus.read(data).health.get("accepting") == "yes", 60, what="spoke start")
        storescu = shutil.which("storescu")
        assert storescu, "dcmtk storescu is required"
        sent = subprocess.run([storescu, "-aec", "ANY", "+sd", "127.0.0.1", str(port), str(folder)],
                              capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        wait_for(lambda: SpokeStatus.read(data).backlog.get("deidentified") == 6, 60, what="queued while hub down")
        wait_for(lambda: "unavailable" in SpokeStatus.read(data).health.get("hub", ""), 30, what="hub reported down")
        hub.start()
        wait_for(lambda: SpokeStatus.read(data).backlog == {"acknowledged": 6}, 90, what="backlog to drain")
        study = SpokeStatus.read(data).studies[0]
        assert classify(study)[0] == "complete" and study.expected_instances is None  # pushed: not queried
    finally:
        spoke.stop()
    # Restart with a disk floor no disk can meet: the SCP refuses with Out of Resources, status says why.
    text = config.read_text().replace("min_free_mb = 1", "min_free_mb = 1000000000")
    config.write_text(text)
    spoke = SpokeProcess(config)
    spoke.start()
    try:
        wait_for(lambda: SpokeStatus.read(data).health.get("accepting") == "no", 60, what="disk guard")
        refused = subprocess.run([storescu, "-aec", "ANY", "127.0.0.1", str(port), str(next(folder.iterdir()))],
                                 capture_output=True, text=True, timeout=60)
        assert "0xa700" in (refused.stdout + refused.stderr).lower() or refused.returncode != 0
        status = _cli("status", "--config", str(config))
        assert "NOT ACCEPTING: disk nearly full" in status.stdout
    finally:
        spoke.stop()
        hub.stop()


def test_refused_token_keeps_backlog_and_withdrawal_removes_from_hub(
    tmp_path: Path, hub: HubProcess, pacs: tuple[OrthancPacs, list[SyntheticPatient]]
) -> None:
    orthanc, people = pacs
    config, data = _setup_spoke(tmp_path, hub, orthanc, people, kind="dimse")
    token_file = config.parent / "hub.token"
    token_file.write_text("not-a-valid-token")
    spoke = SpokeProcess(config, ["--pull"])
    spoke.start()
    try:
        wait_for(lambda: "refused the spoke's token" in SpokeStatus.read(data).health.get("hub", ""), 60,
                 what="token refusal reported")
        assert SpokeStatus.read(data).backlog.get("acknowledged", 0) == 0
    finally:
        spoke.stop()
    token_file.write_text(hub.tokens["RX1"])
    spoke = SpokeProcess(config)
    spoke.start()
    try:
        wait_for(lambda: _complete(data), 90, what="delivery with the right token")
        study = SpokeStatus.read(data).studies[0]
        with hub.reader() as client:
            assert len(client.get(f"/dicom-web/studies/{study.study_uid}/instances").json()) == 6
        result = _cli("withdraw", study.project_id, study.participant_id, "--config", str(config))
        assert result.returncode == 0, result.stdout
        wait_for(lambda: SpokeStatus.read(data).withdrawals_pending == 0, 60, what="hub told of withdrawal")

        def gone() -> bool:
            with hub.reader() as client:
                response = client.get(f"/dicom-web/studies/{study.study_uid}/instances")
            return response.status_code in (204, 404) or response.json() == []

        wait_for(gone, 30, what="hub to remove the withdrawn participant's study")
    finally:
        spoke.stop()
    unknown = _cli("withdraw", "NOPE", "X", "--config", str(config))
    assert unknown.returncode == 1 and "not enrolled" in unknown.stdout
    with pytest.raises(httpx.HTTPStatusError), hub.client("RX1") as client:
        client.headers["Authorization"] = "Bearer wrong"
        client.get("/spokes/reconciliation").raise_for_status()


def test_failed_retrieve_is_retried_until_it_succeeds(
    tmp_path: Path, hub: HubProcess, pacs: tuple[OrthancPacs, list[SyntheticPatient]]
) -> None:
    """A PACS that refuses a C-MOVE for a while (here: it does not know the spoke as a destination yet)
    must not leave the study failed for good: the spoke retries with backoff and completes it."""
    orthanc, people = pacs
    config, data = _setup_spoke(tmp_path, hub, orthanc, people, kind="dimse",
                                pacs_extra={"retry_base_s": 0.5, "retry_cap_s": 1.0})
    ae = config.read_text().split('ae_title = "')[1].split('"')[0]
    port = int(config.read_text().split("dicom_port = ")[1].split()[0])
    httpx.delete(f"{orthanc.http_url}/modalities/{ae}", timeout=10).raise_for_status()
    spoke = SpokeProcess(config, ["--pull"])
    spoke.start()
    try:
        def retrying() -> bool:
            studies = SpokeStatus.read(data).studies
            return bool(studies) and "retrying" in classify(studies[0])[1]

        wait_for(retrying, 60, what="the failed retrieve to be reported as being retried")
        assert classify(SpokeStatus.read(data).studies[0])[0] == "incomplete"  # not failed while retrying
        orthanc.add_modality(ae, ae, "127.0.0.1", port)
        wait_for(lambda: _complete(data), 90, what="the retried retrieve to complete the study")
        assert SpokeStatus.read(data).studies[0].retrieve_attempts == 0
    finally:
        spoke.stop()
