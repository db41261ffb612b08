"""The element walk: apply the compiled action plan to every element of a dataset, at every depth.

Elements kept unchanged and not text are never decoded (pydicom keeps them raw), which is most of an
image's header; that, the precompiled plan and the per-patient compiled matcher are the hot-path speed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.uid import UID_dictionary

from imaging_hub.deid.dates import shift_da, shift_dt
from imaging_hub.deid.identity import IdentityMatcher
from imaging_hub.deid.plan import KEEP_REFERENCES, ActionPlan
from imaging_hub.deid.raw_values import ascii_text, ascii_values, put_empty, put_text, stored_element
from imaging_hub.dicom import PrivateDisposition, Signature, dummy_value, load_private_kb, normalise_creator

TEXT_VRS = frozenset({"LO", "LT", "SH", "ST", "UT", "UC", "PN"})
_STRING_VRS = TEXT_VRS | {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI", "UR"}
_BINARY_VRS = frozenset({"OB", "OW", "UN", "OD", "OF", "OL", "OV"})


class KeyedUIDs:
    """Keyed UID replacement with a bounded per-process memo (the same UID recurs in every instance)."""

    def __init__(self, make: object) -> None:
        self._make = make
        self._memo: dict[str, str] = {}

    def __call__(self, uid: str) -> str:
        new = self._memo.get(uid)
        if new is None:
            if len(self._memo) > 200_000:
                self._memo.clear()
            new = self._memo[uid] = self._make(uid)  # type: ignore[operator]
        return new


@dataclass
class WalkContext:
    plan: ActionPlan
    matcher: IdentityMatcher
    uids: KeyedUIDs
    pseudonym: object  # callable str -> str
    offset_days: int | None
    actions: Counter[str] = field(default_factory=Counter)
    review: set[str] = field(default_factory=set)


@lru_cache(maxsize=4096)
def _name(tag: int) -> str:
    return keyword_for_tag(tag) or f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


@lru_cache(maxsize=8192)
def _counted_as(tag: int, action: str) -> str:
    """The action's name in the outcome's counts, e.g. "PatientName Z"."""
    return f"{_name(tag)} {action}"


def _count(ctx: WalkContext, tag: int, action: str) -> None:
    key = _counted_as(int(tag), action)
    ctx.actions[key] = ctx.actions.get(key, 0) + 1


@lru_cache(maxsize=4096)
def _dictionary_vr(tag: int) -> str:
    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return "UN"


def walk(ds: Dataset, ctx: WalkContext, path: Signature = ()) -> None:
    """De-identify ``ds`` in place: every element, every sequence item, every depth."""
    plan = ctx.plan
    actions = plan.actions
    saw_private = False
    for tag in list(ds.keys()):
        group = tag >> 16
        if group & 1:
            saw_private = True
            _private(ds, tag, ctx, path)
            continue
        action = actions.get(int(tag))  # an int key: BaseTag compares in Python
        if action is None:
            if 0x5000 <= group <= 0x50FF:
                action = plan.curve
            elif 0x6000 <= group <= 0x60FF:
                action = _overlay_action(tag, plan)
            elif tag & 0xFFFF == 0:
                action = "X"  # group lengths are retired and would be wrong after changes
            else:
                _outside_table(ds, tag, ctx, path)
                continue
        _apply(ds, tag, action, ctx, path)
    if saw_private:
        _drop_empty_private_blocks(ds)


def _overlay_action(tag: int, plan: ActionPlan) -> str:
    element = tag & 0xFFFF
    if element == 0x3000:
        return plan.overlay_data
    if element == 0x4000:
        return plan.overlay_comments
    return "K"


def _vr(ds: Dataset, tag: int) -> str:
    """The element's VR; a standard attribute read as UN (implicit VR, or explicit UN) has its
    dictionary VR, as pydicom gives it on decoding, so its content is judged, not its encoding."""
    raw = stored_element(ds, tag)
    vr = raw.VR if raw is not None else None
    if not vr or vr == "UN":
        return _dictionary_vr(int(tag))
    return str(vr)


def _outside_table(ds: Dataset, tag: int, ctx: WalkContext, path: Signature) -> None:
    """Attributes the table does not list: free text is cleaned, dates follow the date policy, UIDs that
    are not standard ones are replaced, unknown (UN) content is removed, everything else is kept."""
    vr = _vr(ds, tag)
    if vr in TEXT_VRS:
        _clean_text(ds, tag, ctx)
    elif vr == "SQ":
        _recurse(ds, tag, ctx, (*path, tag))
    elif vr in ("DA", "DT"):
        policy = ctx.plan.dates
        if policy == "shift":
            _shift_dates(ds, tag, vr, ctx)
        elif policy == "remove":
            _apply(ds, tag, "D", ctx, path)
    elif vr == "UI":
        keyword = keyword_for_tag(tag)
        if not keyword.endswith("ClassUID") and keyword != "TransferSyntaxUID":
            _replace_uids(ds, tag, ctx, keep_registered=True)
    elif vr == "UN":
        _remove(ds, tag, ctx)


def _apply(ds: Dataset, tag: int, action: str, ctx: WalkContext, path: Signature) -> None:
    if action == "K":
        vr = _vr(ds, tag)
        if vr in TEXT_VRS:
            _clean_text(ds, tag, ctx)  # a kept text still loses the patient's own values
        elif vr == "SQ":
            _recurse(ds, tag, ctx, (*path, tag))
        return
    if action == "X":
        _remove(ds, tag, ctx)
        return
    vr = _vr(ds, tag)
    key = _counted_as(int(tag), action)
    counted = ctx.actions.get(key, 0)  # the helpers below count what they do; count the action once
    if action == "Z":
        put_empty(ds, tag, vr)
    elif action == "D":
        if vr == "SQ":
            _recurse(ds, tag, ctx, (*path, tag))  # a sequence's dummy is its own items, cleaned
        elif vr == "UI":
            _replace_uids(ds, tag, ctx, keep_registered=False)
        else:
            dummy = dummy_value(vr)
            if isinstance(dummy, str):
                put_text(ds, tag, vr, [dummy])
            else:
                ds[tag].value = dummy
    elif action == "U" or action == KEEP_REFERENCES:
        if vr == "SQ":
            _recurse(ds, tag, ctx, (*path, tag))
        else:
            _replace_uids(ds, tag, ctx, keep_registered=False)
    elif action == "C":
        _clean(ds, tag, vr, ctx, path)
    else:
        raise ValueError(f"unknown action {action!r}")
    if ctx.actions.get(key, 0) == counted:
        ctx.actions[key] = counted + 1


def _clean(ds: Dataset, tag: int, vr: str, ctx: WalkContext, path: Signature) -> None:
    if vr in TEXT_VRS:
        _clean_text(ds, tag, ctx)
    elif vr in ("DA", "DT"):
        if ctx.offset_days is None:
            ds[tag].value = None
        else:
            _shift_dates(ds, tag, vr, ctx)
    elif vr == "SQ":
        _recurse(ds, tag, ctx, (*path, tag))
    elif vr in _BINARY_VRS and tag >> 16 & 0xFF00 != 0x6000:
        _remove(ds, tag, ctx)  # opaque bytes cannot be cleaned
    # TM (whole-day offsets leave times unchanged), codes and numbers are kept


def _remove(ds: Dataset, tag: int, ctx: WalkContext) -> None:
    del ds[tag]
    _count(ctx, tag, "X")


def _recurse(ds: Dataset, tag: int, ctx: WalkContext, path: Signature) -> None:
    for item in ds[tag].value or ():
        walk(item, ctx, path)


def _clean_text(ds: Dataset, tag: int, ctx: WalkContext) -> None:
    text = ascii_text(stored_element(ds, tag))
    if text is not None and not ctx.matcher.redact(text)[1]:
        return  # nothing to redact in the value as a whole, so in none of its parts: keep the bytes
    elem = ds[tag]
    value = elem.value
    if value is None or value == "":
        return
    redact = ctx.matcher.redact
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        cleaned, found = redact(text)
        if found:
            elem.value = cleaned
    else:
        cleaned_values = []
        found = frozenset()
        for part in value:
            new, kinds = redact(str(part))
            cleaned_values.append(new)
            found |= kinds
        if found:
            elem.value = cleaned_values
    if found:
        _count(ctx, tag, "C")
        for kind in found - {"patient-identity"}:
            ctx.review.add(f"{kind} pattern redacted from {_name(tag)}")


def _text_values(ds: Dataset, tag: int) -> list[str]:
    """An element's values as strings: straight from its raw ASCII bytes when it has not been decoded."""
    values = ascii_values(stored_element(ds, tag))
    if values is not None:
        return values
    value = ds[tag].value
    return [] if value in (None, "") else [str(value)] if isinstance(value, str) else [str(v) for v in value]


