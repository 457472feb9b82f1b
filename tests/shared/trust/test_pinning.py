"""DNS pinning (docs/security.md): an inline spec's actions connect only to addresses the
hosts rule approved, in the very lookup the connection uses.

Two real HTTP servers share one port: the approved one on 127.0.0.2 (listed) and the worker's
"own" one on 127.0.0.1 (loopback, not listed). The name ``hooks.test`` resolves through a
rebinding DNS at the policy's lookup seam: the check sees 127.0.0.2, the connection something
else. Connections are real: aiohttp connects to whatever the resolver returns.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from shared.actions import EmailNotification, close_http_session, open_http_session
from shared.catalog import CheckpointCatalog
from shared.errors import SpecRefusedError
from shared.execution import CheckpointExecutor
from shared.job import RunRequest
from shared.models import ActionStatus, CheckpointResult
from shared.settings import Settings
from shared.trust.hosts import IPAddress
from shared.trust.pinning import pin_hosts, request_options
from shared.trust.policy import InlineSpecPolicy
from tests.support.access import tls_files  # noqa: F401 (a fixture)
from tests.support.http_server import RecordingHTTPServer
from tests.support.smtp_server import LocalSMTPServer
from tests.support.tls import TlsFiles

TOKEN = "t0p-s3cret-token"


class RebindingLookup:
    """A DNS for tests: answers `answers` in turn (the last one from then on)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = [[ipaddress.ip_address(a) for a in answer] for answer in answers]
        self.asked: list[str] = []

    async def __call__(self, host: str) -> list[IPAddress]:
        self.asked.append(host)
        return self.answers[min(len(self.asked), len(self.answers)) - 1]


@pytest.fixture
def servers() -> Iterator[tuple[RecordingHTTPServer, RecordingHTTPServer]]:
    """(approved on 127.0.0.2, internal on 127.0.0.1), on the same port."""
    with RecordingHTTPServer(address="127.0.0.2") as approved:
        with RecordingHTTPServer(address="127.0.0.1", port=approved.port) as internal:
            yield approved, internal


def pinned_policy(tmp_path: Path, lookup: RebindingLookup) -> InlineSpecPolicy:
    env = {
        "CHECKFLEET_DATA_ROOTS": str(tmp_path),
        "CHECKFLEET_ACTION_HOSTS": "*.test, 127.0.0.2",
    }
    return InlineSpecPolicy(Settings.from_env(env), environ={}, lookup=lookup)


async def run_inline(tmp_path: Path, policy: InlineSpecPolicy, port: int) -> CheckpointResult:
    (tmp_path / "a.csv").write_text("id\n1\n")
    spec = {
        "name": "pinned",
        "data_source": str(tmp_path / "a.csv"),
        "validators": ["null"],
        "actions": [
            {
                "type": "webhook",
                "notify_on": "always",
                "url": f"http://hooks.test:{port}/hook/{TOKEN}",
                "bearer_token": TOKEN,
                "retry_count": 2,
                "retry_delay_s": 0.01,
            }
        ],
    }
    request = RunRequest(checkpoint=spec, run_id="pinned-1")
    async with CheckpointExecutor() as executor:
        return await executor.execute_request(
            request, run_id="pinned-1", catalog=CheckpointCatalog(), policy=policy
        )


async def test_the_send_goes_only_to_the_approved_address(
    tmp_path: Path, servers: tuple[RecordingHTTPServer, RecordingHTTPServer]
) -> None:
    approved, internal = servers
    # The check sees the listed address; the connection's lookup adds the loopback one.
    lookup = RebindingLookup(["127.0.0.2"], ["127.0.0.1", "127.0.0.2"])
    result = await run_inline(tmp_path, pinned_policy(tmp_path, lookup), approved.port)
    (outcome,) = result.action_results
    assert outcome.status is ActionStatus.SUCCESS, outcome
    assert [r.path for r in approved.requests] == [f"/hook/{TOKEN}"]
    assert internal.requests == []
    assert lookup.asked == ["hooks.test", "hooks.test"]  # the check, then the one connection


