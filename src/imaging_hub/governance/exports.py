"""Exporting a snapshot: a zip of its DICOM files plus a manifest with checksums, only under an agreement in force.

Every file is hashed while it is copied; a file that no longer matches the snapshot stops the export.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from typing import IO

from imaging_hub.governance.agreement_register import AgreementRegister
from imaging_hub.governance.authority import DataAuthority
from imaging_hub.governance.context import Context
from imaging_hub.governance.errors import Forbidden, GovernanceError
from imaging_hub.governance.instances import InstanceSource
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import Scope
from imaging_hub.governance.snapshots import Snapshots

_CHUNK = 1 << 20


class ExportIntegrityError(GovernanceError):
    """An archived file no longer matches the hash its snapshot recorded."""


class Exports:
    def __init__(
        self, context: Context, snapshots: Snapshots, agreements: AgreementRegister, authority: DataAuthority
    ) -> None:
        self._c = context
        self._snapshots = snapshots
        self._agreements = agreements
        self._authority = authority

    def check(self, actor: Principal, project_code: str, version: int) -> None:
        """Refuse unless the caller may read the project now and the snapshot's agreement is still in force."""
        entity = f"{project_code}/v{version}"
        snapshot = self._snapshots.get(project_code, version)
        release = snapshot.agreement
        in_force = release.id in {a.id for a in self._agreements.in_force(release.organisation_id, project_code)}
        allowed = (
            actor.may(Scope.EXPORT)
            and self._authority.may_read(actor, project_code)
            and in_force
            and release.organisation_id == actor.organisation_id
        )
        if not allowed:
            self._c.record(actor, "export.download", "snapshot", entity, project=project_code, outcome="denied")
            raise Forbidden("export needs a data-sharing agreement in force for this project and your organisation")

    def write_zip(
        self, actor: Principal, project_code: str, version: int, source: InstanceSource, out: IO[bytes]
    ) -> int:
        """Write the export to ``out``; returns the number of instances. Call ``check`` first."""
        self.check(actor, project_code, version)
        snapshot = self._snapshots.get(project_code, version)
        manifest = self._snapshots.manifest(snapshot)
        entity = f"{project_code}/v{version}"
        try:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for item in manifest["instances"]:
                    ref = source.instance(item["sop_instance_uid"])
                    if ref is None:
                        raise ExportIntegrityError(f"instance {item['sop_instance_uid']} is no longer in the archive")
                    folder = f"dicom/{item['study_instance_uid']}/{item['series_instance_uid']}"
                    name = f"{folder}/{item['sop_instance_uid']}.dcm"
                    digest = hashlib.sha256()
                    with ref.path.open("rb") as src, archive.open(name, "w", force_zip64=True) as dst:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            dst.write(chunk)
                    if digest.hexdigest() != item["sha256"]:
                        raise ExportIntegrityError(
                            f"instance {item['sop_instance_uid']} no longer matches its snapshot checksum"
                        )
                    item["path"] = name
                archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        except ExportIntegrityError as exc:
            self._c.record(
                actor,
                "export.download",
                "snapshot",
                entity,
                project=project_code,
                outcome="failed",
                detail={"reason": str(exc)},
            )
            raise
        self._c.record(
            actor,
            "export.download",
            "snapshot",
            entity,
            project=project_code,
            purpose="export",
            detail={"instances": len(manifest["instances"]), "manifest": snapshot.manifest_sha256},
        )
        return len(manifest["instances"])
