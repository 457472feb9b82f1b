"""Which hosts the actions of an inline spec may send to (`CHECKFLEET_ACTION_HOSTS`).

Entries are host names (``hooks.slack.com``), name suffixes (``*.example.com``), ``*`` (any
public host), addresses (``10.0.0.7``) and networks (``10.1.0.0/16``). A host name is judged
by the addresses it resolves to, every one of them: an address that is loopback, link-local,
private or otherwise not public is allowed only when it, its network, or the exact host name
is listed, so neither ``*`` nor a name that resolves to ``127.0.0.1`` opens the worker's own
machine or network.

The list judges addresses twice: when an inline spec is checked (`host_problem`), and again
when its actions connect (`approved_addresses`, through `shared.trust.pinning`), so a name
that answers differently between the two (DNS rebinding) still only reaches addresses the
list allows. Both lookups go through the list's `lookup`, one seam for tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: URL schemes an action may send to.
HTTP_SCHEMES = ("http", "https")

#: Resolves a host name to its addresses (empty when it does not resolve).
Lookup = Callable[[str], Awaitable[list[IPAddress]]]


class HostAllowList:
    """The parsed `CHECKFLEET_ACTION_HOSTS`; `lookup` resolves names (the system's DNS)."""

    def __init__(self, entries: Sequence[str], lookup: Lookup | None = None) -> None:
        self.lookup = lookup or resolve_host
        self.any_public = False
        self.names: set[str] = set()
        self.suffixes: list[str] = []
        self.networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if entry == "*":
                self.any_public = True
            elif entry.startswith("*."):
                self.suffixes.append(entry[1:])
            else:
                try:
                    self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                except ValueError:
                    self.names.add(entry)

    def _address_listed(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def _name_matches(self, host: str) -> bool:
        return self.any_public or host in self.names or host.endswith(tuple(self.suffixes))

    async def host_problem(self, host: str) -> str | None:
        """Why sending to `host` is refused, or None when it is allowed: every address it
        resolves to must be allowed."""
        host = _normal(host)
        literal = _literal_address(host)
        problem = self._name_problem(host, literal)
        if problem is not None:
            return problem
        addresses = [literal] if literal is not None else await self.lookup(host)
        if not addresses:
            return f"host {host!r} does not resolve"
        return next(
            (p for a in addresses if (p := self._address_problem(host, a, literal)) is not None),
            None,
        )

    async def approved_addresses(self, host: str) -> tuple[list[IPAddress], str | None]:
        """One lookup of `host` at connect time: the addresses it may be reached at, and why
        the others (or the host) were refused (None when nothing was)."""
        host = _normal(host)
        literal = _literal_address(host)
        problem = self._name_problem(host, literal)
        if problem is not None:
            return [], problem
        addresses = [literal] if literal is not None else await self.lookup(host)
        if not addresses:
            return [], f"host {host!r} does not resolve"
        approved: list[IPAddress] = []
        for address in addresses:
            refused = self._address_problem(host, address, literal)
            if refused is None:
                approved.append(address)
            else:
                problem = problem or refused
        return approved, problem

    def _name_problem(self, host: str, literal: IPAddress | None) -> str | None:
        if not host:
            return "no host"
        if literal is None and not self._name_matches(host):
            return f"host {host!r} is not listed"
        return None

    def _address_problem(
        self, host: str, address: IPAddress, literal: IPAddress | None
    ) -> str | None:
        if self._address_listed(address):
            return None
        if not address.is_global:
            if literal is None and host in self.names:
                return None  # the operator named this very host
            if literal is not None:
                return f"address {host} is not public and not listed"
            return (
                f"host {host!r} resolves to the non-public address {address}: list the"
                " address, its network or the exact host name"
            )
        if literal is not None and not self.any_public:
            return f"address {host} is not listed"
        return None

    async def url_problem(self, url: str) -> str | None:
        """Why sending to `url` is refused (its scheme, or its host), or None."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return "not a valid URL"
        if parts.scheme.lower() not in HTTP_SCHEMES:
            return f"scheme {parts.scheme!r} is not one of {', '.join(HTTP_SCHEMES)}"
        return await self.host_problem(host or "")


def _normal(host: str) -> str:
    return host.strip().lower().rstrip(".").strip("[]")


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def resolve_host(host: str) -> list[IPAddress]:
    """The addresses of `host` from the system's resolver (empty when it does not resolve)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        try:
            addresses.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        except ValueError:
            continue
    return addresses
