"""What governance needs from the archive: a project's instances with content hashes, and their bytes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class InstanceRef:
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    sha256: str
    size: int
    path: Path
    site: str | None = None


class InstanceSource(Protocol):
    def project_instances(self, project_code: str) -> Iterable[InstanceRef]: ...

    def instance(self, sop_instance_uid: str) -> InstanceRef | None: ...
