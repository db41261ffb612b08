"""Label schemas and SNOMED CT codes: shapes checked, errors naming the field, the common table's codes valid."""

from __future__ import annotations

import pytest

from imaging_hub.labelling import LabellingError, check_code, common_codes, find_common, parse_schema

from .conftest import SCHEMA


def test_the_common_table_holds_valid_categories_and_types() -> None:
    table = common_codes()
    categories = {c.code.value for c in table if c.context == "CID 7150"}
    assert "91723000" in categories  # Anatomical Structure
    for common in table:
        check_code(common.code.value, common.code.scheme, common.code.meaning, common.context)
        assert common.context == "CID 7150" or common.category in categories
    assert find_common("liver").code.value == "10200004"


@pytest.mark.parametrize(("value", "message"), [
    ("10200005", "Verhoeff"), ("012345", "6 to 18 digits"), ("12a45678", "6 to 18 digits"),
])
def test_a_malformed_snomed_code_is_refused(value: str, message: str) -> None:
    with pytest.raises(LabellingError, match=message):
        check_code(value, "SCT", "Liver", "segments[0].type")


def test_a_schema_round_trips_through_its_json() -> None:
    schema = parse_schema(SCHEMA)
    assert parse_schema(schema.to_json()) == schema
    segment = schema.segment("Nodule")
    assert (segment.category.meaning, segment.type.value) == ("Morphologically Abnormal Structure", "27925004")
    assert schema.question("nodule").code.scheme == "99IHUB"


@pytest.mark.parametrize(("data", "message"), [
    ({}, "at least one"),
    ({"questions": [{"name": "q", "categories": ["only"]}]}, r"questions\[0\].categories"),
    ({"questions": [{"name": "Bad Name", "categories": ["a", "b"]}]}, r"questions\[0\].name"),
    ({"segments": [{"label": "X", "type": "Unobtainium"}]}, r"segments\[0\].type"),
    ({"segments": [{"label": "X", "type": {"value": "10200004", "scheme": "SCT", "meaning": "Liver"}}]},
     r"segments\[0\].category: required"),
    ({"measurements": [{"name": "d", "code": {"value": "410668003", "scheme": "SCT", "meaning": "Length"},
                        "unit": "milli metre"}]}, r"measurements\[0\].unit"),
    ({"colour": []}, "unknown field"),
])
def test_a_bad_schema_names_the_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(LabellingError, match=message):
        parse_schema(data)
