"""A folder of DICOM files grouped into series, each with the hash of its content; other files set aside."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydicom import dcmread
from pydicom.errors import InvalidDicomError


@dataclass(frozen=True)
class SeriesFiles:
    """One series' files; ``content_hash`` changes when any instance is added, removed or altered."""

    series_instance_uid: str
    study_instance_uid: str
    paths: tuple[Path, ...]
    content_hash: str


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str


@dataclass
class FolderScan:
    series: list[SeriesFiles] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def iter_files(root: Path) -> Iterator[Path]:
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            yield Path(folder) / name


def scan_folder(root: Path, on_file: Callable[[Path], None] | None = None) -> FolderScan:
    """Read every file's header once; hash its bytes; group by SeriesInstanceUID."""
    grouped: dict[str, tuple[str, list[tuple[str, Path]]]] = {}
    scan = FolderScan()
    for path in iter_files(root):
        if on_file is not None:
            on_file(path)
        try:
            data = path.read_bytes()
            ds = dcmread(io.BytesIO(data), stop_before_pixels=True)
        except InvalidDicomError:
            scan.skipped.append(SkippedFile(path, "not a DICOM file"))
            continue
        except Exception as exc:  # a truncated or malformed file: name it and go on
            scan.skipped.append(SkippedFile(path, f"cannot be read as DICOM: {type(exc).__name__}"))
            continue
        series_uid = ds.get("SeriesInstanceUID")
        if not series_uid:
            reason = "a DICOMDIR, not an instance" if "DirectoryRecordSequence" in ds else "no SeriesInstanceUID"
            scan.skipped.append(SkippedFile(path, reason))
            continue
        entry = grouped.setdefault(str(series_uid), (str(ds.get("StudyInstanceUID", "")), []))
        entry[1].append((hashlib.sha256(data).hexdigest(), path))
    for series_uid, (study_uid, files) in grouped.items():
        files.sort()
        digest = hashlib.sha256("\n".join(h for h, _ in files).encode()).hexdigest()
        scan.series.append(SeriesFiles(series_uid, study_uid, tuple(p for _, p in files), digest))
    return scan
