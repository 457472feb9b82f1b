"""Actions consult the context's alert state: Slack's default fleet-wide rate, dedup
windows, transitions in notify_on, and failing open when the state cannot answer."""

from __future__ import annotations

from shared.actions import SlackNotification, WebhookAction
from shared.alerts import MemoryAlerts
from shared.async_base import ActionStatus, AsyncExecutionContext
from shared.async_base.action_config import NotifyOn
from shared.models import CheckpointStatus
from tests.support.http_server import RecordingHTTPServer
from tests.support.results import make_result


async def test_slack_holds_one_message_a_second_after_a_burst_of_three(
    http_server: RecordingHTTPServer,
) -> None:
    action = SlackNotification(webhook_url=http_server.url, rate_limit_max_wait_s=0)
    async with AsyncExecutionContext(alerts=MemoryAlerts()) as context:
        outcomes = [
            await action.execute_async(make_result(run_id=f"r{i}"), context=context)
            for i in range(4)
        ]
    assert [o.status for o in outcomes] == [ActionStatus.SUCCESS] * 3 + [ActionStatus.SKIPPED]
    assert outcomes[3].message.startswith("rate limited: slack:")
    assert http_server.url not in outcomes[3].message, "the channel never shows the webhook"
    assert len(http_server.requests) == 3


async def test_the_same_notification_within_the_window_is_sent_once(
    http_server: RecordingHTTPServer,
) -> None:
    action = WebhookAction(url=http_server.url, dedup_window_s=60)
    async with AsyncExecutionContext(alerts=MemoryAlerts()) as context:
        first = await action.execute_async(make_result(run_id="r1"), context=context)
        again = await action.execute_async(make_result(run_id="r2"), context=context)
        other = await action.execute_async(
            make_result(CheckpointStatus.ERROR, run_id="r3"), context=context
        )
    assert [first.status, again.status, other.status] == [
        ActionStatus.SUCCESS,
        ActionStatus.SKIPPED,
        ActionStatus.SUCCESS,
    ]
    assert again.message.startswith("deduplicated: the same notification went to webhook:")


async def test_notify_on_a_transition_reads_the_previous_status(
    http_server: RecordingHTTPServer,
) -> None:
    action = WebhookAction(url=http_server.url, notify_on=NotifyOn.RECOVERED)
    passing = make_result(CheckpointStatus.SUCCESS)
    skipped = await action.execute_async(passing)
    assert skipped.status is ActionStatus.SKIPPED
    assert skipped.message == "notify_on=recovered does not match checkpoint status success"
    passing.previous_status = CheckpointStatus.FAILURE
    assert (await action.execute_async(passing)).success


class _BrokenAlerts(MemoryAlerts):
    async def reserve(self, *args: object, **kwargs: object) -> float | None:
        raise ConnectionError("Redis is away")


async def test_an_unreachable_alert_state_lets_notifications_through(
    http_server: RecordingHTTPServer,
) -> None:
    action = SlackNotification(webhook_url=http_server.url)
    async with AsyncExecutionContext(alerts=_BrokenAlerts()) as context:
        outcome = await action.execute_async(make_result(), context=context)
    assert outcome.success and len(http_server.requests) == 1
