"""Settings for signing in through a trust's identity provider (OpenID Connect), off unless an issuer is set.

Read like every other setting (``imaging_hub.config``): the ``[oidc]`` table of the hub's TOML file, under
``IMAGING_HUB_OIDC_ISSUER``, ``IMAGING_HUB_OIDC_CLIENT_ID``, ``IMAGING_HUB_OIDC_CLIENT_SECRET`` and
``IMAGING_HUB_OIDC_REDIRECT_URL`` (this hub's ``/auth/oidc/callback`` as browsers reach it: required, because
an address built from the request's Host header would be the client's choice).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from imaging_hub.config import LayeredSettings


class OidcSettings(LayeredSettings):
    model_config = SettingsConfigDict(env_prefix="IMAGING_HUB_OIDC_")
    config_table: ClassVar[str | None] = "oidc"

    issuer: str | None = None  # e.g. https://login.trust.nhs.uk/realms/staff; discovery is read from it
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    redirect_url: str | None = None  # required for sign-in: e.g. https://hub.example.nhs.uk/auth/oidc/callback
    scopes: str = "openid email profile"
    # ID token signatures accepted (never "none" or HMAC)
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "PS256", "ES256"])
    timeout_seconds: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)
