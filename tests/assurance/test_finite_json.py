"""validation.json and monitor.json stay valid JSON when a figure cannot be estimated: such a figure is written
as null, never as -Infinity or an error (a full-suite run once failed writing -inf from a run's validation)."""

from __future__ import annotations

import json
import math

from imaging_hub.assurance import json_document


def test_non_finite_figures_are_null() -> None:
    document = {"a": -math.inf, "b": [1.0, math.nan, {"c": math.inf}], "d": 2, "e": "text"}
    assert json.loads(json_document(document)) == {"a": None, "b": [1.0, None, {"c": None}], "d": 2, "e": "text"}

