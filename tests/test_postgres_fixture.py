from __future__ import annotations

import psycopg
import pytest

from tests.support.postgres_server import TEST_PASSWORD, PostgresServer


def test_a_private_cluster_answers_on_its_own_port(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    assert postgres_server.port != 5432
    assert TEST_PASSWORD in postgres_url
    with psycopg.connect(postgres_url) as connection:
        port, data_dir = connection.execute(
            "SELECT current_setting('port'), current_setting('data_directory')"
        ).fetchone() or (None, None)
    assert int(str(port)) == postgres_server.port
    assert str(data_dir) == str(postgres_server.data_dir)


def test_each_test_gets_a_fresh_empty_database(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        connection.execute("CREATE TABLE left_behind (id int)")  # the next test must not see it
    assert tables == (0,)


def test_a_wrong_password_is_refused(postgres_server: PostgresServer, postgres_url: str) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(postgres_server.url(database, password="wrong"), connect_timeout=5)
