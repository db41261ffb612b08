"""Which projects' data a principal may reach right now. The rule the whole hub enforces:

reading a project's imaging needs a project role that reads data *and* a data-sharing agreement in force
between the network and the person's organisation naming that project; sending data in needs a site data
manager role at a site taking part (or project lead), and no agreement, because nothing leaves the hub.
A closed project is neither read nor written, whatever the roles and agreements.

Labels are the one exception to "site roles write": a person who labels a project (annotator or lead) and may
read it right now may store *label objects* (SEG, SR) for a study the archive already holds in that project, and
nothing else. A label made in a viewer seldom names its project, so it takes its study's (``label_project``).
"""

from __future__ import annotations

from imaging_hub.governance.agreement_register import AgreementRegister
from imaging_hub.governance.errors import Forbidden
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.projects import Projects
from imaging_hub.governance.roles import DATA_READ_ROLES, LABELLING_ROLES, SITE_ROLES, Role, Scope

# The label objects a labelling role may store: Segmentation, and the SR classes readers' reports are made in.
LABEL_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.66.4",  # Segmentation Storage
        "1.2.840.10008.5.1.4.1.1.88.22",  # Enhanced SR
        "1.2.840.10008.5.1.4.1.1.88.33",  # Comprehensive SR
        "1.2.840.10008.5.1.4.1.1.88.34",  # Comprehensive 3D SR (labelling.dicom_sr, TID 1500)
    }
)


class LabelRefused(Forbidden):
    """Why a label object may not be stored by a labelling role (names no identifiable value)."""


def label_project(sop_class_uid: str, named: str, study_projects: frozenset[str], labelling: frozenset[str]) -> str:
    """The project a label object from a labelling role is stored under, or ``LabelRefused``.

    ``named``: the object's own ClinicalTrialProtocolID ("" when absent); ``study_projects``: the projects the
    archive holds its study in; ``labelling``: the caller's ``labelling_projects``.
    """
    if sop_class_uid not in LABEL_SOP_CLASSES:
        raise LabelRefused("a labelling role may store only label objects (SEG, SR)")
    if not study_projects:
        raise LabelRefused("a label must be of a study the archive holds")
    if len(study_projects) != 1:
        raise LabelRefused("the labelled study is held in more than one project")
    [project] = study_projects
    if project not in labelling:
        raise LabelRefused("the labelled study belongs to a project outside the caller's scope")
    if named and named != project:
        raise LabelRefused("the label names another project than its study's")
    return project


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

    def labelling_projects(self, principal: Principal) -> frozenset[str]:
        """Projects whose studies the principal may store labels for: a labelling role, and reading them now."""
        if not principal.may(Scope.DICOM_WRITE):
            return frozenset()
        return self.readable_projects(principal) & principal.projects_with(LABELLING_ROLES)

    def may_read(self, principal: Principal, project_code: str) -> bool:
        return project_code in self.readable_projects(principal)
