"""Each configured project's de-identifier, built once from its profile and key."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from imaging_hub.deid import Deidentifier, Profile, ProjectKey
from imaging_hub.spoke.settings import ProjectSettings


def load_profile(spec: str) -> Profile:
    if spec.endswith(".toml") or "/" in spec:
        return Profile.from_toml(Path(spec))
    return Profile.builtin(spec)


class ProjectDeidentifiers:
    def __init__(self, projects: Iterable[ProjectSettings], site_id: str) -> None:
        self._by_project: dict[str, Deidentifier] = {}
        for project in projects:
            self._by_project[project.id] = Deidentifier(
                load_profile(project.profile), ProjectKey.load(project.key_file), project_id=project.id,
                site_id=site_id,
            )

    def __getitem__(self, project_id: str) -> Deidentifier:
        return self._by_project[project_id]

    def study_uid(self, project_id: str, source_study_uid: str) -> str:
        """The study's UID as the hub will know it (keyed, so the same at every site)."""
        return self._by_project[project_id].uid(source_study_uid)