def _shift_dates(ds: Dataset, tag: int, vr: str, ctx: WalkContext) -> None:
    if ctx.offset_days is None:
        return
    values = _text_values(ds, tag)
    if not values:
        return
    shift = shift_da if vr == "DA" else shift_dt
    shifted = [shift(v, ctx.offset_days) for v in values]
    if any(s is None for s in shifted):
        ds[tag].value = None  # not a date: nothing to shift, nothing to keep
        _count(ctx, tag, "Z")
        return
    put_text(ds, tag, vr, shifted)  # type: ignore[arg-type]
    _count(ctx, tag, "C")


def _replace_uids(ds: Dataset, tag: int, ctx: WalkContext, *, keep_registered: bool) -> None:
    values = _text_values(ds, tag)
    if not values:
        return
    if keep_registered and all(v in UID_dictionary for v in values):
        return
    new = [v if keep_registered and v in UID_dictionary else ctx.uids(v) for v in values]
    put_text(ds, tag, "UI", new)
    _count(ctx, tag, "U")


def _private(ds: Dataset, tag: int, ctx: WalkContext, path: Signature) -> None:
    element = tag & 0xFFFF
    if 0x0010 <= element <= 0x00FF:
        return  # a private creator: kept while its block keeps anything (see _drop_empty_private_blocks)
    if not ctx.plan.safe_private or element < 0x1000:
        _remove(ds, tag, ctx)
        return
    group = tag >> 16
    creator_elem = ds.get((group << 16) | (element >> 8))
    creator = normalise_creator(str(creator_elem.value)) if creator_elem is not None else ""
    signature = (*path, (group, creator, element & 0xFF))
    disposition = load_private_kb().get(signature) if creator else None
    vr = _vr(ds, tag)
    if disposition is PrivateDisposition.KEEP:
        _keep_private(ds, tag, vr, ctx, signature)
    elif disposition is PrivateDisposition.OFFSET and vr in ("DA", "DT") and ctx.offset_days is not None:
        _shift_dates(ds, tag, vr, ctx)
    elif disposition is PrivateDisposition.HASH and vr == "UI":
        _replace_uids(ds, tag, ctx, keep_registered=False)
    elif disposition is PrivateDisposition.HASH and vr in ("LO", "SH") and isinstance(ds[tag].value, str):
        ds[tag].value = ctx.pseudonym(ds[tag].value)  # type: ignore[operator]
        ctx.actions["private H"] += 1
    else:
        _remove(ds, tag, ctx)


