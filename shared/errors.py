"""The one exception tree of checkfleet, grouped by what the caller should do about it.

::

    CheckfleetError                  root: catch this to catch everything of ours
    ├── ConfigError                  fix the configuration, retrying will not help
    │   ├── SettingsError            a CHECKFLEET_* environment variable is invalid
    │   ├── SpecError                a checkpoint, validator, action or trigger spec is invalid
    │   │   └── UnknownTypeError     a type name that no registry knows (lists the known ones)
    │   └── SpecRefusedError         an inline spec the worker's policy refuses (names the rule
    │                                and the setting that would allow it)
    ├── DecodeError                  bytes that are not a valid checkfleet message: report them
    │   └── SignatureError           a request unsigned, stale or forged where signing is on
    ├── TransientError               the operation may succeed if retried later
    │   ├── BackendUnavailableError  Redis (or another backend) cannot be reached
    │   └── StoreError               the results store could not be read or written
    └── ExecutionError               a run could not complete: report it as an `error` result
        ├── CheckpointTimeoutError   a run exceeded its timeout
        └── SourceError              the data source is missing, unreadable or corrupt

A failed expectation is never an exception: it is a `CheckpointResult` with status `failure`.
An exception means the check could not run at all.
"""

from __future__ import annotations

from collections.abc import Iterable


class CheckfleetError(Exception):
    """Root of every exception raised by checkfleet."""


class ConfigError(CheckfleetError):
    """The configuration is wrong; fix it, retrying will not help."""


class SettingsError(ConfigError):
    """An environment variable read by the settings has an invalid value."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


class SpecError(ConfigError):
    """A declarative spec (checkpoint, validator, action, trigger) is invalid.

    `path` locates the field, e.g. ``checkpoints[2].validators[0].config.min``.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class UnknownTypeError(SpecError):
    """A type name that is not registered; the message lists the names that are."""

    def __init__(
        self, kind: str, name: str, known: Iterable[str], *, path: str | None = None
    ) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        listing = ", ".join(self.known) or "none registered"
        super().__init__(f"unknown {kind} {name!r}; known: {listing}", path=path)


class SpecRefusedError(ConfigError):
    """An inline spec that the worker's trust policy refuses; nothing of it ran.

    `refusals` are the broken rules, each naming the setting that would allow it.
    """

    def __init__(self, refusals: Iterable[object]) -> None:
        self.refusals = list(refusals)
        listing = "; ".join(str(refusal) for refusal in self.refusals)
        super().__init__(f"inline spec refused: {listing}")


class DecodeError(CheckfleetError):
    """Bytes that are not a valid checkfleet message (garbage, pickle, wrong schema)."""


class SignatureError(DecodeError):
    """A request without a valid signature while `CHECKFLEET_SIGNING_KEY` is set."""


class TransientError(CheckfleetError):
    """The operation may succeed when retried later."""


class BackendUnavailableError(TransientError):
    """Redis, or another backend, cannot be reached."""


class StoreError(TransientError):
    """The results store (SQLite file, PostgreSQL) could not be opened, read or written; the
    message names the store (without its password) and the cause."""


class ExecutionError(CheckfleetError):
    """A run could not complete; it is reported as a result with status `error`."""


class CheckpointTimeoutError(ExecutionError):
    """A checkpoint run exceeded its `timeout_s`."""

    def __init__(self, checkpoint: str, timeout_s: float) -> None:
        self.checkpoint = checkpoint
        self.timeout_s = timeout_s
        super().__init__(f"checkpoint {checkpoint!r} exceeded its timeout of {timeout_s:g} s")


class SourceError(ExecutionError):
    """The data source could not be read: no file matches, or a file is unreadable or corrupt."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"source {source!r}: {problem}")
