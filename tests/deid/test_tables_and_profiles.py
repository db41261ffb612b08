"""The shipped tables, the plan's resolution of combined actions, profiles and the project key."""

from __future__ import annotations

from pathlib import Path

import pytest

from imaging_hub.deid import Profile, ProfileError, ProjectKey
from imaging_hub.deid.detectors import redact_detected
from imaging_hub.deid.plan import compile_plan, resolve
from imaging_hub.dicom.confidentiality import ConfidentialityOption, load_table
from imaging_hub.dicom.private_kb import PrivateDisposition, load_private_kb, parse_signature
from imaging_hub.nhs_number import is_valid_nhs_number


def test_table_is_loaded_from_package_data() -> None:
    table = load_table()
    assert len(table.by_tag) + 4 == 621
    assert table.by_tag[0x00100010].basic == "Z"
    assert table.private.options[ConfidentialityOption.RETAIN_SAFE_PRIVATE] == "C"
    assert table.overlay_data.basic == "X"


def test_private_kb_signatures() -> None:
    kb = load_private_kb()
    assert kb[((0x0019, "GEMS_ACQU_01", 0x03),)] is PrivateDisposition.KEEP
    assert parse_signature('(0009,"GEIIS",10)[<0>](0029,"GEIIS",20)') == ((9, "GEIIS", 0x10), (0x29, "GEIIS", 0x20))
    assert parse_signature("(0019,,08)") is None


@pytest.mark.parametrize(("code", "type_", "expected"), [
    ("X/Z", 2, "Z"), ("X/Z", 3, "X"), ("X/Z", None, "Z"),
    ("X/D", 1, "D"), ("X/D", 3, "X"), ("X/D", None, "D"),
    ("X/Z/D", 1, "D"), ("X/Z/D", 2, "Z"), ("X/Z/D", 3, "X"), ("X/Z/D", None, "D"),
    ("Z/D", 1, "D"), ("Z/D", 2, "Z"), ("Z/D", None, "D"), ("X/Z/U*", 3, "U*"),
])
def test_combined_actions_resolve_by_type(code: str, type_: int | None, expected: str) -> None:
    assert resolve(code, type_) == expected


def test_research_plan_uses_the_options() -> None:
    plan = compile_plan(Profile.builtin("research"), "image")
    assert plan.actions[0x00101010] == "K"  # Patient's Age, Retain Patient Characteristics
    assert plan.actions[0x00080020] == "C"  # Study Date shifted
    assert plan.actions[0x00081030] == "C"  # Study Description cleaned
    assert plan.actions[0x00181000] == "K"  # Device Serial Number, Retain Device Identity
    assert plan.safe_private and plan.dates == "shift"
    basic = compile_plan(Profile.builtin("basic"), "enhanced")
    assert basic.actions[0x00181000] == "D"  # Type 1 in the enhanced equipment module
    assert basic.actions[0x00080021] == "X"  # Series Date, Type 3


@pytest.mark.parametrize(("text", "message"), [
    ('options = ["retain_everything"]', "unknown option"),
    ('[overrides]\nNotAKeyword = "X"', "neither a DICOM keyword"),
    ('[overrides]\nPatientAge = "Q"', "is not one of"),
    ('colour = "blue"', "unknown key"),
    ('options = ["retain_longitudinal_full_dates", "retain_longitudinal_modified_dates"]', "exclude each other"),
    ('[burned_in]\nocr_max_frames = 0', "positive integer"),
    ('[[burned_in.regions]]\nmanufacturer = "X"\nboxes = [[0, 0, 0, 5]]', "x, y, width, height"),
    ('base = "nope"', "unknown profile"),
    ("this is = = not toml", "not valid TOML"),
])
def test_bad_profiles_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        Profile.from_toml(path)


def test_custom_profile(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('name = "mine"\noptions = ["clean-descriptors", "Retain UIDs"]\n[overrides]\n"(0010,1010)" = "k"\n')
    profile = Profile.from_toml(path)
    assert profile.name == "mine"
    assert profile.option_names() == ["clean_descriptors", "retain_uids"]
    assert profile.overrides == {0x00101010: "K"}


def test_project_key_file_and_repr(tmp_path: Path) -> None:
    key = ProjectKey.generate()
    path = tmp_path / "k.key"
    key.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = ProjectKey.load(path)
    assert loaded == key and loaded.uid("1.2.3") == key.uid("1.2.3")
    secret = path.read_text().splitlines()[1]
    assert secret not in repr(loaded) and secret not in str(loaded)
    with pytest.raises(FileExistsError):
        key.save(path)
    assert -3650 <= key.date_offset_days("S1") <= -365
    assert key.date_offset_days("S1") == loaded.date_offset_days("S1")


def test_detectors() -> None:
    assert is_valid_nhs_number("9434765919") and not is_valid_nhs_number("9434765918")
    found: set[str] = set()
    text = redact_detected("nhs 943 476 5919, ref 9434765918, SW1A 1AA, +44 20 7946 0958, a.b@c.org, T1 3MM", found)
    assert "5919" not in text and "9434765918" in text and "SW1A" not in text and "7946" not in text
    assert "a.b@c.org" not in text and "T1 3MM" in text
    assert found == {"nhs-number", "postcode", "phone", "email"}
