"""The Store Instances Response: written by the server, read back by a client."""

from __future__ import annotations

import pytest

from imaging_hub.dicomweb import parse_stow_response
from imaging_hub.dicomweb.stow import FailureReason, PartOutcome, build_response, failed_outcome


def test_a_response_reads_back_what_was_written() -> None:
    stored = PartOutcome("1.2.840.10008.5.1.4.1.1.2", "1.2.3", "1.2")
    refused = failed_outcome(("1.2.840.10008.5.1.4.1.1.2", "1.2.4", "1.2", "P"), FailureReason.OUT_OF_RESOURCES,
                             "storage is full")
    body = build_response([stored, refused], lambda o: f"/instances/{o.sop_instance_uid}", "/studies/1.2")
    response = parse_stow_response(body)
    assert response.referenced == {"1.2.3"} and response.failed == {"1.2.4": 0xA700}
    assert parse_stow_response([body]).referenced == {"1.2.3"}


def test_warnings_and_missing_reasons_are_read() -> None:
    body = {
        "00081199": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2.3"]},
                                            "00081196": {"vr": "US", "Value": [0xB000]}}]},
        "00081198": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2.4"]}}]},
    }
    response = parse_stow_response(body)
    assert response.warnings == {"1.2.3": 0xB000} and response.failed == {"1.2.4": 0x0110}
    with pytest.raises(ValueError):
        parse_stow_response("nonsense")
