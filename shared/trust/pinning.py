"""DNS pinning: an inline spec's actions connect only to addresses the hosts rule approved.

`InlineSpecPolicy.check` judges each action's host by the addresses it resolves to, but a
client resolves the name again when it connects: a name under an attacker's control (DNS
rebinding) can answer a public address to the check and ``127.0.0.1`` to the connection. So
while an inline spec runs (`pin_hosts`, bound by `CheckpointExecutor.execute_request`), every
connection its actions make resolves its host once, here, judges each address of that answer
with the same rule (`HostAllowList.approved_addresses`) and connects only to the approved ones:

- HTTP (webhook, Slack and every `HttpAction`): `PinnedResolver`, the resolver of the one
  aiohttp session per loop (`shared.actions.http`). aiohttp keeps the URL's host name for TLS
  (SNI and certificate check) and only asks the resolver where to connect;
- SMTP (email): `connect_pinned`, a socket connected to an approved address, which aiosmtplib
  uses with the host name for TLS.

A connection with no approved address raises `SpecRefusedError` naming the rule: the action's
`error` outcome, never retried. Runs of no inline spec (registered checkpoints, signed and
in-process runs) are not judged and resolve as before.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from shared.errors import SpecRefusedError
from shared.trust.hosts import HostAllowList, IPAddress
from shared.trust.policy import Refusal

logger = logging.getLogger(__name__)

_PINNED: ContextVar[HostAllowList | None] = ContextVar("checkfleet_pinned_hosts", default=None)


@contextmanager
def pin_hosts(hosts: HostAllowList | None) -> Iterator[None]:
    """Judge every connection made in this context by `hosts` (None: judge none)."""
    token = _PINNED.set(hosts)
    try:
        yield
    finally:
        _PINNED.reset(token)


async def pinned_addresses(host: str) -> list[IPAddress] | None:
    """Where a connection to `host` may go: None when nothing is judged now (connect as
    usual), else the approved addresses of one lookup; `SpecRefusedError` when there are none."""
    hosts = _PINNED.get()
    if hosts is None:
        return None
    approved, problem = await hosts.approved_addresses(host)
    if not approved:
        detail = problem or f"host {host!r} does not resolve"
        raise SpecRefusedError([Refusal("hosts", "CHECKFLEET_ACTION_HOSTS", "connect", detail)])
    if problem is not None:
        logger.warning("connecting to %s only at %s: %s", host, _listing(approved), problem)
    return approved


def request_options(url: str) -> dict[str, Any]:
    """Options for an aiohttp request to `url` made now. A judged request names its server
    host explicitly, which puts it in a connection pool of its own (aiohttp keys pooled
    connections by it), so it never reuses a connection a trusted run opened to an address
    the rule would refuse; TLS checks that same name, as aiohttp does by default."""
    if _PINNED.get() is None:
        return {}
    host = urlsplit(url).hostname
    return {} if not host else {"server_hostname": host.rstrip(".")}


class PinnedResolver(AbstractResolver):
    """aiohttp's resolver, judging each answer while an inline spec runs (`pin_hosts`)."""

    def __init__(self) -> None:
        self._system = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        approved = await pinned_addresses(host)
        if approved is None:
            return await self._system.resolve(host, port, family)
        results = [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=_family(address),
                proto=0,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for address in approved
            if family == socket.AF_UNSPEC or _family(address) == family
        ]
        if not results:
            raise OSError(f"host {host!r} has no approved address of family {family!r}")
        return results

    async def close(self) -> None:
        await self._system.close()


def pinned_connector() -> aiohttp.TCPConnector:
    """The connector of every action HTTP session: `PinnedResolver`, and no DNS cache (a
    cached answer would skip the judging of the run that reuses it)."""
    return aiohttp.TCPConnector(resolver=PinnedResolver(), use_dns_cache=False)


async def connect_pinned(host: str, port: int, timeout_s: float) -> socket.socket | None:
    """A socket connected to an approved address of `host` (tried in order), or None when
    nothing is judged now (the client connects by itself as before)."""
    approved = await pinned_addresses(host)
    if approved is None:
        return None
    loop = asyncio.get_running_loop()
    failure: OSError | None = None
    for address in approved:
        sock = socket.socket(_family(address), socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            async with asyncio.timeout(timeout_s):
                await loop.sock_connect(sock, (str(address), port))
        except (OSError, TimeoutError) as exc:
            sock.close()
            failure = exc if isinstance(exc, OSError) else OSError(f"timed out: {address}")
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    assert failure is not None  # approved is never empty
    raise failure


def _family(address: IPAddress) -> socket.AddressFamily:
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


def _listing(addresses: list[IPAddress]) -> str:
    return ", ".join(str(address) for address in addresses)
