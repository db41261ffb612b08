"""Settings through pydantic-settings' own sources: flags > environment > TOML file > defaults, merged key by
key (a nested environment variable replaces one key of a TOML table, not the table); errors name the file and
the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imaging_hub.config import HubSettings, SettingsError
from imaging_hub.spoke import SpokeSettings
from imaging_hub.web import OidcSettings

SPOKE_TOML = """
site_id = "RXX"
dicom_port = 11200

[hub]
url = "https://hub.network.example:8443"
token = "from-the-file"
ca_bundle = "network-ca.pem"
batch_size = 50
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("IMAGING_HUB_"):
            monkeypatch.delenv(name)


def spoke_file(tmp_path: Path, text: str = SPOKE_TOML) -> Path:
    path = tmp_path / "spoke.toml"
    path.write_text(text)
    return path


def test_nested_environment_variable_overrides_one_key_of_a_toml_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMAGING_HUB_SPOKE_HUB__TOKEN", "from-the-environment")
    settings = SpokeSettings.load(spoke_file(tmp_path))
    assert settings.hub.bearer_token() == "from-the-environment"
    # The rest of the [hub] table stays as the file has it (it used to be discarded wholesale).
    assert settings.hub.url == "https://hub.network.example:8443"
    assert settings.hub.ca_bundle == tmp_path / "network-ca.pem"  # relative to the file, as before
    assert settings.hub.batch_size == 50
    assert (settings.site_id, settings.dicom_port) == ("RXX", 11200)


def test_a_flag_overrides_environment_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGING_HUB_SPOKE_DICOM_PORT", "11300")
    monkeypatch.setenv("IMAGING_HUB_SPOKE_SITE_ID", "RYY")
    settings = SpokeSettings.load(spoke_file(tmp_path), dicom_port=11400, ae_title=None)
    assert settings.dicom_port == 11400  # flag over environment over file
    assert settings.site_id == "RYY"  # environment over file
    assert settings.ae_title == "IMAGINGSPOKE"  # a flag left unset (None) is not given


def test_hub_settings_layer_the_same_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('http_port = 9000\ndicom_port = 11500\nae_title = "FILEHUB"\n')
    monkeypatch.setenv("IMAGING_HUB_DICOM_PORT", "11600")
    settings = HubSettings.load(config, ae_title="FLAGHUB", data=None)
    assert (settings.http_port, settings.dicom_port, settings.ae_title) == (9000, 11600, "FLAGHUB")
    assert settings.data == Path("imaging-hub-data")  # default


def test_oidc_settings_come_from_the_hub_files_oidc_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        'http_port = 9000\n[oidc]\nissuer = "https://login.trust.example/realms/staff"\nclient_id = "hub"\n'
    )
    monkeypatch.setenv("IMAGING_HUB_OIDC_CLIENT_ID", "hub-from-env")
    oidc = OidcSettings.load(config)
    assert oidc.enabled and oidc.issuer == "https://login.trust.example/realms/staff"
    assert oidc.client_id == "hub-from-env"
    assert HubSettings.load(config).http_port == 9000  # the hub's own settings leave [oidc] alone
    assert not OidcSettings.load(None).enabled


def test_a_bad_toml_file_is_named(tmp_path: Path) -> None:
    broken = spoke_file(tmp_path, 'site_id = "RXX"\n[hub\nurl = "x"\n')
    with pytest.raises(SettingsError, match=re.escape(f"spoke configuration file {broken} is not valid TOML")):
        SpokeSettings.load(broken)
    with pytest.raises(SettingsError, match=re.escape(f"configuration file not found: {tmp_path / 'missing.toml'}")):
        HubSettings.load(tmp_path / "missing.toml")


def test_an_unknown_key_is_refused_by_name_with_the_file(tmp_path: Path) -> None:
    config = spoke_file(tmp_path, SPOKE_TOML.replace("batch_size = 50", "batch_sise = 50"))
    with pytest.raises(SettingsError) as refused:
        SpokeSettings.load(config)
    assert str(refused.value) == f"spoke configuration file {config}: hub.batch_sise: unknown setting"
    hub_file = tmp_path / "hub.toml"
    hub_file.write_text("http_prot = 9000\n")
    with pytest.raises(SettingsError, match=re.escape(f"configuration file {hub_file}: http_prot: unknown setting")):
        HubSettings.load(hub_file)


def test_a_bad_value_names_its_field_and_where_it_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = spoke_file(tmp_path, SPOKE_TOML.replace("batch_size = 50", "batch_size = 0"))
    expected = f"spoke configuration file {config}: hub.batch_size: Input should be"
    with pytest.raises(SettingsError, match=re.escape(expected)):
        SpokeSettings.load(config)
    monkeypatch.setenv("IMAGING_HUB_SPOKE_HUB__TIMEOUT_S", "soon")
    with pytest.raises(SettingsError) as refused:
        SpokeSettings.load(spoke_file(tmp_path))
    assert str(refused.value).startswith("environment variable IMAGING_HUB_SPOKE_HUB__TIMEOUT_S: hub.timeout_s: ")
    assert "soon" not in str(refused.value)  # the value itself (it could be a secret) is never repeated
