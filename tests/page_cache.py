"""How much of a file the kernel holds in its page cache (Linux mincore(2)), for tests of code that lets go of
cached pages."""

from __future__ import annotations

import ctypes
import mmap
import sys
from pathlib import Path

import pytest

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="residency is read with mincore(2)")


def resident_pages(path: Path) -> int:
    """Pages of ``path`` in the page cache now (mapping the file reads none of it)."""
    size = path.stat().st_size
    pages = -(-size // mmap.PAGESIZE)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_ubyte)]
    with open(path, "rb") as file, mmap.mmap(file.fileno(), size, access=mmap.ACCESS_COPY) as mapped:
        start = ctypes.c_char.from_buffer(mapped)
        try:
            residency = (ctypes.c_ubyte * pages)()
            if libc.mincore(ctypes.addressof(start), size, residency) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
            return sum(flag & 1 for flag in residency)
        finally:
            del start  # the mapping cannot close while ctypes holds a view of it
