"""The process-wide policy for what third-party libraries may say: pydicom's value checks, whose warnings
would quote identifiable values, are not run at all unless a caller asked for them to raise."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from pydicom import config
from pydicom.dataset import Dataset

import imaging_hub  # noqa: F401 - importing the package applies the policy
from imaging_hub.logs import silence_value_quoting_libraries

_SETTINGS = ("reading_validation_mode", "writing_validation_mode")


@pytest.fixture
def restored() -> Iterator[None]:
    before = {name: getattr(config.settings, name) for name in _SETTINGS}
    yield
    for name, value in before.items():
        setattr(config.settings, name, value)


def test_importing_the_package_turns_warning_only_validation_off() -> None:
    assert [getattr(config.settings, name) for name in _SETTINGS] == [config.IGNORE, config.IGNORE]


def test_a_value_pydicom_would_warn_about_is_not_checked(restored: None) -> None:
    config.settings.reading_validation_mode = config.settings.writing_validation_mode = config.WARN
    silence_value_quoting_libraries()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # undo the package's filter: only an unrun check stays silent
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
