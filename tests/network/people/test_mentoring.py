"""Mentoring requests matched to mentors at other sites: each eligibility rule, the batch optimum (checked against
every possible assignment), places taken by active pairings, and a reason for every request."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from imaging_hub.network import NetworkInputError
from imaging_hub.network.people import MentoringRequest, Pairing, Profile, match_mentors


def person(
    account: str, site: str, region: str = "North", skills: set[str] | None = None, places: int = 1, hours: int = 4
) -> Profile:
    return Profile(
        account,
        account.split("@")[0].title(),
        site,
        region,
        skills=frozenset(skills or set()),
        mentoring_hours=hours if skills else 0,
        mentees_max=places if skills else 0,
    )


def ask(request_id: str, who: str, site: str, *skills: str) -> MentoringRequest:
    return MentoringRequest(request_id, who, site, frozenset(skills))


def test_each_rule_excludes_a_mentor() -> None:
    mentee = person("mentee@a", "A")
    same_site = person("near@a", "A", skills={"MRI physics"})
    no_skill = person("other@b", "B", skills={"CT dose"})
    full = person("busy@c", "C", skills={"MRI physics"})
    history = [Pairing("old", "x@d", "busy@c", date(2026, 1, 1), "earlier")]
    [match] = match_mentors([ask("R1", "mentee@a", "A", "MRI physics")], [mentee, same_site, no_skill, full], history)
    assert match.mentor is None
    assert "same site" in match.reason and "none of the skills" in match.reason and "no mentee place" in match.reason
    ended = [Pairing("old", "x@d", "busy@c", date(2026, 1, 1), "earlier", end=date(2026, 6, 1))]
    [match] = match_mentors([ask("R1", "mentee@a", "A", "MRI physics")], [mentee, same_site, no_skill, full], ended)
    assert match.mentor == "busy@c" and "MRI physics" in match.reason and "1 of 1" in match.reason


def test_batch_is_the_best_assignment_by_enumeration() -> None:
    profiles = [
        person("m1@b", "B", skills={"trial imaging", "AI validation"}),
        person("m2@c", "C", "South", skills={"trial imaging"}),
        person("a@a", "A"),
        person("b@a", "A"),
    ]
    requests = [ask("R1", "a@a", "A", "trial imaging"), ask("R2", "b@a", "A", "trial imaging", "AI validation")]
    got = {m.request_id: m.mentor for m in match_mentors(requests, profiles)}
    # Greedy in request order would give m1 to R1 and leave R2 with one skill of two; the optimum covers three.
    mentors = ["m1@b", "m2@c"]
    skills = {p.person: p.skills for p in profiles}

    def covered(plan: tuple[str, ...]) -> int:
        return sum(len(skills[m] & r.skills) for m, r in zip(plan, requests, strict=True))

    best = max(itertools.permutations(mentors, 2), key=covered)
    assert covered(tuple(got[r.request_id] or "" for r in requests)) == covered(best) == 3
    assert got == {"R1": "m2@c", "R2": "m1@b"}


def test_unmatched_when_places_run_out_says_why() -> None:
    profiles = [person("m1@b", "B", skills={"MRI physics"}), person("a@a", "A"), person("b@c", "C")]
    matches = match_mentors([ask("R1", "a@a", "A", "MRI physics"), ask("R2", "b@c", "C", "MRI physics")], profiles)
    assert sorted(m.mentor or "" for m in matches) == ["", "m1@b"]
    assert "went to requests" in next(m for m in matches if m.mentor is None).reason


def test_bad_profiles_and_requests_are_refused() -> None:
    with pytest.raises(NetworkInputError, match="at most 10"):
        Profile("a@a", "A", "A", "North", research_sessions=11)
    with pytest.raises(NetworkInputError, match="at least one skill"):
        MentoringRequest("R", "a@a", "A", frozenset())
