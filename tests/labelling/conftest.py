"""Fixtures of the labelling tests: a room in a real archive's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imaging_hub.labelling import (
    Actor,
    AuditEntry,
    Cohort,
    CohortStudy,
    LabellingRoom,
    LabelSchema,
    TaskSpec,
    parse_schema,
)
from imaging_hub.store import Archive

LEAD = Actor("lead@example.nhs.uk", manages=frozenset({"PROJ1"}))
ALICE = Actor("alice@example.nhs.uk")
BOB = Actor("bob@example.nhs.uk")
CAROL = Actor("carol@example.nhs.uk")
ADJUDICATOR = Actor("adjudicator@example.nhs.uk")

SCHEMA = {
    "questions": [{"name": "nodule", "text": "Lung nodule", "categories": ["absent", "present"]}],
    "segments": [{"label": "Nodule", "type": "Nodule"}],
    "measurements": [{"name": "diameter", "code": {"value": "410668003", "scheme": "SCT", "meaning": "Length"},
                      "unit": "mm"}],
}


def schema() -> LabelSchema:
    return parse_schema(SCHEMA)


def studies(n: int = 4) -> tuple[CohortStudy, ...]:
    return tuple(CohortStudy(f"1.2.826.0.1.3680043.10.1.{i}", "RXA" if i % 2 else "RXB") for i in range(1, n + 1))


def spec(**overrides: object) -> TaskSpec:
    values: dict[str, object] = dict(project="PROJ1", name="Nodules", cohort=Cohort("snapshot", "PROJ1/v1", studies()),
                                     schema=schema(), readers=(ALICE.name, BOB.name), reads_per_study=2, blinded=True,
                                     adjudicator=ADJUDICATOR.name, threshold=0.0)
    values.update(overrides)
    return TaskSpec(**values)  # type: ignore[arg-type]


class Recorder(list[AuditEntry]):
    def __call__(self, entry: AuditEntry) -> None:
        self.append(entry)

    def actions(self, outcome: str | None = None) -> list[str]:
        return [e.action for e in self if outcome is None or e.outcome == outcome]


@pytest.fixture
def audit() -> Recorder:
    return Recorder()


@pytest.fixture
def room(archive: Archive, audit: Recorder) -> Iterator[LabellingRoom]:
    yield LabellingRoom.open(archive.database.writer, audit=audit)
