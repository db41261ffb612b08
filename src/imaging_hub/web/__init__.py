"""The hub's web pages: server-rendered Jinja2 + htmx in the NHS design system (assets served locally).

Public surface: ``web_face(OidcSettings)`` - everything below, as the ``pages`` a governed hub mounts
(``imaging_hub.api.create_governed_app(..., pages=web_face())``) - and its parts: ``web_router(gov, source)``
(sign in, projects, sites, people and roles, agreements with those expiring soon, snapshots and the audit
trail; one module per page in ``web.pages``), ``assets_router()`` for the design system files and
``oidc_router(gov, OidcSettings)`` for signing in through an identity provider (``/auth/oidc/...``).
``reader_studies(gov, archive, labelling_room)``: the hub's reader studies with the assurance room's audit written to
governance's trail (the pages' own, and for scripts and tests).
Apart from the hub: ``spoke_review_app(data_dir, reviewer, secret)``, the review page a spoke serves itself.
"""

from imaging_hub.web.assets import assets_router
from imaging_hub.web.assurance_readers import reader_studies
from imaging_hub.web.face import web_face
from imaging_hub.web.oidc_routes import oidc_router
from imaging_hub.web.oidc_settings import OidcSettings
from imaging_hub.web.pages import web_router
from imaging_hub.web.spoke_review import spoke_review_app

__all__ = [
    "OidcSettings", "assets_router", "oidc_router", "reader_studies", "spoke_review_app", "web_face", "web_router",
]
