"""The plain-language summary for patients and the public that ends every report."""

from __future__ import annotations

from typing import Any


def _per100(estimate: dict[str, Any]) -> str:
    low, high = estimate["ci"]
    return f"about {round(100 * estimate['estimate'])} (likely between {round(100 * low)} and {round(100 * high)})"


def validation_summary(result: dict[str, Any]) -> list[str]:
    sites = len(result["sites"])
    paragraphs = [
        f"We checked how well a computer program (an AI tool) does its job on {result['n']} scans from "
        f"{result['patients']} people at {sites} hospital{'s' if sites != 1 else ''}. The tool had not seen "
        "these scans before. Doctors had already decided which scans showed the condition, so we could compare.",
        f"Out of every 100 people who had the condition, the tool flagged {_per100(result['sensitivity'])}. "
        f"Out of every 100 people who did not, it correctly did not flag {_per100(result['specificity'])}.",
    ]
    pooled = result["pooled"]
    if pooled.get("i2") is not None:
        paragraphs.append(
            "Results differed between hospitals more than chance would explain." if pooled["i2"] > 0.5 else
            "Results were broadly similar between hospitals.")
    flagged = sorted({f"{column} ({level})" for column, data in result["subgroups"]["columns"].items()
                      for level, info in data["levels"].items()
                      if info.get("differences") and any(d.get("significant") for d in info["differences"].values())})
    if flagged:
        paragraphs.append("The tool worked differently for some groups of people: " + ", ".join(flagged)
                          + ". This needs a closer look before the tool is relied on for them.")
    elif result["subgroups"]["columns"]:
        paragraphs.append("We found no clear difference between the groups of people we could compare; "
                          "small groups could not be judged.")
    paragraphs.append("A tool like this helps staff; it does not replace them. A clinician still reads every scan.")
    return paragraphs


def monitoring_summary(doc: dict[str, Any]) -> list[str]:
    alarms = doc["alarms"]
    paragraphs = [
        f"After the AI tool went into use we kept checking it, case by case: {doc['rows']} cases so far, "
        f"{doc['labelled']} of them with a doctor's final answer to compare against.",
        f"At first the tool disagreed with the doctors on about {round(100 * doc['baseline']['error_rate'])} "
        "cases in every 100. We watch for that number rising, and for changes in the scanners and software the "
        "scans come from, which can make a tool less reliable.",
    ]
    if alarms:
        paragraphs.append(f"The checks raised {len(alarms)} warning{'s' if len(alarms) != 1 else ''}. A person "
                          "now looks into what changed before the tool is trusted as before.")
    else:
        paragraphs.append("Nothing has changed enough to raise a warning.")
    paragraphs.append("A tool like this helps staff; it does not replace them. A clinician still reads every scan.")
    return paragraphs
