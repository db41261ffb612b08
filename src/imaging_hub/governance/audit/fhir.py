"""Audit entries as FHIR R4 AuditEvent resources (and a Bundle of them) for export to other systems."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from imaging_hub.governance.tables import AuditEntry

_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
_OUTCOME = {"success": "0", "failed": "8", "denied": "4", "error": "8"}  # FHIR: success, serious failure, minor failure
# DICOM audit message event IDs (PS3.15 A.5) for what the hub does.
_EVENT_TYPE = {
    "dicom": ("110106", "Export"),  # overridden per verb below
    "session": ("110114", "User Authentication"),
    "token": ("110114", "User Authentication"),
    "export": ("110106", "Export"),
}
_DICOM_VERB_EVENT = {
    "read": ("110103", "DICOM Instances Accessed"),
    "search": ("110112", "Query"),
    "write": ("110104", "DICOM Instances Transferred"),
    "delete": ("110105", "DICOM Study Deleted"),
}


def _action_code(action: str) -> str:
    verb = action.rsplit(".", 1)[-1]
    if verb in {"create", "write", "add"}:
        return "C"
    if verb in {"read", "view", "list", "download"}:
        return "R"
    if verb in {"delete", "remove", "revoke"}:
        return "D"
    if verb in {"search", "login", "logout", "export", "verify"}:
        return "E"
    return "U"


def _event_type(action: str) -> dict[str, str]:
    family, _, verb = action.partition(".")
    if family == "dicom" and verb in _DICOM_VERB_EVENT:
        code, display = _DICOM_VERB_EVENT[verb]
    elif family in _EVENT_TYPE:
        code, display = _EVENT_TYPE[family]
    else:
        return {"system": _AUDIT_TYPE, "code": "rest", "display": "RESTful Operation"}
    return {"system": _DCM, "code": code, "display": display}


def to_fhir_audit_event(entry: AuditEntry) -> dict[str, Any]:
    detail = json.loads(entry.detail) if entry.detail else {}
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"imaging-hub-audit-{entry.seq}",
        "type": _event_type(entry.action),
        "subtype": [{"system": "urn:imaging-hub:audit-action", "code": entry.action}],
        "action": _action_code(entry.action),
        "recorded": entry.recorded_at.isoformat().replace("+00:00", "Z"),
        "outcome": _OUTCOME.get(entry.outcome, "8"),
        "outcomeDesc": entry.outcome,
        "agent": [
            {
                "type": {"text": entry.actor_kind},
                "who": {"display": entry.actor},
                "requestor": True,
                **({"network": {"address": entry.address, "type": "2"}} if entry.address else {}),
            }
        ],
        "source": {"site": "Imaging Hub", "observer": {"display": "Imaging Hub"}},
        "entity": [
            {
                "what": {"identifier": {"system": f"urn:imaging-hub:{entry.entity_type}", "value": entry.entity_id}},
                "type": {"system": "urn:imaging-hub:entity-type", "code": entry.entity_type},
                "detail": [
                    {"type": "chain-seq", "valueString": str(entry.seq)},
                    {"type": "chain-prev-hash", "valueString": entry.prev_hash},
                    {"type": "chain-hash", "valueString": entry.entry_hash},
                    *({"type": key, "valueString": str(value)} for key, value in sorted(detail.items())),
                ],
            }
        ],
    }
    if entry.purpose:
        event["purposeOfEvent"] = [{"text": entry.purpose}]
    if entry.project:
        event["entity"].append({"what": {"identifier": {"system": "urn:imaging-hub:project", "value": entry.project}}})
    return event


def to_fhir_bundle(entries: Iterable[AuditEntry]) -> dict[str, Any]:
    resources = [to_fhir_audit_event(entry) for entry in entries]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "total": len(resources),
        "entry": [{"resource": r} for r in resources],
    }
