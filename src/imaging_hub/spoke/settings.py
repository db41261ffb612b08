"""How a spoke runs: its site, hub link, PACS link and projects. TOML file, environment
(``IMAGING_HUB_SPOKE_*``, nested with ``__``) and flags, flags winning."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from imaging_hub.config import LayeredSettings
from imaging_hub.spoke.acquisition_rule import AcquisitionRule

# Where a PACS may hold a patient's NHS number when it keys patients by a local ID (PS3.3 C.7.1.1):
# the PatientID itself (some trusts key by NHS number), an OtherPatientIDsSequence item, or the retired
# OtherPatientIDs string that many PACS still index. Configured here (``PacsLink.nhs_number_keys``), used by
# ``pacs``.
PatientKey = Literal["PatientID", "OtherPatientIDsSequence", "OtherPatientIDs"]
DEFAULT_SPOKE_DATA = Path("imaging-hub-spoke-data")
NHS_NUMBER_KEYS: tuple[PatientKey, ...] = ("PatientID", "OtherPatientIDsSequence", "OtherPatientIDs")


def default_deid_workers() -> int:
    """De-identification worker processes: two where there are two cores, one on a single core."""
    return min(2, os.cpu_count() or 1)


class OptOutPolicy(StrEnum):
    """Whether the national data opt-out applies to a project, and if not, why not."""

    APPLIES = "applies"
    CONSENT = "consent"  # explicit consent from every participant
    EXEMPTION = "exemption"  # e.g. section 251 support, or another recorded legal exemption


class ProjectSettings(BaseModel):
    model_config = {"extra": "forbid"}

    id: str = Field(min_length=1, max_length=64)
    profile: str = "research"  # a built-in profile name, or a path to a TOML profile
    key_file: Path
    opt_out: OptOutPolicy = OptOutPolicy.APPLIES
    opt_out_basis: str = ""  # required when the opt-out does not apply: the consent or exemption on record
    acquisition_checks: list[AcquisitionRule] = Field(default_factory=list)  # run on each de-identified instance
    # The project's acquisition protocol (the hub's quality TOML): ``imaging-hub spoke`` adds its per-instance
    # attribute rules to the acquisition checks, with this action, before delivery.
    quality_protocol: Path | None = None
    quality_protocol_action: Literal["warn", "hold"] = "warn"

    @model_validator(mode="after")
    def _basis_recorded(self) -> ProjectSettings:
        if self.opt_out is not OptOutPolicy.APPLIES and not self.opt_out_basis.strip():
            raise ValueError(
                f"project {self.id}: opt_out = '{self.opt_out.value}' needs opt_out_basis "
                "(the consent or exemption on record)"
            )
        return self


class HubLink(BaseModel):
    model_config = {"extra": "forbid"}

    url: str = "https://127.0.0.1:8443"
    token: SecretStr | None = None
    token_file: Path | None = None
    ca_bundle: Path | None = None  # None: the system's trust store
    batch_size: int = Field(default=100, ge=1, le=1000)
    batch_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    timeout_s: float = 60.0
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0
    reconcile_interval_s: float = 30.0

    def bearer_token(self) -> str:
        if self.token is not None:
            return self.token.get_secret_value()
        if self.token_file is not None:
            try:
                return self.token_file.read_text().strip()
            except OSError as exc:
                raise ValueError(f"hub token file cannot be read: {self.token_file}") from exc
        raise ValueError("no hub token configured (hub.token or hub.token_file)")


class PacsLink(BaseModel):
    model_config = {"extra": "forbid"}

    kind: Literal["none", "dimse", "dicomweb"] = "none"
    host: str = "127.0.0.1"
    port: int = 104
    ae_title: str = "PACS"
    retrieve: Literal["move", "get"] = "move"
    url: str = ""  # DICOMweb root, e.g. http://pacs/dicom-web
    concurrency: int = Field(default=2, ge=1, le=32)  # studies retrieved at once
    rate: float = Field(default=0.0, ge=0.0)  # instances per second at most; 0 = no limit
    interval_s: float = 0.0  # pull every enrolled participant this often; 0 = on demand only
    # Where to look for a participant enrolled by NHS number only, in this order (the first key that finds
    # studies wins); a key the PACS cannot match on finds nothing (answers not showing the number are ignored).
    nhs_number_keys: list[PatientKey] = Field(default_factory=lambda: list(NHS_NUMBER_KEYS), min_length=1)
    retry_base_s: float = Field(default=5.0, gt=0)  # a failed retrieve is tried again after about this long,
    retry_cap_s: float = Field(default=600.0, gt=0)  # doubling each time up to this


class SpokeSettings(LayeredSettings):
    """``SpokeSettings.load(file, **flags)``: flags > ``IMAGING_HUB_SPOKE_*`` > the TOML file > defaults."""

    model_config = SettingsConfigDict(env_prefix="IMAGING_HUB_SPOKE_", env_nested_delimiter="__", extra="forbid")
    config_what: ClassVar[str] = "spoke configuration file"

    site_id: str = "SITE"
    data: Path = DEFAULT_SPOKE_DATA
    host: str = "127.0.0.1"
    dicom_port: int = 11113
    ae_title: str = "IMAGINGSPOKE"
    min_free_mb: int = 1024  # stop accepting below this much free disk
    opt_out_file: Path | None = None  # reloaded whenever it changes
    intake_fsync: bool = True
    deid_workers: int = Field(default_factory=lambda: default_deid_workers(), ge=0, le=64)  # 0: in the spoke
    # De-identification runs this much nicer than receiving and delivery: a PACS or modality sending to the
    # spoke is answered first, and the work it leaves behind is durable in the intake buffer. Delivery, light
    # (a sixth of de-identification's CPU), keeps up: niced too, it fell behind while the PACS sent and its
    # backlog went only once receiving ended (0.9-1.7 s after the last arrival of 1200, now 0.4-0.6 s).
    background_nice: int = Field(default=10, ge=0, le=19)
    projects: list[ProjectSettings] = Field(default_factory=list)
    hub: HubLink = Field(default_factory=HubLink)
    pacs: PacsLink = Field(default_factory=PacsLink)

    @model_validator(mode="after")
    def _distinct_projects(self) -> SpokeSettings:
        ids = [p.id for p in self.projects]
        if len(ids) != len(set(ids)):
            raise ValueError("a project is listed twice in the spoke configuration")
        return self

    def project(self, project_id: str) -> ProjectSettings:
        for project in self.projects:
            if project.id == project_id:
                return project
        raise KeyError(f"project {project_id} is not configured at this spoke")

    @classmethod
    def from_file(cls, values: dict[str, Any], folder: Path) -> dict[str, Any]:
        _resolve_paths(values, folder)
        return values


def _resolve_paths(values: dict[str, Any], base: Path) -> None:
    """Relative paths in a configuration file are relative to that file."""

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value and not Path(value).is_absolute():
            return str(base / value)
        return value

    for key in ("data", "opt_out_file"):
        if key in values:
            values[key] = resolve(values[key])
    hub = values.get("hub")
    if isinstance(hub, dict):
        for key in ("token_file", "ca_bundle"):
            if key in hub:
                hub[key] = resolve(hub[key])
    for project in values.get("projects", []) or []:
        if isinstance(project, dict):
            for key in ("key_file", "quality_protocol"):
                if key in project:
                    project[key] = resolve(project[key])
            profile = project.get("profile")
            if isinstance(profile, str) and profile.endswith(".toml"):
                project["profile"] = resolve(profile)
