"""Redis servers that refuse clients: one with a password, one speaking TLS (self-signed CA),
one showing a certificate for another host. Module fixtures import these."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.redis_server import RedisServer
from tests.support.tls import TlsFiles, make_tls_files

PASSWORD = "s3cret-pass"


def _serve(server: RedisServer) -> Iterator[RedisServer]:
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def password_server() -> Iterator[RedisServer]:
    yield from _serve(RedisServer(password=PASSWORD))


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    try:
        return make_tls_files(tmp_path_factory.mktemp("tls"))
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def tls_server(tls_files: TlsFiles) -> Iterator[RedisServer]:
    yield from _serve(RedisServer(tls=tls_files))


@pytest.fixture(scope="module")
def other_host_tls_server(tls_files: TlsFiles) -> Iterator[RedisServer]:
    """Shows a valid certificate of the CA, but for other.invalid, not 127.0.0.1."""
    cert = (tls_files.other_host_cert, tls_files.other_host_key)
    yield from _serve(RedisServer(tls=tls_files, tls_cert=cert))


def without_password(server: RedisServer) -> str:
    return server.url.replace(f":{PASSWORD}@", "")


def with_wrong_password(server: RedisServer) -> str:
    return server.url.replace(PASSWORD, "wrong-password")


def without_ca(server: RedisServer) -> str:
    """The TLS URL without its CA file: the system's trust store does not know the test CA."""
    return server.url.split("?", 1)[0]
