"""The audit chain attacked by someone who can write the hub's database but not its key folder: a forged
append with a correct plain hash, a truncated tail, a full re-hashed rewrite. Each is caught by
``imaging-hub audit verify --checkpoint FILE`` (a signed checkpoint kept outside the hub), while a live hub
whose chain has grown past the checkpoint still verifies. Also: migrating an unkeyed chain, key rotation."""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import AuditRecord, Governance
from imaging_hub.governance.audit.chain import compute_hash
from imaging_hub.governance.tables import AuditEntry

runner = CliRunner()


def _open(data: Path) -> Governance:
    settings = HubSettings(data=data)
    data.mkdir(parents=True, exist_ok=True)
    return Governance.open(settings.database_url, audit_keys=settings.audit_key_folder,
                           checkpoints=settings.audit_checkpoint_folder)


def _record(gov: Governance, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        gov.audit.record(AuditRecord(actor="res@uni.example", action="dicom.read", entity_type="instance",
                                     entity_id=f"1.2.3.{i}", project="LUNG1"))


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", *args])
    return result.exit_code, " ".join(result.output.split())


def _unlock(gov: Governance) -> None:
    with gov.engine.begin() as conn:  # what someone with write access to the database does first
        conn.execute(text("DROP TRIGGER IF EXISTS gov_audit_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS gov_audit_no_delete"))


def _entries(gov: Governance) -> list[AuditEntry]:
    return gov.audit.all_in_order()


def _hub_with_checkpoint(tmp_path: Path) -> tuple[Governance, Path, Path]:
    data = tmp_path / "hub"
    gov = _open(data)
    _record(gov, 5)
    checkpoint = tmp_path / "auditor" / "checkpoint.json"
    assert _cli("checkpoint", "--out", str(checkpoint), "--data", str(data))[0] == 0
    return gov, data, checkpoint


def test_keys_live_outside_the_database_and_entries_name_their_key(tmp_path: Path) -> None:
    gov, data, checkpoint = _hub_with_checkpoint(tmp_path)
    keys = data / "secrets" / "audit"
    secret_files = [p for p in keys.iterdir() if p.suffix in (".key", ".pem") and ".pub" not in p.name]
    assert secret_files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in secret_files)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert {e.key_id for e in _entries(gov)} == {gov.audit.keys.current_id}  # type: ignore[union-attr]
    # a live hub keeps appending after the checkpoint: still intact (the old --expect-head failed here)
    _record(gov, 3, start=5)
    code, output = _cli("verify", "--data", str(data), "--checkpoint", str(checkpoint))
    assert code == 0 and "8 entries" in output and "checkpoint at entry 5 holds" in output
    gov.close()


def test_a_forged_append_with_a_correct_plain_hash_is_caught(tmp_path: Path) -> None:
    gov, data, checkpoint = _hub_with_checkpoint(tmp_path)
    _unlock(gov)
    last = _entries(gov)[-1]
    for key_id in (None, last.key_id):  # unkeyed, or claiming the current key without knowing it
        forged = AuditEntry(seq=last.seq + 1, recorded_at=last.recorded_at, actor="someone@else.example",
                            actor_kind="person", address="", action="dicom.read", entity_type="instance",
                            entity_id="9.9.9", project="LUNG1", purpose="", outcome="success", detail="{}",
                            prev_hash=last.entry_hash, key_id=key_id)
        forged.entry_hash = compute_hash(forged)
        with gov.engine.begin() as conn:
            conn.execute(text("DELETE FROM gov_audit WHERE seq = :s"), {"s": forged.seq})
            conn.execute(AuditEntry.__table__.insert().values(  # type: ignore[attr-defined]
                {c.name: getattr(forged, c.name) for c in AuditEntry.__table__.columns}))
            conn.execute(text("UPDATE gov_audit_head SET last_seq = :s, last_hash = :h"),
                         {"s": forged.seq, "h": forged.entry_hash})
        code, output = _cli("verify", "--data", str(data), "--checkpoint", str(checkpoint))
        assert code == 1 and f"entry {forged.seq}" in output, output
        assert ("forged" if key_id is None else "altered") in output
    gov.close()


