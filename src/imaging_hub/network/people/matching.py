"""Matching mentoring requests to mentors at other sites, explained.

A mentor is eligible for a request when they are at another site, offer at least one skill asked for, and have
hours and a mentee place left. Among eligible pairs the batch is solved as an assignment problem (scipy's
``linear_sum_assignment``, the Hungarian method) with each mentor's remaining places as copies of that mentor,
maximising the skills covered first, then preferring mentors in another region less (near is easier to meet),
then those with fewer mentees. Every request gets a reason: the match and why, or why nobody fitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from imaging_hub.network.people.profiles import MentoringRequest, Pairing, Profile

_SKILL = 100.0  # a skill covered outweighs every tie-break below
_SAME_REGION = 10.0
_PER_MENTEE = 1.0


@dataclass(frozen=True)
class Match:
    request_id: str
    mentor: str | None
    reason: str
    skills: frozenset[str] = frozenset()


def places_left(mentor: Profile, history: Sequence[Pairing]) -> tuple[int, int]:
    """(mentee places, hours a month) still free, after the mentor's active pairings (2 hours each)."""
    active = [p for p in history if p.mentor == mentor.person and p.active]
    return mentor.mentees_max - len(active), mentor.mentoring_hours - 2 * len(active)


def _eligible(request: MentoringRequest, mentor: Profile, free: tuple[int, int]) -> str | None:
    """None when eligible, else why not."""
    if mentor.person == request.person:
        return "is the person asking"
    if mentor.site == request.site:
        return "works at the same site"
    if not mentor.skills & request.skills:
        return "offers none of the skills asked for"
    if free[0] <= 0 or free[1] < request.hours:
        return "has no mentee place or hours left"
    return None


def match_mentors(
    requests: Sequence[MentoringRequest], profiles: Sequence[Profile], history: Sequence[Pairing] = ()
) -> list[Match]:
    by_person = {p.person: p for p in profiles}
    mentors = [p for p in profiles if p.mentors]
    free = {m.person: places_left(m, history) for m in mentors}
    seats = [m for m in mentors for _ in range(max(0, free[m.person][0]))]
    matches: dict[str, Match] = {}
    if requests and seats:
        score = np.full((len(requests), len(seats)), -1e9)
        for i, request in enumerate(requests):
            region = by_person[request.person].region if request.person in by_person else ""
            for j, mentor in enumerate(seats):
                if _eligible(request, mentor, free[mentor.person]) is None:
                    score[i, j] = (
                        _SKILL * len(mentor.skills & request.skills)
                        + _SAME_REGION * (mentor.region == region)
                        - _PER_MENTEE * (mentor.mentees_max - free[mentor.person][0])
                    )
        rows, cols = linear_sum_assignment(score, maximize=True)
        for i, j in zip(rows, cols, strict=True):
            if score[i, j] <= -1e8:
                continue
            request, mentor = requests[i], seats[j]
            matches[request.request_id] = _explained(request, mentor, by_person.get(request.person), free)
    out = []
    for request in requests:
        if request.request_id in matches:
            out.append(matches[request.request_id])
            continue
        reasons = [_eligible(request, m, free[m.person]) for m in mentors]
        if not mentors:
            why = "no one in the network offers mentoring yet"
        elif any(r is None for r in reasons):
            why = "every eligible mentor's places went to requests they cover better"
        else:
            why = "no mentor fits: each " + " or ".join(sorted({r for r in reasons if r}))
        out.append(Match(request.request_id, None, why))
    return out


def _explained(
    request: MentoringRequest, mentor: Profile, mentee: Profile | None, free: dict[str, tuple[int, int]]
) -> Match:
    covered = mentor.skills & request.skills
    where = "in the same region" if mentee and mentor.region == mentee.region else f"in {mentor.region}"
    return Match(
        request.request_id,
        mentor.person,
        f"{mentor.name} at {mentor.site} ({where}) offers {', '.join(sorted(covered))} "
        f"({len(covered)} of {len(request.skills)} asked for); {free[mentor.person][0]} place(s) free",
        frozenset(covered),
    )
