from __future__ import annotations

import asyncio

import pytest

from shared.actions import SlackConfig, SlackNotification
from shared.async_base import ActionStatus, SyncActionAdapter
from shared.models import CheckpointResult, CheckpointStatus
from tests.support.http_server import RecordingHTTPServer, Reply
from tests.support.results import make_result


async def test_posts_checkpoint_status_counts_and_top_issues(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    action = SlackNotification(webhook_url=http_server.url, channel="#data", max_issues=1)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS and result.action_type == "slack"
    (body,) = http_server.bodies()
    text = body["text"]
    assert "Checkpoint 'orders' FAILURE" in text
    assert "issues: 2 (1 high, 1 medium)" in text
    assert "12 nulls in email" in text and "3 amounts below 0" not in text
    assert "... and 1 more" in text
    assert body["channel"] == "#data" and len(body["blocks"]) == 2


@pytest.mark.parametrize(
    ("status", "posts"),
    [
        (CheckpointStatus.SUCCESS, False),
        (CheckpointStatus.WARNING, False),
        (CheckpointStatus.FAILURE, True),
        (CheckpointStatus.ERROR, True),
    ],
)
async def test_default_notify_on_is_failure_or_error(
    http_server: RecordingHTTPServer, status: CheckpointStatus, posts: bool
) -> None:
    result = await SlackNotification(webhook_url=http_server.url).execute_async(make_result(status))
    assert (result.status is ActionStatus.SUCCESS) == posts
    assert len(http_server.requests) == int(posts)


async def test_built_from_a_config_object(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    config = SlackConfig(webhook_url=http_server.url, notify_on="always")
    action = SlackNotification(config, name="team-slack")
    assert action.name == "team-slack" and action.config.webhook_url == http_server.url
    assert (await action.execute_async(make_result(CheckpointStatus.SUCCESS))).success


def test_execute_works_synchronously(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    action = SlackNotification(webhook_url=http_server.url)
    assert action.execute(failed_result).success
    assert action.execute(failed_result).success  # a fresh private loop and session each time
    assert len(http_server.requests) == 2


async def test_execute_refuses_to_block_a_running_loop(failed_result: CheckpointResult) -> None:
    with pytest.raises(RuntimeError, match="await execute_async"):
        SlackNotification(webhook_url="http://x").execute(failed_result)


async def test_sync_execute_through_the_adapter_from_threads(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    action = SlackNotification(webhook_url=http_server.url)
    adapters = [SyncActionAdapter(action) for _ in range(3)]
    results = await asyncio.gather(*(a.execute_async(failed_result) for a in adapters))
    assert all(result.success for result in results)
    assert len(http_server.requests) == 3


async def test_slack_errors_and_retries(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    http_server.script(Reply(status=500), Reply(status=404, body=b"no_service"))
    action = SlackNotification(
        webhook_url=http_server.url, retry_count=3, retry_delay_s=0.01, retry_jitter=0
    )
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and "no_service" in result.message
    assert len(http_server.requests) == 2  # 500 retried, 404 not


async def test_webhook_url_is_never_shown(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    url = http_server.url + "/services/T000/B000/XXXXSECRET"
    http_server.default = Reply(status=403, body=b"invalid_token")
    action = SlackNotification(webhook_url=url)
    result = await action.execute_async(failed_result)
    assert "XXXXSECRET" not in repr(action) + repr(action.config) + result.model_dump_json()
