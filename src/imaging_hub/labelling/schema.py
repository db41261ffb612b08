"""A labelling task's label schema: classification questions, segmentation labels and measurements.

Parsed from plain data (JSON or TOML from a file or a form); every error names the field, e.g.
``questions[1].categories[0]``. Questions and their categories carry codes because their answers go into DICOM
SR as coded qualitative evaluations: given none, a local code in the ``99IHUB`` scheme (DICOM's prefix for
private schemes) is made from the name. Segments need SNOMED CT category and type codes (DICOM SEG); a type may
be named by its meaning from the table of common codes. Measurements need a concept code and a UCUM unit;
they may give an allowed ``range`` ([low, high]) and be ``required`` in every read (a reader study's rating).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from imaging_hub.labelling.codes import Code, check_code, common_codes, find_common
from imaging_hub.labelling.errors import LabellingError

LOCAL_SCHEME = "99IHUB"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,15}")
_UCUM = re.compile(r"[!-~]{1,16}")  # UCUM case-sensitive codes are printable ASCII without spaces


@dataclass(frozen=True)
class Category:
    name: str
    code: Code


@dataclass(frozen=True)
class Question:
    name: str
    code: Code
    categories: tuple[Category, ...]
    ordinal: bool = False  # categories in order (weighted kappa makes sense)

    def category(self, name: str) -> Category:
        for c in self.categories:
            if c.name == name:
                return c
        raise LabellingError(f"{self.name}: {name!r} is not one of {[c.name for c in self.categories]}")


@dataclass(frozen=True)
class SegmentLabel:
    label: str
    category: Code
    type: Code


@dataclass(frozen=True)
class Measurement:
    name: str
    code: Code
    unit: Code  # UCUM
    low: float | None = None  # the allowed range, where the schema gives one (e.g. a 0-100 confidence rating)
    high: float | None = None
    required: bool = False  # every read must give it (e.g. a reader study's confidence rating)

    def check(self, value: float, where: str) -> None:
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise LabellingError(f"{where}: measurement {self.name!r} must lie in {self.low:g}..{self.high:g}")


@dataclass(frozen=True)
class LabelSchema:
    questions: tuple[Question, ...] = ()
    segments: tuple[SegmentLabel, ...] = ()
    measurements: tuple[Measurement, ...] = ()

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise LabellingError(f"no question {name!r} in the schema (questions: {[q.name for q in self.questions]})")

    def segment(self, label: str) -> SegmentLabel:
        for s in self.segments:
            if s.label == label:
                return s
        raise LabellingError(f"no segment {label!r} in the schema (segments: {[s.label for s in self.segments]})")

    def measurement(self, name: str) -> Measurement:
        for m in self.measurements:
            if m.name == name:
                return m
        raise LabellingError(f"no measurement {name!r} in the schema")

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": [{"name": q.name, "code": q.code.to_json(), "ordinal": q.ordinal,
                           "categories": [{"name": c.name, "code": c.code.to_json()} for c in q.categories]}
                          for q in self.questions],
            "segments": [{"label": s.label, "category": s.category.to_json(), "type": s.type.to_json()}
                         for s in self.segments],
            "measurements": [{"name": m.name, "code": m.code.to_json(), "unit": m.unit.value}
                             | ({"range": [m.low, m.high]} if m.low is not None and m.high is not None else {})
                             | ({"required": True} if m.required else {})
                             for m in self.measurements],
        }


def parse_schema(data: Any) -> LabelSchema:
    if not isinstance(data, Mapping):
        raise LabellingError("label schema: expected an object with questions, segments and/or measurements")
    unknown = set(data) - {"questions", "segments", "measurements"}
    if unknown:
        raise LabellingError(f"label schema: unknown field(s) {sorted(unknown)}")
    schema = LabelSchema(
        tuple(_question(q, f"questions[{i}]") for i, q in enumerate(_list(data, "questions"))),
        tuple(_segment(s, f"segments[{i}]") for i, s in enumerate(_list(data, "segments"))),
        tuple(_measurement(m, f"measurements[{i}]") for i, m in enumerate(_list(data, "measurements"))),
    )
    if not (schema.questions or schema.segments or schema.measurements):
        raise LabellingError("label schema: needs at least one question, segment or measurement")
    for kind, names in (("questions", [q.name for q in schema.questions]),
                        ("segments", [s.label for s in schema.segments]),
                        ("measurements", [m.name for m in schema.measurements])):
        if len(set(names)) != len(names):
            raise LabellingError(f"label schema: {kind} repeat a name")
    return schema


def _list(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise LabellingError(f"{key}: expected a list")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise LabellingError(f"{where}: expected an object")
    return value


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise LabellingError(f"{where}: a name is 1 to 16 of a-z, 0-9, '_' and '-', starting with a letter or digit")
    return value


def _code(value: Any, where: str) -> Code:
    item = _object(value, where)
    missing = {"value", "scheme", "meaning"} - set(item)
    if missing:
        raise LabellingError(f"{where}: code lacks {sorted(missing)}")
    return check_code(item["value"], item["scheme"], item["meaning"], where)


def _local(name: str, text: Any, where: str) -> Code:
    meaning = text if isinstance(text, str) and text.strip() else name
    return check_code(name, LOCAL_SCHEME, meaning, where)


def _question(value: Any, where: str) -> Question:
    item = _object(value, where)
    name = _name(item.get("name"), f"{where}.name")
    code = _code(item["code"], f"{where}.code") if "code" in item else _local(name, item.get("text"), where)
    raw = item.get("categories")
    if not isinstance(raw, list) or len(raw) < 2:
        raise LabellingError(f"{where}.categories: a question needs at least two categories")
    categories = []
    for i, c in enumerate(raw):
        at = f"{where}.categories[{i}]"
        if isinstance(c, str):
            categories.append(Category(_name(c, at), _local(c, c, at)))
        else:
            obj = _object(c, at)
            cname = _name(obj.get("name"), f"{at}.name")
            categories.append(Category(cname, _code(obj["code"], f"{at}.code") if "code" in obj
                                       else _local(cname, obj.get("text"), at)))
    if len({c.name for c in categories}) != len(categories):
        raise LabellingError(f"{where}.categories: repeat a name")
    ordinal = item.get("ordinal", False)
    if not isinstance(ordinal, bool):
        raise LabellingError(f"{where}.ordinal: expected true or false")
    return Question(name, code, tuple(categories), ordinal)


def _segment(value: Any, where: str) -> SegmentLabel:
    item = _object(value, where)
    label = item.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > 64:
        raise LabellingError(f"{where}.label: 1 to 64 characters")
    raw_type = item.get("type")
    if isinstance(raw_type, str):  # a common type by meaning or code value, with its usual category
        try:
            common = find_common(raw_type)
        except LabellingError as exc:
            raise LabellingError(f"{where}.type: {exc}") from None
        seg_type = common.code
        default_category = next((c.code for c in _categories() if c.code.value == common.category), None)
    else:
        seg_type = _code(raw_type, f"{where}.type")
        default_category = None
    if "category" in item:
        raw_category = item["category"]
        category = (find_common(raw_category).code if isinstance(raw_category, str)
                    else _code(raw_category, f"{where}.category"))
    elif default_category is not None:
        category = default_category
    else:
        raise LabellingError(f"{where}.category: required (a CID 7150 segmentation property category)")
    return SegmentLabel(label.strip(), category, seg_type)


def _categories() -> list[Any]:
    return [c for c in common_codes() if c.context == "CID 7150"]


def _measurement(value: Any, where: str) -> Measurement:
    item = _object(value, where)
    name = _name(item.get("name"), f"{where}.name")
    if "code" not in item:
        raise LabellingError(f"{where}.code: required (the measured concept, e.g. SCT 410668003 Length)")
    unit = item.get("unit")
    if not isinstance(unit, str) or not _UCUM.fullmatch(unit):
        raise LabellingError(f"{where}.unit: a UCUM unit code such as 'mm' or 'cm3'")
    low, high = _range(item.get("range"), f"{where}.range")
    required = item.get("required", False)
    if not isinstance(required, bool):
        raise LabellingError(f"{where}.required: expected true or false")
    return Measurement(name, _code(item["code"], f"{where}.code"), Code(unit, "UCUM", unit), low, high, required)


def _range(value: Any, where: str) -> tuple[float | None, float | None]:
    """``[low, high]``: finite numbers, low below high; absent: any finite value."""
    if value is None:
        return None, None
    if not isinstance(value, list) or len(value) != 2 or \
            any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) for v in value) or \
            not value[0] < value[1]:
        raise LabellingError(f"{where}: expected [low, high], two finite numbers with low below high")
    return float(value[0]), float(value[1])
