"""Governance HTTP API at /api/governance: sites, organisations, people and roles, projects and cohort counts,
data-sharing agreements and their decisions, snapshots and their export. The domain decides who may do what;
these routes parse, call it and answer."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import StreamingResponse

from imaging_hub.api.body_limits import GOVERNANCE_MAX_BYTES
from imaging_hub.api.governance.auth import HttpAuth
from imaging_hub.api.governance.errors import ERROR_RESPONSES, GovernanceRoute
from imaging_hub.api.governance.models import (
    MAX_ID,
    AgreementIn,
    AgreementOut,
    Attestation,
    CohortCount,
    Decision,
    GrantIn,
    MembershipOut,
    OrganisationIn,
    OrganisationOut,
    PersonIn,
    PersonOut,
    ProjectIn,
    ProjectOut,
    ProjectUpdate,
    SiteIn,
    SiteOut,
    SnapshotIn,
    SnapshotOut,
)
from imaging_hub.api.governance.views import agreement_out, person_out, project_out, snapshot_out
from imaging_hub.governance import (
    ArchiveSource,
    Governance,
    Principal,
    Project,
    cohort_cells,
    project_phases,
    sees_exact_counts,
)

PREFIX = "/api/governance"
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]  # a row's id in a path: a 30-digit one is a 422, not a 500


def governance_router(gov: Governance, source: ArchiveSource) -> APIRouter:
    auth = HttpAuth(gov)
    router = APIRouter(
        prefix=PREFIX,
        tags=["governance"],
        route_class=GovernanceRoute,
        responses=ERROR_RESPONSES,
        max_body_size=GOVERNANCE_MAX_BYTES,
    )
    caller = Depends(auth.require)

    # Sites and organisations -----------------------------------------------------------------------------
    @router.get("/sites", response_model=list[SiteOut])
    def list_sites(who: Principal = caller) -> list[SiteOut]:
        return [SiteOut(id=s.id, ods_code=s.ods_code, name=s.name) for s in gov.directory.sites(who)]

    @router.post("/sites", response_model=SiteOut, status_code=201)
    def create_site(body: SiteIn, who: Principal = caller) -> SiteOut:
        site = gov.directory.create_site(who, body.ods_code, body.name)
        return SiteOut(id=site.id, ods_code=site.ods_code, name=site.name)

    @router.get("/organisations", response_model=list[OrganisationOut])
    def list_organisations(who: Principal = caller) -> list[OrganisationOut]:
        return [
            OrganisationOut(id=o.id, name=o.name, kind=o.kind, ods_code=o.ods_code)
            for o in gov.directory.organisations(who)
        ]

    @router.post("/organisations", response_model=OrganisationOut, status_code=201)
    def create_organisation(body: OrganisationIn, who: Principal = caller) -> OrganisationOut:
        o = gov.directory.create_organisation(who, body.name, body.kind, body.ods_code)
        return OrganisationOut(id=o.id, name=o.name, kind=o.kind, ods_code=o.ods_code)

    # People and roles ------------------------------------------------------------------------------------
    @router.get("/people", response_model=list[PersonOut])
    def list_people(who: Principal = caller) -> list[PersonOut]:
        return [person_out(p) for p in gov.directory.people(who)]

    @router.post("/people", response_model=PersonOut, status_code=201)
    def create_person(body: PersonIn, who: Principal = caller) -> PersonOut:
        person = gov.directory.create_person(who, body.email, body.display_name, body.organisation_id, body.password)
        return person_out(person)

    @router.post("/people/{person_id}/roles", response_model=MembershipOut, status_code=201)
    def grant_role(person_id: RowId, body: GrantIn, who: Principal = caller) -> MembershipOut:
        m = gov.directory.grant(who, person_id, body.role.value, body.project, body.site)
        return MembershipOut(id=m.id, role=m.role, project=body.project, site=body.site)

    @router.delete("/roles/{membership_id}", status_code=204)
    def revoke_role(membership_id: RowId, who: Principal = caller) -> Response:
        gov.directory.revoke(who, membership_id)
        return Response(status_code=204)

    # Projects --------------------------------------------------------------------------------------------
    def shown(projects: list[Project]) -> list[ProjectOut]:
        phases = project_phases(gov, source, projects)
        return [project_out(p, phases[p.code]) for p in projects]

    @router.get("/projects", response_model=list[ProjectOut])
    def list_projects(who: Principal = caller) -> list[ProjectOut]:
        return shown(gov.projects.visible(who))

    @router.post("/projects", response_model=ProjectOut, status_code=201)
    def create_project(body: ProjectIn, who: Principal = caller) -> ProjectOut:
        project = gov.projects.create(
            who,
            body.code,
            body.title,
            iras_number=body.iras_number,
            cpms_number=body.cpms_number,
            lead_id=body.lead_id,
            deid_profile=body.deid_profile,
            site_codes=body.sites,
        )
        return shown([project])[0]

    @router.get("/projects/{code}", response_model=ProjectOut)
    def view_project(code: str, who: Principal = caller) -> ProjectOut:
        return shown([gov.projects.view(who, code)])[0]

    @router.patch("/projects/{code}", response_model=ProjectOut)
    def update_project(code: str, body: ProjectUpdate, who: Principal = caller) -> ProjectOut:
        gov.projects.view(who, code)
        project = gov.projects.update(who, code, title=body.title, status=body.status, site_codes=body.sites)
        return shown([project])[0]

    @router.get("/projects/{code}/cohort", response_model=list[CohortCount])
    def cohort(code: str, who: Principal = caller) -> list[CohortCount]:
        """Studies and instances per site; counts under 10 shown as "<10" to roles below project lead."""
        gov.projects.view(who, code)
        cells = cohort_cells(source.count_by_site(code), sees_exact_counts(who, code))
        return [CohortCount(site=site, studies=studies, instances=instances) for site, studies, instances in cells]

    # Agreements ------------------------------------------------------------------------------------------
    @router.get("/agreements", response_model=list[AgreementOut])
    def list_agreements(who: Principal = caller) -> list[AgreementOut]:
        return [agreement_out(a, gov.clock()) for a in gov.agreements.visible(who)]

    @router.post("/agreements", response_model=AgreementOut, status_code=201)
    def create_agreement(body: AgreementIn, who: Principal = caller) -> AgreementOut:
        agreement = gov.agreements.create(
            who,
            body.reference,
            body.organisation_id,
            body.projects,
            body.purpose,
            body.permitted_data,
            body.starts_at,
            body.ends_at,
            body.conditions,
        )
        return agreement_out(agreement, gov.clock())

    @router.get("/agreements/{reference}", response_model=AgreementOut)
    def view_agreement(reference: str, who: Principal = caller) -> AgreementOut:
        return agreement_out(gov.agreements.view(who, reference), gov.clock())

    @router.post("/agreements/{reference}/decisions", response_model=AgreementOut)
    def decide(reference: str, body: Decision, who: Principal = caller) -> AgreementOut:
        if body.decision == "terminate":
            agreement = gov.agreements.terminate(who, reference, body.reason, body.at)
        else:
            agreement = gov.agreements.decide(who, reference, body.decision, body.reason)
        return agreement_out(agreement, gov.clock())

    @router.post("/agreements/{reference}/deletion-attestation", response_model=AgreementOut)
    def attest(reference: str, body: Attestation, who: Principal = caller) -> AgreementOut:
        return agreement_out(gov.agreements.attest_deletion(who, reference, body.attested_by), gov.clock())

    # Snapshots and exports -------------------------------------------------------------------------------
    @router.get("/projects/{code}/snapshots", response_model=list[SnapshotOut])
    def list_snapshots(code: str, who: Principal = caller) -> list[SnapshotOut]:
        gov.projects.view(who, code)
        return [snapshot_out(s, gov.snapshots.instance_count_shown(who, s)) for s in gov.snapshots.visible(who, code)]

    @router.post("/projects/{code}/snapshots", response_model=SnapshotOut, status_code=201)
    def create_snapshot(code: str, body: SnapshotIn, who: Principal = caller) -> SnapshotOut:
        gov.projects.view(who, code)
        return snapshot_out(gov.snapshots.create(who, code, body.agreement, source, body.description))

    @router.get("/projects/{code}/snapshots/{version}")
    def snapshot_manifest(code: str, version: RowId, who: Principal = caller) -> dict[str, object]:
        return gov.snapshots.manifest(gov.snapshots.view(who, code, version), who)

    @router.get(
        "/projects/{code}/snapshots/{version}/export",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/zip": {}}}},
    )
    def export_snapshot(code: str, version: RowId, who: Principal = caller) -> StreamingResponse:
        """The snapshot as a zip of DICOM files and a manifest with checksums, under an agreement in force."""
        gov.snapshots.view(who, code, version)
        gov.exports.check(who, code, version)
        spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _drain after streaming
        gov.exports.write_zip(who, code, version, source, spool)
        spool.seek(0)
        return StreamingResponse(
            _drain(spool),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{code}-v{version}.zip"'},
        )

    return router


def _drain(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(1 << 20):
            yield chunk
    finally:
        spool.close()
