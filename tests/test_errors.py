"""Every error navwatch raises on purpose is a NavwatchError, defined in navwatch.errors."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import navwatch
from navwatch import errors


def _modules():
    for info in pkgutil.walk_packages(navwatch.__path__, "navwatch."):
        if info.name.endswith("__main__"):
            continue  # running it is the CLI
        yield importlib.import_module(info.name)


def test_every_public_exception_is_a_navwatch_error_defined_in_errors():
    seen = set()
    for mod in _modules():
        for name, obj in inspect.getmembers(mod, inspect.isclass):
            if (
                issubclass(obj, BaseException)
                and obj.__module__.startswith("navwatch")
                and not name.startswith("_")
            ):
                seen.add(obj)
                assert issubclass(obj, errors.NavwatchError), f"{obj.__module__}.{name}"
                assert obj.__module__ == "navwatch.errors", f"{name} is defined in {obj.__module__}"
    assert {errors.DeliveryError, errors.StateError, errors.StateConflict} <= seen


def test_lookup_and_value_errors_keep_their_builtin_bases():
    # callers that catch KeyError / ValueError keep working
    assert issubclass(errors.NotFoundError, KeyError) and issubclass(errors.ConfigError, ValueError)
    assert str(errors.NotFoundError("no such step")) == "no such step"
    with pytest.raises(errors.NavwatchError):
        navwatch.simulate.simulate(1, n_vessels=0)


def test_public_api_stays_small():
    # port events, dispersal, reports (14) and activity at sea (detect_activity, ActivityParams,
    # activity_per_day); everything else lives in its subpackage
    assert len(navwatch.__all__) <= 17
    for name in navwatch.__all__:
        assert getattr(navwatch, name) is not None
