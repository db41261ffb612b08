"""C-MOVE destinations from configuration: ``AETITLE@host:port``."""

from __future__ import annotations

import pytest

from imaging_hub.dimse import Peer


def test_parse_and_print_round_trip() -> None:
    assert Peer.parse("PACS@10.0.0.5:104") == Peer("PACS", "10.0.0.5", 104)
    assert Peer.parse(" RESEARCH@[::1]:11113 ") == Peer("RESEARCH", "::1", 11113)
    assert str(Peer("RESEARCH", "::1", 11113)) == "RESEARCH@[::1]:11113"
    assert Peer.parse(str(Peer("PACS", "pacs.example.nhs.uk", 4242))).host == "pacs.example.nhs.uk"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("PACS10.0.0.5:104", "AETITLE@host:port"),
        ("PACS@10.0.0.5", "AETITLE@host:port"),
        ("PACS@10.0.0.5:x104", "not a number"),
        ("PACS@10.0.0.5:70000", "outside"),
        ("@10.0.0.5:104", "AE title"),
        ("SEVENTEEN_LETTERS@h:1", "AE title"),
        ("PACS@:104", "no host"),
    ],
)
def test_bad_peer_strings_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Peer.parse(text)
