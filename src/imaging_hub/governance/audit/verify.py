"""Checking the chain: every altered, removed, inserted or reordered entry is found and named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from imaging_hub.governance.audit.chain import GENESIS_HASH, compute_hash
from imaging_hub.governance.audit.checkpoint import Checkpoint, checkpoint_problems
from imaging_hub.governance.audit.keys import AuditKeyError, AuditKeys
from imaging_hub.governance.tables import AuditEntry


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(entries: Sequence[AuditEntry], head: tuple[int, str], keys: AuditKeys | None = None,
                 checkpoint: Checkpoint | None = None) -> VerifyReport:
    """Walk ``entries`` in sequence order and compare with the chain head recorded alongside them.

    With ``keys``, keyed entries are checked with their HMAC key, and an unkeyed entry after the chain was
    keyed is forged. With ``checkpoint``, the entry it names must still be there with the hash it recorded.
    """
    problems: list[str] = []
    seq_by_hash = {entry.entry_hash: entry.seq for entry in entries}
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            missing = (
                f"entry {expected_seq}" if entry.seq == expected_seq + 1 else f"entries {expected_seq}-{entry.seq - 1}"
            )
            problems.append(f"{missing} removed: the sequence jumps from {expected_seq - 1} to {entry.seq}")
        try:
            key = _key_for(entry, keys)
        except AuditKeyError as exc:
            problems.append(f"entry {entry.seq} {exc}")
        else:
            if compute_hash(entry, key=key) != entry.entry_hash:
                problems.append(_explain_mismatch(entry, seq_by_hash, key))
            elif entry.prev_hash != prev_hash:
                follows = seq_by_hash.get(entry.prev_hash)
                where = f"entry {follows}" if follows is not None else "an entry that is no longer present"
                problems.append(f"entry {entry.seq} out of place: it was written after {where}")
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash
    if checkpoint is not None:
        public_key = keys.public_key_pem() if keys is not None else None
        problems += checkpoint_problems(checkpoint, public_key, {e.seq: e.entry_hash for e in entries})
    _head_problems(entries, head, problems)
    return VerifyReport(checked=len(entries), head_seq=head[0], head_hash=head[1], problems=problems)


def _key_for(entry: AuditEntry, keys: AuditKeys | None) -> bytes | None:
    """The HMAC key an entry must verify with; AuditKeyError if it cannot be genuine."""
    if entry.key_id is None:
        if keys is not None and entry.seq > keys.legacy_until:
            raise AuditKeyError(f"forged: it carries no key, but every entry after {keys.legacy_until} is keyed")
        return None
    if keys is None:
        raise AuditKeyError(f"unchecked: it is keyed ({entry.key_id}) and no audit key folder was given")
    try:
        return keys.hmac_key(entry.key_id)
    except AuditKeyError as exc:
        raise AuditKeyError(f"forged: {exc}") from None


def _head_problems(entries: Sequence[AuditEntry], head: tuple[int, str], problems: list[str]) -> None:
    last_seq, last_hash = head
    if (entries and (entries[-1].seq, entries[-1].entry_hash) != (last_seq, last_hash)) or (not entries and last_seq):
        shown = entries[-1].seq if entries else 0
        problems.append(
            f"chain head records entry {last_seq} as the last, but the trail ends at entry {shown}: "
            "entries at the end were removed or added without the chain"
        )


def _explain_mismatch(entry: AuditEntry, seq_by_hash: dict[str, int], key: bytes | None) -> str:
    # A reordered entry is intact except for its position; find the position its hash was written for.
    predecessor = seq_by_hash.get(entry.prev_hash, 0 if entry.prev_hash == GENESIS_HASH else None)
    candidates = [predecessor + 1] if predecessor is not None else []
    candidates += range(max(1, entry.seq - _REORDER_WINDOW), entry.seq + _REORDER_WINDOW + 1)
    for original in candidates:
        if original != entry.seq and compute_hash(entry, seq=original, key=key) == entry.entry_hash:
            return f"entry {entry.seq} reordered: it was written as entry {original}"
    return f"entry {entry.seq} altered: its content does not match its hash"


_REORDER_WINDOW = 1000
