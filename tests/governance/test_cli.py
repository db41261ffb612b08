"""`imaging-hub governance ...` as an operator runs it: a network set up from nothing, then used over HTTP."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from imaging_hub.api import create_governed_app
from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import Governance, Role
from imaging_hub.store import Archive
from imaging_hub.web import web_face

PASSWORD = "a long enough passphrase"


def run(data: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["governance", *args, "--data", str(data)], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_a_network_set_up_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")
    steps = [
        [
            "init-admin",
            "--email",
            "Admin@Network.example",
            "--name",
            "Ada Admin",
            "--password-file",
            str(password_file),
        ],
        ["site", "add", "rxx", "Northtown Teaching Hospitals"],
        ["org", "add", "University of Northtown", "--kind", "university"],
        [
            "person",
            "add",
            "res@uni.example",
            "--name",
            "Rae Researcher",
            "--org",
            "University of Northtown",
            "--password-file",
            str(password_file),
        ],
        ["person", "add", "lead@uni.example", "--name", "Lee Lead", "--org", "University of Northtown"],
        [
            "project",
            "add",
            "LUNG1",
            "--title",
            "Lung nodules",
            "--site",
            "RXX",
            "--lead",
            "lead@uni.example",
            "--iras",
            "312345",
        ],
        ["grant", "res@uni.example", "researcher", "--project", "LUNG1"],
        [
            "agreement",
            "add",
            "DSA-1",
            "--org",
            "University of Northtown",
            "--project",
            "LUNG1",
            "--purpose",
            "Validate lung nodule AI",
            "--data-kind",
            "imaging",
            "--data-kind",
            "labels",
            "--starts",
            "2020-01-01",
            "--ends",
            "2999-01-01",
        ],
        ["agreement", "activate", "DSA-1", "--reason", "signed"],
        ["peer", "add", "RESWS", "--person", "res@uni.example", "--address", "10.0.0.9"],
    ]
    for step in steps:
        code, _out, err = run(data, *step)
        assert code == 0, f"{step}: {err}"
    code, out, err = run(
        data,
        "token",
        "issue",
        "res@uni.example",
        "--name",
        "notebook",
        "--scope",
        "dicom:read",
        "--scope",
        "governance:read",
        "--days",
        "30",
    )
    assert code == 0, err
    token = out.strip()
    assert token.startswith("ihub_") and "\n" not in token and token not in err
    assert "dicom:read governance:read" in err

    archive = Archive.open(data)
    settings = HubSettings(data=data)  # the CLI keyed the audit chain with the data folder's keys
    gov = Governance.open(settings.database_url, audit_keys=settings.audit_key_folder)
    try:
        client = TestClient(create_governed_app(archive, gov, pages=web_face()))
        me = client.get("/api/governance/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        assert me.json()["readable_projects"] == ["LUNG1"]
        signed_in = client.post(
            "/api/governance/session", json={"email": "admin@network.example", "password": PASSWORD}
        )
        assert signed_in.status_code == 200
        assert {"role": "network_administrator", "project": None, "site": None} in signed_in.json()["roles"]
        lead = gov.directory.person_by_email("lead@uni.example")
        assert lead is not None and lead.password_hash is None
        assert gov.access.principal_for(lead.id).holds(Role.PROJECT_LEAD, "LUNG1")
        assert gov.access.dimse_principal("RESWS", "10.0.0.9").email == "res@uni.example"
        actors = {e.actor for e in gov.audit.all_in_order()}
        assert any(a.startswith("local operator ") for a in actors)
        assert gov.verify_audit().ok
    finally:
        gov.close()
        archive.close()


def test_init_admin_prompts_and_refuses_a_second_time(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    code, _out, err = run(
        data, "init-admin", "--email", "a@n.example", "--name", "A", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert code == 0, err
    code, _out, err = run(
        data, "init-admin", "--email", "b@n.example", "--name", "B", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert code == 1 and "already exists" in err
    gov = Governance.open(f"sqlite:///{(data / 'index.sqlite3').resolve()}")
    try:
        assert gov.directory.person_by_email("b@n.example") is None
    finally:
        gov.close()


def test_refusals_name_the_problem_and_change_nothing(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    short = tmp_path / "short"
    short.write_text("short\n")
    code, _out, err = run(data, "init-admin", "--email", "a@n.example", "--name", "A", "--password-file", str(short))
    assert code == 1 and "at least 12 characters" in err
    cases = [
        (["site", "add", "rx x", "Bad"], "ODS code"),
        (["org", "add", "Acme", "--kind", "pirate"], "organisation kind"),
        (["person", "add", "x@y.example", "--name", "X", "--org", "Nowhere"], "no organisation named"),
        (["grant", "nobody@y.example", "researcher", "--project", "P1"], "no person"),
        (["project", "add", "P1", "--title", "T", "--site", "RZZ"], "no site with ODS code RZZ"),
        (["agreement", "activate", "DSA-404"], "no agreement DSA-404"),
        (
            ["agreement", "add", "DSA-2", "--org", "1", "--project", "P1", "--purpose", "p", "--starts", "soon"],
            "--starts must be an ISO date",
        ),
    ]
    for args, expected in cases:
        code, _out, err = run(data, *args)
        assert code != 0 and expected in " ".join(err.split()), f"{args}: {code} {err}"
    run(data, "org", "add", "Acme Ltd", "--kind", "company")
    run(data, "person", "add", "dev@acme.example", "--name", "Dev", "--org", "Acme Ltd")
    code, out, err = run(data, "token", "issue", "dev@acme.example", "--name", "t", "--scope", "dicom:everything")
    assert code == 1 and "unknown scope" in err and out == ""
    gov = Governance.open(f"sqlite:///{(data / 'index.sqlite3').resolve()}")
    try:
        assert gov.directory.person_by_email("a@n.example") is None
    finally:
        gov.close()
