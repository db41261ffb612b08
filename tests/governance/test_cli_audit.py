"""`imaging-hub audit verify` and `imaging-hub audit export` as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.governance import AuditRecord, Governance


def test_verify_and_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    gov = Governance.open(url)
    for n in range(3):
        gov.audit.record(
            AuditRecord(
                actor="res@uni.example",
                action="dicom.read",
                entity_type="instance",
                entity_id=f"1.2.3.{n}",
                project="LUNG1",
            )
        )
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--database", url, "--data", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output and "3 entries" in ok.output
    out = tmp_path / "audit.json"
    exported = runner.invoke(
        app, ["audit", "export", str(out), "--database", url, "--data", str(tmp_path), "--project", "LUNG1"])
    assert exported.exit_code == 0, exported.output
    bundle = json.loads(out.read_text())
    assert bundle["total"] == 3 and bundle["entry"][0]["resource"]["resourceType"] == "AuditEvent"
    with gov.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER gov_audit_no_update"))
        conn.execute(text("UPDATE gov_audit SET entity_id = '9.9' WHERE seq = 2"))
    gov.close()
    broken = runner.invoke(app, ["audit", "verify", "--database", url, "--data", str(tmp_path)])
    assert broken.exit_code == 1
    assert "entry 2 altered" in broken.output
