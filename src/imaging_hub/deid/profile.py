"""De-identification profiles: which PS3.15 options apply, per-attribute overrides, burned-in text policy.

Built in: ``basic`` (the Basic Profile alone) and ``research`` (Basic + Retain Longitudinal Temporal
Information with Modified Dates + Retain Patient Characteristics + Retain Device Identity + Retain Safe
Private + Clean Descriptors + Clean Structured Content + Clean Graphics). A project may define its own in
TOML::

    name = "lung-screening"
    base = "research"                      # optional: start from a built-in profile
    options = ["clean_descriptors"]        # optional: replaces the base's options
    [overrides]                            # keyword or "(gggg,eeee)" -> D, Z, X, K, C or U
    PatientAge = "K"
    [burned_in]
    enabled = true
    mask_all_text = true                   # false: mask only text that matches an identifier
    ocr_max_frames = 8
    examine = "screen"                     # "screen": every image with pixels is screened for text and OCR
                                           # reads what the screen finds; "all": OCR reads every frame too;
                                           # "declared": only instances declared or known to carry text
    [[burned_in.regions]]                  # fixed boxes always masked for this equipment
    manufacturer = "ACME Medical"
    model = "Scanner 3000"                 # optional
    boxes = [[0, 0, 512, 40]]              # x, y, width, height in pixels
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydicom.datadict import tag_for_keyword

from imaging_hub.dicom import ConfidentialityOption as Opt
from imaging_hub.errors import ImagingHubError

OVERRIDE_ACTIONS = frozenset({"D", "Z", "X", "K", "C", "U"})
OPTION_NAMES: Mapping[str, Opt] = MappingProxyType({opt.name.lower(): opt for opt in Opt})
_TAG = re.compile(r"\(?([0-9A-Fa-f]{4}),?([0-9A-Fa-f]{4})\)?")
_TOP_KEYS = {"name", "base", "options", "overrides", "burned_in", "description"}
_BURNED_IN_KEYS = {"enabled", "mask_all_text", "ocr_max_frames", "examine", "regions"}
EXAMINE_MODES = ("screen", "all", "declared")
_REGION_KEYS = {"manufacturer", "model", "boxes"}


class ProfileError(ImagingHubError, ValueError):
    """A profile that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class FixedRegion:
    """Boxes burned in by one manufacturer (and optionally one model), masked on every frame."""

    manufacturer: str
    model: str | None
    boxes: tuple[tuple[int, int, int, int], ...]

    def applies_to(self, manufacturer: str, model: str) -> bool:
        if self.manufacturer.casefold() != manufacturer.strip().casefold():
            return False
        return self.model is None or self.model.casefold() == model.strip().casefold()


@dataclass(frozen=True)
class BurnedInPolicy:
    enabled: bool = True
    mask_all_text: bool = True
    ocr_max_frames: int = 8
    regions: tuple[FixedRegion, ...] = ()
    examine: str = "screen"  # one of EXAMINE_MODES


@dataclass(frozen=True, eq=False)
class Profile:
    name: str
    options: frozenset[Opt]
    overrides: Mapping[int, str] = field(default_factory=dict)
    burned_in: BurnedInPolicy = BurnedInPolicy()

    def __post_init__(self) -> None:
        both = {Opt.RETAIN_LONGITUDINAL_FULL_DATES, Opt.RETAIN_LONGITUDINAL_MODIFIED_DATES}
        if both <= self.options:
            raise ProfileError(f"profile {self.name!r}: full dates and modified dates exclude each other")

    @classmethod
    def builtin(cls, name: str) -> Profile:
        try:
            return BUILTIN_PROFILES[name]
        except KeyError:
            known = ", ".join(sorted(BUILTIN_PROFILES))
            raise ProfileError(f"unknown profile {name!r}; built-in profiles are {known}") from None

    @classmethod
    def from_toml(cls, path: Path | str) -> Profile:
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text("utf-8"))
        except OSError as exc:
            raise ProfileError(f"cannot read profile {path.name}: {exc.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{path.name} is not valid TOML: {exc}") from None
        return cls.from_mapping(document, default_name=path.stem)

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any], default_name: str = "custom") -> Profile:
        _no_unknown(document, _TOP_KEYS, "profile")
        name = _string(document.get("name", default_name), "name")
        base = cls.builtin(_string(document["base"], "base")) if "base" in document else None
        if "options" in document:
            options = frozenset(_option(o) for o in _list(document["options"], "options"))
        else:
            options = base.options if base else frozenset()
        overrides = dict(base.overrides) if base else {}
        raw_overrides = document.get("overrides", {})
        if not isinstance(raw_overrides, Mapping):
            raise ProfileError("overrides must be a table of attribute = action")
        for attribute, action in raw_overrides.items():
            overrides[_tag(attribute)] = _action(attribute, action)
        burned_in = _burned_in(document.get("burned_in"), base.burned_in if base else BurnedInPolicy())
        return cls(name, options, overrides, burned_in)

    def option_names(self) -> list[str]:
        return sorted(opt.name.lower() for opt in self.options)


