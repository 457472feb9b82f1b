from __future__ import annotations

from shared.trust.hosts import HostAllowList


async def test_unlisted_hosts_are_refused() -> None:
    hosts = HostAllowList([])
    assert await hosts.url_problem("https://hooks.slack.com/services/x") is not None
    assert await hosts.host_problem("127.0.0.1") is not None


async def test_loopback_needs_listing_even_with_a_wildcard() -> None:
    anywhere = HostAllowList(["*"])
    for url in (
        "http://127.0.0.1:6379/",
        "http://localhost:8080/hook",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/x",
        "http://2130706433/x",  # 127.0.0.1 as a decimal number
    ):
        assert await anywhere.url_problem(url) is not None, url
    assert await anywhere.url_problem("http://93.184.216.34/hook") is None


async def test_listed_addresses_networks_and_names_are_allowed() -> None:
    hosts = HostAllowList(["127.0.0.1", "10.0.0.0/8", "localhost", "*.example.com"])
    assert await hosts.url_problem("http://127.0.0.1:9000/hook") is None
    assert await hosts.host_problem("10.20.30.40") is None
    assert await hosts.host_problem("localhost") is None  # named exactly: its loopback is meant
    assert await hosts.host_problem("10.0.0.1.example.com") is not None  # does not resolve


async def test_only_http_schemes() -> None:
    hosts = HostAllowList(["*"])
    problem = await hosts.url_problem("file:///etc/passwd")
    assert problem is not None and "scheme" in problem
