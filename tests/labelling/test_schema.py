"""Label schemas and SNOMED CT codes: shapes checked, errors naming the field, the common table's codes valid."""

from __future__ import annotations

import pytest

from imaging_hub.labelling import (
    LabellingError,
    LabellingRoom,
    Labels,
    check_code,
    common_codes,
    find_common,
    parse_schema,
)

from .conftest import ALICE, LEAD, SCHEMA, spec


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


RATED = {"measurements": [{"name": "confidence", "code": {"value": "confidence", "scheme": "99IHUB",
                                                          "meaning": "Confidence"}, "unit": "%", "range": [0, 100],
                           "required": True}]}


def test_a_measurement_with_a_range_and_required_round_trips_and_is_enforced_on_a_read(room: LabellingRoom) -> None:
    schema = parse_schema(RATED)
    assert parse_schema(schema.to_json()) == schema
    assert (schema.measurement("confidence").low, schema.measurement("confidence").high) == (0.0, 100.0)
    task = room.create_task(LEAD, spec(schema=schema, adjudicator=None))
    room.assign(LEAD, task.id)
    study = task.studies[0].study_uid
    for value, why in ((100.5, r"'confidence' must lie in 0\.\.100"), (-0.1, r"must lie in 0\.\.100"),
                       (None, "'confidence' is not given")):
        with pytest.raises(LabellingError, match=why):
            room.submit_read(ALICE, task.id, study, Labels({}, {} if value is None else {"confidence": value}))
    assert room.count_reads(task.id) == 0
    room.submit_read(ALICE, task.id, study, Labels({}, {"confidence": 100}))
    assert room.count_reads(task.id) == 1


@pytest.mark.parametrize(("bounds", "required"), [([100, 0], True), ([0], True), ([0, "high"], True),
                                                  ([0, float("inf")], True), ([True, 5], True), ([0, 1], "yes")])
def test_a_bad_range_or_required_names_the_field(bounds: object, required: object) -> None:
    bad = {"measurements": [{**RATED["measurements"][0], "range": bounds, "required": required}]}
    with pytest.raises(LabellingError, match=r"measurements\[0\]\.(range|required)"):
        parse_schema(bad)
