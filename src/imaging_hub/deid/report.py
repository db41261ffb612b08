"""The per-run de-identification report: JSON for machines, HTML (Jinja2) for people.

Instances are named by their output path (new UIDs) or, when nothing was written, by their path
relative to the input folder; the report is written beside the output folder, never inside it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


@dataclass
class RunReport:
    profile: str
    key_fingerprint: str
    workers: int = 1
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    elapsed_s: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    quarantined: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)

    def add(self, status: str, source: str, output: str, reason: str, actions: dict[str, int],
            review: list[str]) -> None:
        self.counts[status] += 1
        self.actions.update(actions)
        if status == "quarantined":
            self.quarantined.append({"source": source, "reason": reason})
        elif status == "failed":
            self.failed.append({"source": source, "reason": reason})
        elif status == "skipped":
            self.skipped.append({"source": source, "reason": reason})
        if review:
            self.review.append({"output": output, "notes": review})

    @property
    def ok(self) -> bool:
        return not self.quarantined and not self.failed

    @property
    def instances_per_second(self) -> float:
        return self.counts["deidentified"] / self.elapsed_s if self.elapsed_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "key_fingerprint": self.key_fingerprint,
            "workers": self.workers,
            "started": self.started,
            "elapsed_s": round(self.elapsed_s, 3),
            "counts": {k: self.counts[k] for k in ("deidentified", "quarantined", "failed", "skipped")},
            "actions": dict(sorted(self.actions.items())),
            "quarantined": self.quarantined,
            "failed": self.failed,
            "skipped": self.skipped,
            "review": self.review,
        }

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write ``deid-report.json`` and ``deid-report.html`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        data = self.as_dict()
        json_path = folder / "deid-report.json"
        json_path.write_text(json.dumps(data, indent=2), "utf-8")
        env = Environment(loader=PackageLoader("imaging_hub.deid", "templates"),
                          autoescape=select_autoescape(["html"]))
        html_path = folder / "deid-report.html"
        html_path.write_text(env.get_template("report.html").render(report=data), "utf-8")
        return json_path, html_path
