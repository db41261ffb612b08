"""The demo process's own log file, beside the hub's and each spoke's.

The demo is itself a DICOM peer: each site's "modality" sends its studies from this process, so pynetdicom's
warnings about those associations (an abort, an unexpected response) are raised here, not in a spoke. Without
a handler Python prints them over the progress bars and keeps nothing; this keeps them in ``demo.log``. Only
warnings and worse are kept, and ``logs.silence_value_quoting_libraries`` (run by every command) has already
raised pydicom and pynetdicom to levels whose messages quote no element value.
"""

from __future__ import annotations

import logging
from pathlib import Path

from imaging_hub.logs import LINE_FORMAT

FILE_NAME = "demo.log"


class OwnLog:
    """``OwnLog(folder).start()`` sends this process's warnings to ``folder/demo.log``; ``stop()`` ends it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self._handler: logging.Handler | None = None

    def start(self) -> OwnLog:
        if self._handler is None:
            handler = logging.FileHandler(self.path, encoding="utf-8")
            handler.setLevel(logging.WARNING)
            handler.setFormatter(logging.Formatter(LINE_FORMAT))
            logging.getLogger().addHandler(handler)
            self._handler = handler
        return self

    def stop(self) -> None:
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler.close()
            self._handler = None
