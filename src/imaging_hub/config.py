"""Settings shared by every face: flags override environment (``IMAGING_HUB_*``), which overrides a TOML file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("imaging-hub-data")

Settings = TypeVar("Settings", bound=BaseSettings)


def read_toml(path: Path, what: str = "configuration file") -> dict[str, Any]:
    """A TOML configuration file's values; ValueError naming the file when it is missing or malformed."""
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ValueError(f"{what} not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{what} {path} is not valid TOML: {exc}") from exc


def layered(cls: type[Settings], file_values: dict[str, Any], overrides: dict[str, Any]) -> Settings:
    """Settings from three layers: the file, then the environment over it, then explicit flags over both."""
    from_env = cls()
    merged = dict(file_values)
    for name in cls.model_fields:
        if name in from_env.model_fields_set:
            merged[name] = getattr(from_env, name)
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return cls.model_validate(merged)


class HubSettings(BaseSettings):
    """How a hub runs. Every field can be set by flag, ``IMAGING_HUB_<FIELD>`` or a TOML file."""

    model_config = SettingsConfigDict(env_prefix="IMAGING_HUB_", extra="forbid")

    data: Path = DEFAULT_DATA_DIR
    database: str | None = None  # None: SQLite inside the data folder
    host: str = "127.0.0.1"
    http_port: int = 8000
    dicom_port: int = 11112
    ae_title: str = "IMAGINGHUB"
    peers: list[str] = []  # C-MOVE destinations, each "AETITLE@host:port"
    dicom_max_associations_per_peer: int = 8  # per calling AE title and per address
    dicom_idle_timeout: float = 60.0  # seconds without a PDU before an association is aborted
    # pynetdicom's association threads wait for work instead of polling (dimse/reactor.py); process-wide
    dicom_quiet_reactors: bool = False
    tls_cert: Path | None = None  # PEM certificate chain: with tls_key, HTTP is served over TLS
    tls_key: Path | None = None
    # No sign-in and no project restriction: only for an isolated test rig or benchmark, never a real network.
    open_access: bool = False

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> HubSettings:
        """Build settings from an optional TOML file, the environment and explicit (flag) overrides."""
        return layered(cls, read_toml(config_file) if config_file else {}, overrides)

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{(self.data / 'index.sqlite3').resolve()}"
