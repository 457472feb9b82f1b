"""Every client from `shared.redis_connection` honours the URL's password and TLS options, and
a refused password or an untrusted certificate is a `RedisAccessError` within seconds, under
every retry policy: not an outage to ride out."""

from __future__ import annotations

import time

import pytest

from producer.async_runner import run_checkpoint_async
from shared.errors import BackendUnavailableError, RedisAccessError
from shared.redis_connection import (
    CLIENT,
    LONG_LIVED,
    ONE_SHOT,
    RetryPolicy,
    open_redis,
    worker_startup,
)
from shared.settings import Settings
from tests.support.access import PASSWORD, with_wrong_password, without_ca, without_password
from tests.support.redis_server import RedisServer, free_port

pytestmark = pytest.mark.slow

POLICIES = [LONG_LIVED, CLIENT, ONE_SHOT]


def settings_for(url: str) -> Settings:
    return Settings.from_env({"CHECKFLEET_REDIS_URL": url})


async def refusal(url: str, policy: RetryPolicy) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(RedisAccessError) as caught:
        await open_redis(settings_for(url), policy)
    return str(caught.value), time.monotonic() - started


@pytest.mark.parametrize("policy", POLICIES, ids=lambda policy: policy.name)
async def test_a_missing_password_is_refused_at_once(
    password_server: RedisServer, policy: RetryPolicy
) -> None:
    message, took_s = await refusal(without_password(password_server), policy)
    assert "Redis refused the credentials" in message and "CHECKFLEET_REDIS_URL" in message
    assert took_s < 5


async def test_a_wrong_password_is_refused_without_showing_it(
    password_server: RedisServer,
) -> None:
    message, _ = await refusal(with_wrong_password(password_server), LONG_LIVED)
    assert "Redis refused the credentials" in message
    assert "wrong-password" not in message and ":***@" in message


async def test_the_right_password_works(password_server: RedisServer) -> None:
    client = await open_redis(settings_for(password_server.url), ONE_SHOT)
    try:
        assert await client.set("k", "v")
    finally:
        await client.aclose()
    assert PASSWORD in password_server.url


@pytest.mark.parametrize("policy", POLICIES, ids=lambda policy: policy.name)
async def test_an_untrusted_certificate_is_refused_at_once(
    tls_server: RedisServer, policy: RetryPolicy
) -> None:
    message, took_s = await refusal(without_ca(tls_server), policy)
    assert "the TLS certificate of Redis is not trusted" in message
    assert took_s < 5


async def test_tls_with_the_ca_file_works_and_so_does_no_verification(
    tls_server: RedisServer,
) -> None:
    unverified = without_ca(tls_server) + "?ssl_cert_reqs=none"
    for url in (tls_server.url, unverified):
        client = await open_redis(settings_for(url), ONE_SHOT)
        try:
            assert await client.ping()
        finally:
            await client.aclose()


async def test_the_hostname_is_checked_by_default(other_host_tls_server: RedisServer) -> None:
    message, _ = await refusal(other_host_tls_server.url, LONG_LIVED)
    assert "not trusted" in message and "127.0.0.1" in message
    relaxed = other_host_tls_server.url + "&ssl_check_hostname=false"
    client = await open_redis(settings_for(relaxed), ONE_SHOT)
    await client.aclose()


async def test_an_unreachable_redis_is_unavailable_for_a_command() -> None:
    with pytest.raises(BackendUnavailableError, match="cannot reach Redis"):
        await open_redis(settings_for(f"redis://127.0.0.1:{free_port()}/0"), ONE_SHOT)


async def test_a_bounded_start_up_wait_ends_on_time_and_logs_nothing_on_the_way(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError, match="cannot reach Redis"):
        await open_redis(settings, worker_startup(1.5))
    assert 1.5 <= time.monotonic() - started < 2.5
    # the worker's exit is the one line (`worker.startup`): no retry or waiting line before it
    assert [record.getMessage() for record in caplog.records] == []


async def test_the_client_api_raises_the_access_error(password_server: RedisServer) -> None:
    settings = settings_for(without_password(password_server))
    started = time.monotonic()
    with pytest.raises(RedisAccessError, match="Redis refused the credentials"):
        await run_checkpoint_async("anything", backend="redis", settings=settings)
    assert time.monotonic() - started < 15
