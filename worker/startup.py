"""How a worker process starts and when it gives up, for both entry points: ``python -m worker``
and ``arq worker.WorkerSettings`` build the same `worker.waking.WakingWorker`, whose `main`
calls `open_worker_pool` and turns what ends it into a `WorkerExit` (code and line).

Exit codes (``checkfleet worker`` execs ``python -m worker``, so it has them too), each with
one log line and no traceback:

- 0: stopped (SIGTERM, SIGINT, or ``--burst`` with the queue empty);
- `EXIT_CONFIG` (2): a setting or the definitions do not load, or Redis refuses the worker
  (wrong or missing password, missing permission, untrusted certificate), at start-up or
  later. Fix the configuration: a restart will not help;
- `EXIT_REDIS_UNREACHABLE` (75, sysexits' ``EX_TEMPFAIL``): Redis did not answer within
  ``CHECKFLEET_STARTUP_TIMEOUT_S`` (30 s) of start-up, or went away before start-up was over
  (during the start-up hook: a failover, a restart). A restart later may help. Redis going
  away after start-up is ridden out, never an exit.
"""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from shared.errors import BackendUnavailableError, ConfigError
from shared.redis_connection import (
    LONG_LIVED,
    access_problem,
    connect_arq_client,
    open_redis,
    worker_startup,
)
from shared.redis_url import redacted
from shared.settings import Settings

EXIT_CONFIG = 2
EXIT_REDIS_UNREACHABLE = 75


@dataclass(frozen=True, slots=True)
class WorkerExit:
    """How a worker process ends: its exit code and the one line it logs. `WakingWorker.main`
    raises ``SystemExit(code)`` after the line, which leaves asyncio's ``run_until_complete``
    in arq's CLI too (asyncio re-raises SystemExit out of the task), so the interpreter exits
    with the code."""

    code: int
    line: str


async def open_worker_pool(settings: Settings) -> ArqRedis:
    """The worker's arq pool (`LONG_LIVED`: an outage after start-up is ridden out), once Redis
    has answered within the start-up wait. `RedisAccessError` when Redis refuses the worker,
    `BackendUnavailableError` when it did not answer in time."""
    probe = await open_redis(settings, worker_startup(settings.startup_timeout_s))
    await probe.aclose()
    return connect_arq_client(settings, LONG_LIVED)


def worker_exit(
    error: BaseException, settings: Settings, *, started: bool = True
) -> WorkerExit | None:
    """The exit of a worker that `error` ends (before its start-up was over unless
    `started`), or None when `error` is not one a worker exits on with a code (a bug, whose
    traceback is wanted)."""
    if isinstance(error, BackendUnavailableError):
        return WorkerExit(
            EXIT_REDIS_UNREACHABLE,
            f"worker cannot start within CHECKFLEET_STARTUP_TIMEOUT_S"
            f" ({settings.startup_timeout_s:g} s): {error}",
        )
    if isinstance(error, ConfigError):  # RedisAccessError included: it names the URL already
        return WorkerExit(EXIT_CONFIG, f"worker cannot start: {error}")
    problem = access_problem(error)
    where = redacted(settings.redis_url)
    if problem is not None:
        # Redis started refusing this worker while it ran (password rotated, certificate
        # replaced): not an outage to ride out.
        return WorkerExit(EXIT_CONFIG, f"worker stopped: {problem} (Redis at {where})")
    if not started and isinstance(error, RedisError | OSError):
        # Past the start-up wait, then lost in the start-up hook: the client's retries gave
        # up there. Nothing runs yet, so a restart (systemd, Kubernetes) loses nothing.
        return WorkerExit(
            EXIT_REDIS_UNREACHABLE,
            f"worker cannot start: Redis at {where} went away during start-up:"
            f" {type(error).__name__}: {error}",
        )
    return None
