"""A read as DICOM SR: TID 1500 Measurement Report in a Comprehensive 3D SR (highdicom).

The reader is the person observer; the source images are the report's image library and evidence; the
answers to classification questions are qualitative evaluations (question code, category code) and the
measurements numeric measurements with their UCUM unit, in one measurement group per read.
"""

from __future__ import annotations

from collections.abc import Sequence

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from imaging_hub.labelling.dicom_seg import coded, person_name
from imaging_hub.labelling.equipment import MANUFACTURER
from imaging_hub.labelling.errors import LabellingError
from imaging_hub.labelling.model import Labels, check_labels
from imaging_hub.labelling.schema import LabelSchema

# DCM 126061 "Imaging Measurement Report" is the TID 1500 document title; the procedure is left generic.
_PROCEDURE = hd.sr.CodedConcept("363679005", "SCT", "Imaging procedure")


def make_report(
    source_images: Sequence[Dataset],
    labels: Labels,
    schema: LabelSchema,
    reader: str,
    *,
    task_name: str,
    series_number: int = 901,
) -> hd.sr.Comprehensive3DSR:
    if not source_images:
        raise LabellingError("report: no source images")
    if len({str(ds.StudyInstanceUID) for ds in source_images}) != 1:
        raise LabellingError("report: the source images must be one study")
    check_labels(schema, labels, "report")
    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=person_name(reader)))
    evaluations = [hd.sr.QualitativeEvaluation(coded(q.code), coded(q.category(labels.answers[q.name]).code))
                   for q in schema.questions]
    measurements = [hd.sr.Measurement(coded(m.code), float(labels.measurements[m.name]), coded(m.unit))
                    for m in schema.measurements if m.name in labels.measurements]
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier=task_name[:64]),
        measurements=measurements or None, qualitative_evaluations=evaluations or None,
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(ds) for ds in source_images])
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=observer),
        procedure_reported=_PROCEDURE, imaging_measurements=[group], referenced_images=list(source_images))
    try:
        return hd.sr.Comprehensive3DSR(
            evidence=list(source_images), content=report[0], series_instance_uid=generate_uid(),
            series_number=series_number, sop_instance_uid=generate_uid(), instance_number=1,
            manufacturer=MANUFACTURER, is_complete=True, is_final=False, is_verified=False)
    except (ValueError, TypeError, AttributeError) as exc:
        raise LabellingError(f"report: highdicom refused the content ({exc})") from None
