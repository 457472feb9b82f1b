"""A real local SMTP server (aiosmtpd, in its own thread) that keeps every message."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: Message


class _Collector:
    def __init__(self) -> None:
        self.mails: list[ReceivedMail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(
            ReceivedMail(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                message=message_from_bytes(envelope.original_content or envelope.content),
            )
        )
        return "250 OK"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalSMTPServer:
    """`host`/`port` to connect to (a loopback `host` and a `port` may be given); `mails`
    holds what arrived."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = free_port() if port is None else port
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)

    @property
    def mails(self) -> list[ReceivedMail]:
        return self._collector.mails

    def start(self) -> LocalSMTPServer:
        self._controller.start()
        return self

    def close(self) -> None:
        self._controller.stop()