def test_a_truncated_tail_is_caught_by_the_checkpoint(tmp_path: Path) -> None:
    gov, data, checkpoint = _hub_with_checkpoint(tmp_path)
    _unlock(gov)
    kept = _entries(gov)[2]
    with gov.engine.begin() as conn:
        conn.execute(text("DELETE FROM gov_audit WHERE seq > 3"))
        conn.execute(text("UPDATE gov_audit_head SET last_seq = :s, last_hash = :h"),
                     {"s": kept.seq, "h": kept.entry_hash})
    assert _cli("verify", "--data", str(data))[0] == 0  # consistent in itself: only the checkpoint knows
    code, output = _cli("verify", "--data", str(data), "--checkpoint", str(checkpoint))
    assert code == 1 and "checkpointed entry 5 is missing" in output
    gov.close()


def test_a_full_rehashed_rewrite_is_caught(tmp_path: Path) -> None:
    gov, data, checkpoint = _hub_with_checkpoint(tmp_path)
    _unlock(gov)
    attacker_key = secrets.token_bytes(32)
    for keyed in (False, True):  # rewritten as plain hashes, or keyed under a key of the attacker's
        prev = "0" * 64
        with gov.engine.begin() as conn:
            for entry in _entries(gov):
                entry.entity_id = "0.0.0" if entry.seq == 2 else entry.entity_id
                entry.prev_hash = prev
                entry.key_id = entry.key_id if keyed else None
                entry.entry_hash = compute_hash(entry, key=attacker_key if keyed else None)
                conn.execute(text("UPDATE gov_audit SET entity_id = :e, prev_hash = :p, entry_hash = :h, "
                                  "key_id = :k WHERE seq = :s"),
                             {"e": entry.entity_id, "p": entry.prev_hash, "h": entry.entry_hash,
                              "k": entry.key_id, "s": entry.seq})
                prev = entry.entry_hash
            conn.execute(text("UPDATE gov_audit_head SET last_hash = :h"), {"h": prev})
        code, output = _cli("verify", "--data", str(data), "--checkpoint", str(checkpoint))
        assert code == 1, output
        assert "entry 1 " in output and "checkpointed entry 5 has another hash" in output
    gov.close()


def test_an_altered_or_foreign_checkpoint_is_refused(tmp_path: Path) -> None:
    gov, data, checkpoint = _hub_with_checkpoint(tmp_path)
    values = json.loads(checkpoint.read_text())
    values["seq"] = 3
    checkpoint.write_text(json.dumps(values))
    code, output = _cli("verify", "--data", str(data), "--checkpoint", str(checkpoint))
    assert code == 1 and "signature does not verify" in output
    other = tmp_path / "other-hub"
    _record(_open(other), 1)
    foreign = tmp_path / "foreign.json"
    assert _cli("checkpoint", "--out", str(foreign), "--data", str(other))[0] == 0
    code, output = _cli("verify", "--data", str(data), "--checkpoint", str(foreign))
    assert code == 1 and "another key" in output
    gov.close()


def test_an_unkeyed_chain_is_migrated_and_keys_rotate(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    data.mkdir()
    legacy = Governance.open(HubSettings(data=data).database_url)  # before this change: no keys
    _record(legacy, 3)
    legacy.close()
    gov = _open(data)
    _record(gov, 2, start=3)
    entries = _entries(gov)
    assert [e.key_id is None for e in entries] == [True, True, True, False, False]
    assert entries[3].prev_hash == entries[2].entry_hash  # the first keyed entry links to the old chain
    assert compute_hash(entries[0]) == entries[0].entry_hash  # legacy: plain SHA-256
    assert _cli("verify", "--data", str(data))[0] == 0  # plain entries verify by their plain hash
    first_key = entries[3].key_id
    gov.close()

    assert _cli("rotate-key", "--data", str(data))[0] == 0
    gov = _open(data)
    _record(gov, 1, start=5)
    assert _entries(gov)[-1].key_id not in (None, first_key)
    assert _cli("verify", "--data", str(data))[0] == 0  # older entries verify with the key they name

    _unlock(gov)  # an unkeyed entry past the migration point is forged, though its plain hash is right
    with gov.engine.begin() as conn:
        conn.execute(text("UPDATE gov_audit SET key_id = NULL WHERE seq = 4"))
    entry = _entries(gov)[3]
    with gov.engine.begin() as conn:
        conn.execute(text("UPDATE gov_audit SET entry_hash = :h WHERE seq = 4"), {"h": compute_hash(entry)})
    code, output = _cli("verify", "--data", str(data))
    assert code == 1 and "entry 4 forged" in output
    assert len(bytes.fromhex((data / "secrets" / "audit" / f"hmac-{first_key}.key").read_text())) == 32
    gov.close()
