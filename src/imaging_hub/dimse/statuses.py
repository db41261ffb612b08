"""DIMSE status datasets with an Error Comment that names the problem (never an identifying value)."""

from __future__ import annotations

from pydicom.dataset import Dataset

_COMMENT_LIMIT = 64  # Error Comment (0000,0902) is LO


def status(code: int, comment: str = "") -> Dataset:
    answer = Dataset()
    answer.Status = code
    if comment:
        answer.ErrorComment = comment[:_COMMENT_LIMIT]
    return answer
