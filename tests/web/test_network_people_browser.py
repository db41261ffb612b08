"""The people pages in Chromium at 1280 and 375 px: a person fills in their profile and asks for mentoring by
clicking; the administrator runs the matching and accepts the match; nothing is wider than the window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from governance.hub import Hub
from imaging_hub.network.operations import Actor
from imaging_hub.network.people import PeopleRoom, Profile

from .test_browser import every_field_is_labelled, serving, sign_in_by_keyboard

ADMIN, RES = "admin@network.example", "res@uni.example"


@pytest.fixture(scope="module")
def people_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:
    with serving(tmp_path_factory.mktemp("people-web")) as (base, hub):
        mentor = Profile(
            "mentor@rgt.example",
            "Dr Mentor",
            "RGT",
            "North",
            champion=True,
            skills=frozenset({"trial imaging"}),
            mentoring_hours=4,
            mentees_max=2,
        )
        PeopleRoom.open(hub.archive.database.writer).save_profile(Actor(mentor.person), mentor)
        yield base, hub


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_people_pages_by_clicking_at_1280_and_375_px(people_served: tuple[str, Hub], browser: Any) -> None:
    base, _ = people_served
    person = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in_by_keyboard(person, base, RES)
    person.goto(base + "/network/people/me")
    assert _overflow(person) <= 0 and every_field_is_labelled(person) == []
    person.fill("#name", "Ms Mentee")
    person.fill("#site", "RHM")
    person.fill("#region", "North")
    person.click("#profile-save")
    person.wait_for_selector("#profile-saved")
    person.goto(base + "/network/people/mentoring")
    person.fill("#ask-skills", "trial imaging")
    person.click("#ask-mentoring")
    person.wait_for_selector("#mentoring-requests >> text=open")
    assert _overflow(person) <= 0
    person.close()

    for width, height in ((1280, 900), (375, 740)):
        admin = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(admin, base, ADMIN)
        admin.goto(base + "/network/people")
        assert "Dr Mentor" in admin.locator("#people-1").inner_text()
        assert _overflow(admin) <= 0, f"/network/people is {_overflow(admin)} px too wide at {width} px"
        admin.goto(base + "/network/people/mentoring")
        assert _overflow(admin) <= 0, f"mentoring is {_overflow(admin)} px too wide at {width} px"
        if width == 1280:
            admin.click("#run-matching")
            admin.wait_for_selector("#mentoring-requests >> text=offers trial imaging")
            admin.locator("#mentoring-requests button[id^=accept-]").click()
            admin.wait_for_selector("#pairings >> text=mentor@rgt.example")
        admin.close()

    # the mentee ends the pairing from their own page, at phone width, with its outcome
    mentee = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in_by_keyboard(mentee, base, RES)
    mentee.goto(base + "/network/people/me")
    assert every_field_is_labelled(mentee) == []
    mentee.locator("#pairings input[name=outcome]").fill("trial set up")
    mentee.locator("#pairings button[id^=end-]").click()
    mentee.wait_for_selector(f"#pairings >> text=(ended by {RES})")
    assert "ended by " + RES in mentee.locator("#pairings ol").inner_text()
    assert _overflow(mentee) <= 0, f"/network/people/me is {_overflow(mentee)} px too wide at 375 px"
    mentee.close()
