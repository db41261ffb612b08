"""A cell's count split by kind (a site's studies complete / incomplete / failed): a small part, or a small
cell, never reaches a role below project lead, nor do the other parts that would give it back."""

from __future__ import annotations

from imaging_hub.governance import breakdown_shown


def test_exact_viewers_see_every_part() -> None:
    assert breakdown_shown({"complete": 50, "incomplete": 3, "failed": 0}, exact=True) == {
        "complete": "50",
        "incomplete": "3",
        "failed": "0",
    }


def test_a_small_part_is_shown_as_under_10_and_the_parts_that_would_give_it_back_are_withheld() -> None:
    assert breakdown_shown({"complete": 50, "incomplete": 3, "failed": 0}, exact=False) == {
        "complete": "suppressed",
        "incomplete": "<10",
        "failed": "0",
    }


def test_a_small_cell_shows_only_under_10_and_zeros() -> None:
    assert breakdown_shown({"complete": 1, "incomplete": 1, "failed": 1}, exact=False) == {
        "complete": "<10",
        "incomplete": "<10",
        "failed": "<10",
    }


def test_no_small_part_shows_every_part() -> None:
    assert breakdown_shown({"complete": 40, "incomplete": 12, "failed": 0}, exact=False) == {
        "complete": "40",
        "incomplete": "12",
        "failed": "0",
    }
