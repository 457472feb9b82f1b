from __future__ import annotations

import pytest
import redis

from tests.support.redis_server import INSTALL_HINT, RedisServer


def test_a_real_private_server_answers(redis_server: RedisServer, redis_url: str) -> None:
    assert redis_server.port != 6379
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping()
        assert client.info("server")["tcp_port"] == redis_server.port
        assert client.config_get("save") == {"save": ""}
    finally:
        client.close()


def test_each_test_starts_with_an_empty_database(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set("left-behind", "1")  # the next test's flush must remove it
    finally:
        client.close()


def test_restart_brings_the_server_back_empty(redis_server: RedisServer, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("k", "v")
        redis_server.stop()
        with pytest.raises(redis.ConnectionError):
            client.ping()
        redis_server.start()
        assert client.ping()
        assert client.get("k") is None  # no persistence
    finally:
        client.close()


def test_missing_binary_explains_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.support.redis_server.shutil.which", lambda _name: None)
    with pytest.raises(FileNotFoundError) as caught:
        RedisServer()
    assert str(caught.value) == INSTALL_HINT
    assert "apt-get install redis-server" in INSTALL_HINT
