"""The whole hub as one object: archive, governance, the HTTP app and the DICOM SCP, opened and closed together.

``imaging-hub serve`` runs it; tests and the demo can too. Governance is on unless the settings ask for
``open_access`` (an isolated test rig or benchmark), in which case every caller is unrestricted.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from fastapi import FastAPI

from imaging_hub.api.app import create_app
from imaging_hub.api.context import DEFAULT_MAX_UPLOAD_BYTES
from imaging_hub.api.governed_app import PageRouters, create_governed_app
from imaging_hub.api.spoke_routes import spoke_router
from imaging_hub.config import HubSettings
from imaging_hub.dimse import DicomServer, Peer, quiet_reactors
from imaging_hub.events import EventBus
from imaging_hub.governance import DimseScopes, Governance
from imaging_hub.hub import ArchiveForDicom, HubRoom
from imaging_hub.store import Archive


class Hub:
    """Open with ``Hub(settings)``; ``app`` is the ASGI app, ``dicom`` the started SCP; ``close()`` ends both.

    ``pages``: the web face mounted on a governed hub (``imaging_hub.web.web_face()``).
    ``events`` is the bus every instance stored or removed (any path) and every study completed is published
    on; a domain package subscribes to it (see ``imaging_hub.events``).
    """

    def __init__(
        self, settings: HubSettings, *, extra_peers: Sequence[Peer] = (),
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, pages: PageRouters | None = None,
    ) -> None:
        self.settings = settings
        peers = [Peer.parse(text) for text in settings.peers] + list(extra_peers)
        self.events = EventBus()
        self.archive = Archive.open(settings.data, settings.database, events=self.events)
        self.governance: Governance | None = None
        try:
            if settings.open_access:
                self.app: FastAPI = create_app(
                    self.archive, extra_routers=[spoke_router(HubRoom.open(self.archive))],
                    max_upload_bytes=max_upload_bytes)
                scope_for = None
            else:
                # Governance lives in the same database as the index, in its own tables and migrations.
                self.governance = Governance.open_hub(settings)
                self.governance.settle_stored(self.archive)  # before serving: nothing can be in flight
                self.app = create_governed_app(self.archive, self.governance, pages=pages,
                                               max_upload_bytes=max_upload_bytes)
                scope_for = DimseScopes(self.governance)
            if settings.dicom_quiet_reactors:
                quiet_reactors()
            self.dicom = DicomServer(ArchiveForDicom(self.archive), ae_title=settings.ae_title,
                                     host=settings.host, port=settings.dicom_port, peers=peers, scope_for=scope_for,
                                     max_associations_per_peer=settings.dicom_max_associations_per_peer,
                                     idle_timeout=settings.dicom_idle_timeout,
                                     require_called_ae_title=settings.dicom_require_called_ae_title)
            self.dicom.start()
        except BaseException:
            self._close_stores()
            raise

    def close(self) -> None:
        self.dicom.stop()
        self._close_stores()

    def _close_stores(self) -> None:
        if self.governance is not None:
            self.governance.close()
        self.archive.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
