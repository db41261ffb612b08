"""Which reporting-guideline items (CLAIM 2024, TRIPOD+AI, STARD-AI) the platform filled and which a person must
write. Items are named by topic, shared by the three checklists; the platform fills only what the data show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FILLED, PARTLY, PERSON = "filled by the platform", "partly filled", "a person must write"


@dataclass(frozen=True)
class ReportingItem:
    topic: str
    guidelines: str
    status: str
    content: str


def reporting_items(result: dict[str, Any], source: dict[str, Any]) -> list[ReportingItem]:
    sites = result["sites"]
    subgroup_columns = list(result["subgroups"]["columns"])
    demographics = "; ".join(
        f"{column}: " + ", ".join(f"{level} {info['n']}" for level, info in data["levels"].items())
        for column, data in result["subgroups"]["columns"].items()
    )
    both = "CLAIM, TRIPOD+AI, STARD-AI"
    return [
        ReportingItem("Data sources", both, FILLED,
                      f"{source['name']} (sha256 {source['sha256'][:16]}...), {result['n']} cases from "
                      f"{result['patients']} patients"),
        ReportingItem("Study sites and setting", both, PARTLY,
                      f"{len(sites)} sites: " + ", ".join(f"{k} (n={v['n']})" for k, v in sites.items())
                      + ". The care setting of each site must be described."),
        ReportingItem("Eligibility criteria and recruitment dates", both, PERSON, ""),
        ReportingItem("De-identification", "CLAIM", PERSON,
                      "Imported from a CSV; a validation run on a governed snapshot records its profile."),
        ReportingItem("Reference standard", both, PARTLY,
                      f"'label' column: {result['positives']} positive, {result['negatives']} negative. "
                      "How and by whom the reference was established must be written."),
        ReportingItem("Data partitions", "CLAIM, TRIPOD+AI", FILLED,
                      "Every case is in the external test partition; none was used to train or tune the tool."),
        ReportingItem("Participant characteristics (demographics)", both,
                      FILLED if subgroup_columns else PERSON, demographics or "no subgroup columns supplied"),
        ReportingItem("Index test: the AI tool, version and operating threshold", both, PARTLY,
                      f"threshold {result['threshold']}; name, version and intended use come from the tool register"),
        ReportingItem("Performance with uncertainty", both, FILLED,
                      "AUC (DeLong), sensitivity, specificity, PPV, NPV (Wilson), per site and pooled"),
        ReportingItem("Calibration", "TRIPOD+AI", FILLED, "calibration slope and intercept, calibration curve"),
        ReportingItem("Fairness: performance across subgroups", "TRIPOD+AI, CLAIM",
                      FILLED if subgroup_columns else PERSON,
                      f"columns {', '.join(subgroup_columns)}; {result['subgroups']['multiplicity']['method']} "
                      "correction" if subgroup_columns else ""),
        ReportingItem("Missing data and how it was handled", both, PARTLY,
                      "subgroup values left empty are counted as the level 'missing'"),
        ReportingItem("Sample size", both, PERSON, ""),
        ReportingItem("Intended use and place in the clinical pathway", both, PERSON, ""),
        ReportingItem("Analysis of errors and failure cases", "CLAIM, STARD-AI", PERSON, ""),
        ReportingItem("Patient and public involvement", "TRIPOD+AI", PERSON, ""),
        ReportingItem("Funding, conflicts of interest, registration, protocol", both, PERSON, ""),
        ReportingItem("Code and software", "CLAIM, TRIPOD+AI", FILLED, f"Imaging Hub {source['software']}"),
    ]
