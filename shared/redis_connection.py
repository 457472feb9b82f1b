"""The one way checkfleet connects to Redis: every process, CLI command and client builds its
clients here, from `Settings.redis_url` (see `shared.redis_url` for the URL options: TLS, CA
file, client certificate, hostname check, password, Sentinel).

What differs between callers is the `RetryPolicy`: a worker rides out a Redis restart
(`LONG_LIVED`), the scheduler reports an outage quickly and retries in its own loops
(`SCHEDULER`), a client library retries a blip (`CLIENT`) and a CLI command fails fast
(`ONE_SHOT`). Under every policy a refused password, a missing permission or an untrusted
certificate is not an outage: it is raised at once as `RedisAccessError`, never retried.
Write refusals (``OOM`` under ``noeviction``, ``READONLY`` during a failover) are retried like
an outage: the command was not executed, so it is safe to repeat.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import Redis
from redis.asyncio.connection import SSLConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import (
    AuthenticationError,
    AuthenticationWrongNumberOfArgsError,
    AuthorizationError,
    ConnectionError,
    NoPermissionError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    TimeoutError,
)

from shared.errors import BackendUnavailableError, RedisAccessError, RetryStopped
from shared.redis_url import RedisTarget, parse_redis_url, redacted
from shared.serializer import deserialize_job, serialize_job
from shared.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Errors after which a command is retried: it did not run, or the connection broke.
RETRIABLE: tuple[type[Exception], ...] = (
    ConnectionError,
    TimeoutError,
    OutOfMemoryError,
    ReadOnlyError,
)
#: How often one process logs that it is retrying, at most.
RETRY_LOG_INTERVAL_S = 10.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a kind of caller lives with Redis being away."""

    name: str
    #: Attempts of one command before its error reaches the caller.
    attempts: int
    backoff_cap_s: float
    connect_timeout_s: float
    #: How long `open_redis` waits for an unreachable Redis at start-up (None: forever).
    startup_wait_s: float | None


#: Workers: ride out about a minute of Redis being away per command, wait forever at start-up.
LONG_LIVED = RetryPolicy("long-lived", 30, 2.0, 5.0, None)
#: The scheduler: its loops log an outage and back off themselves; a firing kept for retry
#: loses nothing, so a long silent retry inside a command buys nothing.
SCHEDULER = RetryPolicy("scheduler", 3, 1.0, 2.0, None)
#: The client API inside a service: a blip is retried, an outage becomes an exception.
CLIENT = RetryPolicy("client", 10, 1.0, 3.0, 5.0)
#: A CLI command: one answer, quickly.
ONE_SHOT = RetryPolicy("one-shot", 1, 0.5, 3.0, 0.0)


def worker_startup(wait_s: float) -> RetryPolicy:
    """A starting worker's probe (``CHECKFLEET_STARTUP_TIMEOUT_S``): one attempt per PING,
    which `check_redis` repeats until `wait_s` is over, so the wait is bounded and logs no
    retries; the worker then runs on a `LONG_LIVED` client."""
    return RetryPolicy("worker start-up", 1, 0.5, min(LONG_LIVED.connect_timeout_s, wait_s), wait_s)


def access_problem(error: BaseException) -> str | None:
    """Why `error` says Redis will never accept this client (credentials, permissions,
    certificates), or None when it may be an outage."""
    for cause in _chain(error):
        if isinstance(cause, (AuthenticationError, AuthenticationWrongNumberOfArgsError)):
            return f"Redis refused the credentials: {cause}"
        if isinstance(cause, (AuthorizationError, NoPermissionError)):
            return f"the Redis user lacks a permission: {cause}"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"the TLS certificate of Redis is not trusted: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return f"the TLS handshake with Redis failed: {cause.reason or cause}"
        # redis-py turns the SSL error into a ConnectionError, sometimes without the cause
        text = str(cause)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return f"the TLS certificate of Redis is not trusted: {text}"
        if "[SSL" in text:
            return f"the TLS handshake with Redis failed: {text}"
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


