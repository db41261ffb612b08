"""The pull's retrieval queue: studies go to the PACS as they are found, a study found twice is fetched once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from imaging_hub.spoke.pacs.pull import _Retrievals, _Wanted


class _Pacs:
    """Records each retrieve; the first one blocks until released, so a test can add while it runs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, frozenset[str], frozenset[str]]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def retrieve(self, wanted: _Wanted) -> int:
        series = frozenset(wanted.series)  # what is asked of the PACS is fixed when the retrieve starts
        self.started.set()
        self.release.wait(10)
        self.calls.append((wanted.study_uid, series, frozenset(wanted.projects)))
        return len(series)


def test_a_study_found_again_before_its_retrieve_starts_joins_it() -> None:
    pacs = _Pacs()
    with ThreadPoolExecutor(1) as pool:
        retrievals = _Retrievals(pool, pacs.retrieve)
        retrievals.add(_Wanted("1.2.1", {"s1"}, {"A"}))  # occupies the only worker
        assert pacs.started.wait(5)
        retrievals.add(_Wanted("1.2.2", {"s1"}, {"A"}))
        retrievals.add(_Wanted("1.2.2", {"s2"}, {"B"}))  # same study, other project, still waiting
        pacs.release.set()
        assert retrievals.outcomes() == [1, 2]
    assert pacs.calls[1] == ("1.2.2", frozenset({"s1", "s2"}), frozenset({"A", "B"}))
    assert retrievals.studies == 2


def test_a_study_found_again_while_retrieving_fetches_only_missing_series() -> None:
    pacs = _Pacs()
    with ThreadPoolExecutor(2) as pool:
        retrievals = _Retrievals(pool, pacs.retrieve)
        first = _Wanted("1.2.3", {"s1", "s2"}, {"A"})
        retrievals.add(first)
        assert pacs.started.wait(5)
        retrievals.add(_Wanted("1.2.3", {"s2"}, {"B"}))  # nothing new to fetch: joins the running one
        retrievals.add(_Wanted("1.2.3", {"s2", "s3"}, {"C"}))  # s3 is new
        pacs.release.set()
        outcomes = retrievals.outcomes()
    assert sorted(outcomes) == [1, 2]
    assert ("1.2.3", frozenset({"s3"}), frozenset({"C"})) in pacs.calls
    assert first.projects == {"A", "B", "C"}  # the running retrieve's outcome is recorded for all three
    assert retrievals.studies == 1
