"""Keyset pages over 100k synthetic studies: every matching study exactly once, newest indexed first, the
same pages however deep, and counts that agree with the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imaging_hub.store import Archive, Query, QueryError
from imaging_hub.store.bulk import insert_synthetic_index

STUDIES = 100_000


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    opened = Archive.open(Path(tmp_path_factory.mktemp("paging")))
    insert_synthetic_index(opened, studies=STUDIES, series_per_study=1, instances_per_series=1)
    yield opened
    opened.close()


def walk(archive: Archive, query: Query, size: int) -> Iterator[list[str]]:
    after = None
    while True:
        page = archive.search_page(query, after=after, size=size)
        yield [str(ds.StudyInstanceUID) for ds in page.results]
        if page.next_after is None:
            return
        after = page.next_after


def test_every_study_of_a_project_once_newest_first(archive: Archive) -> None:
    query = Query(level="STUDY", filters={"ClinicalTrialProtocolID": "PROJ3"})
    pages = list(walk(archive, query, 500))
    seen = [uid for page in pages for uid in page]
    assert len(seen) == len(set(seen)) == STUDIES // 5 == archive.count(query)
    assert all(len(page) == 500 for page in pages[:-1]) and 0 < len(pages[-1]) <= 500
    # Synthetic study s is PROJ(s % 5) and indexed in order of s: newest first means s descending.
    numbers = [int(uid.rsplit(".", 1)[1]) for uid in seen]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == STUDIES - 2 and numbers[-1] == 3


def test_filtered_pages_agree_with_a_plain_search(archive: Archive) -> None:
    query = Query(level="STUDY", filters={
        "ClinicalTrialProtocolID": "PROJ1", "ModalitiesInStudy": "MR", "StudyDate": "20180101-20181231"})
    expected = {str(ds.StudyInstanceUID) for ds in archive.search(query)}
    paged = [uid for page in walk(archive, query, 37) for uid in page]
    assert expected and sorted(paged) == sorted(expected) and len(paged) == archive.count(query)


def test_a_deep_page_is_the_same_page_when_reached_directly(archive: Archive) -> None:
    query = Query(level="STUDY", filters={"ClinicalTrialProtocolID": "PROJ0"})
    first = archive.search_page(query, size=100)
    assert first.next_after is not None
    direct = archive.search_page(query, after=first.next_after, size=100)
    walked = list(walk(archive, query, 100))
    assert [str(ds.StudyInstanceUID) for ds in direct.results] == walked[1]
    # Returned attributes are those of a normal search (counters included).
    assert int(direct.results[0].NumberOfStudyRelatedInstances) == 1


@pytest.mark.parametrize("after, size, message", [("abc", 10, "page key"), ("-1", 10, "page key"),
                                                  (None, 0, "page size"), (None, 501, "page size")])
def test_bad_paging_is_refused_by_name(archive: Archive, after: str | None, size: int, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        archive.search_page(Query(level="STUDY"), after=after, size=size)
