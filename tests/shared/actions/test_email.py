from __future__ import annotations

import pytest

from shared.actions import EmailNotification
from shared.async_base import ActionStatus
from shared.models import CheckpointResult
from tests.support.smtp_server import LocalSMTPServer, free_port


def email_action(host: str, port: int, **overrides: object) -> EmailNotification:
    settings: dict[str, object] = {
        "smtp_host": host,
        "smtp_port": port,
        "start_tls": False,
        "from_address": "fleet@example.com",
        "to_addresses": ["data@example.com", "oncall@example.com"],
    }
    return EmailNotification(**{**settings, **overrides})


async def test_sends_a_summary(
    smtp_server: LocalSMTPServer, failed_result: CheckpointResult
) -> None:
    result = await email_action(smtp_server.host, smtp_server.port).execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS
    (mail,) = smtp_server.mails
    assert mail.sender == "fleet@example.com"
    assert mail.recipients == ["data@example.com", "oncall@example.com"]
    assert mail.message["Subject"] == "[checkfleet] orders: FAILURE"
    body = mail.message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "12 nulls in email" in body and "issues: 2 (1 high, 1 medium)" in body


async def test_skips_successes_by_default(
    smtp_server: LocalSMTPServer, passed_result: CheckpointResult
) -> None:
    result = await email_action(smtp_server.host, smtp_server.port).execute_async(passed_result)
    assert result.status is ActionStatus.SKIPPED and smtp_server.mails == []


async def test_unreachable_server_is_an_error_after_retries(
    failed_result: CheckpointResult,
) -> None:
    action = email_action("127.0.0.1", free_port(), retry_count=1, retry_delay_s=0.01, timeout_s=2)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and result.details["attempts"] == 2


def test_password_from_env_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "hunter2-secret")
    action = EmailNotification(username="u", password="${SMTP_PASSWORD}", to_addresses=["a@b"])
    assert action.setting("password") == "hunter2-secret"
    assert "hunter2" not in repr(action) + repr(action.config) + str(action.to_spec())


async def test_no_recipients_is_an_error(
    smtp_server: LocalSMTPServer, failed_result: CheckpointResult
) -> None:
    result = await email_action(smtp_server.host, smtp_server.port, to_addresses=[]).execute_async(
        failed_result
    )
    assert result.status is ActionStatus.ERROR and "no to_addresses" in result.message
