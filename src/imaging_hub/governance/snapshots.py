"""Dataset snapshots: immutable, versioned lists of a project's instances with their content hashes.

The only thing an export or an AI validation may use. Each names the agreement it was released under; its
manifest hash covers every item, so any later change to the list is detectable.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from imaging_hub.governance.agreement_register import AgreementRegister
from imaging_hub.governance.context import Context
from imaging_hub.governance.errors import InvalidInput, InvalidTransition, NotFound
from imaging_hub.governance.instances import InstanceSource
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.projects import Projects
from imaging_hub.governance.roles import Role, Scope
from imaging_hub.governance.suppression import sees_exact_counts, total_shown
from imaging_hub.governance.tables import Snapshot, SnapshotItem


class Snapshots:
    def __init__(self, context: Context, projects: Projects, agreements: AgreementRegister) -> None:
        self._c = context
        self._projects = projects
        self._agreements = agreements

    def create(
        self,
        actor: Principal,
        project_code: str,
        agreement_reference: str,
        source: InstanceSource,
        description: str = "",
    ) -> Snapshot:
        allowed = actor.holds(Role.PROJECT_LEAD, project_code) and actor.may(Scope.GOVERNANCE_WRITE)
        self._c.require(allowed, actor, "snapshot.create", "project", project_code)
        project = self._projects.get(project_code)
        agreement = self._agreements.get(agreement_reference)
        if project_code not in {p.code for p in agreement.projects}:
            raise InvalidInput(f"agreement {agreement_reference} does not cover project {project_code}")
        if agreement.id not in {a.id for a in self._agreements.in_force(agreement.organisation_id, project_code)}:
            raise InvalidTransition(f"agreement {agreement_reference} is not in force; no snapshot can be released")
        items = sorted(source.project_instances(project_code), key=lambda i: i.sop_instance_uid)
        if not items:
            raise InvalidInput(f"project {project_code} has no instances to snapshot")
        now = self._c.clock()
        for _attempt in range(5):  # two leads releasing at once: the loser takes the next version
            try:
                with self._c.transaction() as session:
                    version = 1 + (
                        session.scalar(select(func.max(Snapshot.version)).where(Snapshot.project_id == project.id)) or 0
                    )
                    snapshot = Snapshot(
                        project_id=project.id,
                        version=version,
                        description=description.strip(),
                        agreement_id=agreement.id,
                        created_by_id=actor.person_id,
                        created_at=now,
                        instance_count=len(items),
                        manifest_sha256="",
                    )
                    session.add(snapshot)
                    session.flush()
                    rows = [
                        SnapshotItem(
                            snapshot_id=snapshot.id,
                            sop_instance_uid=i.sop_instance_uid,
                            study_instance_uid=i.study_instance_uid,
                            series_instance_uid=i.series_instance_uid,
                            site=i.site,
                            sha256=i.sha256,
                            size=i.size,
                        )
                        for i in items
                    ]
                    session.add_all(rows)
                    snapshot.manifest_sha256 = manifest_hash(rows)
                break
            except IntegrityError:
                continue
        else:
            raise InvalidTransition(f"could not allocate a snapshot version for {project_code}; try again")
        self._c.record(
            actor,
            "snapshot.create",
            "snapshot",
            f"{project_code}/v{version}",
            project=project_code,
            detail={"instances": len(items), "agreement": agreement_reference, "manifest": snapshot.manifest_sha256},
        )
        return self.get(project_code, version)

    def visible(self, actor: Principal, project_code: str | None = None) -> list[Snapshot]:
        self._c.require(actor.may(Scope.GOVERNANCE_READ), actor, "snapshot.list", "snapshot", project_code or "*")
        with self._c.reading() as session:
            query = select(Snapshot).order_by(Snapshot.project_id, Snapshot.version.desc())
            shown = [
                s
                for s in session.scalars(query).unique()
                if (project_code is None or s.project.code == project_code)
                and self._projects.may_see(actor, s.project.code)
            ]
        self._c.record(actor, "snapshot.list", "snapshot", project_code or "*", project=project_code or "")
        return shown

    def get(self, project_code: str, version: int) -> Snapshot:
        with self._c.reading() as session:
            snapshot = session.scalar(
                select(Snapshot)
                .join(Snapshot.project)
                .where(Snapshot.project.has(code=project_code), Snapshot.version == version)
            )
        if snapshot is None:
            raise NotFound(f"no snapshot {project_code} v{version}")
        return snapshot

    def view(self, actor: Principal, project_code: str, version: int) -> Snapshot:
        snapshot = self.get(project_code, version)
        if not self._projects.may_see(actor, project_code):
            self._c.record(actor, "snapshot.view", "snapshot", f"{project_code}/v{version}", outcome="denied")
            raise NotFound(f"no snapshot {project_code} v{version}")
        self._c.record(actor, "snapshot.view", "snapshot", f"{project_code}/v{version}", project=project_code)
        return snapshot

    def items(self, snapshot: Snapshot) -> list[SnapshotItem]:
        with self._c.reading() as session:
            return list(
                session.scalars(
                    select(SnapshotItem)
                    .where(SnapshotItem.snapshot_id == snapshot.id)
                    .order_by(SnapshotItem.sop_instance_uid)
                )
            )

    def studies_per_site(self, snapshot: Snapshot) -> dict[str, int]:
        """How many studies each site contributed to the snapshot (its cells, for suppression)."""
        with self._c.reading() as session:
            rows = session.execute(
                select(SnapshotItem.site, func.count(func.distinct(SnapshotItem.study_instance_uid)))
                .where(SnapshotItem.snapshot_id == snapshot.id)
                .group_by(SnapshotItem.site)
            ).all()
        return {site or "unknown": int(count) for site, count in rows}

    def instance_count_shown(self, who: Principal, snapshot: Snapshot) -> int | str:
        """The snapshot's instance count as ``who`` may see it (withheld if it would reveal a small cell)."""
        exact = sees_exact_counts(who, snapshot.project.code)
        return total_shown(snapshot.instance_count, {} if exact else self.studies_per_site(snapshot), exact)

    def manifest(self, snapshot: Snapshot, who: Principal | None = None) -> dict[str, Any]:
        """The manifest; with ``who``, its instance count as they may see it (the list itself is the release,
        which only those allowed to view the snapshot receive)."""
        items = self.items(snapshot)
        return {
            "project": snapshot.project.code,
            "version": snapshot.version,
            "description": snapshot.description,
            "agreement": snapshot.agreement.reference,
            "created_at": snapshot.created_at.isoformat(),
            "instance_count": snapshot.instance_count if who is None else self.instance_count_shown(who, snapshot),
            "manifest_sha256": snapshot.manifest_sha256,
            "instances": [
                {
                    "sop_instance_uid": i.sop_instance_uid,
                    "study_instance_uid": i.study_instance_uid,
                    "series_instance_uid": i.series_instance_uid,
                    "site": i.site,
                    "sha256": i.sha256,
                    "size": i.size,
                }
                for i in items
            ],
        }


def manifest_hash(items: list[SnapshotItem]) -> str:
    lines = (
        json.dumps([i.sop_instance_uid, i.study_instance_uid, i.series_instance_uid, i.sha256, i.size])
        for i in sorted(items, key=lambda i: i.sop_instance_uid)
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
