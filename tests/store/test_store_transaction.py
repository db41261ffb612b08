"""The store's write transaction, begun and committed on the driver connection: a failure rolls every row back
and leaves the kept connection fit for the next store; a transient failure of the commit is retried."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from store_samples import make_datasets, part10

from imaging_hub.events import InstanceStored
from imaging_hub.store import Archive, Query, StoreStatus
from imaging_hub.store.driver import Driver
from imaging_hub.store.schema import changes, instance, patient, series, study, unsettled


def _rows(archive: Archive) -> dict[str, int]:
    with archive.database.reading() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (patient, study, series, instance, unsettled, changes)
        }


def test_a_failure_after_the_rows_are_written_rolls_them_all_back(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_datasets(61, instances=2)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("feed unavailable")

    with monkeypatch.context() as patched:
        patched.setattr("imaging_hub.store.changes.send", broken)  # the last statement of the transaction
        with pytest.raises(RuntimeError, match="feed unavailable"):
            archive.store_bytes(part10(first))
    assert _rows(archive) == dict.fromkeys(("patient", "study", "series", "instance", "unsettled", "changes"), 0)

    outcomes = [archive.store_bytes(part10(ds)) for ds in (first, second)]  # the next transactions commit
    assert [o.status for o in outcomes] == [StoreStatus.STORED, StoreStatus.STORED]
    assert _rows(archive) | {"unsettled": 0} == {  # the marks are cleared by a later transaction
        "patient": 1, "study": 1, "series": 1, "instance": 2, "unsettled": 0, "changes": 2}
    (found,) = archive.search(Query(level="STUDY", filters={"StudyInstanceUID": first.StudyInstanceUID}))
    assert found.NumberOfStudyRelatedInstances == 2
    assert [c.sop_instance_uid for c in archive.changes()] == [first.SOPInstanceUID, second.SOPInstanceUID]


def test_a_commit_the_database_refuses_for_a_moment_is_retried(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ds,) = make_datasets(62, instances=1)
    commit = Driver.commit
    refused: list[int] = []

    def busy_once(driver: Driver) -> None:
        if not refused:
            refused.append(1)
            raise OperationalError("COMMIT", None, Exception("database is locked"))  # nothing committed
        commit(driver)

    monkeypatch.setattr(Driver, "commit", busy_once)
    heard: list[InstanceStored] = []
    archive.events.subscribe(InstanceStored, heard.append)
    outcome = archive.store_bytes(part10(ds))
    assert refused and outcome.status == StoreStatus.STORED
    assert outcome.instance.path.read_bytes() == part10(ds)
    counts = _rows(archive)
    assert (counts["instance"], counts["changes"]) == (1, 1)
    assert [event.sop_instance_uid for event in heard] == [ds.SOPInstanceUID]  # announced once, after the commit
