"""Results from the AI tool's own SR: a Comprehensive SR made with highdicom, recognised by its device, its score
read from the NUM item under the named code; readers' final answers as the reference standard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import highdicom as hd
import pytest
from pydicom.dataset import Dataset
from pydicom.sr.coding import Code
from pydicom.uid import generate_uid

from imaging_hub.assurance import AssuranceInputError, Tool, made_by, reference_from_answers, sr_result, sr_score

SCORE = ("AI-0001", "99ACME", "Probability of nodule")
TOOL = Tool(1, "ChestCheck", "Acme AI", "2.1", "Nodules", 0.5, "d" * 64, datetime.now(UTC), "tests")


def tool_report(value: float, unit: str = "1", *, model: str = "ChestCheck", version: str = "2.1",
                extra: bool = False) -> Dataset:
    def num(v: float) -> hd.sr.NumContentItem:
        return hd.sr.NumContentItem(name=Code(*SCORE), value=v, unit=Code(unit, "UCUM", unit),
                                    relationship_type=hd.sr.RelationshipTypeValues.CONTAINS)

    items = [num(value)] + ([num(value)] if extra else [])
    container = hd.sr.ContainerContentItem(name=Code("126000", "DCM", "Imaging Measurement Report"),
                                           template_id="1500")
    container.ContentSequence = hd.sr.ContentSequence(items)
    evidence = Dataset()
    evidence.StudyInstanceUID = "1.2.826.0.1.3680043.10.7"
    evidence.PatientID, evidence.PatientName, evidence.PatientBirthDate, evidence.PatientSex = "P7", "", "", ""
    evidence.StudyID, evidence.AccessionNumber, evidence.StudyDate, evidence.StudyTime = "1", "", "", ""
    evidence.ReferringPhysicianName = ""
    evidence.SOPClassUID, evidence.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.2", generate_uid()
    evidence.SeriesInstanceUID, evidence.Modality = generate_uid(), "CT"
    return hd.sr.ComprehensiveSR(
        evidence=[evidence], content=container, series_instance_uid=generate_uid(), series_number=900,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="Acme AI",
        manufacturer_model_name=model, software_versions=version)


def test_the_tools_score_is_read_from_its_own_report() -> None:
    report = tool_report(0.73)
    assert made_by(report, TOOL) and not made_by(tool_report(0.73, version="3.0"), TOOL)
    assert not made_by(tool_report(0.73, model="Other"), TOOL)
    result = sr_result(report, SCORE[:2], "RXA")
    assert (result.level, result.case_id, result.patient_id, result.site) == \
        ("study", "1.2.826.0.1.3680043.10.7", "P7", "RXA")
    assert result.score == pytest.approx(0.73)
    assert sr_score(tool_report(73.0, "%"), SCORE[:2]) == pytest.approx(0.73)


@pytest.mark.parametrize(("report", "message"), [
    (lambda: tool_report(0.5, extra=True), "2 scores"), (lambda: tool_report(1.7), "0..1"),
])
def test_an_unreadable_report_is_refused(report: Callable[[], Dataset], message: str) -> None:
    with pytest.raises(AssuranceInputError, match=message):
        sr_score(report(), SCORE[:2])
    with pytest.raises(AssuranceInputError, match="0 scores"):
        sr_score(tool_report(0.5), ("OTHER", "99ACME"))


def test_readers_final_answers_become_the_reference() -> None:
    answers = {"1.1": {"nodule": "present"}, "1.2": {"nodule": "absent"}, "1.3": None}
    assert reference_from_answers(answers, "nodule", "present") == {"1.1": {"label": "1"}, "1.2": {"label": "0"}}
    with pytest.raises(AssuranceInputError, match="no question"):
        reference_from_answers(answers, "mass", "present")
