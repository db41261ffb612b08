"""Signed checkpoints: the chain's head at a moment, kept outside the hub's database.

A checkpoint names an entry (sequence number and hash) and is signed with the hub's Ed25519 checkpoint
key. An auditor keeps it (``imaging-hub audit checkpoint --out FILE``; the hub also writes one every
``CHECKPOINT_EVERY`` entries to its checkpoints folder); ``imaging-hub audit verify --checkpoint FILE`` then
finds the entry still there with the same hash. So removing entries after it (truncation) or rewriting the
chain, even with every hash recomputed, no longer verifies, while a live hub's chain keeps growing past it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from imaging_hub.files import write_atomic
from imaging_hub.governance.audit.keys import AuditKeys, signature_valid

CHECKPOINT_EVERY = 1000


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    created_at: str  # ISO 8601, UTC
    public_key: str  # PEM of the key that signed it: compared with the hub's before trusting it
    signature: str = ""  # hex Ed25519 signature over the other fields

    def payload(self) -> bytes:
        return json.dumps({"seq": self.seq, "entry_hash": self.entry_hash, "created_at": self.created_at},
                          sort_keys=True, separators=(",", ":")).encode("ascii")


def make_checkpoint(keys: AuditKeys, seq: int, entry_hash: str, at: datetime) -> Checkpoint:
    unsigned = Checkpoint(seq, entry_hash, at.isoformat(), keys.public_key_pem().decode("ascii"))
    return Checkpoint(**{**asdict(unsigned), "signature": keys.sign(unsigned.payload()).hex()})


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    write_atomic(path, json.dumps(asdict(checkpoint), indent=1).encode("ascii"), mode=0o644)


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file; ValueError naming what is wrong with it."""
    try:
        values = json.loads(path.read_text(encoding="ascii"))
        return Checkpoint(seq=int(values["seq"]), entry_hash=str(values["entry_hash"]),
                          created_at=str(values["created_at"]), public_key=str(values["public_key"]),
                          signature=str(values["signature"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not an audit checkpoint ({type(exc).__name__})") from None


def checkpoint_problems(checkpoint: Checkpoint, hub_public_key: bytes | None,
                        found: dict[int, str]) -> list[str]:
    """What is wrong between a checkpoint and the chain (``found``: sequence number -> entry hash)."""
    if hub_public_key is not None and checkpoint.public_key.encode("ascii").strip() != hub_public_key.strip():
        return ["the checkpoint was signed by another key than this hub's checkpoint key"]
    try:
        signature = bytes.fromhex(checkpoint.signature)
    except ValueError:
        signature = b""
    if not signature_valid(checkpoint.public_key.encode("ascii"), checkpoint.payload(), signature):
        return ["the checkpoint's signature does not verify: the file was altered"]
    present = found.get(checkpoint.seq)
    if present is None:
        last = max(found, default=0)
        return [f"checkpointed entry {checkpoint.seq} is missing (the trail ends at entry {last}): "
                "entries were removed since the checkpoint"]
    if present != checkpoint.entry_hash:
        return [f"checkpointed entry {checkpoint.seq} has another hash than the checkpoint recorded: "
                "the chain up to it was rewritten"]
    return []
