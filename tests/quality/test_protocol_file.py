"""Reading acquisition protocols: a good one loads; a bad one is refused naming the file, series and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from quality_phantoms import PROTOCOL

from imaging_hub.quality import ProtocolError, load_protocol, parse_protocol


def test_the_example_protocol_loads(tmp_path: Path) -> None:
    path = tmp_path / "protocol.toml"
    path.write_text(PROTOCOL)
    protocol = load_protocol(path)
    assert (protocol.name, protocol.version, protocol.format) == ("NET-CHEST-BRAIN", "1.2", 1)
    assert [s.name for s in protocol.series] == ["CT chest", "T1 brain", "Scout"]
    assert protocol.expected("CT chest").attributes["KVP"].one_of == [100, 120]
    deviation = protocol.deviations_for("RY2", "CT chest")["SliceThickness"]
    assert deviation.approval.reference == "DEV-007" and deviation.rule.max == 5.0
    assert protocol.deviations_for("RX1", "CT chest") == {}


def test_the_packaged_example_protocol_loads() -> None:
    example = resources.files("imaging_hub.quality").joinpath("example_protocol.toml")
    protocol = parse_protocol(example.read_text("utf-8"), source="example_protocol.toml")
    assert protocol.expected("T1 axial").attributes["MagneticFieldStrength"].one_of == [1.5, 3]
    assert protocol.deviations[0].approval.reference == "DEV-001"


def _refusal(tmp_path: Path, old: str, new: str) -> str:
    assert old in PROTOCOL
    path = tmp_path / "site-protocol.toml"
    path.write_text(PROTOCOL.replace(old, new, 1))
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    return str(caught.value)


def test_a_bad_regular_expression_is_named(tmp_path: Path) -> None:
    message = _refusal(tmp_path, 'series_description = "(?i)chest"', 'series_description = "(?i)chest["')
    assert "site-protocol.toml" in message
    assert "series 'CT chest'" in message
    assert "match.series_description" in message
    assert "not a regular expression" in message


def test_an_unknown_keyword_is_named(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "KVP = {", "KVPeak = {")
    assert "series 'CT chest'" in message and "'KVPeak' is not a DICOM attribute keyword" in message


def test_a_sequence_keyword_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "KVP = {", "ReferencedImageSequence = {")
    assert "is a sequence" in message


def test_min_above_max_is_named(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "RepetitionTime = { min = 400, max = 700 }",
                       "RepetitionTime = { min = 800, max = 700 }")
    assert "series 'T1 brain'" in message
    assert "attributes.RepetitionTime" in message and "min 800 is above max 700" in message


def test_a_rule_with_nothing_to_check_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "EchoTime = { max = 20 }", "EchoTime = { component = 0 }")
    assert "attributes.EchoTime" in message and "give at least one of" in message


def test_an_unknown_field_is_named(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "image = { min_snr = 20 }", "image = { min_snr = 20, min_smr = 3 }")
    assert "series 'T1 brain'" in message and "image.min_smr" in message


def test_a_deviation_from_a_rule_the_series_lacks_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, 'attribute = "SliceThickness"\nrule', 'attribute = "EchoTime"\nrule')
    assert "deviation DEV-007: series 'CT chest' has no rule on EchoTime" in message
    message = _refusal(tmp_path, 'series = "CT chest"\nattribute', 'series = "CT abdomen"\nattribute')
    assert "DEV-007" in message and "no series named 'CT abdomen'" in message


def test_a_deviation_needs_its_approval(tmp_path: Path) -> None:
    message = _refusal(tmp_path, 'approved_by = "Trial imaging lead", ', "")
    assert "deviation 'DEV-007'" in message and "approval.approved_by" in message


def test_not_toml_is_refused() -> None:
    with pytest.raises(ProtocolError, match=r"^p\.toml: not valid TOML"):
        parse_protocol("[protocol\nname=", source="p.toml")


def test_duplicate_series_names_are_refused() -> None:
    text = PROTOCOL.replace('name = "Scout"', 'name = "CT chest"')
    with pytest.raises(ProtocolError, match="'CT chest' is used more than once"):
        parse_protocol(text)
