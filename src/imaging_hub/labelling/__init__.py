"""Labelling: multi-reader labelling tasks over a project's studies, their DICOM SEG/SR objects, reader
agreement and adjudication.

The room keeps tasks, assignments and reads in the hub's database (own tables and Alembic history); it decides
what a manager, reader or adjudicator may do and records each action through the face's ``AuditSink``. The
face resolves a cohort (a snapshot's or a saved query's studies) and authorises exports under an agreement.

Public surface::

    room = LabellingRoom.open(engine, audit=sink)           # the hub database's (write) engine; migrates
    room.create_task(actor, TaskSpec(project, name, Cohort(kind, reference, studies), schema, readers, ...))
    room.assign(actor, task_id); room.worklist(actor, task_id=None)
    room.submit_read(actor, task_id, study_uid, Labels(answers, measurements, label_uids))
    room.reads(actor, task_id, study_uid=None)             # blinded readers see only their own
    room.final_labels(task_id); room.progress(actor, task_id); room.agreement(actor, task_id)
    room.import_reads(actor, task_id, parse_reads_csv(text, task.schema)); room.export(actor, task_id, ...)
    parse_schema(data) -> LabelSchema; common_codes(); check_code(...)
    make_segmentation(source_images, masks, schema, reader) -> highdicom SEG; segment_mask(seg, images, label)
    make_report(source_images, labels, schema, reader, task_name=...) -> highdicom Comprehensive 3D SR (TID 1500)
    store_label(archive, dataset, origin=None) -> SOP Instance UID; carry_project(label, source)
    cohen(a, b, categories), fleiss(counts) -> KappaEstimate; pairwise(masks, spacing); staple(masks, spacing)
    progress_chart(progress) -> PNG bytes; progress_svg(progress) -> SVG bytes
    room.file_label(actor, study_uid, sop_uid, segment_labels)  # a SEG the reader saved from the viewer
    segment_labels(seg, study_uid) -> labels (checks a SEG from the viewer); room.segment_agreement(actor, task, ...)
    room.study_status(project, study_uids) -> {study: status} for study lists
    Actor, AuditEntry, AuditSink, no_audit; LabellingError, NotFound, Refused
"""

from imaging_hub.labelling.actor import Actor, AuditEntry, AuditSink, no_audit
from imaging_hub.labelling.adjudication import FinalLabels, disagreement
from imaging_hub.labelling.agreement import KappaEstimate, cohen, fleiss
from imaging_hub.labelling.archive_labels import carry_project, part10, store_label
from imaging_hub.labelling.charts import progress_chart, progress_svg
from imaging_hub.labelling.codes import Code, CommonCode, check_code, common_codes, find_common
from imaging_hub.labelling.dicom_seg import make_segmentation, segment_mask
from imaging_hub.labelling.dicom_sr import make_report
from imaging_hub.labelling.errors import LabellingError, NotFound, Refused
from imaging_hub.labelling.export import FINAL_FILE, LABELS_FOLDER, MANIFEST_FILE, READS_FILE
from imaging_hub.labelling.import_csv import parse_reads_csv
from imaging_hub.labelling.model import (
    Assignment,
    Cohort,
    CohortStudy,
    Labels,
    Read,
    Task,
    TaskSpec,
)
from imaging_hub.labelling.progress import Progress
from imaging_hub.labelling.room import LabellingRoom
from imaging_hub.labelling.schema import LabelSchema, parse_schema
from imaging_hub.labelling.segmentation import Consensus, PairAgreement, pairwise, staple
from imaging_hub.labelling.viewer_seg import segment_labels

__all__ = [
    "FINAL_FILE", "LABELS_FOLDER", "MANIFEST_FILE", "READS_FILE", "Actor", "Assignment", "AuditEntry", "AuditSink",
    "Code", "Cohort", "CohortStudy", "CommonCode", "Consensus", "FinalLabels", "KappaEstimate", "LabelSchema",
    "LabellingError", "LabellingRoom", "Labels", "NotFound", "PairAgreement", "Progress", "Read", "Refused", "Task",
    "TaskSpec", "carry_project", "check_code", "cohen", "common_codes", "disagreement", "find_common", "fleiss",
    "make_report", "make_segmentation", "no_audit", "pairwise", "parse_reads_csv", "parse_schema", "part10",
    "progress_chart", "progress_svg", "segment_labels", "segment_mask", "staple", "store_label",
]
