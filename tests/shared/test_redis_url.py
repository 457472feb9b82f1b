"""`CHECKFLEET_REDIS_URL` forms: TCP, TLS with its options, Unix sockets, Sentinel."""

from __future__ import annotations

import pytest

from shared.errors import SettingsError
from shared.redis_url import parse_redis_url, redacted
from shared.settings import Settings


def test_a_plain_url() -> None:
    target = parse_redis_url("redis://:s3cret@cache:6380/2")
    assert (target.hosts, target.db, target.password, target.tls) == (
        (("cache", 6380),),
        2,
        "s3cret",
        False,
    )
    assert "s3cret" not in repr(target)


def test_tls_checks_the_hostname_unless_told_not_to() -> None:
    target = parse_redis_url("rediss://cache/0?ssl_ca_certs=/ca.pem&ssl_certfile=/c.pem")
    options = target.connection_options()
    assert options["ssl"] and options["ssl_check_hostname"]
    assert (options["ssl_ca_certs"], options["ssl_certfile"]) == ("/ca.pem", "/c.pem")
    assert options["ssl_cert_reqs"] == "required"
    relaxed = parse_redis_url("rediss://cache?ssl_check_hostname=false").connection_options()
    assert not relaxed["ssl_check_hostname"]
    unverified = parse_redis_url("rediss://cache?ssl_cert_reqs=none").connection_options()
    assert (unverified["ssl_cert_reqs"], unverified["ssl_check_hostname"]) == ("none", False)


def test_sentinel_urls_name_sentinels_service_and_db() -> None:
    target = parse_redis_url("redis+sentinel://:pw@s1:26380,s2,[::1]:26381/mymaster/3")
    assert target.sentinel and target.service == "mymaster"
    assert target.hosts == (("s1", 26380), ("s2", 26379), ("::1", 26381))
    assert (target.db, target.password) == (3, "pw")
    tls = parse_redis_url("rediss+sentinel://s1/mymaster?sentinel_password=other")
    assert tls.tls and tls.sentinel_password == "other"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://cache", "scheme must be one of"),
        ("redis+sentinel://s1:26379", "no service name"),
        ("redis://a:1,b:2/0", "several hosts need a redis+sentinel:// URL"),
        ("redis://cache:99999", "bad port"),
        ("redis://cache?ssl_ca_certs=/ca.pem", "needs a TLS URL"),
        ("rediss://cache?ssl_cert_reqs=maybe", "ssl_cert_reqs must be one of"),
        ("redis://cache?colour=blue", "unknown option 'colour'"),
        ("redis://cache/x", "the database must be a number"),
    ],
)
def test_a_bad_url_is_a_settings_error_naming_the_problem(url: str, problem: str) -> None:
    with pytest.raises(SettingsError, match="CHECKFLEET_REDIS_URL") as caught:
        Settings.from_env({"CHECKFLEET_REDIS_URL": url})
    assert problem in str(caught.value)


def test_redacted_hides_only_the_password() -> None:
    assert redacted("redis://u:s3cret@h:1/0") == "redis://u:***@h:1/0"
    assert redacted("redis+sentinel://:pw@s1,s2/m") == "redis+sentinel://:***@s1,s2/m"
    assert redacted("redis://h:1/0") == "redis://h:1/0"
