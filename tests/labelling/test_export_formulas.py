"""The export's CSVs defuse what a spreadsheet would run as a formula, keep measurements as numbers, and an
exported reads.csv, cut down to the import's columns, imports back as it was read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from imaging_hub.labelling import (
    Actor,
    Cohort,
    CohortStudy,
    LabellingError,
    LabellingRoom,
    Labels,
    parse_reads_csv,
)

from .conftest import LEAD, schema, spec

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA = tuple("=+-@\t\r")
IMPORTED = ("study_uid", "reader", "nodule", "diameter")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("typed", HOSTILE)
def test_typed_sites_and_reader_names_come_out_defused_and_import_back(room: LabellingRoom, tmp_path: Path,
                                                                        typed: str) -> None:
    uids = ("1.2.826.0.1.3680043.10.1.1", "1.2.826.0.1.3680043.10.1.2")
    reader = Actor(typed)  # the account name as the hub knows it: the export must not trust it
    cohort = Cohort("snapshot", "PROJ1/v1", tuple(CohortStudy(u, typed) for u in uids))
    task = room.create_task(LEAD, spec(cohort=cohort, readers=(reader.name,), reads_per_study=1, adjudicator=None))
    room.assign(LEAD, task.id)
    room.submit_read(reader, task.id, uids[0], Labels({"nodule": "present"}, {"diameter": -3.5}))
    room.submit_read(reader, task.id, uids[1], Labels({"nodule": "absent"}, {"diameter": 6.0}))
    room.export(LEAD, task.id, tmp_path / "out", lambda uid: None, agreement="DSA-1")
    reads, final = _rows(tmp_path / "out" / "reads.csv"), _rows(tmp_path / "out" / "final.csv")
    assert {(r["site"], r["reader"]) for r in reads} == {("'" + typed, "'" + typed)}
    assert sorted(r["diameter"] for r in reads) == ["-3.5", "6.0"]  # numbers the hub wrote stay numbers
    assert {r["site"] for r in final} == {"'" + typed} and sorted(r["diameter"] for r in final) == ["-3.5", "6.0"]
    text = [cell for row in [*reads, *final] for column, cell in row.items() if column != "diameter"]
    assert not any(cell.startswith(FORMULA) for cell in text)

    # A person keeps the import's columns and imports the file into the same reader's next task.
    kept = io.StringIO()
    writer = csv.DictWriter(kept, IMPORTED, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(reads)
    back = {study: (who, labels) for study, who, labels in parse_reads_csv(kept.getvalue(), task.schema)}
    assert back[uids[0]] == (typed.strip(), Labels({"nodule": "present"}, {"diameter": -3.5}))
    assert back[uids[1]] == (typed.strip(), Labels({"nodule": "absent"}, {"diameter": 6.0}))


def test_an_import_written_by_hand_keeps_an_apostrophe_that_guards_nothing() -> None:
    text = "study_uid,reader,nodule,diameter\n1.2.3,'alice,present,'-2.5\n1.2.4,''=bob,absent,\n"
    with pytest.raises(LabellingError, match="row 2, column diameter: not a number"):
        parse_reads_csv(text.replace("'-2.5", "'x"), schema())
    first, second = parse_reads_csv(text, schema())
    assert first[1] == "'alice" and first[2].measurements == {"diameter": -2.5}  # '-2.5 was a defused number
    assert second[1] == "'=bob"  # one apostrophe is the defusing, the other was typed
