"""Several threads, and several processes, storing into one archive at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from store_samples import make_datasets, part10

from imaging_hub.store import Archive, Query, StoreStatus


def test_threads_storing_one_study_keep_counters_exact(archive: Archive) -> None:
    blobs = [part10(ds) for ds in make_datasets(61, series=3, instances=6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(archive.store_bytes, blobs))
    assert {o.status for o in outcomes} == {StoreStatus.STORED}
    (study,) = archive.search(Query())
    assert (study.NumberOfStudyRelatedSeries, study.NumberOfStudyRelatedInstances) == (3, 18)
    series = archive.search(Query(level="SERIES"))
    assert [s.NumberOfSeriesRelatedInstances for s in series] == [6, 6, 6]
    (patient,) = archive.search(Query(level="PATIENT"))
    assert (patient.NumberOfPatientRelatedStudies, patient.NumberOfPatientRelatedInstances) == (1, 18)


def test_threads_sending_the_same_instance_store_it_once(archive: Archive) -> None:
    (ds,) = make_datasets(62, instances=1)
    data = part10(ds)
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(archive.store_bytes, [data] * 12))
    assert Counter(o.status for o in outcomes) == {StoreStatus.STORED: 1, StoreStatus.DUPLICATE: 11}
    assert archive.count_instances() == 1
    assert len([p for p in (archive.data_dir / "blobs").rglob("*") if p.is_file()]) == 1


def test_threads_storing_and_deleting_stay_consistent(archive: Archive) -> None:
    keep = [part10(ds) for ds in make_datasets(63, series=2, instances=4)]
    churn_datasets = make_datasets(64, series=1, instances=4)
    churn = [part10(ds) for ds in churn_datasets]
    churn_study = churn_datasets[0].StudyInstanceUID

    def delete_churn(_: int) -> int:
        return archive.delete(churn_study)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(archive.store_bytes, churn))
        work = [pool.submit(archive.store_bytes, b) for b in keep] + [pool.submit(delete_churn, i) for i in range(3)]
        for future in work:
            future.result()
    archive.delete(churn_study)
    (study,) = archive.search(Query())
    assert study.NumberOfStudyRelatedInstances == 8 and archive.count_instances() == 8
    files = [p for p in (archive.data_dir / "blobs").rglob("*") if p.is_file()]
    assert sorted(files) == sorted(i.path for i in archive.instances(study.StudyInstanceUID))


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from imaging_hub.store import Archive
    with Archive.open(Path(sys.argv[1]), sys.argv[2]) as archive:
        for name in sys.argv[3:]:
            archive.store_file(Path(name))
    """
)


def test_processes_share_one_data_folder(tmp_path: Path, database_url: str) -> None:
    files = []
    for index, ds in enumerate(make_datasets(65, series=2, instances=6)):
        path = tmp_path / f"{index}.dcm"
        path.write_bytes(part10(ds))
        files.append(str(path))
    data_dir = tmp_path / "data"
    # Every process opens (and migrates) the fresh archive at once, then all send overlapping halves.
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(data_dir), database_url, *chunk])
        for chunk in (files[:8], files[4:], files[::2])
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    with Archive.open(data_dir, database_url) as archive:
        assert archive.count_instances() == 12
        (study,) = archive.search(Query())
        assert (study.NumberOfStudyRelatedSeries, study.NumberOfStudyRelatedInstances) == (2, 12)
