"""The demo process keeps its own warnings (its modalities' associations) in demo.log, and only while it runs."""

from __future__ import annotations

import logging
from pathlib import Path

from imaging_hub.demo.own_log import OwnLog


def test_warnings_of_the_demo_process_are_kept_in_its_folder(tmp_path: Path) -> None:
    own = OwnLog(tmp_path).start()
    try:
        logging.getLogger("pynetdicom.assoc").warning("Received an unexpected C-STORE response")
        logging.getLogger("imaging_hub.demo").info("a routine step")  # below the file's level
    finally:
        own.stop()
    text = (tmp_path / "demo.log").read_text()
    assert "WARNING pynetdicom.assoc: Received an unexpected C-STORE response" in text
    assert "routine step" not in text


def test_nothing_is_written_after_stop_and_the_handler_is_gone(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    own = OwnLog(tmp_path).start()
    own.start()  # a second start adds no second handler
    assert len(root.handlers) == len(before) + 1
    own.stop()
    own.stop()
    assert root.handlers == before
    logging.getLogger("pynetdicom").warning("after the demo stopped")
    assert "after the demo stopped" not in (tmp_path / "demo.log").read_text()
