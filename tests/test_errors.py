"""Every error class of Imaging Hub derives from the one base class, keeping the bases callers catch."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import imaging_hub
from imaging_hub.errors import ImagingHubError


def _error_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(imaging_hub.__path__, "imaging_hub."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Exception) and value.__module__.startswith("imaging_hub."):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_every_error_class_derives_from_the_base() -> None:
    classes = _error_classes()
    assert len(classes) > 20
    outside = [f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, ImagingHubError)]
    assert outside == []


@pytest.mark.parametrize(("name", "other_base"), [
    ("imaging_hub.store.InvalidInstance", ValueError),
    ("imaging_hub.store.QueryError", ValueError),
    ("imaging_hub.governance.errors.InvalidInput", ValueError),
    ("imaging_hub.spoke.participants.enrolment.EnrolmentError", ValueError),
    ("imaging_hub.spoke.runtime.gateway.SpokeAlreadyRunning", RuntimeError),
])
def test_existing_bases_are_kept(name: str, other_base: type[Exception]) -> None:
    module, _, attribute = name.rpartition(".")
    cls = getattr(importlib.import_module(module), attribute)
    assert issubclass(cls, ImagingHubError) and issubclass(cls, other_base)
