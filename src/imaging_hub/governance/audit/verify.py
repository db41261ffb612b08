"""Checking the chain: every altered, removed, inserted or reordered entry is found and named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from imaging_hub.governance.audit.chain import GENESIS_HASH, compute_hash
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


def verify_chain(entries: Sequence[AuditEntry], head: tuple[int, str]) -> VerifyReport:
    """Walk ``entries`` in sequence order and compare with the chain head recorded alongside them."""
    problems: list[str] = []
    seq_by_hash = {entry.entry_hash: entry.seq for entry in entries}
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            missing = (
                f"entry {expected_seq}" if entry.seq == expected_seq + 1 else f"entries {expected_seq}-{entry.seq - 1}"
            )
            problems.append(f"{missing} removed: the sequence jumps from {expected_seq - 1} to {entry.seq}")
        if compute_hash(entry) != entry.entry_hash:
            problems.append(_explain_mismatch(entry, seq_by_hash))
        elif entry.prev_hash != prev_hash:
            follows = seq_by_hash.get(entry.prev_hash)
            where = f"entry {follows}" if follows is not None else "an entry that is no longer present"
            problems.append(f"entry {entry.seq} out of place: it was written after {where}")
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash
    last_seq, last_hash = head
    if (entries and (entries[-1].seq, entries[-1].entry_hash) != (last_seq, last_hash)) or (not entries and last_seq):
        shown = entries[-1].seq if entries else 0
        problems.append(
            f"chain head records entry {last_seq} as the last, but the trail ends at entry {shown}: "
            "entries at the end were removed or added without the chain"
        )
    return VerifyReport(checked=len(entries), head_seq=last_seq, head_hash=last_hash, problems=problems)


def _explain_mismatch(entry: AuditEntry, seq_by_hash: dict[str, int]) -> str:
    # A reordered entry is intact except for its position; find the position its hash was written for.
    predecessor = seq_by_hash.get(entry.prev_hash, 0 if entry.prev_hash == GENESIS_HASH else None)
    candidates = [predecessor + 1] if predecessor is not None else []
    candidates += range(max(1, entry.seq - _REORDER_WINDOW), entry.seq + _REORDER_WINDOW + 1)
    for original in candidates:
        if original != entry.seq and compute_hash(entry, seq=original) == entry.entry_hash:
            return f"entry {entry.seq} reordered: it was written as entry {original}"
    return f"entry {entry.seq} altered: its content does not match its hash"


_REORDER_WINDOW = 1000
