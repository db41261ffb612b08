"""Errors of the de-identification engine. Messages never carry an identifying value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imaging_hub.errors import ImagingHubError

if TYPE_CHECKING:
    from pydicom.dataset import Dataset


class Quarantined(ImagingHubError):
    """An instance that cannot be made safe; ``reason`` says why, in words safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HeldForReview(Quarantined):
    """Not released: the pixels may carry text that could not be confirmed or masked. ``boxes`` are the
    proposed masks (x, y, width, height, the same on every frame) for a person to release, amend or reject.
    ``candidate`` is the instance with its header de-identified and its pixels untouched (set by the
    Deidentifier): it may still show identifying text, so it must stay where it was held."""

    def __init__(self, reason: str, boxes: tuple[tuple[int, int, int, int], ...] = ()) -> None:
        super().__init__(f"held for review: {reason}")
        self.why = reason  # without the prefix, for a list of held instances
        self.boxes = boxes
        self.candidate: Dataset | None = None
