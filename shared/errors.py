"""The one exception tree of checkfleet, grouped by what the caller should do about it.

::

    CheckfleetError                  root: catch this to catch everything of ours
    ├── ConfigError                  fix the configuration, retrying will not help
    │   ├── SettingsError            a CHECKFLEET_* environment variable is invalid
    │   ├── SpecError                a checkpoint, validator, action or trigger spec is invalid
    │   │   ├── UnknownTypeError     a type name that no registry knows (lists the known ones)
    │   │   ├── UnknownCheckpointError  a checkpoint name this process does not know
    │   │   └── SpecProblemsError    several problems at once (``checkfleet validate`` lists them)
    │   ├── SpecRefusedError         an inline spec the worker's policy refuses (names the rule
    │   │                            and the setting that would allow it)
    │   └── RedisAccessError         Redis refuses this client: password, permission, certificate
    ├── DecodeError                  bytes that are not a valid checkfleet message: report them
    │   ├── MalformedRequestError    an entry of the request stream that cannot become a run
    │   └── SignatureError           a request unsigned, stale or forged where signing is on
    ├── TransientError               the operation may succeed if retried later
    │   ├── BackendUnavailableError  Redis (or another backend) cannot be reached
    │   ├── StoreError               the results store could not be read or written
    │   └── FleetUnavailable         the dashboard's Redis did not answer (shown on the page)
    ├── ExecutionError               a run could not complete: report it as an `error` result
    │   ├── CheckpointTimeoutError   a run exceeded its timeout
    │   ├── SourceError              the data source is missing, unreadable or corrupt
    │   ├── UndeliveredRunError      the client runner could not deliver a run's result
    │   ├── ScanCancelledError       a run's scan process was stopped (its timeout)
    │   ├── ScanProcessError         a scan process died without answering
    │   ├── ResultTimeoutError       a client waited for a run's result longer than allowed
    │   └── RunLostError             Redis no longer knows a run and no worker runs it
    ├── RunCancelledError            a validation was told to stop (its run timed out or ended)
    ├── PoolClosedError              a `CheckpointPool` that is not running was given work
    ├── RunControlError              a run id that cannot be cancelled or rerun (malformed, unknown)
    ├── NotPushableError             internal: a SQL source's check is fetched, not pushed down
    ├── RetryStopped                 internal: carries an access error out of redis-py's retry
    └── DeadLetterError              a dead letter that does not exist or cannot be requeued

A failed expectation is never an exception: it is a `CheckpointResult` with status `failure`.
An exception means the check could not run at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


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


class RedisAccessError(ConfigError):
    """Redis answers but will never accept this client: a wrong or missing password, a user
    without a permission, an untrusted or mismatched TLS certificate. Not an outage: retrying
    does not help, so it is raised at once (processes exit with a message)."""


class UnknownCheckpointError(SpecError):
    """A run request names a checkpoint that this process does not know."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        listing = ", ".join(sorted(known)) or "none registered"
        super().__init__(f"unknown checkpoint {name!r}; known: {listing}")


class Problem(Protocol):
    """One located problem (`shared.problems.ConfigProblem`); ``str()`` reads ``path: message``."""

    @property
    def path(self) -> str: ...

    @property
    def message(self) -> str: ...


class SpecProblemsError(SpecError):
    """A `SpecError` carrying several problems; its message lists them all, its `path` is the
    first one's."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        if len(self.problems) == 1:
            super().__init__(first.message, path=first.path or None)
        else:
            super().__init__("; ".join(str(problem) for problem in self.problems))
            self.path = first.path or None


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


class MalformedRequestError(DecodeError):
    """A request entry that cannot become a run; the message says what is wrong."""


class SignatureError(DecodeError):
    """A request without a valid signature while `CHECKFLEET_SIGNING_KEY` is set."""


class TransientError(CheckfleetError):
    """The operation may succeed when retried later."""


class BackendUnavailableError(TransientError):
    """Redis, or another backend, cannot be reached."""


class StoreError(TransientError):
    """The results store (SQLite file, PostgreSQL) could not be opened, read or written; the
    message names the store (without its password) and the cause."""


class FleetUnavailable(TransientError):
    """Redis did not answer the dashboard; the message is shown on the page."""


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


class ResultTimeoutError(ExecutionError):
    """No result arrived for a run within the client's wait; the run may still finish."""

    def __init__(self, run_id: str, timeout_s: float) -> None:
        self.run_id = run_id
        self.timeout_s = timeout_s
        super().__init__(
            f"no result for run {run_id} after {timeout_s:g} s; it may still finish and be"
            " published under its run id"
        )


class RunLostError(ExecutionError):
    """A run's job is gone from Redis, no worker runs it and it has no result: Redis lost it
    (a restart without persistence, a failover to a replica that missed it, evicted keys) or
    arq dropped it."""

    def __init__(self, run_id: str, gone_s: float) -> None:
        self.run_id = run_id
        super().__init__(
            f"run {run_id} was lost: for {gone_s:.0f} s its job has not been in Redis, no worker"
            " has run it and it has no result (Redis restarted without persistence, failed over"
            " to a replica that missed it, or evicted keys?); submit it again"
        )


class ScanCancelledError(ExecutionError):
    """The run was cancelled (its timeout) during the scan: the scan process was stopped."""


class ScanProcessError(ExecutionError):
    """A scan process failed or died without answering (killed by the OS: out of memory?)."""


class UndeliveredRunError(ExecutionError):
    """A run whose result the runner could not deliver: still running at stop, or finished
    with no room left in the result queue. `run_id` finds it on the fleet's results stream."""

    def __init__(self, message: str, *, run_id: str, checkpoint: str) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.checkpoint = checkpoint


class RunCancelledError(CheckfleetError):
    """The run was cancelled through its `cancel` event."""


class PoolClosedError(CheckfleetError):
    """The pool is not running: not started yet, or stopped before the run was done."""


class RunControlError(CheckfleetError):
    """A run id that cannot be acted on (malformed, unknown); the message says why."""


class DeadLetterError(CheckfleetError):
    """A dead letter that does not exist, or cannot be requeued (the reason says why)."""


class NotPushableError(CheckfleetError):
    """The expression uses something the push-down compiler does not translate exactly (caught
    inside `shared.pushdown`, which then fetches the rows instead)."""


class RetryStopped(CheckfleetError):
    """Internal: carries an access error (credentials, permission, certificate) through
    redis-py's retry loop, which would otherwise retry it as an outage; `shared.redis_connection`
    unwraps it, so callers still see the original error."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error
