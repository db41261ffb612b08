"""Finding the instances a WADO-RS path names, inside the caller's scope, or answering 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import HTTPException

from imaging_hub.api.access import AccessScope
from imaging_hub.api.context import HubContext

if TYPE_CHECKING:
    from imaging_hub.store import StoredInstance


def scoped_instances(
    context: HubContext,
    scope: AccessScope,
    action: str,
    study: str,
    series: str | None = None,
    instance: str | None = None,
) -> list[StoredInstance]:
    """The stored instances under the path that the scope may see; 404 when there are none.

    Instances outside the scope answer 404 like unknown ones, so a caller cannot probe for them.
    """
    found = context.archive.instances(study, series, instance)
    visible = context.visible(found, scope)
    if not visible:
        context.audit(action, scope, [i.sop_instance_uid for i in found] or [instance or series or study],
                      "denied" if found else "not-found")
        raise HTTPException(404, detail=f"no {_level(series, instance)} {instance or series or study} found")
    return visible


def _level(series: str | None, instance: str | None) -> str:
    return "instance" if instance else "series" if series else "study"
