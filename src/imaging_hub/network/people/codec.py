"""Profiles as the JSON documents the people tables keep, and the limits on what a person may type."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.people.profiles import Profile, Training

MAX_TEXT = 200  # a name, site, region, skill or training title
MAX_ITEMS = 20  # skills, interests, training entries


def checked(profile: Profile) -> Profile:
    """The profile if every field is within the limits; else a clear error naming the field (not its value)."""
    for field in ("person", "name", "site", "region"):
        if len(getattr(profile, field)) > MAX_TEXT:
            raise NetworkInputError(f"profile: {field} is longer than {MAX_TEXT} characters")
    for field in ("skills", "interests", "training"):
        items = getattr(profile, field)
        if len(items) > MAX_ITEMS:
            raise NetworkInputError(f"profile: at most {MAX_ITEMS} {field}")
    for words in (*profile.skills, *profile.interests, *(t.title for t in profile.training)):
        if not words.strip() or len(words) > MAX_TEXT:
            raise NetworkInputError(f"profile: each skill, interest and training title is 1 to {MAX_TEXT} characters")
    if profile.mentoring_hours > 40 or profile.mentees_max > 10:
        raise NetworkInputError("profile: at most 40 mentoring hours a month and 10 mentees")
    return profile


def profile_document(profile: Profile) -> str:
    return json.dumps(
        {
            "person": profile.person,
            "name": profile.name,
            "site": profile.site,
            "region": profile.region,
            "champion": profile.champion,
            "skills": sorted(profile.skills),
            "interests": sorted(profile.interests),
            "mentoring_hours": profile.mentoring_hours,
            "mentees_max": profile.mentees_max,
            "research_sessions": profile.research_sessions,
            "training": [
                {
                    "title": t.title,
                    "kind": t.kind,
                    "start": t.start.isoformat(),
                    "end": t.end.isoformat() if t.end else None,
                }
                for t in profile.training
            ],
        },
        sort_keys=True,
    )


def profile_of(document: str) -> Profile:
    d: dict[str, Any] = json.loads(document)
    return Profile(
        person=d["person"],
        name=d["name"],
        site=d["site"],
        region=d["region"],
        champion=d["champion"],
        skills=frozenset(d["skills"]),
        interests=frozenset(d["interests"]),
        mentoring_hours=d["mentoring_hours"],
        mentees_max=d["mentees_max"],
        research_sessions=d["research_sessions"],
        training=tuple(
            Training(
                t["title"],
                t["kind"],
                date.fromisoformat(t["start"]),
                date.fromisoformat(t["end"]) if t["end"] else None,
            )
            for t in d["training"]
        ),
    )