async def test_a_rebinding_to_a_refused_address_is_an_error_naming_the_rule(
    tmp_path: Path, servers: tuple[RecordingHTTPServer, RecordingHTTPServer]
) -> None:
    approved, internal = servers
    lookup = RebindingLookup(["127.0.0.2"], ["127.0.0.1"])
    result = await run_inline(tmp_path, pinned_policy(tmp_path, lookup), approved.port)
    (outcome,) = result.action_results
    assert outcome.status is ActionStatus.ERROR
    assert "rule hosts; allowed by CHECKFLEET_ACTION_HOSTS" in (outcome.error or "")
    assert "non-public address 127.0.0.1" in (outcome.error or "")
    assert outcome.details["attempts"] == 1  # a refusal is not retried
    assert internal.requests == [] and approved.requests == []
    assert TOKEN not in json.dumps(result.to_dict())


async def test_trusted_runs_are_not_judged_and_judged_ones_do_not_reuse_their_connections() -> None:
    with RecordingHTTPServer(keep_alive=True) as internal:
        url = f"http://localhost:{internal.port}/x"
        session = await open_http_session()
        try:
            for _ in range(2):  # no policy bound: loopback as before, on one pooled connection
                async with session.post(url, json={}) as reply:
                    assert await reply.read() == b"ok"  # read: back to the pool
            refusing = InlineSpecPolicy(Settings.from_env({}), environ={})
            with pin_hosts(refusing.connect_guard()), pytest.raises(SpecRefusedError):
                await session.post(url, json={}, **request_options(url))
        finally:
            await close_http_session()
        assert len(internal.requests) == 2
        assert len({r.peer for r in internal.requests}) == 1  # the pool was used


def tls_server(files: TlsFiles, cert: tuple[Path, Path]) -> RecordingHTTPServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    return RecordingHTTPServer(tls=context)


async def test_tls_still_verifies_the_host_name_not_the_pinned_address(
    tls_files: TlsFiles,  # noqa: F811
) -> None:
    client_tls = ssl.create_default_context(cafile=str(tls_files.ca_cert))
    lookup = RebindingLookup(["127.0.0.1"])
    hosts = InlineSpecPolicy(
        Settings.from_env({"CHECKFLEET_ACTION_HOSTS": "other.invalid, localhost"}),
        environ={},
        lookup=lookup,
    ).connect_guard()
    # The certificate is for other.invalid only (no address in it): connecting to the pinned
    # 127.0.0.1 under that name verifies, under another listed name it does not.
    cert = (tls_files.other_host_cert, tls_files.other_host_key)
    with tls_server(tls_files, cert) as server:
        session = await open_http_session()
        try:
            with pin_hosts(hosts):
                url = f"https://other.invalid:{server.port}/tls"
                async with session.post(url, json={}, ssl=client_tls, **request_options(url)):
                    pass
                url = f"https://localhost:{server.port}/tls"
                with pytest.raises(aiohttp.ClientConnectorCertificateError):
                    await session.post(url, json={}, ssl=client_tls, **request_options(url))
        finally:
            await close_http_session()
    assert [r.path for r in server.requests] == ["/tls"]
    assert lookup.asked == ["other.invalid", "localhost"]


@pytest.fixture
def mail_servers() -> Iterator[tuple[LocalSMTPServer, LocalSMTPServer]]:
    """(approved on 127.0.0.2, internal on 127.0.0.1), on the same port."""
    approved = LocalSMTPServer("127.0.0.2").start()
    internal = LocalSMTPServer("127.0.0.1", approved.port).start()
    try:
        yield approved, internal
    finally:
        internal.close()
        approved.close()


async def test_email_connects_only_to_approved_addresses(
    tmp_path: Path,
    mail_servers: tuple[LocalSMTPServer, LocalSMTPServer],
    failed_result: CheckpointResult,
) -> None:
    approved, internal = mail_servers
    lookup = RebindingLookup(["127.0.0.1", "127.0.0.2"], ["127.0.0.1"])
    hosts = pinned_policy(tmp_path, lookup).connect_guard()
    email = EmailNotification(
        smtp_host="mail.test",
        smtp_port=approved.port,
        start_tls=False,
        to_addresses=["data@example.com"],
        retry_count=2,
        retry_delay_s=0.01,
    )
    with pin_hosts(hosts):
        sent = await email.execute_async(failed_result)
        refused = await email.execute_async(failed_result)
    assert sent.status is ActionStatus.SUCCESS, sent
    assert len(approved.mails) == 1 and internal.mails == []
    assert refused.status is ActionStatus.ERROR and refused.details["attempts"] == 1
    assert "rule hosts; allowed by CHECKFLEET_ACTION_HOSTS" in (refused.error or "")
