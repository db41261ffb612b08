"""The spoke's study and series queries against a real Orthanc: every series of every study, every time.

A series answer lost between query and reconciliation would shrink "expected" and report an incomplete study
complete, so queries are repeated (a lost response is a race, not a certainty) and a PACS that answers fewer
series than it lists for a study is refused rather than believed."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest
from harness import OrthancPacs, part10

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke.pacs.dicomweb import DicomWebPacs
from imaging_hub.spoke.pacs.dimse import DimsePacs
from imaging_hub.spoke.pacs.protocol import Pacs, PacsError, SeriesFound, check_series_answered

SPEC = StudySpec(rows=8, columns=8, series=6, instances_per_series=3)
STUDIES = 3
REPEATS = 8


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrthancPacs, SyntheticPatient]]:
    patient = SyntheticPatient.make(random.Random(51), "RX1")
    with OrthancPacs.running(tmp_path_factory.mktemp("pacs"), dicomweb=True) as orthanc:
        for seed in range(STUDIES):
            orthanc.upload_many([part10(ds) for ds in make_study(patient, SPEC, seed=seed)])
        yield orthanc, patient


def _client(kind: str, orthanc: OrthancPacs) -> Pacs:
    if kind == "dimse":
        return DimsePacs("127.0.0.1", orthanc.dicom_port, "ORTHANC", "TESTSPOKE")
    return DicomWebPacs(orthanc.dicomweb_url, deliver=lambda _: None)


@pytest.fixture()
def busy_interpreter() -> Iterator[None]:
    """Threads that keep the interpreter lock contended, as a spoke's receiving and retrieving threads do
    during a pull (the condition under which pynetdicom dropped responses)."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(2000))

    threads = [threading.Thread(target=spin, daemon=True) for _ in range(6)]
    for thread in threads:
        thread.start()
    yield
    stop.set()
    for thread in threads:
        thread.join()


@pytest.mark.parametrize("kind", ["dimse", "dicomweb"])
def test_every_series_of_every_study_every_time(
        kind: str, pacs: tuple[OrthancPacs, SyntheticPatient], busy_interpreter: None) -> None:
    orthanc, patient = pacs
    client = _client(kind, orthanc)
    for _ in range(REPEATS):
        studies = client.find_studies(patient.patient_id, "", "")
        assert len(studies) == STUDIES
        for study in studies:
            assert len(study.series) == SPEC.series
            assert [s.instances for s in study.series] == [SPEC.instances_per_series] * SPEC.series


def test_fewer_series_than_the_pacs_lists_is_refused() -> None:
    series = (SeriesFound("1.2.3", "CT", 10), SeriesFound("1.2.4", "CT", 5))
    check_series_answered(2, series)
    check_series_answered(None, series)  # a PACS that does not count series cannot be checked
    with pytest.raises(PacsError, match="answered 2 of the 3 series") as refused:
        check_series_answered(3, series)
    assert "1.2.3" not in str(refused.value)  # source UIDs stay out of errors and logs
