"""An acquisition protocol: the series a project expects, how to recognise each, and the rules each must meet.

Written by the project lead as TOML (see ``protocol_file``); ``format`` is the version of this model, so
later changes can read older files, and ``version`` is the project's own version of its protocol.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from imaging_hub.quality.drl import DrlExamination
from imaging_hub.quality.keywords import checked_keyword

PROTOCOL_FORMAT: Literal[1] = 1

Scalar = str | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Recognition(_Strict):
    """How a series is recognised: every condition given must hold (regular expressions are searched)."""

    modality: str | None = None
    series_description: str | None = None
    protocol_name: str | None = None
    sequence_name: str | None = None

    @field_validator("series_description", "protocol_name", "sequence_name")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
        return pattern

    @field_validator("modality")
    @classmethod
    def _upper(cls, modality: str | None) -> str | None:
        return modality.upper() if modality is not None else None


class AttributeRule(_Strict):
    """Conditions on one attribute's values; every condition given must hold on every instance.

    ``component`` picks one value of a multi-valued attribute (0-based, e.g. PixelSpacing's column spacing is
    1); without it the numeric and value conditions apply to every value.
    """

    min: float | None = None
    max: float | None = None
    one_of: list[Scalar] | None = None
    equals: Scalar | None = None
    present: bool | None = None  # True: present with a value; False: absent or empty
    component: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _coherent(self) -> AttributeRule:
        if all(v is None for v in (self.min, self.max, self.one_of, self.equals, self.present)):
            raise ValueError("give at least one of min, max, one_of, equals or present")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if self.present is False and any(v is not None for v in (self.min, self.max, self.one_of, self.equals)):
            raise ValueError("present = false cannot be combined with conditions on the value")
        if self.one_of is not None and not self.one_of:
            raise ValueError("one_of is empty")
        return self


class GeometryRules(_Strict):
    """Rules on where the slices lie."""

    no_missing_slices: bool = True
    spacing_tolerance: float = Field(default=0.1, gt=0, lt=1)  # a gap up to (1 + tolerance) x spacing is fine
    consistent_orientation: bool = True
    orientation_tolerance: float = Field(default=1e-3, gt=0)  # direction cosines
    consistent_pixel_spacing: bool = True
    pixel_spacing_tolerance_mm: float = Field(default=1e-3, gt=0)


class ImageRules(_Strict):
    """Thresholds on the image QC metrics measured from the pixels (see ``image_qc``)."""

    min_snr: float | None = None
    min_cnr: float | None = None
    min_uniformity_percent: float | None = Field(default=None, ge=0, le=100)
    max_ghosting_ratio: float | None = Field(default=None, ge=0)
    ct_air_expected_hu: float = -1000.0
    ct_water_expected_hu: float = 0.0
    max_ct_air_error_hu: float | None = Field(default=None, ge=0)
    max_ct_water_error_hu: float | None = Field(default=None, ge=0)
    min_coverage_mm: float | None = Field(default=None, ge=0)
    min_laplacian_variance: float | None = Field(default=None, ge=0)  # below it the series is too blurred


class ExpectedSeries(_Strict):
    name: str = Field(min_length=1)
    required: bool = True
    match: Recognition
    attributes: dict[str, AttributeRule] = Field(default_factory=dict)  # keyed by DICOM keyword
    geometry: GeometryRules | None = None
    image: ImageRules | None = None
    drl: DrlExamination | None = None  # the national DRL examination this series is compared with

    @field_validator("attributes")
    @classmethod
    def _keywords(cls, attributes: dict[str, AttributeRule]) -> dict[str, AttributeRule]:
        for keyword in attributes:
            checked_keyword(keyword)
        return attributes


class Approval(_Strict):
    approved_by: str = Field(min_length=1)
    approved_on: dt.date
    reference: str = Field(min_length=1)  # e.g. the deviation log or amendment number
    reason: str | None = None


class SiteDeviation(_Strict):
    """A site allowed to differ from one attribute rule of one series: its rule replaces the protocol's."""

    site: str = Field(min_length=1)  # as in ClinicalTrialSiteID
    series: str
    attribute: str
    rule: AttributeRule
    approval: Approval

    @field_validator("attribute")
    @classmethod
    def _keyword(cls, keyword: str) -> str:
        return checked_keyword(keyword)


class DoseConstraint(_Strict):
    """The research dose constraint the ethics approval states, per participant and timepoint (IR(ME)R)."""

    dlp_mgy_cm: float | None = Field(default=None, gt=0)  # summed CT dose-length product
    reference: str | None = None  # where it is stated, e.g. the REC approval or the protocol section


class AcquisitionProtocol(_Strict):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    format: Literal[1] = PROTOCOL_FORMAT
    unexpected_series: Literal["ignore", "problem"] = "ignore"  # what a series that matches nothing is
    series: list[ExpectedSeries] = Field(min_length=1)
    deviations: list[SiteDeviation] = Field(default_factory=list)
    dose: DoseConstraint | None = None
    # The imaging timepoints (ClinicalTrialTimePointID values) the study schedules, in visit order.
    timepoints: list[str] = Field(default_factory=list)

    @field_validator("timepoints")
    @classmethod
    def _timepoints(cls, timepoints: list[str]) -> list[str]:
        if any(not t.strip() for t in timepoints):
            raise ValueError("a timepoint is empty")
        if len(set(timepoints)) != len(timepoints):
            raise ValueError("a timepoint is listed twice")
        return timepoints

    @model_validator(mode="after")
    def _names(self) -> AcquisitionProtocol:
        names = [s.name for s in self.series]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"series name {name!r} is used more than once")
        for deviation in self.deviations:
            reference = deviation.approval.reference
            if deviation.series not in names:
                raise ValueError(f"deviation {reference}: no series named {deviation.series!r}")
            if deviation.attribute not in self.expected(deviation.series).attributes:
                raise ValueError(f"deviation {reference}: series {deviation.series!r} has no rule on "
                                 f"{deviation.attribute} to deviate from")
        return self

    def expected(self, name: str) -> ExpectedSeries:
        return next(s for s in self.series if s.name == name)

    def deviations_for(self, site: str | None, series: str) -> dict[str, SiteDeviation]:
        """The approved deviations of one site for one series, by attribute keyword."""
        if site is None:
            return {}
        return {d.attribute: d for d in self.deviations if d.site == site and d.series == series}
