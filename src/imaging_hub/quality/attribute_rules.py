"""Checking one attribute rule on every instance of a series; one problem per condition broken."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydicom.dataset import Dataset

from imaging_hub.quality.protocol import AttributeRule
from imaging_hub.quality.results import Problem
from imaging_hub.quality.values import as_number, same_value, shown, values_of

_MAX_SHOWN = 5


def check_attribute(keyword: str, rule: AttributeRule, headers: Sequence[Dataset]) -> list[Problem]:
    broken: dict[str, list[Any]] = {}  # condition -> offending values (or "absent"/"present") over instances
    counts: dict[str, int] = {}
    for ds in headers:
        values = values_of(ds, keyword)
        if rule.component is not None:
            values = values[rule.component:rule.component + 1]
        for condition, found in _broken_conditions(rule, values):
            broken.setdefault(condition, []).extend(found)
            counts[condition] = counts.get(condition, 0) + 1
    name = keyword if rule.component is None else f"{keyword}[{rule.component}]"
    return [
        Problem(condition, name, _expected(rule, condition),
                str(found[0]) if condition == "present" else _found(keyword, found), instances=counts[condition])
        for condition, found in broken.items()
    ]


def _broken_conditions(rule: AttributeRule, values: list[Any]) -> list[tuple[str, list[Any]]]:
    if rule.present is False:
        return [("present", ["present"])] if values else []
    if not values:
        # Every condition on the value needs one; a missing value is reported once, as "present".
        return [("present", ["absent"])]
    broken: list[tuple[str, list[Any]]] = []
    numbers = [as_number(v) for v in values]
    if rule.min is not None or rule.max is not None:
        not_numeric = [v for v, n in zip(values, numbers, strict=True) if n is None]
        if not_numeric:
            broken.append(("numeric", not_numeric))
    if rule.min is not None:
        low = [v for v, n in zip(values, numbers, strict=True) if n is not None and n < rule.min]
        if low:
            broken.append(("min", low))
    if rule.max is not None:
        high = [v for v, n in zip(values, numbers, strict=True) if n is not None and n > rule.max]
        if high:
            broken.append(("max", high))
    if rule.equals is not None:
        different = [v for v in values if not same_value(v, rule.equals)]
        if different:
            broken.append(("equals", different))
    if rule.one_of is not None:
        choices = rule.one_of
        other = [v for v in values if not any(same_value(v, c) for c in choices)]
        if other:
            broken.append(("one_of", other))
    return broken


def _expected(rule: AttributeRule, condition: str) -> str:
    if condition == "present":
        return "absent" if rule.present is False else "present"
    if condition == "numeric":
        return "a number"
    if condition == "min":
        return f">= {rule.min:g}"
    if condition == "max":
        return f"<= {rule.max:g}"
    if condition == "equals":
        return _text(rule.equals)
    return "one of " + ", ".join(_text(c) for c in rule.one_of or [])


def _found(keyword: str, values: list[Any]) -> str:
    distinct: list[str] = []
    for value in values:
        text = shown(keyword, value)
        if text not in distinct:
            distinct.append(text)
    more = f" (+{len(distinct) - _MAX_SHOWN} more)" if len(distinct) > _MAX_SHOWN else ""
    return ", ".join(distinct[:_MAX_SHOWN]) + more


def _text(value: str | float | None) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
