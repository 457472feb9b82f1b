"""`EmailNotification`: sends a checkpoint summary by SMTP (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
from pydantic import Field

from shared.actions.base import BuiltinAction
from shared.actions.message import describe, headline
from shared.async_base.action_config import ActionConfig, NotifyOn
from shared.models import ActionResult, ActionStatus, CheckpointResult
from shared.trust.pinning import connect_pinned

#: How long connecting to the SMTP server may take (aiosmtplib's own default).
SMTP_CONNECT_TIMEOUT_S = 60.0


class EmailConfig(ActionConfig):
    """SMTP settings. Strings may be ``${VAR}`` templates; `password` is a secret."""

    notify_on: NotifyOn = NotifyOn.FAILURE_OR_ERROR
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    #: Implicit TLS from the first byte (port 465 usually).
    use_tls: bool = False
    #: STARTTLS: True requires it, False never, None when the server offers it.
    start_tls: bool | None = None
    username: str | None = None
    password: str | None = Field(default=None, repr=False)
    from_address: str = "checkfleet@localhost"
    to_addresses: list[str] = Field(default_factory=list)
    #: ``{checkpoint}`` and ``{status}`` are filled in.
    subject: str = "[checkfleet] {checkpoint}: {status}"
    max_issues: int = Field(default=10, ge=0, le=100)


class EmailNotification(BuiltinAction[EmailConfig]):
    """Plain-text e-mail with the checkpoint's status, counts and worst issues."""

    action_type = "email"
    env_fields = ("smtp_host", "username", "password", "from_address", "to_addresses")
    secret_fields = ("password",)
    reach_fields = (("smtp_host", "host"),)

    @classmethod
    def _default_config(cls) -> EmailConfig:
        return EmailConfig()

    def validate_config(self) -> list[str]:
        problems = [] if self._config.to_addresses else ["to_addresses is empty"]
        if not self._config.smtp_host.strip():
            problems.append("smtp_host is empty")
        return problems

    def build_message(self, checkpoint_result: CheckpointResult) -> EmailMessage:
        """The message sent for `checkpoint_result`."""
        message = EmailMessage()
        message["From"] = self.setting("from_address")
        message["To"] = ", ".join(self.setting("to_addresses"))
        message["Subject"] = self._config.subject.format(
            checkpoint=checkpoint_result.checkpoint_name,
            status=checkpoint_result.status.value.upper(),
        )
        lines = describe(checkpoint_result, max_issues=self._config.max_issues)
        message.set_content("\n".join([headline(checkpoint_result), "", *lines]) + "\n")
        return message

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        recipients = self.setting("to_addresses")
        if not recipients:
            return self._result(ActionStatus.ERROR, "email: no to_addresses", error="no recipients")
        config = self._config
        host = self.setting("smtp_host")
        # While an inline spec runs, connect to an address the hosts rule approved in this
        # very lookup (DNS pinning); aiosmtplib then takes the socket and the name for TLS.
        sock = await connect_pinned(host, config.smtp_port, SMTP_CONNECT_TIMEOUT_S)
        try:
            await aiosmtplib.send(
                self.build_message(checkpoint_result),
                hostname=host,
                port=config.smtp_port if sock is None else None,
                sock=sock,
                username=self.setting("username"),
                password=self.setting("password"),
                use_tls=config.use_tls,
                start_tls=config.start_tls,
            )
        except BaseException:
            if sock is not None:
                sock.close()  # aiosmtplib may have failed before taking it over
            raise
        return self._result(ActionStatus.SUCCESS, f"sent to {len(recipients)} recipient(s)")

    def _is_retryable_exception(self, exc: Exception) -> bool:
        # A permanent SMTP refusal (5xx: bad address, bad credentials) will not change.
        if isinstance(exc, aiosmtplib.SMTPResponseException) and 500 <= exc.code < 600:
            return False
        return super()._is_retryable_exception(exc)
