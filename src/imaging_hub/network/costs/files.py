"""Writing several output files as one step: all are written beside their targets first, then all are renamed
into place, so an error while writing any of them leaves none of them (and no half-written file) behind."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

Writer = Callable[[Path], None]


def write_together(outputs: Sequence[tuple[Path, Writer]]) -> None:
    targets = [target.resolve() for target, _ in outputs]
    if len(set(targets)) != len(targets):
        raise ValueError("two outputs name the same file")
    staged: list[Path] = []
    try:
        for target, write in outputs:
            temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            staged.append(temporary)
            write(temporary)
            with temporary.open("rb") as done:
                os.fsync(done.fileno())
        for temporary, (target, _) in zip(staged, outputs, strict=True):
            os.replace(temporary, target)
    except BaseException:
        for temporary in staged:
            temporary.unlink(missing_ok=True)
        raise
