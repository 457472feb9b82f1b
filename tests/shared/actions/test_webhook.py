from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import time

import pytest

from shared.actions import WebhookAction
from shared.async_base import ActionStatus
from shared.errors import ConfigError
from shared.models import CheckpointResult
from shared.specs import ACTIONS, build_component
from tests.support.http_server import RecordedRequest, RecordingHTTPServer, Reply

FAST = {"retry_delay_s": 0.02, "retry_jitter": 0.0, "retry_backoff": 2.0}


def gaps(requests: list[RecordedRequest]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(requests)]


async def test_posts_the_result_as_json(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    action = WebhookAction(url=f"{http_server.url}/hook", headers={"X-Team": "data"})
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS
    assert result.details["http_status"] == 200
    (request,) = http_server.requests
    assert (request.method, request.path) == ("POST", "/hook")
    assert request.headers["X-Team"] == "data"
    assert CheckpointResult.from_dict(request.json()) == failed_result


async def test_method_auth_and_success_codes(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.default = Reply(status=202)
    bearer = WebhookAction(url=http_server.url, method="PUT", bearer_token="t0ken")
    basic = WebhookAction(
        url=http_server.url, basic_auth_user="u", basic_auth_password="p", success_codes=[201]
    )
    assert (await bearer.execute_async(failed_result)).success
    refused = await basic.execute_async(failed_result)
    assert refused.status is ActionStatus.ERROR and refused.error == "HTTP 202"
    first, second = http_server.requests
    assert first.method == "PUT" and first.headers["Authorization"] == "Bearer t0ken"
    expected = "Basic " + base64.b64encode(b"u:p").decode()
    assert second.headers["Authorization"] == expected


def test_auth_schemes_are_exclusive() -> None:
    with pytest.raises(ConfigError, match="bearer_token or basic auth"):
        WebhookAction(url="http://x", bearer_token="a", basic_auth_user="u")


async def test_5xx_is_retried_with_backoff(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.script(Reply(status=500), Reply(status=503), Reply(status=200))
    action = WebhookAction(url=http_server.url, retry_count=3, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS and result.details["attempts"] == 3
    assert len(http_server.requests) == 3
    first, second = gaps(http_server.requests)
    assert first >= 0.02 * 0.9 and second >= 0.04 * 0.9
    assert second < 2  # generous: it is backoff, not a stall


async def test_gives_up_after_the_last_retry(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.default = Reply(status=500, body=b"database on fire")
    action = WebhookAction(url=http_server.url, retry_count=2, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR
    assert len(http_server.requests) == 3
    assert result.error == "HTTP 500" and "database on fire" in result.message
    assert result.details["attempts"] == 3


async def test_429_is_retried_honouring_retry_after(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.script(Reply(status=429, headers={"Retry-After": "0.2"}), Reply(status=200))
    action = WebhookAction(url=http_server.url, retry_count=1, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS
    assert gaps(http_server.requests)[0] >= 0.18


@pytest.mark.parametrize("status", [400, 401, 404, 422])
async def test_4xx_is_not_retried(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult, status: int
) -> None:
    http_server.default = Reply(status=status)
    action = WebhookAction(url=http_server.url, retry_count=3, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and result.error == f"HTTP {status}"
    assert len(http_server.requests) == 1


async def test_connection_errors_are_retried(failed_result: CheckpointResult) -> None:
    with RecordingHTTPServer() as server:
        url = server.url  # a port nobody listens on once the server is closed
    action = WebhookAction(url=url, retry_count=2, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR
    assert result.details["attempts"] == 3
    assert "Connect" in (result.error or "")


async def test_hanging_server_times_out_each_attempt(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.default = Reply(hang=True)
    action = WebhookAction(url=http_server.url, timeout_s=0.1, retry_count=1, **FAST)
    started = time.monotonic()
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and result.error == "timed out after 0.1 s"
    assert len(http_server.requests) == 2
    assert time.monotonic() - started < 3


async def test_slow_server_within_the_timeout_succeeds(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.default = Reply(delay_s=0.1)
    action = WebhookAction(url=http_server.url, timeout_s=2)
    assert (await action.execute_async(failed_result)).success


async def test_cancellation_propagates_within_100_ms(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.default = Reply(hang=True)
    action = WebhookAction(url=http_server.url, timeout_s=30, retry_count=5)
    task = asyncio.create_task(action.execute_async(failed_result))
    while not http_server.requests:  # noqa: ASYNC110 - filled by the server's thread
        await asyncio.sleep(0.01)
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - cancelled_at < 0.1
    assert len(http_server.requests) == 1


async def test_notify_on_skips_without_a_request(
    http_server: RecordingHTTPServer,
    failed_result: CheckpointResult,
    passed_result: CheckpointResult,
) -> None:
    action = WebhookAction(url=http_server.url, notify_on="failure")
    assert (await action.execute_async(passed_result)).status is ActionStatus.SKIPPED
    assert http_server.requests == []
    assert (await action.execute_async(failed_result)).success
    assert len(http_server.requests) == 1


async def test_secrets_stay_out_of_spec_repr_results_and_logs(
    http_server: RecordingHTTPServer,
    failed_result: CheckpointResult,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret_path = "/hook/s3cr3t-t0ken"
    monkeypatch.setenv("HOOK_URL", http_server.url + secret_path)
    monkeypatch.setenv("HOOK_TOKEN", "bearer-s3cr3t")
    http_server.default = Reply(status=500, body=b"no")
    action = WebhookAction(url="${HOOK_URL}", bearer_token="${HOOK_TOKEN}", retry_count=1, **FAST)
    with caplog.at_level(logging.DEBUG):
        result = await action.execute_async(failed_result)
    assert http_server.requests[0].path == secret_path
    assert http_server.requests[0].headers["Authorization"] == "Bearer bearer-s3cr3t"
    spec = action.to_spec()
    assert spec["url"] == "${HOOK_URL}" and spec["bearer_token"] == "${HOOK_TOKEN}"
    shown = [repr(action), repr(action.config), str(spec), result.model_dump_json(), caplog.text]
    for text in shown:
        assert "s3cr3t" not in text
    # A bad URL's error message (which aiohttp fills with the URL) is scrubbed too.
    monkeypatch.setenv("HOOK_URL", "http://[s3cr3t-host")
    broken = await WebhookAction(url="${HOOK_URL}").execute_async(failed_result)
    assert broken.status is ActionStatus.ERROR and "s3cr3t" not in broken.model_dump_json()


async def test_a_missing_variable_is_an_error_result_at_run_time(
    monkeypatch: pytest.MonkeyPatch,
    http_server: RecordingHTTPServer,
    failed_result: CheckpointResult,
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    action = WebhookAction(url="${NOT_SET_ANYWHERE}", retry_count=3)  # builds: the seed page does
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR
    assert "webhook.url: environment variable NOT_SET_ANYWHERE is not set" in result.message
    assert result.details["attempts"] == 1  # a config problem is not retried
    monkeypatch.setenv("NOT_SET_ANYWHERE", http_server.url + "/hook")
    assert (await action.execute_async(failed_result)).status is ActionStatus.SUCCESS
    with pytest.raises(ConfigError, match="NOT_SET"):
        monkeypatch.delenv("NOT_SET_ANYWHERE")
        action.setting("url")
    assert WebhookAction(url="${NOT_SET_ANYWHERE:-http://fallback}").setting("url") == (
        "http://fallback"
    )


async def test_built_from_a_spec_on_a_worker(
    http_server: RecordingHTTPServer,
    failed_result: CheckpointResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKER_HOOK", http_server.url)
    spec = {"type": "webhook", "url": "${WORKER_HOOK}", "retry_count": 1, "notify_on": "all"}
    action = build_component(ACTIONS, spec, path="actions[0]")
    assert isinstance(action, WebhookAction)
    assert (await action.execute_async(failed_result)).success
    assert action.to_spec() == {"type": "webhook", "url": "${WORKER_HOOK}", "retry_count": 1}
