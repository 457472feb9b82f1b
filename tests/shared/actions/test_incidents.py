"""PagerDuty, Opsgenie and Teams against the local capture server: what each sends, the
trigger / resolve cycle of incident tools, and HTTP failures as error results."""

from __future__ import annotations

from shared.actions import OpsgenieAlert, PagerDutyAlert, TeamsNotification
from shared.async_base import ActionStatus
from shared.models import CheckpointStatus
from tests.support.http_server import RecordingHTTPServer, Reply
from tests.support.results import make_result

FAILURE, SUCCESS = CheckpointStatus.FAILURE, CheckpointStatus.SUCCESS


def recovered(name: str = "orders") -> object:
    result = make_result(SUCCESS, name=name, run_id="run-2")
    result.issues = []
    result.previous_status = FAILURE
    return result


async def test_pagerduty_triggers_then_resolves_one_incident_per_checkpoint(
    http_server: RecordingHTTPServer,
) -> None:
    http_server.script(Reply(202, b'{"status":"success"}'), Reply(202, b"{}"))
    action = PagerDutyAlert(routing_key="R0UT1NGKEY", events_url=f"{http_server.url}/v2/enqueue")
    triggered = await action.execute_async(make_result(FAILURE))
    resolved = await action.execute_async(recovered())  # type: ignore[arg-type]
    assert (triggered.status, resolved.status) == (ActionStatus.SUCCESS, ActionStatus.SUCCESS)
    trigger, resolve = http_server.bodies()
    assert [r.path for r in http_server.requests] == ["/v2/enqueue", "/v2/enqueue"]
    assert trigger["routing_key"] == "R0UT1NGKEY" and trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == resolve["dedup_key"] == "checkfleet/orders"
    assert trigger["payload"]["summary"] == "Checkpoint 'orders' FAILURE"
    assert (
        trigger["payload"]["severity"] == "error" and trigger["payload"]["source"] == "orders.csv"
    )
    assert any(
        "12 nulls in email" in line for line in trigger["payload"]["custom_details"]["details"]
    )
    assert resolve["event_action"] == "resolve" and "payload" not in resolve


async def test_pagerduty_sends_nothing_for_a_pass_after_a_pass(
    http_server: RecordingHTTPServer,
) -> None:
    passing = make_result(SUCCESS)
    passing.previous_status = SUCCESS
    outcome = await PagerDutyAlert(routing_key="k", events_url=http_server.url).execute_async(
        passing
    )
    assert outcome.status is ActionStatus.SKIPPED and http_server.requests == []


async def test_pagerduty_refusal_is_an_error_without_the_key(
    http_server: RecordingHTTPServer,
) -> None:
    http_server.script(Reply(400, b"Invalid routing key R0UT1NGKEY"))
    action = PagerDutyAlert(routing_key="R0UT1NGKEY", events_url=http_server.url)
    outcome = await action.execute_async(make_result(FAILURE))
    assert outcome.status is ActionStatus.ERROR and outcome.error == "HTTP 400"
    assert "R0UT1NGKEY" not in outcome.message and "PagerDuty answered HTTP 400" in outcome.message


async def test_opsgenie_creates_then_closes_the_alert_by_alias(
    http_server: RecordingHTTPServer,
) -> None:
    http_server.script(Reply(202, b"{}"), Reply(202, b"{}"))
    action = OpsgenieAlert(api_key="g3n1ek3y", api_url=http_server.url, priority="P2")
    failing = make_result(CheckpointStatus.ERROR)
    assert (await action.execute_async(failing)).success
    assert (await action.execute_async(recovered())).success  # type: ignore[arg-type]
    create, close = http_server.requests
    assert create.path == "/v2/alerts" and create.headers["Authorization"] == "GenieKey g3n1ek3y"
    body = create.json()
    assert body["alias"] == "checkfleet/orders" and body["priority"] == "P1"  # error: one up
    assert body["message"] == "Checkpoint 'orders' ERROR" and "12 nulls" in body["description"]
    assert close.path == "/v2/alerts/checkfleet%2Forders/close?identifierType=alias"
    assert close.json()["note"] == "recovered in run run-2"


async def test_teams_posts_an_adaptive_card(http_server: RecordingHTTPServer) -> None:
    http_server.script(Reply(202, b""))
    outcome = await TeamsNotification(webhook_url=f"{http_server.url}/workflows/1").execute_async(
        make_result(FAILURE)
    )
    assert outcome.status is ActionStatus.SUCCESS and outcome.action_type == "teams"
    (body,) = http_server.bodies()
    (attachment,) = body["attachments"]
    assert body["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    title, facts, *issues = card["body"]
    assert title["text"] == "Checkpoint 'orders' FAILURE" and title["color"] == "Attention"
    assert {"title": "Issues", "value": "2"} in facts["facts"]
    assert issues[0]["text"] == "[high] 12 nulls in email"


async def test_teams_server_error_is_retried(http_server: RecordingHTTPServer) -> None:
    http_server.script(Reply(503, b"busy"), Reply(200, b"1"))
    action = TeamsNotification(webhook_url=http_server.url, retry_count=1, retry_delay_s=0.01)
    outcome = await action.execute_async(make_result(FAILURE))
    assert outcome.success and outcome.details["attempts"] == 2
