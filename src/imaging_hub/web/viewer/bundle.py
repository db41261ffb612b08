"""OHIF's built ``dist/`` moved from the site root, where it was built to live, to a sub-path such as /viewer/.

The published build names its root in three kinds of places: the page (``window.PUBLIC_URL``, script and
link addresses), webpack's public path in each entry bundle (where lazy chunks, workers and WebAssembly are
fetched from) and ``url(/...)`` in its stylesheet. Those files are rewritten once, in memory, on first use;
every other file is served as published.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cached_property
from pathlib import Path
from threading import Lock

DIST = Path(__file__).parent.parent / "assets" / "node_modules" / "@ohif" / "app" / "dist"
_WEBPACK_ROOT = b'__webpack_require__.p = "/";'
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


class OhifBundle:
    def __init__(self, prefix: str, dist: Path = DIST) -> None:
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError(f"the viewer's prefix must start and end with '/', got {prefix!r}")
        self.prefix = prefix
        self.dist = dist
        self._rebased: dict[Path, bytes | None] = {}
        self._lock = Lock()

    @property
    def installed(self) -> bool:
        return (self.dist / "index.html").is_file()

    def file(self, path: str) -> Path | None:
        """The published file at ``path`` under dist/, or None (also for anything outside it)."""
        root = self.dist.resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target

    def rebased(self, target: Path) -> bytes | None:
        """The file's bytes rewritten for the prefix, or None when it names no root (serve it as it is)."""
        if target.suffix not in (".js", ".css", ".html"):
            return None
        with self._lock:
            if target not in self._rebased:
                data = target.read_bytes()
                moved = self._rebase(target.suffix, data)
                self._rebased[target] = moved if moved != data else None
            return self._rebased[target]

    @cached_property
    def index(self) -> bytes:
        page = self.dist / "index.html"
        return self.rebased(page) or page.read_bytes()

    @cached_property
    def inline_script_hashes(self) -> tuple[str, ...]:
        """CSP sources for the page's inline scripts, so the policy need not allow 'unsafe-inline' scripts."""
        return tuple(
            "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
            for body in _INLINE_SCRIPT.findall(self.index)
        )

    def _rebase(self, suffix: str, data: bytes) -> bytes:
        prefix = self.prefix.encode()
        if suffix == ".html":
            data = data.replace(b'window.PUBLIC_URL="/"', b'window.PUBLIC_URL="' + prefix + b'"')
            for attribute in (b'href="/', b'src="/', b'content="/'):
                data = data.replace(attribute, attribute[:-1] + prefix)
        elif suffix == ".css":
            data = data.replace(b"url(/", b"url(" + prefix)
        else:
            data = data.replace(_WEBPACK_ROOT, b'__webpack_require__.p = "' + prefix + b'";')
        return data
