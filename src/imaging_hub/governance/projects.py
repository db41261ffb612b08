"""Projects (research studies): who may see them, who defines them, which sites take part."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from imaging_hub.governance.context import Context
from imaging_hub.governance.errors import InvalidInput, NotFound
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import PROJECT_ROLES, SITE_ROLES, Role, Scope
from imaging_hub.governance.tables import Project, Site

PROJECT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
PROJECT_STATUSES = ("setup", "open", "closed")


class Projects:
    def __init__(self, context: Context) -> None:
        self._c = context

    def create(
        self,
        actor: Principal,
        code: str,
        title: str,
        *,
        iras_number: str | None = None,
        cpms_number: str | None = None,
        lead_id: int | None = None,
        deid_profile: str = "research",
        site_codes: list[str] | None = None,
    ) -> Project:
        self._c.require(
            actor.is_administrator and actor.may(Scope.GOVERNANCE_WRITE), actor, "project.create", "project", code
        )
        if not PROJECT_CODE.match(code):
            raise InvalidInput("project code must be 2-64 letters, digits, '.', '_' or '-'")
        if not title.strip():
            raise InvalidInput("project title must not be empty")
        with self._c.transaction() as session:
            project = Project(
                code=code,
                title=title.strip(),
                iras_number=iras_number or None,
                cpms_number=cpms_number or None,
                lead_id=lead_id,
                deid_profile=deid_profile,
                status="setup",
                created_at=self._c.clock(),
            )
            project.sites = _sites(session, site_codes or [])
            session.add(project)
            try:
                session.flush()
            except IntegrityError:
                raise InvalidInput(f"a project with code {code} already exists") from None
        self._c.record(actor, "project.create", "project", code, project=code)
        return self.get(code)

    def update(
        self,
        actor: Principal,
        code: str,
        *,
        title: str | None = None,
        status: str | None = None,
        site_codes: list[str] | None = None,
        deid_profile: str | None = None,
    ) -> Project:
        self._c.require(self.may_define(actor, code), actor, "project.update", "project", code)
        if status is not None and status not in PROJECT_STATUSES:
            raise InvalidInput(f"project status must be one of {list(PROJECT_STATUSES)}")
        if site_codes is not None and not actor.is_administrator:
            # A lead may narrow the sites sending data; only the network (which holds each site's agreement to
            # take part) may widen them, or a lead could make any trust a sender into their project.
            added = set(site_codes) - {s.ods_code for s in self.get(code).sites}
            self._c.require(not added, actor, "project.add_site", "project", code)
        with self._c.transaction() as session:
            project = session.scalar(select(Project).where(Project.code == code))
            if project is None:
                raise NotFound(f"no project {code}")
            if title is not None:
                if not title.strip():
                    raise InvalidInput("project title must not be empty")
                project.title = title.strip()
            if status is not None:
                project.status = status
            if deid_profile is not None:
                project.deid_profile = deid_profile
            if site_codes is not None:
                project.sites = _sites(session, site_codes)
        self._c.record(actor, "project.update", "project", code, project=code)
        return self.get(code)

    def may_see(self, actor: Principal, code: str) -> bool:
        return actor.may(Scope.GOVERNANCE_READ) and (
            actor.is_administrator
            or actor.is_auditor
            or actor.holds_any(PROJECT_ROLES, code)
            or self._site_takes_part(actor, code)
        )

    def may_define(self, actor: Principal, code: str) -> bool:
        return actor.may(Scope.GOVERNANCE_WRITE) and (actor.is_administrator or actor.holds(Role.PROJECT_LEAD, code))

    def visible(self, actor: Principal) -> list[Project]:
        self._c.require(actor.may(Scope.GOVERNANCE_READ), actor, "project.list", "project", "*")
        with self._c.reading() as session:
            projects = list(session.scalars(select(Project).order_by(Project.code)))
        shown = [p for p in projects if self.may_see(actor, p.code)]
        self._c.record(actor, "project.list", "project", "*", detail={"count": len(shown)})
        return shown

    def view(self, actor: Principal, code: str) -> Project:
        project = self.get(code)  # NotFound first: unknown and unseen answer alike to outsiders
        if not self.may_see(actor, code):
            self._c.record(actor, "project.view", "project", code, project=code, outcome="denied")
            raise NotFound(f"no project {code}")
        self._c.record(actor, "project.view", "project", code, project=code)
        return project

    def get(self, code: str) -> Project:
        with self._c.reading() as session:
            project = session.scalar(select(Project).where(Project.code == code))
        if project is None:
            raise NotFound(f"no project {code}")
        return project

    def codes_at_sites(self, site_codes: frozenset[str]) -> frozenset[str]:
        """Projects that any of these sites takes part in."""
        if not site_codes:
            return frozenset()
        with self._c.reading() as session:
            rows = session.scalars(select(Project.code).join(Project.sites).where(Site.ods_code.in_(site_codes)))
            return frozenset(rows)

    def closed(self) -> frozenset[str]:
        """Projects that are closed: no data goes in or comes out."""
        with self._c.reading() as session:
            return frozenset(session.scalars(select(Project.code).where(Project.status == "closed")))

    def _site_takes_part(self, actor: Principal, code: str) -> bool:
        sites = actor.sites_with(SITE_ROLES)
        return bool(sites) and code in self.codes_at_sites(sites)


def _sites(session: Session, codes: list[str]) -> list[Site]:
    sites = list(session.scalars(select(Site).where(Site.ods_code.in_(codes))))
    unknown = sorted(set(codes) - {s.ods_code for s in sites})
    if unknown:
        raise NotFound(f"no site with ODS code {', '.join(unknown)}")
    return sites
