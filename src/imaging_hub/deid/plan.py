"""The action plan: PS3.15 Table E.1-1 compiled, once per profile and kind of IOD, into one action per tag.

Combined codes (X/Z, X/D, X/Z/D, Z/D, X/Z/U*) are resolved here from the attribute's type in the IOD;
when the type is unknown the resolution keeps the attribute present with no identifying content (Z or D),
which is both safe and conformant whatever the true type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydicom.datadict import keyword_for_tag

from imaging_hub.deid.profile import Profile
from imaging_hub.dicom import ConfidentialityOption as Opt
from imaging_hub.dicom import attribute_type, load_table

KEEP_REFERENCES = "U*"  # keep the sequence, replace the UIDs inside it (recursion does that)


def resolve(code: str, type_in_iod: int | None) -> str:
    """Resolve a combined PS3.15 action for an attribute of the given type (None: unknown)."""
    if "/" not in code:
        return code
    if code == "X/Z/U*":
        return KEEP_REFERENCES
    if code == "X/Z":
        return "X" if type_in_iod == 3 else "Z"
    if code == "X/D":
        return "X" if type_in_iod == 3 else "D"
    if code == "X/Z/D":
        return {3: "X", 2: "Z"}.get(type_in_iod, "D") if type_in_iod is not None else "D"
    if code == "Z/D":
        return "Z" if type_in_iod in (2, 3) else "D"
    raise ValueError(f"unknown PS3.15 action {code!r}")


@dataclass(frozen=True)
class ActionPlan:
    actions: Mapping[int, str]
    curve: str  # (50xx,xxxx)
    overlay_data: str  # (60xx,3000)
    overlay_comments: str  # (60xx,4000)
    safe_private: bool
    dates: str  # "shift", "keep" or "remove" for dates outside the table
    options: frozenset[Opt]


def compile_plan(profile: Profile, iod_kind: str) -> ActionPlan:
    table = load_table()
    options = profile.options
    actions: dict[int, str] = {}
    for tag, row in table.by_tag.items():
        code = row.action(options)
        if "/" in code:
            code = resolve(code, attribute_type(keyword_for_tag(tag), iod_kind))
        actions[tag] = code
    actions.update(profile.overrides)
    if Opt.RETAIN_LONGITUDINAL_MODIFIED_DATES in options:
        dates = "shift"
    elif Opt.RETAIN_LONGITUDINAL_FULL_DATES in options:
        dates = "keep"
    else:
        dates = "remove"
    return ActionPlan(
        actions=actions,
        curve=resolve(table.curve.action(options), None),
        overlay_data=table.overlay_data.action(options),
        overlay_comments=table.overlay_comments.action(options),
        safe_private=table.private.action(options) != "X",
        dates=dates,
        options=options,
    )