class FleetRetry(Retry):
    """redis-py's retry, except that access errors are raised at once, and that retrying is
    logged (at most every `RETRY_LOG_INTERVAL_S`) instead of silent."""

    _last_log = 0.0

    async def call_with_retry(
        self, do: Callable[[], Awaitable[T]], fail: Callable[[RedisError], Any]
    ) -> T:
        async def attempt() -> T:
            try:
                return await do()
            except Exception as exc:
                if access_problem(exc) is not None:
                    raise RetryStopped(exc) from exc
                raise

        async def failed(error: RedisError) -> Any:
            now = time.monotonic()
            # a retry of 0 retries (a probe, a one-shot command) reports its error itself
            if self._retries != 0 and now - FleetRetry._last_log >= RETRY_LOG_INTERVAL_S:
                FleetRetry._last_log = now
                logger.warning("Redis: %s: %s; retrying with backoff", type(error).__name__, error)
            await fail(error)

        try:
            return await super().call_with_retry(attempt, failed)
        except RetryStopped as stopped:
            raise stopped.error from None


class FailoverConnection(SentinelManagedConnection):
    """A connection to the master the sentinels name, trying that address once per connect.

    redis-py retries a connect to the same address with the connection's retry, inside the
    command's retry with the same policy: after a failover a client kept knocking at the dead
    master for the whole budget (~50 s measured) before asking the sentinels again. Here each
    attempt of the command's retry asks the sentinels, then connects once."""

    _ONCE = Retry(NoBackoff(), 0)

    async def connect(self) -> None:
        retry, self.retry = self.retry, self._ONCE
        try:
            await super().connect()  # type: ignore[no-untyped-call]
        finally:
            self.retry = retry


class FailoverSSLConnection(FailoverConnection, SSLConnection):
    pass


