"""The hub's web pages: server-rendered Jinja2 + htmx in the NHS design system (assets served locally).

Public surface: ``web_router(gov, source)`` - sign in, projects, sites, people and roles, agreements (with
those expiring soon), snapshots and the audit trail - and ``assets_router()`` for the design system files.
"""

from imaging_hub.web.assets import assets_router
from imaging_hub.web.pages import web_router

__all__ = ["assets_router", "web_router"]
