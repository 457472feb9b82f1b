"""Settings, read from the environment once, at an entry point, into one frozen object.

Library code never reads the environment itself: it is handed a `Settings`. An invalid value
fails at start-up with a `SettingsError` that names the variable.

=============================== ============================ =====================================
variable                        default                      meaning
=============================== ============================ =====================================
CHECKFLEET_REDIS_URL            redis://localhost:6379/0     Redis of the fleet (``redis://``,
                                                             ``rediss://``, ``unix://``,
                                                             ``redis+sentinel://``; TLS options:
                                                             `shared.redis_url`); when unset,
                                                             clients default to in-process
CHECKFLEET_PREFIX               checkfleet                   prefix of every Redis key
CHECKFLEET_CHECKPOINTS          (none)                       checkpoint definitions: a YAML/JSON
                                                             file or a Python module path
CHECKFLEET_RESULTS_MAXLEN       100000                       approximate cap of the results stream
CHECKFLEET_RESULT_TTL_S         86400                        lifetime of per-run result copies
CHECKFLEET_WORKER_CONCURRENCY   10                           jobs one worker runs at once
CHECKFLEET_JOB_TIMEOUT_S        300                          arq's hard limit on one job
CHECKFLEET_GRACEFUL_SHUTDOWN_S  30                           on SIGTERM, how long in-flight runs
                                                             may finish before they are re-queued
CHECKFLEET_HEARTBEAT_S          5                            seconds between worker heartbeats; a
                                                             worker silent for 3 of them is dead
                                                             and its runs are re-queued
CHECKFLEET_STARTUP_TIMEOUT_S    30                           how long a starting worker waits for
                                                             an unreachable Redis before it exits
                                                             (code 75); an outage after start-up
                                                             is ridden out
CHECKFLEET_IDLE_POLL_S          1                            how often an idle worker looks at the
                                                             queue between wakes (latency of
                                                             deferred jobs and aborts vs idle
                                                             Redis commands)
CHECKFLEET_EVENT_LOOP           uvloop                       the event loop of ``python -m worker``:
                                                             ``uvloop`` (libuv's, faster) or
                                                             ``asyncio`` (the standard library's)
CHECKFLEET_PLUGINS              (none)                       comma-separated modules to import at
                                                             start-up (custom validators/actions)
CHECKFLEET_LOG_FORMAT           text                         ``text`` (human) or ``json`` (one
                                                             object a line, for log shippers)
CHECKFLEET_LOG_LEVEL            INFO                         DEBUG, INFO, WARNING, ERROR, CRITICAL
CHECKFLEET_METRICS_PORT         (none)                       serve Prometheus metrics on this port
                                                             (worker and scheduler); off when unset
CHECKFLEET_ACTION_LIMITS        (none)                       per action type limits of actions in
                                                             flight in one worker: ``webhook=4,
                                                             slack=2``
CHECKFLEET_INLINE_SPECS         policy                       ``deny``, ``policy`` or ``trusted``:
                                                             how workers treat unsigned inline
                                                             specs (docs/security.md)
CHECKFLEET_DATA_ROOTS           (none)                       directories and URL prefixes inline
                                                             specs may read
CHECKFLEET_STORE_ROOTS          (none)                       directories ``store_result`` of
                                                             inline specs may write under
CHECKFLEET_ACTION_HOSTS         (none)                       hosts actions of inline specs may
                                                             send to (``*.example.com``, ``*``,
                                                             addresses, networks)
CHECKFLEET_SPEC_VARS            (none)                       variables ``${VAR}`` in inline specs
                                                             may expand
CHECKFLEET_SIGNING_KEY          (none)                       HMAC key: sign requests, refuse
                                                             unsigned ones
CHECKFLEET_SIGNATURE_MAX_AGE_S  86400                        a signature older than this is stale
CHECKFLEET_MAX_REQUEST_BYTES    1048576                      the largest job or request accepted
CHECKFLEET_MAX_WORKER_DEATHS    3                            a job whose worker died this often
                                                             is dead-lettered, not retried
CHECKFLEET_STORE_URL            (none)                       results store: ``sqlite:///path`` or
                                                             ``postgresql://...``; in-process runs
                                                             default to .checkfleet/history.db
CHECKFLEET_DASHBOARD_TOKEN      (none)                       the token the dashboard asks for
                                                             before it acts (cancel, re-run,
                                                             requeue); read-only when unset
=============================== ============================ =====================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shared.errors import SettingsError
from shared.keys import DEFAULT_PREFIX, Keys
from shared.redis_url import parse_redis_url

DEFAULT_REDIS_URL = "redis://localhost:6379/0"
_PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_.\-]+(?::[A-Za-z0-9_.\-]+)*")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

T = TypeVar("T")

#: Values of CHECKFLEET_LOG_FORMAT.
LOG_FORMATS = ("text", "json")
#: Values of CHECKFLEET_INLINE_SPECS.
INLINE_SPEC_MODES = ("deny", "policy", "trusted")
#: Values of CHECKFLEET_EVENT_LOOP.
EVENT_LOOPS = ("uvloop", "asyncio")
#: Values of CHECKFLEET_LOG_LEVEL.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _parse_redis_url(raw: str) -> str:
    parse_redis_url(raw)  # every form and option checked here, at start-up
    return raw


def _parse_prefix(raw: str) -> str:
    if not _PREFIX_PATTERN.fullmatch(raw):
        raise ValueError(f"must be letters, digits, '_', '.', '-' in ':'-separated parts: {raw!r}")
    return raw


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"must be at least 1, got {value}")
    return value


def _positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be a number, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"must be greater than 0, got {raw!r}")
    return value


def _module_list(raw: str) -> tuple[str, ...]:
    modules = tuple(part.strip() for part in raw.split(",") if part.strip())
    for module in modules:
        if not _MODULE_PATTERN.fullmatch(module):
            raise ValueError(f"not a module path: {module!r}")
    return modules


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in LOG_FORMATS:
        raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}, got {raw!r}")
    return value


def _log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return value


def _port(raw: str) -> int:
    value = _positive_int(raw)
    if value > 65_535:
        raise ValueError(f"must be a TCP port (1-65535), got {value}")
    return value


def _limits(raw: str) -> tuple[tuple[str, int], ...]:
    limits: dict[str, int] = {}
    for part in (piece.strip() for piece in raw.split(",")):
        if not part:
            continue
        name, separator, value = part.partition("=")
        if not separator or not name.strip():
            raise ValueError(f"expected type=limit pairs like 'webhook=4', got {part!r}")
        try:
            limit = _positive_int(value.strip())
        except ValueError as exc:
            raise ValueError(f"{name.strip()}: {exc}") from None
        limits[name.strip()] = limit
    return tuple(limits.items())


#: The URL forms of a results store (`shared.store` opens them).
SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")


def check_store_url(url: str) -> str:
    """`url` when it names a store this package can open; ValueError saying why not."""
    if url.startswith(SQLITE_PREFIX):
        if not url[len(SQLITE_PREFIX) :].strip():
            raise ValueError(f"no file path in {url!r} (sqlite:///relative.db, sqlite:////abs.db)")
        return url
    scheme = url.partition("://")[0]
    if scheme in POSTGRES_SCHEMES and "://" in url:
        return url
    raise ValueError(
        "expected sqlite:///path/to/file.db or postgresql://user:password@host:port/database,"
        f" got a URL with scheme {scheme!r}"
    )


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _roots(raw: str) -> tuple[str, ...]:
    roots = _list(raw)
    for root in roots:
        if "://" not in root and not os.path.isabs(root):
            raise ValueError(f"{root!r} is neither an absolute directory nor a URL prefix")
    return roots


def _variable_names(raw: str) -> tuple[str, ...]:
    names = _list(raw)
    for name in names:
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"not a variable name: {name!r}")
    return names


def _store_url(raw: str) -> str:
    return check_store_url(raw.strip())


def _non_empty(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw.strip()


def _token(raw: str) -> str:
    if len(raw.strip()) < 12:
        raise ValueError("must be at least 12 characters (a secret, not a word)")
    return raw.strip()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable through the environment; see the module docstring."""

    redis_url: str = DEFAULT_REDIS_URL
    #: Whether CHECKFLEET_REDIS_URL was set: clients use the in-process backend when it is not.
    redis_url_configured: bool = False
    prefix: str = DEFAULT_PREFIX
    checkpoints: str | None = None
    results_maxlen: int = 100_000
    result_ttl_s: float = 86_400.0
    worker_concurrency: int = 10
    job_timeout_s: float = 300.0
    graceful_shutdown_s: int = 30
    #: Seconds between worker heartbeats; see `heartbeat_ttl_s`.
    heartbeat_s: float = 5.0
    #: How long a starting worker waits for an unreachable Redis; see `worker.startup`.
    startup_timeout_s: float = 30.0
    #: Seconds between an idle worker's looks at the queue when no enqueue wakes it.
    idle_poll_s: float = 1.0
    #: The event loop ``python -m worker`` runs on (`EVENT_LOOPS`; `worker.event_loop`).
    event_loop: str = "uvloop"
    plugins: tuple[str, ...] = field(default=())
    log_format: str = "text"
    log_level: str = "INFO"
    #: Port of the Prometheus endpoint; None turns metrics serving off.
    metrics_port: int | None = None
    #: (action type, limit) pairs; see `action_type_limits`.
    action_limits: tuple[tuple[str, int], ...] = field(default=())
    #: How unsigned inline specs are treated: ``deny``, ``policy`` or ``trusted``.
    inline_specs: str = "policy"
    #: Directories and URL prefixes the data sources of inline specs may be under.
    data_roots: tuple[str, ...] = field(default=())
    #: Directories ``store_result`` actions of inline specs may write under.
    store_roots: tuple[str, ...] = field(default=())
    #: Hosts actions of inline specs may send to (names, ``*.domain``, ``*``, IPs, networks).
    action_hosts: tuple[str, ...] = field(default=())
    #: Variables that ``${VAR}`` in inline specs may expand.
    spec_vars: tuple[str, ...] = field(default=())
    #: HMAC-SHA256 key of signed requests; None leaves requests unsigned.
    signing_key: str | None = field(default=None, repr=False)
    signature_max_age_s: float = 86_400.0
    max_request_bytes: int = 1 << 20
    max_worker_deaths: int = 3
    #: The results store's URL; None: workers record nothing, in-process runs use the default.
    store_url: str | None = None
    #: The dashboard's token for actions; None keeps it read-only. Never shown or logged.
    dashboard_token: str | None = field(default=None, repr=False)

    @property
    def keys(self) -> Keys:
        return Keys(self.prefix)

    @property
    def heartbeat_ttl_s(self) -> float:
        """A heartbeat not renewed for this long means its worker is gone: three missed beats,
        so one slow renewal does not get a live worker's runs re-queued."""
        return self.heartbeat_s * 3

    @property
    def action_type_limits(self) -> dict[str, int]:
        """How many actions of each listed type one worker runs at once."""
        return dict(self.action_limits)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `environ` (default `os.environ`); `SettingsError` names a bad variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for variable, (attribute, parse) in _VARIABLES.items():
            raw = env.get(variable)
            if raw is None or raw == "":
                continue
            values[attribute] = _parsed(variable, raw, parse)
        values["redis_url_configured"] = "redis_url" in values
        return cls(**values)


