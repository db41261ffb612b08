"""validation.json and monitor.json stay valid JSON when a figure cannot be estimated: such a figure is written
as null, never as -Infinity or an error (a full-suite run once failed writing -inf from a run's validation)."""

from __future__ import annotations

import json
import math

from imaging_hub.assurance import json_document


def test_non_finite_figures_are_null() -> None:
    document = {"a": -math.inf, "b": [1.0, math.nan, {"c": math.inf}], "d": 2, "e": "text"}
    assert json.loads(json_document(document)) == {"a": None, "b": [1.0, None, {"c": None}], "d": 2, "e": "text"}



def test_a_figure_reads_a_dash_where_it_could_not_be_estimated() -> None:
    from imaging_hub.assurance import described

    assert described({"estimate": 0.8123, "ci": [0.7, 0.9]}) == "0.812 (0.700 to 0.900)"
    assert described({"estimate": 0.5, "ci": [None, None]}) == "0.500 (- to -)"
    assert described({"estimate": None, "ci": [None, None]}) == "-"
