"""`governance peer add` as an attacker would like it: an AE title alone must not authenticate. The peer's
address is required; accepting it from any address is an explicit, warned choice (CLI and API alike)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.governance import SYSTEM, Governance
from imaging_hub.governance.errors import InvalidInput

from .network import Network

PASSWORD = "a long enough passphrase"


def run(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["governance", *args, "--data", str(data)])
    return result.exit_code, " ".join(result.stderr.split())


def test_peer_add_needs_an_address_or_an_explicit_any_address(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")
    setup = [
        ["init-admin", "--email", "admin@n.example", "--name", "Ada", "--password-file", str(password_file)],
        ["org", "add", "Uni", "--kind", "university"],
        ["person", "add", "res@uni.example", "--name", "Rae", "--org", "Uni"],
    ]
    for step in setup:
        code, err = run(data, *step)
        assert code == 0, f"{step}: {err}"
    code, err = run(data, "peer", "add", "RESWS", "--person", "res@uni.example")
    assert code == 2 and "--address" in err
    code, err = run(data, "peer", "add", "RESWS", "--person", "res@uni.example", "--address", "10.0.0.7",
                    "--any-address")
    assert code == 2
    code, err = run(data, "peer", "add", "RESWS", "--person", "res@uni.example", "--address", "10.0.0.7")
    assert code == 0, err
    code, err = run(data, "peer", "add", "ANYWS", "--person", "res@uni.example", "--any-address")
    assert code == 0 and "warning" in err and "any address" in err
    gov = Governance.open(f"sqlite:///{(data / 'index.sqlite3').resolve()}")
    try:
        assert gov.access.dimse_principal("RESWS", "10.0.0.7").email == "res@uni.example"
        with pytest.raises(Exception, match="not mapped"):
            gov.access.dimse_principal("RESWS", "10.6.6.6")  # the title alone does not authenticate
        assert gov.access.dimse_principal("ANYWS", "10.6.6.6").email == "res@uni.example"
    finally:
        gov.close()


def test_mapping_a_peer_without_an_address_is_refused(network: Network) -> None:
    for blank in ("", "   "):
        with pytest.raises(InvalidInput, match="address"):
            network.gov.access.map_dimse_peer(SYSTEM, "NOADDR", blank, network.researcher.person_id)


def test_the_api_requires_an_address(network: Network) -> None:
    from imaging_hub.api.governance.models import DimsePeerIn

    with pytest.raises(ValueError, match="address"):
        DimsePeerIn.model_validate({"ae_title": "X", "person_id": 1})
