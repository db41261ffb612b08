"""Which projects' data a principal may reach right now. The rule the whole hub enforces:

reading a project's imaging needs a project role that reads data *and* a data-sharing agreement in force
between the network and the person's organisation naming that project; sending data in needs a site data
manager role at a site taking part (or project lead), and no agreement, because nothing leaves the hub.
A closed project is neither read nor written, whatever the roles and agreements.
"""

from __future__ import annotations

from imaging_hub.governance.agreement_register import AgreementRegister
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.projects import Projects
from imaging_hub.governance.roles import DATA_READ_ROLES, SITE_ROLES, Role, Scope


class DataAuthority:
    def __init__(self, agreements: AgreementRegister, projects: Projects) -> None:
        self._agreements = agreements
        self._projects = projects

    def readable_projects(self, principal: Principal) -> frozenset[str]:
        if not principal.may(Scope.DICOM_READ):
            return frozenset()
        with_role = principal.projects_with(DATA_READ_ROLES)
        if not with_role:
            return frozenset()
        return (with_role & self._agreements.covered_projects(principal.organisation_id)) - self._projects.closed()

    def writable_projects(self, principal: Principal) -> frozenset[str]:
        if not principal.may(Scope.DICOM_WRITE):
            return frozenset()
        led = principal.projects_with(frozenset({Role.PROJECT_LEAD}))
        return (led | self._projects.codes_at_sites(principal.sites_with(SITE_ROLES))) - self._projects.closed()

    def may_read(self, principal: Principal, project_code: str) -> bool:
        return project_code in self.readable_projects(principal)
