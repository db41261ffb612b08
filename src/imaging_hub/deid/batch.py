"""De-identify a folder tree: every DICOM file under SRC to DST, named by the new UIDs, optionally in a
process pool. The input is only read. Each output is written whole before it is named (``write_atomic``),
so a crash never leaves a partial file under its final name."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from imaging_hub.deid.deidentifier import (
    SERIES_INSTANCE_UID,
    SOP_INSTANCE_UID,
    STUDY_INSTANCE_UID,
    Deidentifier,
)
from imaging_hub.deid.errors import Quarantined
from imaging_hub.deid.profile import Profile
from imaging_hub.deid.project_key import ProjectKey
from imaging_hub.deid.raw_values import text_value
from imaging_hub.deid.report import RunReport
from imaging_hub.dicom import ConfidentialityOption, load_private_kb, load_table
from imaging_hub.dicom.part10 import encode_part10_buffers, read_part10, truncation
from imaging_hub.files import write_atomic


@dataclass
class FileResult:
    source: str  # relative to SRC
    status: str  # deidentified | quarantined | failed | skipped
    output: str = ""  # relative to DST
    reason: str = ""
    actions: dict[str, int] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)


def is_dicom_file(path: Path) -> bool:
    """A Part 10 file: 128-byte preamble then "DICM"."""
    try:
        with path.open("rb") as fp:
            head = fp.read(132)
    except OSError:
        return False
    return len(head) == 132 and head[128:] == b"DICM"


def output_path(ds: pydicom.Dataset) -> Path:
    study, series, instance = (text_value(ds, tag) for tag in (STUDY_INSTANCE_UID, SERIES_INSTANCE_UID,
                                                                 SOP_INSTANCE_UID))
    return Path(study, series, f"{instance}.dcm")


def deidentify_file(deid: Deidentifier, src_root: Path, dst_root: Path, path: Path) -> FileResult:
    relative = str(path.relative_to(src_root))
    try:
        with open(path, "rb", buffering=0) as fp:
            data = fp.read()  # one read: the Part 10 check and the parse work on the same bytes
    except OSError as exc:
        return FileResult(relative, "failed", reason=f"unreadable file ({type(exc).__name__})")
    if len(data) < 132:
        return FileResult(relative, "skipped", reason=f"not a DICOM Part 10 file (only {len(data)} bytes)")
    if data[128:132] != b"DICM":
        return FileResult(relative, "skipped", reason="not a DICOM Part 10 file (no DICM marker at byte 128)")
    try:
        source = read_part10(data)
    except Exception:  # pydicom's message may quote values; the file is named by the caller
        return FileResult(relative, "failed", reason="unreadable DICOM (damaged or cut off)")
    cut = truncation(source, len(data))
    if cut is not None:
        return FileResult(relative, "failed", reason=cut)
    try:
        outcome = deid.deidentify(source)
        encoded = encode_part10_buffers(outcome.dataset)  # the pixels' bytes as read, not copied again
        target = output_path(outcome.dataset)
        write_atomic(dst_root / target, encoded, durable=False)  # a crash leaves no half-written output
    except Quarantined as exc:
        return FileResult(relative, "quarantined", reason=exc.reason)
    except InvalidDicomError:
        return FileResult(relative, "failed", reason="unreadable DICOM")
    except Exception as exc:  # one bad file must not stop the run; the message may quote values, so omit it
        return FileResult(relative, "failed", reason=f"{type(exc).__name__} while de-identifying")
    return FileResult(relative, "deidentified", str(target), actions=dict(outcome.actions),
                      review=outcome.review)


def iter_files(src: Path) -> Iterator[Path]:
    for directory, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            yield Path(directory, name)


_worker: tuple[Deidentifier, Path, Path] | None = None


def _init_worker(profile: Profile, key: ProjectKey, project_id: str | None, site_id: str | None,
                 src: Path, dst: Path) -> None:
    global _worker
    _worker = (Deidentifier(profile, key, project_id, site_id), src, dst)


def _work(path: Path) -> FileResult:
    assert _worker is not None
    deid, src, dst = _worker
    return deidentify_file(deid, src, dst, path)


def deidentify_tree(
    src: Path, dst: Path, profile: Profile, key: ProjectKey, *, workers: int = 1,
    project_id: str | None = None, site_id: str | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> RunReport:
    """De-identify every DICOM file under ``src`` into ``dst``; the report counts what happened."""
    src, dst = Path(src).resolve(), Path(dst).resolve()
    if dst == src or src in dst.parents:
        raise ValueError("the output folder must not be inside the input folder")
    dst.mkdir(parents=True, exist_ok=True)
    report = RunReport(profile=profile.name, key_fingerprint=key.fingerprint, workers=workers)
    started = time.perf_counter()
    paths = list(iter_files(src))
    if workers <= 1:
        deid = Deidentifier(profile, key, project_id, site_id)
        results: Iterator[FileResult] = (deidentify_file(deid, src, dst, p) for p in paths)
        _collect(results, report, on_result)
    else:
        # Parse the shipped tables once here: forked workers inherit them instead of each parsing its own.
        load_table()
        if _keeps_private(profile):
            load_private_kb()
        with ProcessPoolExecutor(workers, initializer=_init_worker,
                                 initargs=(profile, key, project_id, site_id, src, dst)) as pool:
            chunk = max(1, min(32, len(paths) // (workers * 4) or 1))
            _collect(pool.map(_work, paths, chunksize=chunk), report, on_result)
    report.elapsed_s = time.perf_counter() - started
    return report


def _keeps_private(profile: Profile) -> bool:
    return ConfidentialityOption.RETAIN_SAFE_PRIVATE in profile.options


def _collect(results: Iterator[FileResult], report: RunReport,
             on_result: Callable[[FileResult], None] | None) -> None:
    for result in results:
        report.add(result.status, result.source, result.output, result.reason, result.actions, result.review)
        if on_result is not None:
            on_result(result)
