"""Recognising which expected series of a protocol a series is."""

from __future__ import annotations

import re

from pydicom.dataset import Dataset

from imaging_hub.quality.protocol import AcquisitionProtocol, ExpectedSeries, Recognition

_PATTERNS = (("series_description", "SeriesDescription"), ("protocol_name", "ProtocolName"),
             ("sequence_name", "SequenceName"))


def recognise(header: Dataset, protocol: AcquisitionProtocol) -> ExpectedSeries | None:
    """The first expected series, in protocol order, whose every condition the header meets; None if none."""
    for expected in protocol.series:
        if _meets(header, expected.match):
            return expected
    return None


def _meets(header: Dataset, match: Recognition) -> bool:
    if match.modality is not None and str(header.get("Modality", "")).upper() != match.modality:
        return False
    for field, keyword in _PATTERNS:
        pattern = getattr(match, field)
        if pattern is None:
            continue
        value = header.get(keyword)
        if value is None or re.search(pattern, str(value)) is None:
            return False
    return True
