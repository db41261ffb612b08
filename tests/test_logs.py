"""What third-party libraries may say: pydicom's value checks, whose warnings would quote identifiable values,
are not run at all unless a caller asked for them to raise. That policy is process-wide, so only the entry
points apply it (the command, the spoke's child processes); importing the package changes nothing."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest
from pydicom import config
from pydicom.dataset import Dataset

from imaging_hub.logs import silence_value_quoting_libraries

_SETTINGS = ("reading_validation_mode", "writing_validation_mode")
_LOGGERS = ("pydicom", "pynetdicom")

# pydicom's settings, the warnings filters and logging's configuration, as a fresh interpreter has them once
# the libraries are imported, compared after importing every module of the package (the command's
# ``__main__`` runs it, and migration scripts are loaded by Alembic, not imported).
_IMPORT_EVERYTHING = """
import importlib, logging, pkgutil, warnings
import pydicom.config as config, pynetdicom
# Libraries that add warnings filters of their own when imported (numpy, scipy, urllib3 through requests):
# imported first, so that what is compared is what the package's own code does.
for library in ("numpy", "scipy.special", "scipy.ndimage", "skimage.filters", "requests", "sklearn.metrics",
                "statsmodels.api", "matplotlib", "highdicom", "dask.distributed", "fastapi", "sqlalchemy"):
    importlib.import_module(library)

def state():
    return (
        [getattr(config.settings, name) for name in ("reading_validation_mode", "writing_validation_mode")],
        list(warnings.filters), logging.root.level, list(logging.root.handlers), logging.root.manager.disable,
        [logging.getLogger(name).level for name in ("pydicom", "pynetdicom")],
    )

before = state()
import imaging_hub
modules = [m.name for m in pkgutil.walk_packages(imaging_hub.__path__, "imaging_hub.")
           if ".migrations." not in m.name and not m.name.endswith("__main__")]
for name in modules:
    importlib.import_module(name)
    if state() != before:
        print("changed by", name)
        break
else:
    print("unchanged after", len(modules), "modules")
"""


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def restored() -> Iterator[None]:
    """The policy applied in this process is taken back afterwards."""
    before = {name: getattr(config.settings, name) for name in _SETTINGS}
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    with warnings.catch_warnings():  # restores the filters on the way out
        yield
    for name, value in before.items():
        setattr(config.settings, name, value)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_importing_the_package_changes_nothing_process_wide() -> None:
    out = _run(_IMPORT_EVERYTHING)
    assert out.startswith("unchanged after") and int(out.split()[-2]) > 50, out


@pytest.mark.parametrize("entry", [
    "from imaging_hub.cli import app; app(['version'], standalone_mode=False)",
    "import os; from imaging_hub.spoke.runtime.lifetime import start_child; start_child(os.getppid())",
])
def test_each_entry_point_applies_the_policy(entry: str) -> None:
    out = _run(f"""
import logging, warnings, pydicom.config as config
{entry}
print(config.settings.reading_validation_mode == config.settings.writing_validation_mode == config.IGNORE,
      logging.getLogger("pydicom").getEffectiveLevel() >= logging.ERROR,
      any(f[0] == "ignore" and f[3] is not None and f[3].pattern.startswith("pydicom") for f in warnings.filters))
""")
    assert out.splitlines()[-1] == "True True True"


def test_a_value_pydicom_would_warn_about_is_not_checked(restored: None) -> None:
    config.settings.reading_validation_mode = config.settings.writing_validation_mode = config.WARN
    silence_value_quoting_libraries()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # undo the policy's filter: only an unrun check stays silent
        ds = Dataset()
        ds.PatientBirthDate = "QQDOB7741"  # not a DA
        ds.PatientID = "PLANTID7741" * 8  # over LO's 64 characters
    assert caught == []
    assert ds.PatientBirthDate == "QQDOB7741"  # kept as given: nothing is changed, only not checked


def test_validation_a_caller_wants_to_raise_stays_on(restored: None) -> None:
    config.settings.reading_validation_mode = config.settings.writing_validation_mode = config.RAISE
    silence_value_quoting_libraries()
    assert [getattr(config.settings, name) for name in _SETTINGS] == [config.RAISE, config.RAISE]
    with pytest.raises(ValueError):
        Dataset().PatientBirthDate = "QQDOB7741"