def _parsed(variable: str, raw: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(variable, str(exc)) from None


_VARIABLES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "CHECKFLEET_REDIS_URL": ("redis_url", _parse_redis_url),
    "CHECKFLEET_PREFIX": ("prefix", _parse_prefix),
    "CHECKFLEET_CHECKPOINTS": ("checkpoints", _non_empty),
    "CHECKFLEET_RESULTS_MAXLEN": ("results_maxlen", _positive_int),
    "CHECKFLEET_RESULT_TTL_S": ("result_ttl_s", _positive_float),
    "CHECKFLEET_WORKER_CONCURRENCY": ("worker_concurrency", _positive_int),
    "CHECKFLEET_JOB_TIMEOUT_S": ("job_timeout_s", _positive_float),
    "CHECKFLEET_GRACEFUL_SHUTDOWN_S": ("graceful_shutdown_s", _positive_int),
    "CHECKFLEET_HEARTBEAT_S": ("heartbeat_s", _positive_float),
    "CHECKFLEET_STARTUP_TIMEOUT_S": ("startup_timeout_s", _positive_float),
    "CHECKFLEET_IDLE_POLL_S": ("idle_poll_s", _positive_float),
    "CHECKFLEET_EVENT_LOOP": ("event_loop", _choice(*EVENT_LOOPS)),
    "CHECKFLEET_PLUGINS": ("plugins", _module_list),
    "CHECKFLEET_LOG_FORMAT": ("log_format", _log_format),
    "CHECKFLEET_LOG_LEVEL": ("log_level", _log_level),
    "CHECKFLEET_METRICS_PORT": ("metrics_port", _port),
    "CHECKFLEET_ACTION_LIMITS": ("action_limits", _limits),
    "CHECKFLEET_INLINE_SPECS": ("inline_specs", _choice(*INLINE_SPEC_MODES)),
    "CHECKFLEET_DATA_ROOTS": ("data_roots", _roots),
    "CHECKFLEET_STORE_ROOTS": ("store_roots", _roots),
    "CHECKFLEET_ACTION_HOSTS": ("action_hosts", _list),
    "CHECKFLEET_SPEC_VARS": ("spec_vars", _variable_names),
    "CHECKFLEET_SIGNING_KEY": ("signing_key", _non_empty),
    "CHECKFLEET_SIGNATURE_MAX_AGE_S": ("signature_max_age_s", _positive_float),
    "CHECKFLEET_MAX_REQUEST_BYTES": ("max_request_bytes", _positive_int),
    "CHECKFLEET_MAX_WORKER_DEATHS": ("max_worker_deaths", _positive_int),
    "CHECKFLEET_STORE_URL": ("store_url", _store_url),
    "CHECKFLEET_DASHBOARD_TOKEN": ("dashboard_token", _token),
}

#: The environment variables `Settings.from_env` reads, for docs and `checkfleet --help`.
ENVIRONMENT_VARIABLES = tuple(_VARIABLES)
