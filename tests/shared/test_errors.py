"""Every exception class of checkfleet is defined in `shared.errors` and drawn in its tree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

import shared.errors
from shared.errors import CheckfleetError

PACKAGES = ("shared", "producer", "worker")


@cache
def defined_exceptions() -> dict[str, type[BaseException]]:
    """The exception classes each module of our packages defines itself, by qualified name."""
    found: dict[str, type[BaseException]] = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        modules = [package_name] + [
            info.name
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}.")
            if not info.name.endswith("__main__")  # running it would start a process
        ]
        for module_name in modules:
            module = importlib.import_module(module_name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, BaseException)
                    and value.__module__ == module_name
                ):
                    found[f"{module_name}.{name}"] = value
    return found


def test_every_exception_lives_in_the_tree_of_shared_errors() -> None:
    exceptions = defined_exceptions()
    outside = sorted(name for name in exceptions if not name.startswith("shared.errors."))
    assert outside == []
    assert all(issubclass(cls, CheckfleetError) for cls in exceptions.values())


def test_the_tree_in_the_docstring_names_every_exception() -> None:
    tree = shared.errors.__doc__ or ""
    missing = [
        name.removeprefix("shared.errors.")
        for name in defined_exceptions()
        if name.removeprefix("shared.errors.") not in tree
    ]
    assert missing == []
