"""The hub's HTTP face: ``create_app`` (DICOMweb at /dicom-web) and the governance seam.

Public surface: ``create_app``, ``AccessScope``, ``current_scope``, ``AccessHook``, ``DICOMWEB_ROOT``.
"""

from imaging_hub.api.access import AccessHook, AccessScope, current_scope
from imaging_hub.api.app import DICOMWEB_ROOT, create_app

__all__ = ["DICOMWEB_ROOT", "AccessHook", "AccessScope", "create_app", "current_scope"]
