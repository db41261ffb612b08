"""`imaging-hub governance` beyond adding: list and show, and the commands that end access, each audited;
`imaging-hub tokens create` for a researcher's DICOMweb token."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import AuditFilter, Governance, Unauthenticated

PASSWORD = "a long enough passphrase"


def run(data: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["governance", *args, "--data", str(data)], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    data = tmp_path / "hub"
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")
    steps = [
        ["init-admin", "--email", "admin@network.example", "--name", "Ada Admin",
         "--password-file", str(password_file)],
        ["site", "add", "RXX", "Northtown Teaching Hospitals"],
        ["org", "add", "University of Northtown", "--kind", "university"],
        ["person", "add", "res@uni.example", "--name", "Rae Researcher", "--org", "University of Northtown"],
        ["project", "add", "LUNG1", "--title", "Lung nodules", "--site", "RXX"],
        ["grant", "res@uni.example", "researcher", "--project", "LUNG1"],
        ["grant", "res@uni.example", "annotator", "--project", "LUNG1"],
        ["agreement", "add", "DSA-1", "--org", "University of Northtown", "--project", "LUNG1", "--purpose",
         "Validate lung nodule AI", "--starts", "2020-01-01", "--ends", "2999-01-01"],
        ["agreement", "activate", "DSA-1", "--reason", "signed"],
        ["peer", "add", "RESWS", "--person", "res@uni.example", "--address", "10.0.0.9"],
    ]
    for step in steps:
        code, _out, err = run(data, *step)
        assert code == 0, f"{step}: {err}"
    return data


def _gov(data: Path) -> Governance:
    return Governance.open_hub(HubSettings(data=data))  # as the CLI opens it: with the hub's audit keys


def test_lists_and_shows_read_back_the_set_up(hub: Path) -> None:
    expected = {
        ("site", "list"): ["RXX", "Northtown Teaching"],
        ("org", "list"): ["University of Northtown", "university"],
        ("person", "list"): ["res@uni.example", "researcher in LUNG1"],
        ("project", "list"): ["LUNG1", "Lung nodules", "RXX"],
        ("agreement", "list"): ["DSA-1", "active"],
        ("peer", "list"): ["RESWS", "10.0.0.9", "res@uni.example"],
        ("site", "show", "rxx"): ["LUNG1"],
        ("org", "show", "University of Northtown"): ["res@uni.example"],
        ("person", "show", "res@uni.example"): ["Rae Researcher", "annotator in LUNG1"],
        ("project", "show", "LUNG1"): ["res@uni.example (researcher)"],
        ("agreement", "show", "DSA-1"): ["Validate lung nodule AI", "active"],
    }
    for args, words in expected.items():
        code, out, err = run(hub, *args)
        assert code == 0, f"{args}: {err}"
        for word in words:
            assert word in out, f"{args}: {word!r} not in\n{out}"
    code, _out, err = run(hub, "project", "show", "NOPE")
    assert code == 1 and "no project NOPE" in err


def test_ending_access_works_and_is_audited(hub: Path) -> None:
    code, token, err = run(hub, "token", "issue", "res@uni.example", "--name", "nb", "--scope", "dicom:read")
    assert code == 0, err
    gov = _gov(hub)
    try:
        key_id = gov.access.tokens(gov.access.principal_for(1))[0].key_id
    finally:
        gov.close()
    code, out, _err = run(hub, "token", "list")
    assert key_id in out and token.strip() not in out
    steps = [
        ["project", "remove-member", "LUNG1", "res@uni.example", "--role", "annotator"],
        ["agreement", "suspend", "DSA-1", "--reason", "breach under review"],
        ["agreement", "resume", "DSA-1", "--reason", "cleared"],
        ["agreement", "terminate", "DSA-1", "--reason", "study closed"],
        ["token", "revoke", key_id],
        ["peer", "remove", "RESWS", "--address", "10.0.0.9"],
        ["person", "deactivate", "res@uni.example"],
    ]
    for step in steps:
        code, _out, err = run(hub, *step)
        assert code == 0, f"{step}: {err}"
    gov = _gov(hub)
    try:
        actions = [e.action for e in gov.audit.all_in_order() if e.actor.startswith("local operator")]
        for action in ("membership.delete", "agreement.suspend", "agreement.resume", "agreement.terminate",
                       "token.revoke", "dimse_peer.delete", "person.deactivate"):
            assert action in actions, action
        person = gov.directory.person_by_email("res@uni.example")
        assert person is not None and not person.active
        assert [m.role for m in person.memberships] == ["researcher"]
        with pytest.raises(Unauthenticated):
            gov.access.token_principal(token.strip())
        with pytest.raises(Unauthenticated):
            gov.access.dimse_principal("RESWS", "10.0.0.9")
        assert gov.verify_audit().ok
    finally:
        gov.close()
    code, out, _err = run(hub, "agreement", "list")
    assert "terminated" in out
    code, _out, err = run(hub, "peer", "remove", "RESWS", "--address", "10.0.0.9")
    assert code == 1 and "no DICOM peer RESWS" in err
    code, _out, err = run(hub, "agreement", "terminate", "DSA-1")
    assert code == 2 and "--reason" in err


def test_reads_and_ends_never_create_a_hub(tmp_path: Path) -> None:
    for args in (["site", "list"], ["person", "show", "a@b.example"], ["token", "revoke", "abc"]):
        code, _out, err = run(tmp_path / "missing", *args)
        assert code == 2 and "no hub data folder" in " ".join(err.split()), f"{args}: {err}"
    assert not (tmp_path / "missing").exists()


def test_tokens_create_gives_a_researcher_a_dicomweb_token(hub: Path) -> None:
    result = CliRunner().invoke(app, ["tokens", "create", "res@uni.example", "--data", str(hub)])
    assert result.exit_code == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("ihub_") and token not in result.stderr
    assert "Authorization: Bearer" in " ".join(result.stderr.split())
    gov = _gov(hub)
    try:
        principal = gov.access.token_principal(token)
        assert principal.email == "res@uni.example"
        assert {s.value for s in principal.scopes} == {"dicom:read"}
    finally:
        gov.close()
    refused = CliRunner().invoke(app, ["tokens", "create", "nobody@uni.example", "--data", str(hub)])
    assert refused.exit_code == 1 and "no person" in refused.stderr


def test_move_destinations_are_set_per_peer_and_per_project(hub: Path) -> None:
    assert run(hub, "peer", "allow-move", "RESWS", "--address", "10.0.0.9", "--destination", "RESSTORE")[0] == 0
    assert run(hub, "project", "allow-move", "LUNG1", "--destination", "RESSTORE")[0] == 0
    gov = _gov(hub)
    try:
        assert gov.move_destinations.for_peer("RESWS", "10.0.0.9") == {"RESSTORE"}
        assert gov.move_destinations.for_peer("RESWS", "10.0.0.10") == frozenset()  # another address: nothing
        assert gov.move_destinations.projects_for("RESSTORE") == {"LUNG1"}
    finally:
        gov.close()
    # a peer that is not mapped from that address cannot be given a destination
    code, _out, err = run(hub, "peer", "allow-move", "RESWS", "--address", "10.9.9.9", "--destination", "RESSTORE")
    assert code != 0 and "no DICOM peer" in " ".join(err.split())
    assert run(hub, "peer", "forbid-move", "RESWS", "--address", "10.0.0.9", "--destination", "RESSTORE")[0] == 0
    assert run(hub, "project", "forbid-move", "LUNG1", "--destination", "RESSTORE")[0] == 0
    gov = _gov(hub)
    try:
        assert gov.move_destinations.for_peer("RESWS", "10.0.0.9") == frozenset()
        assert gov.move_destinations.projects_for("RESSTORE") == frozenset()
        actions = [e.action for e in gov.audit.entries(AuditFilter(limit=50)) if e.action.endswith("_move")]
        assert actions == ["project.forbid_move", "dimse_peer.forbid_move", "project.allow_move",
                           "dimse_peer.allow_move"]
    finally:
        gov.close()
