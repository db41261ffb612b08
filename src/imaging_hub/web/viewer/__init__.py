"""The OHIF viewer (npm ``@ohif/app``, its built ``dist/``) served at ``/viewer/`` against the hub's DICOMweb.

Public surface: ``viewer_router(gov)`` (the viewer's files, its generated ``app-config.js`` and the page for
its routes), ``viewer_url(study_uid)`` (where the study browser opens a study) and ``OhifBundle``.
"""

from imaging_hub.web.viewer.bundle import OhifBundle
from imaging_hub.web.viewer.routes import viewer_router
from imaging_hub.web.viewer_address import VIEWER_ROOT, viewer_url

__all__ = ["VIEWER_ROOT", "OhifBundle", "viewer_router", "viewer_url"]
