"""A project's acquisition check as configured: one rule on one attribute, validated when the spoke's settings
are read (``ProjectSettings.acquisition_checks``) and applied by the pipeline (``pipeline.acquisition``).

It lives below both, beside ``settings``, so the settings need nothing from the pipeline.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydicom.datadict import dictionary_VR, tag_for_keyword


class AcquisitionRule(BaseModel):
    """One check on one attribute; every condition given must hold."""

    model_config = {"extra": "forbid"}

    attribute: str  # DICOM keyword, e.g. "SliceThickness"
    modalities: list[str] = Field(default_factory=list)  # the rule applies to these only (empty: all)
    required: bool = False  # present with a value
    equals: str | None = None
    one_of: list[str] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # a regular expression each value must match in full
    action: Literal["warn", "hold"] = "warn"
    # The rule applies only to instances whose SeriesDescription / ProtocolName these regular expressions find
    # (searched, as the hub's acquisition protocol recognises a series); an instance without the attribute is
    # not recognised, so it is not checked.
    series_description: str | None = None
    protocol_name: str | None = None

    @field_validator("attribute")
    @classmethod
    def _known_keyword(cls, keyword: str) -> str:
        tag = tag_for_keyword(keyword)
        if tag is None:
            raise ValueError(f"acquisition check: {keyword!r} is not a DICOM attribute keyword")
        if dictionary_VR(tag) == "SQ":
            raise ValueError(f"acquisition check: {keyword} is a sequence; check an attribute inside it instead")
        return keyword

    @field_validator("pattern", "series_description", "protocol_name")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"acquisition check: pattern {pattern!r} is not a regular expression: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _something_to_check(self) -> AcquisitionRule:
        if not self.required and self.equals is None and self.one_of is None and self.min is None \
                and self.max is None and self.pattern is None:
            raise ValueError(f"acquisition check on {self.attribute}: give at least one of required, equals, "
                             "one_of, min, max or pattern")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"acquisition check on {self.attribute}: min is above max")
        self.modalities = [m.upper() for m in self.modalities]
        return self
