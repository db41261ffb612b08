"""The spoke's check before delivery from the project's acquisition protocol: its per-instance attribute rules
become the spoke's acquisition checks (warn or hold), recognised by modality, SeriesDescription and
ProtocolName; what needs the whole series is left to the hub and said so."""

from __future__ import annotations

from pathlib import Path

import pytest
from quality_phantoms import PROTOCOL, series

from imaging_hub.cli._spoke_protocol import with_protocol_checks
from imaging_hub.quality import ProtocolError
from imaging_hub.spoke import ProjectSettings, SpokeSettings
from imaging_hub.spoke.pipeline.acquisition import check_acquisition


def settings_with(protocol: Path, action: str, tmp_path: Path) -> SpokeSettings:
    project = ProjectSettings(id="NET1", key_file=tmp_path / "k.key", quality_protocol=protocol,
                              quality_protocol_action=action)  # type: ignore[arg-type]
    return SpokeSettings(data=tmp_path, projects=[project])


def test_protocol_rules_hold_a_wrong_slice_thickness_and_kvp_and_pass_a_good_series(tmp_path: Path) -> None:
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL)
    settings, left_to_hub = with_protocol_checks(settings_with(protocol, "hold", tmp_path))
    assert left_to_hub == [
        "project NET1: series 'CT chest': ContrastBolusAgent (a component or an absence), checked at the hub",
        "project NET1: series 'T1 brain': recognised by SequenceName, checked at the hub",
    ]
    checks = settings.project("NET1").acquisition_checks
    good = series("CT", 2)
    good[0].KVP = "120.0"  # the same tube voltage written another way
    assert [check_acquisition(checks, ds) for ds in good] == [[], []]

    wrong = series("CT", 2, seed=5)
    wrong[0].SliceThickness = "5"
    wrong[1].KVP = "140"
    found = [check_acquisition(checks, ds) for ds in wrong]
    assert [(f.action, f.text) for f in found[0]] == [("hold", "SliceThickness 5 above 3")]
    assert [(f.action, f.text) for f in found[1]] == [("hold", "KVP 140 is not one of 100, 120")]

    scout = series("CT", 1, seed=6, description="SCOUT")[0]
    scout.SliceThickness = "10"  # not the chest series: the chest's rules do not apply to it
    assert check_acquisition(checks, scout) == []


def test_a_wrong_protocol_is_named(tmp_path: Path) -> None:
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL.replace("[[series]]", "[[serie]]", 1))
    with pytest.raises(ProtocolError, match=r"protocol\.toml"):
        with_protocol_checks(settings_with(protocol, "warn", tmp_path))
