"""Sites, organisations, people and the roles they hold."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from imaging_hub.governance.context import Context
from imaging_hub.governance.errors import InvalidInput, NotFound
from imaging_hub.governance.passwords import hash_password
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import NETWORK_ROLES, PROJECT_ROLES, SITE_ROLES, Role, Scope
from imaging_hub.governance.tables import Membership, Organisation, Person, Project, Site

ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ORGANISATION_KINDS = frozenset({"nhs_trust", "university", "company", "network", "charity"})
# Roles a project lead may hand out inside their own project.
LEAD_GRANTABLE = frozenset({Role.RESEARCHER, Role.ANNOTATOR})


class Directory:
    def __init__(self, context: Context) -> None:
        self._c = context

    # Sites ---------------------------------------------------------------------------------------------------
    def create_site(self, actor: Principal, ods_code: str, name: str) -> Site:
        self._c.require(_admin_write(actor), actor, "site.create", "site", ods_code)
        if not ODS_CODE.match(ods_code):
            raise InvalidInput("ODS code must be 3-10 capital letters or digits")
        if not name.strip():
            raise InvalidInput("site name must not be empty")
        site = Site(ods_code=ods_code, name=name.strip())
        self._add(site, f"a site with ODS code {ods_code} already exists")
        self._c.record(actor, "site.create", "site", ods_code)
        return site

    def sites(self, actor: Principal) -> list[Site]:
        self._c.require(actor.may(Scope.GOVERNANCE_READ), actor, "site.list", "site", "*")
        with self._c.reading() as session:
            return list(session.scalars(select(Site).order_by(Site.ods_code)))

    def site(self, ods_code: str) -> Site:
        with self._c.reading() as session:
            site = session.scalar(select(Site).where(Site.ods_code == ods_code))
        if site is None:
            raise NotFound(f"no site with ODS code {ods_code}")
        return site

    # Organisations -------------------------------------------------------------------------------------------
    def create_organisation(self, actor: Principal, name: str, kind: str, ods_code: str | None = None) -> Organisation:
        self._c.require(_admin_write(actor), actor, "organisation.create", "organisation", name)
        if kind not in ORGANISATION_KINDS:
            raise InvalidInput(f"organisation kind must be one of {sorted(ORGANISATION_KINDS)}")
        if not name.strip():
            raise InvalidInput("organisation name must not be empty")
        organisation = Organisation(name=name.strip(), kind=kind, ods_code=ods_code or None)
        self._add(organisation, f"an organisation named {name!r} already exists")
        self._c.record(actor, "organisation.create", "organisation", organisation.id)
        return organisation

    def organisations(self, actor: Principal) -> list[Organisation]:
        self._c.require(actor.may(Scope.GOVERNANCE_READ), actor, "organisation.list", "organisation", "*")
        with self._c.reading() as session:
            return list(session.scalars(select(Organisation).order_by(Organisation.name)))

    def organisation(self, organisation_id: int) -> Organisation:
        with self._c.reading() as session:
            organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise NotFound(f"no organisation {organisation_id}")
        return organisation

    # People --------------------------------------------------------------------------------------------------
    def create_person(
        self,
        actor: Principal,
        email: str,
        display_name: str,
        organisation_id: int,
        password: str | None = None,
    ) -> Person:
        self._c.require(_admin_write(actor), actor, "person.create", "person", "new")
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise InvalidInput("email address is not valid")
        if not display_name.strip():
            raise InvalidInput("display name must not be empty")
        self.organisation(organisation_id)
        person = Person(
            email=email,
            display_name=display_name.strip(),
            organisation_id=organisation_id,
            password_hash=hash_password(password, email=email, name=display_name) if password else None,
            active=True,
            created_at=self._c.clock(),
        )
        self._add(person, "a person with that email address already exists")
        self._c.record(actor, "person.create", "person", person.id)
        return self.person(person.id)

    def set_password(self, actor: Principal, person_id: int, password: str) -> None:
        self._c.require(
            _admin_write(actor) or actor.person_id == person_id, actor, "person.password", "person", person_id
        )
        with self._c.reading() as session:
            known = session.get(Person, person_id)
        if known is None:
            raise NotFound(f"no person {person_id}")
        new_hash = hash_password(password, email=known.email, name=known.display_name)
        with self._c.transaction() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound(f"no person {person_id}")
            person.password_hash = new_hash
        self._c.record(actor, "person.password", "person", person_id)

    def deactivate(self, actor: Principal, person_id: int) -> None:
        self._c.require(_admin_write(actor), actor, "person.deactivate", "person", person_id)
        with self._c.transaction() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound(f"no person {person_id}")
            person.active = False
        self._c.record(actor, "person.deactivate", "person", person_id)

    def people(self, actor: Principal) -> list[Person]:
        """Everyone for administrators and auditors; a project lead also sees their projects' members."""
        self._c.require(actor.may(Scope.GOVERNANCE_READ), actor, "person.list", "person", "*")
        with self._c.reading() as session:
            query = select(Person).order_by(Person.display_name)
            if not (actor.is_administrator or actor.is_auditor):
                led = actor.projects_with(frozenset({Role.PROJECT_LEAD}))
                members = (
                    select(Membership.person_id)
                    .join(Project, Membership.project_id == Project.id)
                    .where(Project.code.in_(led))
                )
                query = query.where((Person.id == actor.person_id) | Person.id.in_(members))
            people = list(session.scalars(query).unique())
        self._c.record(actor, "person.list", "person", "*", detail={"count": len(people)})
        return people

    def person(self, person_id: int) -> Person:
        with self._c.reading() as session:
            person = session.get(Person, person_id)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person

    def person_by_email(self, email: str) -> Person | None:
        with self._c.reading() as session:
            return session.scalar(select(Person).where(Person.email == email.strip().lower()))

    # Roles ---------------------------------------------------------------------------------------------------
    def grant(
        self,
        actor: Principal,
        person_id: int,
        role: str,
        project_code: str | None = None,
        site_code: str | None = None,
    ) -> Membership:
        try:
            granted = Role(role)
        except ValueError:
            raise InvalidInput(f"unknown role {role!r}; roles are {[r.value for r in Role]}") from None
        allowed = _admin_write(actor) or (
            granted in LEAD_GRANTABLE
            and project_code is not None
            and actor.holds(Role.PROJECT_LEAD, project_code)
            and actor.may(Scope.GOVERNANCE_WRITE)
        )
        self._c.require(allowed, actor, "membership.create", "person", person_id)
        if granted in NETWORK_ROLES and (project_code or site_code):
            raise InvalidInput(f"{granted.value} is a network-wide role: give no project or site")
        if granted in PROJECT_ROLES and (not project_code or site_code):
            raise InvalidInput(f"{granted.value} is held in a project: give a project and no site")
        if granted in SITE_ROLES and (not site_code or project_code):
            raise InvalidInput(f"{granted.value} is held at a site: give a site and no project")
        self.person(person_id)
        with self._c.transaction() as session:
            project_id = _project_id(session, project_code) if project_code else None
            site = session.scalar(select(Site).where(Site.ods_code == site_code)) if site_code else None
            if site_code and site is None:
                raise NotFound(f"no site with ODS code {site_code}")
            membership = Membership(
                person_id=person_id, role=granted.value, project_id=project_id, site_id=site.id if site else None
            )
            session.add(membership)
            try:
                session.flush()
            except IntegrityError:
                raise InvalidInput("that person already holds that role there") from None
        self._c.record(
            actor,
            "membership.create",
            "person",
            person_id,
            project=project_code or "",
            detail={"role": granted.value, "site": site_code or ""},
        )
        return membership

    def revoke(self, actor: Principal, membership_id: int) -> None:
        with self._c.reading() as session:
            membership = session.get(Membership, membership_id)
            if membership is None:
                raise NotFound(f"no membership {membership_id}")
            project_code = membership.project.code if membership.project else None
        allowed = _admin_write(actor) or (
            project_code is not None
            and Role(membership.role) in LEAD_GRANTABLE
            and actor.holds(Role.PROJECT_LEAD, project_code)
            and actor.may(Scope.GOVERNANCE_WRITE)
        )
        self._c.require(allowed, actor, "membership.delete", "membership", membership_id)
        with self._c.transaction() as session:
            row = session.get(Membership, membership_id)
            if row is not None:
                session.delete(row)
        self._c.record(
            actor,
            "membership.delete",
            "person",
            membership.person_id,
            project=project_code or "",
            detail={"role": membership.role},
        )

    def _add(self, obj: object, duplicate: str) -> None:
        try:
            with self._c.transaction() as session:
                session.add(obj)
        except IntegrityError:
            raise InvalidInput(duplicate) from None


def _admin_write(actor: Principal) -> bool:
    return actor.is_administrator and actor.may(Scope.GOVERNANCE_WRITE)


def _project_id(session: Session, code: str) -> int:
    project_id = session.scalar(select(Project.id).where(Project.code == code))
    if project_id is None:
        raise NotFound(f"no project {code}")
    return project_id
