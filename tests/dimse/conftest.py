"""DIMSE test fixtures: the hub's DICOM server over the shared ``archive`` fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imaging_hub.dimse import DicomServer
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive


@pytest.fixture
def hub(archive: Archive) -> Iterator[DicomServer]:
    """A running DicomServer on a free port with no C-MOVE peers and no governance restriction."""
    with DicomServer(ArchiveForDicom(archive), port=0) as server:
        yield server