def _keep_private(ds: Dataset, tag: int, vr: str, ctx: WalkContext, signature: Signature) -> None:
    if vr in TEXT_VRS:
        _clean_text(ds, tag, ctx)
    elif vr == "SQ":
        _recurse(ds, tag, ctx, signature)
    elif vr in ("DA", "DT"):
        _outside_table(ds, tag, ctx, signature)
    elif vr in _BINARY_VRS:
        # Opaque bytes: keep only when no identifier can be read in them.
        raw = ds[tag].value
        if isinstance(raw, bytes) and raw:
            _, found = ctx.matcher.redact(raw.decode("latin-1"))
            if found:
                _remove(ds, tag, ctx)
                return
    ctx.actions["private K"] += 1


def _drop_empty_private_blocks(ds: Dataset) -> None:
    used: set[int] = set()
    creators: list[int] = []
    for key in ds.keys():  # noqa: SIM118 - iterating a Dataset yields elements, keys() yields tags
        number = int(key)
        if number >> 16 & 1:
            element = number & 0xFFFF
            if 0x0010 <= element <= 0x00FF:
                creators.append(number)
            elif element >= 0x1000:
                used.add((number & 0xFFFF0000) | (element >> 8))
    for creator in creators:
        if creator not in used:
            del ds[creator]


