"""The hub's HTTP face: ``create_app`` (DICOMweb at /dicom-web) and the governance seam.

Public surface:

- ``create_app``, ``AccessScope``, ``current_scope``, ``AccessHook``, ``DICOMWEB_ROOT``: DICOMweb alone.
- ``create_governed_app`` (``PageRouters``: the pages another face mounts on it) and ``Hub``: the governed hub.
- For the web face: ``PAGE_POLICY`` (its Content-Security-Policy), ``SIGN_IN_MAX_BYTES``,
  ``SESSION_COOKIE``, ``client_address``, ``set_session_cookie``, ``may_read_audit``; ``network_actor`` and
  ``network_audit`` (the network room's caller and its audit sink into governance).
"""

from imaging_hub.api.access import AccessHook, AccessScope, current_scope
from imaging_hub.api.app import DICOMWEB_ROOT, create_app
from imaging_hub.api.body_limits import SIGN_IN_MAX_BYTES
from imaging_hub.api.governance.admin import may_read_audit, set_session_cookie
from imaging_hub.api.governance.auth import SESSION_COOKIE, client_address
from imaging_hub.api.governed_app import PageRouters, create_governed_app
from imaging_hub.api.hub import Hub
from imaging_hub.api.network_routes import network_actor, network_audit
from imaging_hub.api.security_headers import PAGE_POLICY

__all__ = [
    "DICOMWEB_ROOT",
    "PAGE_POLICY",
    "SESSION_COOKIE",
    "SIGN_IN_MAX_BYTES",
    "AccessHook",
    "AccessScope",
    "Hub",
    "PageRouters",
    "client_address",
    "create_app",
    "create_governed_app",
    "current_scope",
    "may_read_audit",
    "network_actor",
    "network_audit",
    "set_session_cookie",
]
