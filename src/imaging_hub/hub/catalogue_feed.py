"""The network catalogue filled from the hub's released snapshots, without re-keying.

Each snapshot becomes a ``hub_snapshot`` entry: its project and version, the sites that contributed, the
modalities and body parts read from one stored header per series, the study and participant counts, the
acquisition dates, and the agreement it was released under. Counts that could reveal a small cell (a site with
1-9 studies, governance's rule) are withheld from the entry, which anyone may read and harvest.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from pydicom import dcmread

from imaging_hub.governance import AuditRecord, Governance, Principal, is_small
from imaging_hub.network.catalogue import Catalogue, CatalogueEntry, EntryKind
from imaging_hub.store import Archive

_NOT_KEY = re.compile(r"[^a-z0-9-]+")


def snapshot_key(project: str, version: int) -> str:
    return f"hub-{_NOT_KEY.sub('-', project.lower()).strip('-') or 'project'}-v{version}"


def _series_facts(archive: Archive, study_uid: str, series_uid: str) -> tuple[str, str, date | None, str]:
    """Modality, body part, acquisition date and the participant's pseudonym, from one stored header."""
    stored = archive.instances(study_uid, series_uid)
    if not stored:
        return "", "", None, ""
    header = dcmread(
        stored[0].path,
        stop_before_pixels=True,
        specific_tags=["Modality", "BodyPartExamined", "StudyDate", "PatientID"],
    )
    raw = str(header.get("StudyDate") or "")
    try:
        day = datetime.strptime(raw, "%Y%m%d").date() if raw else None
    except ValueError:
        day = None
    return (
        str(header.get("Modality") or ""),
        str(header.get("BodyPartExamined") or ""),
        day,
        str(header.get("PatientID") or stored[0].patient_id or ""),
    )


def catalogue_snapshots(
    gov: Governance, archive: Archive, catalogue: Catalogue, publisher: str, actor: Principal
) -> list[str]:
    """Put an entry for every snapshot ``actor`` may see (replacing the one with its key); returns the keys.
    The listing is audited as the actor's; the entry itself carries no participant-level value."""
    entries: list[CatalogueEntry] = []
    for snapshot in gov.snapshots.visible(actor, None):
        items = gov.snapshots.items(snapshot)
        series = {(i.study_instance_uid, i.series_instance_uid) for i in items}
        facts = [_series_facts(archive, study, one) for study, one in sorted(series)]
        studies_per_site = Counter({site: n for site, n in gov.snapshots.studies_per_site(snapshot).items()})
        participants = {f[3] for f in facts if f[3]}
        small = any(is_small(n) for n in studies_per_site.values()) or is_small(len(participants))
        days = sorted(f[2] for f in facts if f[2])
        project = snapshot.project
        agreement = snapshot.agreement
        entry = CatalogueEntry(
            key=snapshot_key(project.code, snapshot.version),
            kind=EntryKind.HUB_SNAPSHOT,
            title=f"{project.title} ({project.code} v{snapshot.version})",
            description=snapshot.description or f"Released snapshot {snapshot.version} of {project.code}.",
            publisher=publisher,
            modalities=tuple(sorted({f[0] for f in facts if f[0]})),
            body_parts=tuple(sorted({f[1].upper() for f in facts if f[1]})),
            sites=tuple(sorted(studies_per_site)),
            keywords=(project.code,),
            terms=(
                f"Released under data-sharing agreement {agreement.reference}; permitted data: "
                f"{agreement.permitted_data}. Access by application to the network."
            ),
            participants=None if small else len(participants),
            studies=None if small else sum(studies_per_site.values()),
            instances=None if small else snapshot.instance_count,
            start=days[0] if days else None,
            end=days[-1] if days else None,
        )
        entries.append(entry)
    put_entries(catalogue, entries, gov, actor)
    return [e.key for e in entries]


def put_entries(catalogue: Catalogue, entries: Sequence[CatalogueEntry], gov: Governance, actor: Principal) -> None:
    """Put each entry (replacing the one with its key), each recorded in the audit trail as the actor's."""
    for entry in entries:
        catalogue.put(entry)
        gov.audit.record(AuditRecord(actor=actor.audit_name, actor_kind=actor.via, address=actor.address,
                                     action="catalogue.entry.put", entity_type="catalogue_entry", entity_id=entry.key,
                                     outcome="success", detail={"kind": entry.kind.value}))
