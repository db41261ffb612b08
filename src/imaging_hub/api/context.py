"""What every route needs from the running app: the archive, the audit hook and limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

from imaging_hub.api.access import AccessHook, AccessScope

if TYPE_CHECKING:
    from imaging_hub.store import Archive, StoredInstance

DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024**3


@dataclass
class HubContext:
    archive: Archive
    on_access: AccessHook
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    public_url: str | None = None  # where clients reach the hub; None: from each request's Host

    def audit(self, action: str, scope: AccessScope, uids: Sequence[str], outcome: str,
              new: Sequence[str] = ()) -> None:
        self.on_access(action, scope.principal, list(uids), outcome, list(new))

    def visible(self, instances: Sequence[StoredInstance], scope: AccessScope) -> list[StoredInstance]:
        return [i for i in instances if scope.allows(i.clinical_trial_protocol_id)]


def hub_context(request: Request) -> HubContext:
    context: HubContext = request.app.state.hub
    return context


def dicomweb_base(request: Request) -> str:
    """Absolute URL of the DICOMweb root, for RetrieveURL and BulkDataURI values."""
    public = hub_context(request).public_url
    return (public or str(request.base_url)).rstrip("/") + "/dicom-web"