class FailoverPool(SentinelConnectionPool):
    """The master's connections; closing them closes the clients of the sentinels too (which
    redis-py leaves open)."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await super().disconnect(inuse_connections)
        for sentinel in self.sentinel_manager.sentinels:
            await sentinel.aclose()


def retry_for(policy: RetryPolicy) -> FleetRetry:
    # OSError too: a refused connect (Redis restarting) surfaces as ConnectionRefusedError
    # inside redis-py's connect retry, which by default retries only its own error types.
    return FleetRetry(
        ExponentialWithJitterBackoff(base=0.05, cap=policy.backoff_cap_s),
        max(policy.attempts - 1, 0),
        supported_errors=(*RETRIABLE, OSError),  # type: ignore[arg-type]
    )


def _client_options(target: RedisTarget, policy: RetryPolicy) -> dict[str, Any]:
    return {
        **target.connection_options(),
        "retry": retry_for(policy),
        "retry_on_error": list(RETRIABLE),
        "socket_connect_timeout": policy.connect_timeout_s,
        "health_check_interval": 10,
    }


def connect(settings: Settings, policy: RetryPolicy = LONG_LIVED) -> Redis:
    """A redis-py asyncio client for the fleet's Redis. Connects lazily: `open_redis` also
    checks that Redis accepts it."""
    return _client(settings, policy, Redis)


def _client(settings: Settings, policy: RetryPolicy, redis_class: type[Redis]) -> Redis:
    target = parse_redis_url(settings.redis_url)
    options = _client_options(target, policy)
    if target.sentinel:
        assert target.service is not None
        sentinel_options = {
            "password": target.sentinel_password or target.password,
            "username": target.username if target.sentinel_password is None else None,
            "socket_connect_timeout": policy.connect_timeout_s,
            "retry": retry_for(policy),
            **(target.tls_options() if target.tls else {}),
        }
        sentinel = Sentinel(list(target.hosts), sentinel_kwargs=sentinel_options)  # type: ignore[no-untyped-call]
        connection_class = FailoverSSLConnection if target.tls else FailoverConnection
        client: Redis = sentinel.master_for(
            target.service,
            redis_class=redis_class,
            connection_pool_class=FailoverPool,
            connection_class=connection_class,
            **options,
        )
        return client
    if target.unix_path is not None:
        return redis_class(unix_socket_path=target.unix_path, **options)
    (host, port), *_ = target.hosts
    return redis_class(host=host, port=port, **options)


def connect_arq_client(settings: Settings, policy: RetryPolicy = LONG_LIVED) -> ArqRedis:
    """An arq pool for the fleet (msgpack jobs, the fleet's queue), not yet checked."""
    client = _client(settings, policy, ArqRedis)
    assert isinstance(client, ArqRedis)
    client.job_serializer = serialize_job
    client.job_deserializer = deserialize_job
    client.default_queue_name = settings.keys.queue
    return client


async def connect_arq(settings: Settings, policy: RetryPolicy = CLIENT) -> ArqRedis:
    """`connect_arq_client`, checked by `open_redis`."""
    client = connect_arq_client(settings, policy)
    await _checked(client, settings, policy)
    return client


async def open_redis(settings: Settings, policy: RetryPolicy) -> Redis:
    """`connect`, then `check_redis`."""
    client = connect(settings, policy)
    await _checked(client, settings, policy)
    return client


async def _checked(client: Redis, settings: Settings, policy: RetryPolicy) -> None:
    try:
        await check_redis(client, settings, policy)
    except BaseException:
        await client.aclose()
        raise


async def check_redis(client: Redis, settings: Settings, policy: RetryPolicy) -> None:
    """PING until Redis answers: `RedisAccessError` at once when it refuses this client,
    `BackendUnavailableError` once the policy's start-up wait is over (no PING outlasts it).
    Waiting is logged every `RETRY_LOG_INTERVAL_S`: from the first failure when the wait is
    unbounded, after the first interval when it is bounded (a short wait ends in one line)."""
    where = redacted(settings.redis_url)
    wait_s = policy.startup_wait_s
    started = time.monotonic()
    last_log = 0.0 if wait_s is None else started
    delay_s = 0.1
    while True:
        left_s = None if wait_s is None else wait_s - (time.monotonic() - started)
        try:
            # a PING retried inside the client must not outlast the wait by more than one
            # connect (the builtin TimeoutError of asyncio.timeout is an OSError)
            bound_s = None if left_s is None else max(left_s, policy.connect_timeout_s)
            async with asyncio.timeout(bound_s):
                await client.ping()
            return
        except (RedisError, OSError) as exc:
            problem = access_problem(exc)
            if problem is not None:
                raise RedisAccessError(
                    f"{problem} (Redis at {where}, CHECKFLEET_REDIS_URL)"
                ) from None
            detail = str(exc) or f"no answer ({type(exc).__name__})"
        left_s = None if wait_s is None else wait_s - (time.monotonic() - started)
        if left_s is not None and left_s <= 0:
            raise BackendUnavailableError(
                f"cannot reach Redis at {where} (CHECKFLEET_REDIS_URL): {detail}"
            ) from None
        if time.monotonic() - last_log >= RETRY_LOG_INTERVAL_S:
            last_log = time.monotonic()
            logger.warning("waiting for Redis at %s: %s", where, detail)
        await asyncio.sleep(delay_s if left_s is None else min(delay_s, left_s))
        delay_s = min(delay_s * 2, 2.0)


def arq_redis_settings(settings: Settings) -> RedisSettings:
    """arq's own connection settings, for the health check (``--check`` of either entry point)
    and plain arq workers (tests, the raw arq benchmark): arq builds its client itself from
    these, with the same URL options but without the access-error handling. A checkfleet
    worker opens its pool with `connect_arq_client` instead (`worker.startup`)."""
    target = parse_redis_url(settings.redis_url)
    address: dict[str, Any]
    if target.sentinel:
        address = {"host": list(target.hosts), "sentinel": True, "sentinel_master": target.service}
    elif target.unix_path is not None:
        address = {"unix_socket_path": target.unix_path}
    else:
        (host, port), *_ = target.hosts
        address = {"host": host, "port": port}
    tls: dict[str, Any] = {}
    if target.tls:
        tls = {key: value for key, value in target.tls_options().items() if value is not None}
    return RedisSettings(
        **address,
        database=target.db,
        username=target.username,
        password=target.password,
        **tls,
        retry=retry_for(LONG_LIVED),
        retry_on_error=list(RETRIABLE),
        conn_retries=10,
    )
