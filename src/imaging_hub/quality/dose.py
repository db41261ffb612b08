"""CT dose of a series: from a radiation dose structured report when there is one, else from the image headers.

An RDSR (TID 10011) gives each irradiation event's Mean CTDIvol and DLP and the accumulated DLP total. Image
headers give CTDIvol (0018,9345) but no DLP, so the DLP is estimated as CTDIvol x the irradiated length (the
slices' coverage plus one slice), and kept under its own name so a chart never passes an estimate off as a
measurement.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pydicom.dataset import Dataset

from imaging_hub.quality.results import Metrics

XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.67"
ENHANCED_XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.76"
MEAN_CTDIVOL = ("DCM", "113830")
DLP = ("DCM", "113838")
DLP_TOTAL = ("DCM", "113813")


def is_dose_report(ds: Dataset) -> bool:
    return str(ds.get("SOPClassUID", "")) in (XRAY_DOSE_SR, ENHANCED_XRAY_DOSE_SR)


def report_dose(report: Dataset) -> Metrics:
    """``ctdivol_mgy`` (the highest event's) and ``dlp_mgy_cm`` (the total, else the events' sum) of an RDSR."""
    found: dict[tuple[str, str], list[float]] = {MEAN_CTDIVOL: [], DLP: [], DLP_TOTAL: []}
    for code, value in _numeric_items(report):
        if code in found:
            found[code].append(value)
    total = found[DLP_TOTAL][0] if found[DLP_TOTAL] else (sum(found[DLP]) if found[DLP] else None)
    return {"ctdivol_mgy": max(found[MEAN_CTDIVOL]) if found[MEAN_CTDIVOL] else None, "dlp_mgy_cm": total}


def header_dose(headers: Sequence[Dataset], coverage_mm: float | None) -> Metrics:
    """Mean CTDIvol of a CT series' images and the DLP estimated from it; empty when the headers carry none."""
    values = [float(ds.CTDIvol) for ds in headers if ds.get("CTDIvol") not in (None, "")]
    if not values:
        return {}
    ctdivol = sum(values) / len(values)
    thickness = float(headers[0].get("SliceThickness") or 0.0)
    length_cm = ((coverage_mm or 0.0) + thickness) / 10.0
    return {"ctdivol_mgy": ctdivol, "dlp_estimated_mgy_cm": ctdivol * length_cm if length_cm > 0 else None}


def _numeric_items(item: Dataset) -> Iterator[tuple[tuple[str, str], float]]:
    for child in item.get("ContentSequence", []):
        if child.get("ValueType") == "NUM" and child.get("ConceptNameCodeSequence"):
            name = child.ConceptNameCodeSequence[0]
            measured = child.get("MeasuredValueSequence")
            if measured:
                yield (str(name.CodingSchemeDesignator), str(name.CodeValue)), float(measured[0].NumericValue)
        yield from _numeric_items(child)