def _no_unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{what} must be a non-empty string")
    return value.strip()


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProfileError(f"{what} must be a list")
    return value


def _option(name: Any) -> Opt:
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in OPTION_NAMES:
        raise ProfileError(f"unknown option {name!r}; options are {', '.join(sorted(OPTION_NAMES))}")
    return OPTION_NAMES[key]


def _tag(attribute: str) -> int:
    match = _TAG.fullmatch(attribute.strip())
    if match:
        return int(match.group(1) + match.group(2), 16)
    tag = tag_for_keyword(attribute.strip())
    if tag is None:
        raise ProfileError(f"override {attribute!r} is neither a DICOM keyword nor a (gggg,eeee) tag")
    return tag


def _action(attribute: str, action: Any) -> str:
    code = str(action).strip().upper()
    if code not in OVERRIDE_ACTIONS:
        raise ProfileError(
            f"override {attribute!r}: action {action!r} is not one of {', '.join(sorted(OVERRIDE_ACTIONS))}"
        )
    return code


def _burned_in(raw: Any, base: BurnedInPolicy) -> BurnedInPolicy:
    if raw is None:
        return base
    if not isinstance(raw, Mapping):
        raise ProfileError("burned_in must be a table")
    _no_unknown(raw, _BURNED_IN_KEYS, "burned_in")
    for flag in ("enabled", "mask_all_text"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise ProfileError(f"burned_in.{flag} must be true or false")
    frames = raw.get("ocr_max_frames", base.ocr_max_frames)
    if not isinstance(frames, int) or isinstance(frames, bool) or frames < 1:
        raise ProfileError("burned_in.ocr_max_frames must be a positive integer")
    examine = raw.get("examine", base.examine)
    if examine not in EXAMINE_MODES:
        raise ProfileError(f"burned_in.examine must be one of {', '.join(EXAMINE_MODES)}, got {examine!r}")
    regions = tuple(_region(i, r) for i, r in enumerate(_list(raw.get("regions", []), "burned_in.regions")))
    return BurnedInPolicy(
        enabled=raw.get("enabled", base.enabled),
        mask_all_text=raw.get("mask_all_text", base.mask_all_text),
        ocr_max_frames=frames,
        regions=base.regions + regions,
        examine=examine,
    )


def _region(index: int, raw: Any) -> FixedRegion:
    where = f"burned_in.regions[{index}]"
    if not isinstance(raw, Mapping):
        raise ProfileError(f"{where} must be a table")
    _no_unknown(raw, _REGION_KEYS, where)
    manufacturer = _string(raw.get("manufacturer"), f"{where}.manufacturer")
    model = _string(raw["model"], f"{where}.model") if "model" in raw else None
    boxes = []
    for box in _list(raw.get("boxes"), f"{where}.boxes"):
        ok = isinstance(box, list) and len(box) == 4 and all(isinstance(v, int) and v >= 0 for v in box)
        if not ok or box[2] == 0 or box[3] == 0:
            raise ProfileError(f"{where}: each box is [x, y, width, height] of non-negative integers, got {box!r}")
        boxes.append((box[0], box[1], box[2], box[3]))
    return FixedRegion(manufacturer, model, tuple(boxes))


BUILTIN_PROFILES: Mapping[str, Profile] = MappingProxyType({
    "basic": Profile("basic", frozenset()),
    "research": Profile("research", frozenset({
        Opt.RETAIN_LONGITUDINAL_MODIFIED_DATES,
        Opt.RETAIN_PATIENT_CHARACTERISTICS,
        Opt.RETAIN_DEVICE_IDENTITY,
        Opt.RETAIN_SAFE_PRIVATE,
        Opt.CLEAN_DESCRIPTORS,
        Opt.CLEAN_STRUCTURED_CONTENT,
        Opt.CLEAN_GRAPHICS,
    })),
})
