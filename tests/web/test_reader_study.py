"""A reader study end to end on a governed hub: an AI tool's run over LUNG1's four studies, two blinded labelling
tasks (without and with the AI's output), the annotator reading through the real web form and the researcher
through the labelling room; the analysis checked against scikit-learn's AUCs and the existing Obuchowski-Rockette
function on a table built here; the order, the leak and the hostile inputs refused and audited; each reader's
feedback private to them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from itertools import product

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.assurance import (
    Actor,
    AssuranceInputError,
    AssuranceRoom,
    CaseResult,
    ReaderStudy,
    Refused,
    RunSpec,
    ToolSpec,
    obuchowski_rockette,
)
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.hub import ReaderStudies, StudyActor, StudyPlan
from imaging_hub.labelling import Actor as Reader
from imaging_hub.labelling import LabellingRoom, Labels
from imaging_hub.web import reader_studies

from .labelling_setup import ANN, RES, lung_studies, make_task, read

LEAD = "lead@uni.example"
OUTSIDER = "dev@pixel.example"  # a researcher in LUNG1 who read nothing
AI_SCORES = (0.91, 0.64, 0.58, 0.12)  # the tool's study-level scores, in the cases' sorted order
# The readers' confidence (0-100) per condition, reader and case; the first two cases are positive.
RATINGS = {
    ("unaided", ANN): (70, 40, 50, 20), ("unaided", RES): (60, 30, 45, 35),
    ("aided", ANN): (85, 45, 50, 10), ("aided", RES): (75, 55, 50, 20),
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("reader-study")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def studies_of(hub: Hub) -> ReaderStudies:
    """The hub's reader studies as the web face opens them: every room action in governance's trail."""
    return reader_studies(hub.gov, hub.archive, LabellingRoom.open(hub.archive.database.writer))


def scored_run(hub: Hub, cases: list[str], name: str) -> int:
    room = AssuranceRoom.open(hub.archive.database.writer)
    console = Actor("tests", manages=None)
    tool = room.register_tool(console, ToolSpec(name, "Acme AI", "2.1", "Flag lung nodules", 0.5, "d" * 64))
    run = room.record_run(console, tool.id, RunSpec("inference", "onnx", "LUNG1", "LUNG1/v1", "DSA-2026-001", {}),
                          [CaseResult("study", uid, uid, f"P{k}", "RXX", s) for k, (uid, s) in
                           enumerate(zip(cases, AI_SCORES, strict=True))])
    return run.id


def entries(hub: Hub, action: str, outcome: str | None = None) -> list[object]:
    found = hub.gov.audit.entries(AuditFilter(action=action, limit=10_000))
    return [e for e in found if outcome is None or e.outcome == outcome]


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


def post_read(hub: Hub, task: int, study: str, rating: str, call: str) -> str:
    client = hub.client(ANN)
    page = client.get(f"/labelling/tasks/{task}/studies/{study}")
    assert page.status_code == 200, page.text[:300]
    answer = client.post(f"/labelling/tasks/{task}/studies/{study}/read",
                         data={"csrf": csrf(page.text), "q_finding": call, "m_confidence": rating},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200
    return answer.text


def call(rating: int) -> str:
    return "present" if rating >= 50 else "absent"


def test_a_reader_study_read_on_the_web_gives_sklearns_aucs_and_the_mrmc_functions_result(hub: Hub) -> None:
    cases = lung_studies(hub)
    assert len(cases) == 4
    desk = studies_of(hub)
    lead = StudyActor(LEAD, leads=frozenset({"LUNG1"}))
    reference = {uid: int(k < 2) for k, uid in enumerate(cases)}
    plan = StudyPlan("Nodules", scored_run(hub, cases, "ChestCheck"), (ANN, RES), reference, "CSV from the MDT")
    with pytest.raises(Refused):  # a reader may not set a study up
        desk.create(StudyActor(RES, leads=frozenset()), plan)
    assert entries(hub, "assurance.reader_study.create", "denied")
    record = desk.create(lead, plan)
    assert record.cases == tuple(cases)
    labelling = desk.labelling
    unaided, aided = record.unaided_task, record.aided_task
    assert labelling.task(unaided).blinded and labelling.task(aided).blinded
    client = hub.client(ANN)

    # Unaided first: the aided page is refused, audited, and shows nothing of the AI.
    early = client.get(f"/labelling/tasks/{aided}/studies/{cases[0]}")
    assert early.status_code == 403 and "ChestCheck" not in early.text and "0.91" not in early.text
    assert [e for e in entries(hub, "labels.study.open", "denied") if e.entity_id == str(aided)]
    # The unaided page leaks nothing of the tool: no panel, name, vendor or score.
    plain = client.get(f"/labelling/tasks/{unaided}/studies/{cases[0]}")
    assert plain.status_code == 200 and 'id="ai-output"' not in plain.text
    before = len(entries(hub, "labels.read.submit", "denied"))
    jumped = client.post(f"/labelling/tasks/{aided}/studies/{cases[0]}/read",
                         data={"csrf": csrf(plain.text), "q_finding": "present", "m_confidence": "90"})
    assert jumped.status_code == 403 and not labelling.all_reads(aided) and "ChestCheck" not in jumped.text
    assert len(entries(hub, "labels.read.submit", "denied")) == before + 1
    assert all(word not in plain.text for word in ("ChestCheck", "Acme AI", "0.91", "threshold"))
    # A rating out of range, a missing rating, and a case outside the study are refused; nothing is stored.
    held = hub.archive.count_instances()
    for rating, why in (("150", "must lie in 0..100"), ("-1", "must lie in 0..100"), ("", "is not given"),
                        ("nan", "not a finite number")):
        text = post_read(hub, unaided, cases[0], rating, "present")
        assert "The read was not saved" in text and why in text, rating
    assert hub.archive.count_instances() == held and not labelling.all_reads(unaided)
    outside = hub.studies["BRAIN2"]
    for task in (unaided, aided):
        assert client.get(f"/labelling/tasks/{task}/studies/{outside}").status_code == 403
    with pytest.raises(Refused):
        desk.assurance.aid(Actor(ANN), record.id, outside)
    assert [e for e in entries(hub, "assurance.reader_study.aid", "denied") if e.actor == ANN]

    # The annotator reads through the web form, unaided then aided, case by case; the aided page shows the tool.
    for k, study in enumerate(cases):
        for condition, task in (("unaided", unaided), ("aided", aided)):
            rating = RATINGS[(condition, ANN)][k]
            if condition == "aided":
                page = client.get(f"/labelling/tasks/{task}/studies/{study}")
                assert 'id="ai-output"' in page.text and "ChestCheck 2.1" in page.text
                assert f"Score {AI_SCORES[k]:.2f}" in page.text and "threshold 0.50" in page.text
            assert 'id="read-saved"' in post_read(hub, task, study, str(rating), call(rating))
    assert len([e for e in entries(hub, "assurance.reader_study.aid") if e.actor == ANN]) >= 4
    # The researcher's reads through the room's own methods.
    for (condition, task), (k, study) in product((("unaided", unaided), ("aided", aided)), enumerate(cases)):
        rating = RATINGS[(condition, RES)][k]
        labelling.submit_read(Reader(RES), task, study, Labels({"finding": call(rating)}, {"confidence": rating}))

    _, result = desk.analyse(lead, record.id)
    truth = np.array([1, 1, 0, 0])
    scores = np.array([[RATINGS[(c, r)] for r in (ANN, RES)] for c in ("unaided", "aided")], dtype=float)
    for i, j in product(range(2), range(2)):
        assert result.aucs[i, j] == pytest.approx(roc_auc_score(truth, scores[i, j]), abs=1e-12)
    expected = obuchowski_rockette(ReaderStudy(("unaided", "aided"), (ANN, RES), tuple(cases), scores, truth))
    assert result.to_json() == expected.to_json()
    sklearn_means = [np.mean([roc_auc_score(truth, scores[i, j]) for j in range(2)]) for i in range(2)]
    assert result.comparisons[0].difference.estimate == pytest.approx(sklearn_means[1] - sklearn_means[0])

    # The lead sees the group's analysis, not each reader's figures; a reader does not see it at all.
    page = hub.client(LEAD).get(f"/assurance/reader-studies/{record.id}")
    assert page.status_code == 200
    assert f"{expected.modality_auc['aided'].estimate:.3f}" in page.text
    assert f"{expected.comparisons[0].difference.estimate:+.3f}" in page.text
    assert ANN not in page.text and RES not in page.text
    assert hub.client(RES).get(f"/assurance/reader-studies/{record.id}").status_code == 403
    assert [e for e in entries(hub, "assurance.reader_study.analyse", "denied") if e.actor == RES]
    assert [e for e in entries(hub, "assurance.reader_study.analyse", "success") if e.actor == LEAD]

    # Feedback: each reader their own; another reader, a researcher who did not read, and the lead are refused.
    mine = hub.client(ANN).get(f"/assurance/reader-studies/{record.id}/feedback")
    assert mine.status_code == 200 and RES not in mine.text
    _, ann = desk.feedback(StudyActor(ANN), record.id)
    positive = truth == 1
    ann_calls = np.array([[call(r) == "present" for r in RATINGS[(c, ANN)]] for c in ("unaided", "aided")])
    assert ann["your_auc"]["aided"] == pytest.approx(roc_auc_score(truth, scores[1, 0]))
    assert ann["your_operating_point"]["unaided"]["sensitivity"] == pytest.approx(ann_calls[0, positive].mean())
    assert ann["your_operating_point"]["aided"]["specificity"] == pytest.approx(1 - ann_calls[1, ~positive].mean())
    assert f"{ann['your_auc']['unaided']:.3f}" in mine.text
    _, res = desk.feedback(StudyActor(RES), record.id)
    assert res["reader"] == RES and ANN not in repr(res)
    for outsider in (OUTSIDER, LEAD):
        before = len(entries(hub, "assurance.reader_study.feedback", "denied"))
        refused = hub.client(outsider).get(f"/assurance/reader-studies/{record.id}/feedback")
        assert refused.status_code == 403 and f"{ann['your_auc']['unaided']:.3f}" not in refused.text
        assert len(entries(hub, "assurance.reader_study.feedback", "denied")) == before + 1
    with pytest.raises(Refused):
        desk.feedback(StudyActor(OUTSIDER), record.id)
    listing = hub.client(ANN).get("/assurance/reader-studies")
    assert f"/assurance/reader-studies/{record.id}/feedback" in listing.text
    assert f'href="/assurance/reader-studies/{record.id}"' not in listing.text
    # The tool's page lists the study with what each person may open: the reader their feedback, the lead the
    # analysis, a researcher who neither reads nor leads nothing at all.
    on_tool = {who: hub.client(who).get(f"/assurance/tools/{record.tool_id}").text for who in (ANN, LEAD, OUTSIDER)}
    assert f"/assurance/reader-studies/{record.id}/feedback" in on_tool[ANN]
    assert f'href="/assurance/reader-studies/{record.id}"' not in on_tool[ANN]
    assert f'href="/assurance/reader-studies/{record.id}"' in on_tool[LEAD]
    assert f"/assurance/reader-studies/{record.id}/feedback" not in on_tool[LEAD]
    assert "Nodules" not in on_tool[OUTSIDER] and f"/assurance/reader-studies/{record.id}" not in on_tool[OUTSIDER]
    assert hub.client(OUTSIDER).get("/assurance/reader-studies/999999").status_code == 404


def test_a_washout_holds_the_aided_read_back_and_an_unfinished_study_says_what_is_missing(hub: Hub) -> None:
    cases = lung_studies(hub)
    now = [START]
    room = AssuranceRoom.open(hub.archive.database.writer)
    desk = ReaderStudies(LabellingRoom.open(hub.archive.database.writer), lambda: room, clock=lambda: now[0])
    reference = {uid: int(k < 2) for k, uid in enumerate(cases)}
    lead = StudyActor(LEAD, leads=frozenset({"LUNG1"}))
    record = desk.create(lead, StudyPlan("Washout", scored_run(hub, cases, "WashCheck"), (ANN, RES), reference,
                                         "CSV", washout_days=28))
    with pytest.raises(AssuranceInputError, match="already has a reader study"):
        desk.create(lead, StudyPlan("Washout", record.run_id, (ANN, RES), reference, "CSV"))
    desk.labelling.submit_read(Reader(ANN), record.unaided_task, cases[0],
                               Labels({"finding": "present"}, {"confidence": 80}))
    read_at = desk.labelling.all_reads(record.unaided_task)[0].read_at
    now[0] = read_at + timedelta(days=27)
    assert "28 day(s)" in (desk.refusal(ANN, record.aided_task, cases[0]) or "")
    assert desk.refusal(ANN, record.aided_task, cases[1]) is not None  # not read unaided at all
    now[0] = read_at + timedelta(days=28)
    assert desk.refusal(ANN, record.aided_task, cases[0]) is None
    assert desk.refusal(ANN, record.unaided_task, cases[1]) is None  # the unaided task is never held back
    assert desk.aid(ANN, record.unaided_task, cases[0]) is None
    with pytest.raises(AssuranceInputError, match="15 of 16 reads are still to come"):
        desk.analyse(lead, record.id)
    page = hub.client(LEAD).get(f"/assurance/reader-studies/{record.id}")
    assert page.status_code == 200 and "15 of 16 reads are still to come" in page.text


def test_a_study_is_refused_where_the_reference_is_not_the_runs_or_too_small(hub: Hub) -> None:
    cases = lung_studies(hub)
    desk = studies_of(hub)
    lead = StudyActor(LEAD, leads=frozenset({"LUNG1"}))
    run = scored_run(hub, cases, "SmallCheck")
    tasks_before = len(desk.labelling.tasks("LUNG1"))
    for reference, why in (({**{uid: int(k < 2) for k, uid in enumerate(cases)}, "1.2.3.4": 0}, "no study-level"),
                           ({uid: 1 for uid in cases}, "two positive and two negative"),
                           ({uid: int(k < 2) * 2 for k, uid in enumerate(cases)}, "must be 0 or 1")):
        with pytest.raises(AssuranceInputError, match=why):
            desk.create(lead, StudyPlan("Bad", run, (ANN, RES), reference, "CSV"))
    with pytest.raises(AssuranceInputError, match="at least two readers"):
        desk.create(lead, StudyPlan("Bad", run, (ANN,), {uid: int(k < 2) for k, uid in enumerate(cases)}, "CSV"))
    assert len(desk.labelling.tasks("LUNG1")) == tasks_before  # nothing made


def test_the_lead_sets_a_study_up_on_the_web_from_a_labelling_tasks_final_answers(hub: Hub) -> None:
    cases = lung_studies(hub)
    run = scored_run(hub, cases, "FormCheck")
    reference_task = make_task(hub, "Reference for a reader study")
    for k, study in enumerate(cases):  # both readers agree: the consensus is the reference standard
        for reader in (ANN, RES):
            read(hub, reference_task, reader, study, "present" if k < 2 else "absent")
    lead = hub.client(LEAD)
    page = lead.get("/assurance/reader-studies")
    assert 'id="reader-study-form"' in page.text and f'value="{run}"' in page.text
    form = {"csrf": csrf(page.text), "run_id": str(run), "name": "Web study", "readers": f"{ANN}\n{RES}",
            "reference_task": str(reference_task), "question": "finding", "positive": "present", "washout_days": "0"}
    for change, status, why in (({"readers": ANN}, 400, "at least two readers"),
                                ({"reference_task": "999999"}, 400, "no labelling task"),
                                ({"question": "nodule"}, 400, "no question"),
                                ({"csrf": "forged"}, 403, "expired")):
        refused = lead.post("/assurance/reader-studies", data={**form, **change})
        assert refused.status_code == status and why in refused.text, change
    assert not [s for s in studies_of(hub).assurance.reader_studies() if s.name == "Web study"]  # nothing made
    made = lead.post("/assurance/reader-studies", data=form)
    assert made.status_code == 303
    [record] = [s for s in studies_of(hub).assurance.reader_studies() if s.name == "Web study"]
    assert made.headers["location"] == f"/assurance/reader-studies/{record.id}"
    assert record.reference == {uid: int(k < 2) for k, uid in enumerate(cases)} and record.readers == (ANN, RES)
    assert f"labelling task {reference_task}" in record.reference_source
    researcher = hub.client(RES)
    page = researcher.get("/assurance/reader-studies")
    assert 'id="reader-study-form"' not in page.text
    before = len(entries(hub, "assurance.reader_study.create", "denied"))
    refused = researcher.post("/assurance/reader-studies", data={**form, "csrf": csrf(page.text), "name": "Not mine"})
    assert refused.status_code == 403
    assert len(entries(hub, "assurance.reader_study.create", "denied")) == before + 1
