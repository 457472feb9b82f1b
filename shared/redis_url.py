"""`CHECKFLEET_REDIS_URL`, parsed once into what every connection is built from.

Forms (query options apply to all of them)::

    redis://[[user]:password@]host[:port][/db]              plain TCP
    rediss://[[user]:password@]host[:port][/db]             TLS
    unix://[[user]:password@]/path/to/redis.sock[?db=N]     Unix socket
    redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/service[/db]
    rediss+sentinel://...                                   Sentinel, TLS to sentinels and Redis

Query options: ``ssl_ca_certs`` (CA file), ``ssl_certfile`` / ``ssl_keyfile`` (client
certificate), ``ssl_cert_reqs`` (``required``, the default, ``optional`` or ``none``),
``ssl_check_hostname`` (``true`` by default whenever certificates are verified),
``sentinel_password`` (when the sentinels need another password than Redis), ``db``.
The password of the URL is Redis's (and the sentinels' unless ``sentinel_password`` is given).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

SCHEMES = ("redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel")
DEFAULT_PORT = 6379
DEFAULT_SENTINEL_PORT = 26379
_CERT_REQS = ("required", "optional", "none")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_OPTIONS = (
    "db",
    "ssl_ca_certs",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_cert_reqs",
    "ssl_check_hostname",
    "sentinel_password",
)


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """Where the fleet's Redis is and how to talk to it; `parse_redis_url` builds one."""

    scheme: str
    hosts: tuple[tuple[str, int], ...] = ()
    unix_path: str | None = None
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: Sentinel only: the monitored master's name, and the sentinels' own password.
    service: str | None = None
    sentinel_password: str | None = field(default=None, repr=False)
    tls: bool = False
    ssl_ca_certs: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_cert_reqs: str = "required"
    ssl_check_hostname: bool = True

    @property
    def sentinel(self) -> bool:
        return self.service is not None

    def connection_options(self) -> dict[str, Any]:
        """redis-py connection keywords shared by every form (not the address)."""
        options: dict[str, Any] = {
            "db": self.db,
            "username": self.username,
            "password": self.password,
        }
        if self.tls:
            options.update(self.tls_options())
        return options

    def tls_options(self) -> dict[str, Any]:
        verify = self.ssl_cert_reqs != "none"
        return {
            "ssl": True,
            "ssl_ca_certs": self.ssl_ca_certs,
            "ssl_certfile": self.ssl_certfile,
            "ssl_keyfile": self.ssl_keyfile,
            "ssl_cert_reqs": self.ssl_cert_reqs,
            # redis-py 5 does not check the hostname unless told to: a certificate of any
            # host signed by the CA would do. Checked whenever certificates are.
            "ssl_check_hostname": verify and self.ssl_check_hostname,
        }


def parse_redis_url(raw: str) -> RedisTarget:
    """The target `raw` names; `ValueError` saying what is wrong (never echoing a password)."""
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme or 'none'!r}")
    query = _query(parts.query)
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    username, password = _credentials(userinfo)
    tls = scheme.startswith("rediss")
    common: dict[str, Any] = {
        "scheme": scheme,
        "username": username,
        "password": password,
        "tls": tls,
        **_tls_query(query, tls),
    }
    db = _int_option(query, "db")
    if scheme == "unix":
        if not parts.path:
            raise ValueError("no socket path in the unix:// URL")
        return RedisTarget(unix_path=unquote(parts.path), db=db or 0, **common)
    if scheme.endswith("+sentinel"):
        segments = [segment for segment in parts.path.split("/") if segment]
        if not segments:
            raise ValueError("no service name: expected redis+sentinel://host:port/<service>[/db]")
        if len(segments) > 2:
            raise ValueError(f"expected /<service>[/db] after the sentinels, got {parts.path!r}")
        path_db = _db(segments[1]) if len(segments) == 2 else 0
        return RedisTarget(
            hosts=_hosts(hostinfo, DEFAULT_SENTINEL_PORT),
            service=unquote(segments[0]),
            sentinel_password=query.get("sentinel_password"),
            db=db if db is not None else path_db,
            **common,
        )
    hosts = _hosts(hostinfo, DEFAULT_PORT)
    if len(hosts) != 1:
        raise ValueError("several hosts need a redis+sentinel:// URL")
    path = parts.path.strip("/")
    return RedisTarget(hosts=hosts, db=db if db is not None else _db(path or "0"), **common)


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    userinfo, separator, hostinfo = parts.netloc.rpartition("@")
    if not separator or ":" not in userinfo:
        return url
    username = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{username}:***@{hostinfo}"))


def _query(text: str) -> dict[str, str]:
    values = {name: items[-1] for name, items in parse_qs(text, keep_blank_values=True).items()}
    unknown = sorted(set(values) - set(_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r}; known: {', '.join(_OPTIONS)}")
    return values


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    if not userinfo:
        return None, None
    username, separator, password = userinfo.partition(":")
    return (unquote(username) or None), (unquote(password) if separator else None)


def _hosts(hostinfo: str, default_port: int) -> tuple[tuple[str, int], ...]:
    hosts = []
    for item in hostinfo.split(","):
        host, port = _host_port(item.strip(), default_port)
        hosts.append((host, port))
    return tuple(hosts)


def _host_port(item: str, default_port: int) -> tuple[str, int]:
    if item.startswith("["):  # [ipv6]:port
        host, _, rest = item[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = item.rpartition(":") if ":" in item else (item, "", "")
    if not host:
        raise ValueError(f"no host in {item!r}")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65_536:
        raise ValueError(f"bad port {port_text!r}")
    return host, int(port_text)


def _db(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"the database must be a number, got {text!r}")
    return int(text)


def _int_option(query: dict[str, str], name: str) -> int | None:
    return _db(query[name]) if name in query else None


def _tls_query(query: dict[str, str], tls: bool) -> dict[str, Any]:
    names = [name for name in query if name.startswith("ssl_")]
    if names and not tls:
        raise ValueError(f"{names[0]} needs a TLS URL (rediss:// or rediss+sentinel://)")
    options: dict[str, Any] = {
        name: query[name]
        for name in ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
        if name in query
    }
    if "ssl_cert_reqs" in query:
        reqs = query["ssl_cert_reqs"].lower()
        if reqs not in _CERT_REQS:
            raise ValueError(f"ssl_cert_reqs must be one of {', '.join(_CERT_REQS)}, got {reqs!r}")
        options["ssl_cert_reqs"] = reqs
    if "ssl_check_hostname" in query:
        flag = query["ssl_check_hostname"].lower()
        if flag not in _TRUE + _FALSE:
            raise ValueError(f"ssl_check_hostname must be true or false, got {flag!r}")
        options["ssl_check_hostname"] = flag in _TRUE
    return options
