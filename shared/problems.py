"""`ConfigProblem`: one thing wrong with a checkpoint's configuration, located by a path.

``Checkpoint.validate()`` returns a list of these so every problem is reported at once; raising
stops at the first. ``str(problem)`` reads ``validators[1].config.min: must be a number``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from shared.errors import SpecError, SpecProblemsError


@dataclass(frozen=True)
class ConfigProblem:
    """A configuration problem: where (a dotted path, may be empty) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    @classmethod
    def from_spec_error(cls, error: SpecError, *, prefix: str = "") -> ConfigProblem:
        """The problem a `SpecError` describes, its path placed under `prefix`."""
        message = str(error)
        if error.path and message.startswith(f"{error.path}: "):
            message = message[len(error.path) + 2 :]
        return cls(join_path(prefix, error.path or ""), message)


def join_path(prefix: str, path: str) -> str:
    """``a.b`` + ``c`` -> ``a.b.c``; ``a`` + ``[0]`` -> ``a[0]``; either may be empty."""
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def location_path(location: Sequence[int | str]) -> str:
    """A pydantic error location as a path: ``("columns", 0)`` -> ``columns[0]``."""
    path = ""
    for part in location:
        path = join_path(path, f"[{part}]" if isinstance(part, int) else str(part))
    return path


def problems_from_validation_error(error: ValidationError, *, prefix: str) -> list[ConfigProblem]:
    """One problem per pydantic error, each at its field's path under `prefix`."""
    problems = []
    for item in error.errors():
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        message = message.removeprefix("Value error, ")
        problems.append(ConfigProblem(join_path(prefix, location_path(item["loc"])), message))
    return problems


def problems_of(error: SpecError, *, prefix: str = "") -> list[ConfigProblem]:
    """The problems a `SpecError` reports (one, unless it is a `SpecProblemsError`), located
    under `prefix`."""
    if isinstance(error, SpecProblemsError):
        return [ConfigProblem(join_path(prefix, p.path), p.message) for p in error.problems]
    return [ConfigProblem.from_spec_error(error, prefix=prefix)]


def raise_problems(problems: Iterable[ConfigProblem], *, prefix: str = "") -> None:
    """Raise one `SpecProblemsError` listing every problem, located under `prefix`; nothing
    when there is none."""
    located = [ConfigProblem(join_path(prefix, p.path), p.message) for p in problems]
    if located:
        raise SpecProblemsError(located)
