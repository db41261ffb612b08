"""Quality: acquisition-protocol conformance and image QC of series, offline, per study and over an archive.

- ``load_protocol`` / ``parse_protocol``: a versioned acquisition protocol from TOML (``ProtocolError`` names
  the file, the series and the field when it is wrong); ``example_protocol.toml`` shows every field.
- ``check_series(headers, protocol)``: pure; a series' datasets (pixels optional) in, its conformance out.
  ``check_study`` adds the required series a study lacks.
- ``measure_series``: image QC metrics from the pixels; ``find_outliers`` among many series' records.
- ``scan_folder`` + ``check_folder``: the offline check of a folder (``iter_files``: the files it reads);
  ``run_quality_jobs``: QC over many series on Dask, resumable through a ``ResultLog``; ``QcRecord`` is the
  stored result of one series.
- At the hub: ``QualityRoom.open(archive.database.writer)`` keeps each project's protocol versions and each
  series' latest result (its own tables and migration chain); ``QualitySubscriber(archive, room).start()``
  assesses series as they arrive (live events wake it, the durable change feed drives it, so a restart misses
  nothing); ``run_project``: a whole project on demand; ``QualitySettings``: ``[quality]`` / environment.
- ``instance_rules``: the per-instance part of a protocol, for a spoke's checks before delivery.
- ``study_qc_status(engine, project, study_uids)``: each study's QC status (``StudyQc``) for the study browser.
- Across sites and time: ``quality_overview`` (conformance per site and scanner, drift alerts by
  Mann-Whitney U with Holm's correction, research dose per participant and timepoint against the project's
  constraint and the UKHSA national DRLs) and its SVG charts.
"""

from imaging_hub.cluster import ClusterChoice
from imaging_hub.quality.assess import assess_series
from imaging_hub.quality.charts import box_plots, conformance_chart, dose_chart, drift_chart, drl_chart
from imaging_hub.quality.conformance import check_series, check_study, header_metrics, missing_series
from imaging_hub.quality.drift import DRIFT_METRICS, DriftTest, drift_tests
from imaging_hub.quality.drl import DRL_SOURCE, NATIONAL_CT_DRLS, ReferenceLevel
from imaging_hub.quality.errors import ProtocolError
from imaging_hub.quality.folder import FolderScan, SeriesFiles, SkippedFile, iter_files, scan_folder
from imaging_hub.quality.hub_runs import run_project
from imaging_hub.quality.image_qc import IMAGE_METRICS, measure_series
from imaging_hub.quality.jobs import ResultSink, RunSummary, run_quality_jobs
from imaging_hub.quality.offline import FolderReport, check_folder
from imaging_hub.quality.outliers import Outlier, find_outliers, robust_z
from imaging_hub.quality.overview import QualityOverview, Rate, quality_overview
from imaging_hub.quality.per_instance import InstanceRule, instance_rules
from imaging_hub.quality.protocol import (
    AcquisitionProtocol,
    Approval,
    AttributeRule,
    DoseConstraint,
    ExpectedSeries,
    GeometryRules,
    ImageRules,
    Recognition,
    SiteDeviation,
)
from imaging_hub.quality.protocol_file import load_protocol, parse_protocol
from imaging_hub.quality.research_dose import DrlComparison, ParticipantDose
from imaging_hub.quality.result_log import ResultLog
from imaging_hub.quality.results import (
    AppliedDeviation,
    Metrics,
    Problem,
    QcRecord,
    SeriesConformance,
    StudyConformance,
)
from imaging_hub.quality.room import QualityRoom, StoredProtocol, StudyQc, study_qc_status
from imaging_hub.quality.settings import QualitySettings
from imaging_hub.quality.subscriber import QualitySubscriber
from imaging_hub.quality.volume import PixelsError

__all__ = [
    "DRIFT_METRICS",
    "DRL_SOURCE",
    "IMAGE_METRICS",
    "NATIONAL_CT_DRLS",
    "AcquisitionProtocol",
    "AppliedDeviation",
    "Approval",
    "AttributeRule",
    "ClusterChoice",
    "DoseConstraint",
    "DriftTest",
    "DrlComparison",
    "ExpectedSeries",
    "FolderReport",
    "FolderScan",
    "GeometryRules",
    "ImageRules",
    "InstanceRule",
    "Metrics",
    "Outlier",
    "ParticipantDose",
    "PixelsError",
    "Problem",
    "ProtocolError",
    "QcRecord",
    "QualityOverview",
    "QualityRoom",
    "QualitySettings",
    "QualitySubscriber",
    "Rate",
    "Recognition",
    "ReferenceLevel",
    "ResultLog",
    "ResultSink",
    "RunSummary",
    "SeriesConformance",
    "SeriesFiles",
    "SiteDeviation",
    "SkippedFile",
    "StoredProtocol",
    "StudyConformance",
    "StudyQc",
    "assess_series",
    "box_plots",
    "check_folder",
    "check_series",
    "check_study",
    "conformance_chart",
    "dose_chart",
    "drift_chart",
    "drift_tests",
    "drl_chart",
    "find_outliers",
    "header_metrics",
    "instance_rules",
    "iter_files",
    "load_protocol",
    "measure_series",
    "missing_series",
    "parse_protocol",
    "quality_overview",
    "robust_z",
    "run_project",
    "run_quality_jobs",
    "scan_folder",
    "study_qc_status",
]
