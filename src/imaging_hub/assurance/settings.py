"""The assurance room's settings: where monitoring alarms are POSTed.

Read like every other setting (``imaging_hub.config``): the ``[assurance]`` table of the hub's TOML file, or
``IMAGING_HUB_ASSURANCE_WEBHOOK`` and ``IMAGING_HUB_ASSURANCE_WEBHOOK_TIMEOUT``; a command's ``--webhook`` wins.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from imaging_hub.config import LayeredSettings


class AssuranceSettings(LayeredSettings):
    model_config = SettingsConfigDict(env_prefix="IMAGING_HUB_ASSURANCE_")
    config_table: ClassVar[str | None] = "assurance"

    webhook: str | None = None  # e.g. https://alerts.trust.nhs.uk/hooks/ai-monitoring; None: alarms stay in the hub
    webhook_timeout: float = 10.0
