"""Send each alarm to a configured webhook as a JSON POST."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx


def send_alarms(url: str, alarms: Sequence[dict[str, Any]], source: str, timeout: float = 10.0
                ) -> dict[str, Any]:
    """Every alarm is tried; the result lists those that failed with the reason, so none is silently lost."""
    failed = []
    with httpx.Client(timeout=timeout) as client:
        for alarm in alarms:
            try:
                response = client.post(url, json={"source": source, **alarm})
                response.raise_for_status()
            except httpx.HTTPError as exc:
                failed.append({"index": alarm["index"], "method": alarm["method"], "reason": type(exc).__name__})
    return {"url": url, "sent": len(alarms) - len(failed), "failed": failed}
