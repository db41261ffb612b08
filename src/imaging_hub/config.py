"""Settings shared by every face, read through pydantic-settings' own sources.

Precedence, highest first: flags (init arguments), the environment (``IMAGING_HUB_*``; one key of a nested
table with ``__``, e.g. ``IMAGING_HUB_SPOKE_HUB__TOKEN``), a TOML file, the defaults. The layers merge key by
key, so a variable for one key of a TOML table leaves the table's other keys as the file has them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from imaging_hub.errors import ImagingHubError

DEFAULT_DATA_DIR = Path("imaging-hub-data")


class SettingsError(ImagingHubError, ValueError):
    """Settings that cannot be used; the message names the file or variable and the field, never a value."""


@dataclass
class _Reading:
    """The file one ``load`` reads, and what it held (to say where a refused value came from)."""

    path: Path
    what: str
    table: str | None
    values: dict[str, Any] = field(default_factory=dict)


# pydantic-settings builds its sources in a class method; the file a single ``load`` names reaches it here.
_reading: ContextVar[_Reading | None] = ContextVar("imaging_hub_settings_file", default=None)


class ConfigFileSource(TomlConfigSettingsSource):
    """The TOML layer. A missing or malformed file is an error naming it, never an empty layer."""

    def __init__(self, settings_cls: type[LayeredSettings], reading: _Reading | None) -> None:
        self._settings = settings_cls
        self._file = reading
        if reading is not None and not reading.path.is_file():
            raise SettingsError(f"{reading.what} not found: {reading.path}")
        super().__init__(settings_cls, toml_file=reading.path if reading is not None else None)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        reading = self._file
        assert reading is not None  # the base class reads only the file it was given
        try:
            values = tomllib.loads(Path(file_path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{reading.what} {reading.path} cannot be read: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{reading.what} {reading.path} is not valid TOML: {exc}") from exc
        if reading.table is not None:
            values = values.get(reading.table, {})
            if not isinstance(values, dict):
                raise SettingsError(f"{reading.what} {reading.path}: [{reading.table}] must be a table")
        reading.values = self._settings.from_file(values, reading.path.parent)
        return reading.values


class LayeredSettings(BaseSettings):
    """Base of every settings class: flags > environment > TOML file > defaults, merged key by key."""

    model_config = SettingsConfigDict(extra="forbid", env_nested_delimiter="__")

    config_what: ClassVar[str] = "configuration file"  # how errors name the file
    config_table: ClassVar[str | None] = None  # read only this table of the file (None: the whole file)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        assert issubclass(settings_cls, LayeredSettings)
        return init_settings, env_settings, ConfigFileSource(settings_cls, _reading.get())

    @classmethod
    def from_file(cls, values: dict[str, Any], folder: Path) -> dict[str, Any]:
        """The file's values as the settings read them (e.g. relative paths made relative to ``folder``)."""
        return values

    @classmethod
    def load(cls, config_file: Path | None = None, **flags: Any) -> Self:
        """Settings from an optional TOML file, the environment and flags (a flag left at None is not given)."""
        reading = _Reading(config_file, cls.config_what, cls.config_table) if config_file is not None else None
        given = {name: value for name, value in flags.items() if value is not None}
        token = _reading.set(reading)
        try:
            return cls(**given)
        except ValidationError as exc:
            raise SettingsError(_describe(cls, exc, reading, given)) from exc
        finally:
            _reading.reset(token)


def _describe(
    cls: type[LayeredSettings], error: ValidationError, reading: _Reading | None, flags: Mapping[str, Any]
) -> str:
    """Each refused field, with where its value came from (flag, environment variable or file)."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        location = tuple(str(part) for part in problem["loc"])
        name = ".".join(location) or cls.__name__
        reason = "unknown setting" if problem["type"] == "extra_forbidden" else problem["msg"]
        variable = (prefix + "__".join(location)).upper()
        if location and location[0] in flags:
            where = f"flag --{location[0].replace('_', '-')}"
        elif any(key.upper() == variable for key in os.environ):
            where = f"environment variable {variable}"
        elif reading is not None and _holds(reading.values, location):
            where = f"{reading.what} {reading.path}" + (f" [{reading.table}]" if reading.table else "")
        else:
            where = cls.__name__
        lines.append(f"{where}: {name}: {reason}")
    return "; ".join(lines)


def _holds(values: Any, location: tuple[str, ...]) -> bool:
    for part in location:
        if isinstance(values, dict) and part in values:
            values = values[part]
        elif isinstance(values, list) and part.isdigit() and int(part) < len(values):
            values = values[int(part)]
        else:
            return False
    return True


class HubSettings(LayeredSettings):
    """How a hub runs. Every field can be set by flag, ``IMAGING_HUB_<FIELD>`` or a TOML file."""

    model_config = SettingsConfigDict(env_prefix="IMAGING_HUB_")

    data: Path = DEFAULT_DATA_DIR
    database: str | None = None  # None: SQLite inside the data folder
    host: str = "127.0.0.1"
    http_port: int = 8000
    dicom_port: int = 11112
    ae_title: str = "IMAGINGHUB"
    peers: list[str] = []  # C-MOVE destinations, each "AETITLE@host:port"
    dicom_max_associations_per_peer: int = 8  # per calling AE title and per address
    dicom_idle_timeout: float = 60.0  # seconds without a PDU before an association is aborted
    dicom_require_called_ae_title: bool = False  # refuse associations addressed to another AE title than ae_title
    # pynetdicom's association threads wait for work instead of polling (dimse/reactor.py); process-wide
    dicom_quiet_reactors: bool = False
    tls_cert: Path | None = None  # PEM certificate chain: with tls_key, HTTP is served over TLS
    tls_key: Path | None = None
    # No sign-in and no project restriction: only for an isolated test rig or benchmark, never a real network.
    open_access: bool = False
    # The audit chain's HMAC keys and checkpoint signing key, outside the database (None: <data>/secrets/audit).
    audit_keys: Path | None = None

    @classmethod
    def from_file(cls, values: dict[str, Any], folder: Path) -> dict[str, Any]:
        # The hub's file may carry an [oidc] table (the web face's OidcSettings) and a [quality] table
        # (the quality room's QualitySettings).
        return {name: value for name, value in values.items() if name not in ("oidc", "quality")}

    @property
    def audit_key_folder(self) -> Path:
        return self.audit_keys or self.data / "secrets" / "audit"

    @property
    def audit_checkpoint_folder(self) -> Path:
        """Where the hub writes a signed checkpoint of the audit chain every CHECKPOINT_EVERY entries."""
        return self.data / "audit-checkpoints"

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{(self.data / 'index.sqlite3').resolve()}"
