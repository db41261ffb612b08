"""Errors of the de-identification engine. Messages never carry an identifying value."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class Quarantined(ImagingHubError):
    """An instance that cannot be made safe; ``reason`` says why, in words safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HeldForReview(Quarantined):
    """Not released: the pixels may carry text that could not be confirmed or masked. ``boxes`` are the
    proposed masks (x, y, width, height, the same on every frame) for a person to release, amend or reject."""

    def __init__(self, reason: str, boxes: tuple[tuple[int, int, int, int], ...] = ()) -> None:
        super().__init__(f"held for review: {reason}")
        self.boxes = boxes
