"""Assessing one series from its files: conformance (when a protocol is given) and image QC, as a QC record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from imaging_hub.quality.conformance import check_series, header_metrics
from imaging_hub.quality.dose import header_dose, is_dose_report, report_dose
from imaging_hub.quality.folder import SeriesFiles
from imaging_hub.quality.image_qc import measure_series
from imaging_hub.quality.protocol import AcquisitionProtocol
from imaging_hub.quality.results import Metrics, QcRecord, SeriesConformance
from imaging_hub.quality.volume import PixelsError


def assess_series(files: SeriesFiles, protocol: AcquisitionProtocol | None, site: str | None = None) -> QcRecord:
    headers = [dcmread(path) for path in files.paths]
    first = headers[0]
    if is_dose_report(first):  # a dose report is no acquisition: it carries the study's dose, nothing to conform
        conformance = SeriesConformance(files.series_instance_uid, None, (), report_dose(first))
    else:
        conformance = check_series(headers, protocol, site=site) if protocol is not None else _metrics_only(headers)
        extra = attribute_values(first)
        if str(first.get("Modality", "")) == "CT":
            extra.update(header_dose(headers, conformance.metrics.get("coverage_mm")))
        conformance = replace(conformance, metrics={**conformance.metrics, **extra})
    return QcRecord(
        series_instance_uid=files.series_instance_uid,
        content_hash=files.content_hash,
        study_instance_uid=files.study_instance_uid,
        modality=str(first.get("Modality", "")),
        site=site or (str(first.get("ClinicalTrialSiteID", "")) or None),
        scanner=scanner_of(first),
        instances=len(headers),
        conformance=conformance,
        protocol=protocol_label(protocol),
        acquired=str(first.get("SeriesDate") or first.get("StudyDate") or "") or None,
        participant=str(first.get("PatientID", "")) or None,
        timepoint=str(first.get("ClinicalTrialTimePointID") or first.get("StudyDate") or "") or None,
    )


# Acquisition attributes kept with the metrics, so their distributions can be compared across sites.
KEY_ATTRIBUTES = {"SliceThickness": "slice_thickness_mm", "KVP": "kvp", "RepetitionTime": "repetition_time_ms",
                  "EchoTime": "echo_time_ms", "MagneticFieldStrength": "field_strength_t"}


def attribute_values(ds: Dataset) -> Metrics:
    found: Metrics = {}
    for keyword, name in KEY_ATTRIBUTES.items():
        value = ds.get(keyword)
        try:
            found[name] = float(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            found[name] = None  # not a single number (a wrong VR or a multi-value): left out of the charts
    return {k: v for k, v in found.items() if v is not None}


def protocol_label(protocol: AcquisitionProtocol | None) -> str | None:
    """How a record names the protocol it was checked against: name and version."""
    return f"{protocol.name} {protocol.version}" if protocol is not None else None


def scanner_of(ds: Dataset) -> dict[str, str]:
    """The scanner as far as the (de-identified) data still says: manufacturer, model, serial, software."""
    found = {
        "manufacturer": ds.get("Manufacturer"),
        "model": ds.get("ManufacturerModelName"),
        "serial": ds.get("DeviceSerialNumber"),
        "software": ds.get("SoftwareVersions"),
    }
    return {k: "\\".join(map(str, v)) if isinstance(v, MultiValue) else str(v) for k, v in found.items() if v}


def _metrics_only(headers: Sequence[Dataset]) -> SeriesConformance:
    metrics = header_metrics(headers)
    not_checked: tuple[str, ...] = ()
    try:
        metrics.update(measure_series(headers))
    except PixelsError as exc:
        not_checked = (f"image metrics: {exc}",)
    return SeriesConformance(str(headers[0].get("SeriesInstanceUID", "")), None, (), metrics, (), not_checked)
