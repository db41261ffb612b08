"""The spoke's HTTPS client for its hub: STOW-RS, reconciliation and withdrawal, with the per-spoke bearer
token and certificate checking always on (a CA bundle may be given for a private network CA)."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import httpx

from imaging_hub.dicomweb import (
    OutgoingPart,
    StowResponse,
    content_type_header,
    encode,
    encoded_length,
    new_boundary,
    parse_stow_response,
)
from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.delivery.heartbeat import SpokeHeartbeat
from imaging_hub.spoke.delivery.reconciliation import ReconciliationAnswer, ReconciliationReport
from imaging_hub.spoke.participants.withdrawal import WithdrawalAnswer, WithdrawalRequest
from imaging_hub.spoke.settings import HubLink

RECONCILIATION_PATH = "/spokes/reconciliation"
WITHDRAWALS_PATH = "/spokes/withdrawals"
HEARTBEAT_PATH = "/spokes/heartbeat"
STOW_PATH = "/dicom-web/studies"

_DICOM = "application/dicom"
_RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class HubUnavailable(ImagingHubError):
    """The hub cannot take anything right now (down, overloaded, refusing our token): retry later."""


class HubRejected(ImagingHubError):
    """The hub refused this request as such (4xx other than auth and throttling)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class HubClient:
    def __init__(self, link: HubLink) -> None:
        # Certificate checking is always on; a CA bundle only adds the network's own CA.
        verify: Any = ssl.create_default_context(cafile=str(link.ca_bundle)) if link.ca_bundle is not None else True
        self._client = httpx.Client(
            base_url=link.url.rstrip("/"),
            verify=verify,
            timeout=httpx.Timeout(link.timeout_s, connect=min(10.0, link.timeout_s)),
            headers={"Authorization": f"Bearer {link.bearer_token()}", "User-Agent": "imaging-hub-spoke"},
        )
        self.answered = 0  # requests the hub has answered (not refused for the token, not asked to retry)

    def close(self) -> None:
        self._client.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise HubUnavailable(f"hub unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (401, 403):
            raise HubUnavailable(f"hub refused the spoke's token (HTTP {response.status_code})")
        if response.status_code in _RETRYABLE:
            raise HubUnavailable(f"hub answered HTTP {response.status_code}")
        self.answered += 1
        return response

    def stow(self, paths: list[Path]) -> StowResponse:
        # Sent with Content-Length: the hub can refuse an oversized request before reading it, and each file
        # goes out as it is read, where chunked encoding would copy it once more to frame it.
        boundary = new_boundary()
        parts = [OutgoingPart(_DICOM, path=path) for path in paths]
        response = self._send(
            "POST", STOW_PATH, content=encode(parts, boundary),
            headers={"Content-Type": content_type_header(_DICOM, boundary),
                     "Content-Length": str(encoded_length(parts, boundary)), "Accept": "application/dicom+json"},
        )
        if response.status_code in (200, 202, 409):
            try:
                return parse_stow_response(response.json())
            except (ValueError, json.JSONDecodeError) as exc:
                if response.status_code == 409:
                    raise HubRejected(409, "every instance failed and the response was not DICOM JSON") from exc
                raise HubUnavailable(f"hub's STOW-RS response could not be read: {exc}") from exc
        raise HubRejected(response.status_code, response.text[:300])

    def reconcile(self, report: ReconciliationReport) -> ReconciliationAnswer:
        response = self._send("POST", RECONCILIATION_PATH, json=report.model_dump(mode="json"))
        if response.status_code != 200:
            raise HubRejected(response.status_code, response.text[:300])
        return ReconciliationAnswer.model_validate(response.json())

    def beat(self, heartbeat: SpokeHeartbeat) -> None:
        response = self._send("POST", HEARTBEAT_PATH, json=heartbeat.model_dump(mode="json"))
        if response.status_code != 204:
            raise HubRejected(response.status_code, response.text[:300])

    def withdraw(self, request: WithdrawalRequest) -> WithdrawalAnswer:
        response = self._send("POST", WITHDRAWALS_PATH, json=request.model_dump(mode="json"))
        if response.status_code != 200:
            raise HubRejected(response.status_code, response.text[:300])
        return WithdrawalAnswer.model_validate(response.json())
