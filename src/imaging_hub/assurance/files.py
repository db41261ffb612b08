"""Write a report's files together: every file goes to a temporary name first, then all are renamed, so a
failure while rendering leaves none of them behind."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def write_together(folder: Path, files: Mapping[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, content in files.items():
            part = folder / f".{name}.part"
            with part.open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((part, folder / name))
    except BaseException:
        for part, _ in staged:
            part.unlink(missing_ok=True)
        raise
    for part, final in staged:
        part.replace(final)
    return [final for _, final in staged]
