from __future__ import annotations

from pathlib import Path

import pytest

from shared.errors import SpecRefusedError
from shared.settings import Settings
from shared.trust.policy import InlineSpecPolicy


def policy(tmp_path: Path, **env: str) -> InlineSpecPolicy:
    return InlineSpecPolicy(Settings.from_env(env), environ={"HOOK": "http://localhost:9/x"})


def spec(source: str, **fields: object) -> dict[str, object]:
    return {"name": "x", "data_source": source, "validators": ["null"], **fields}


async def test_the_default_policy_allows_nothing_outward(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n")
    actions = [
        {"type": "webhook", "url": "https://hooks.example.com/x"},
        {"type": "store_result", "directory": str(tmp_path)},
        {"type": "custom", "function": "os:system"},
        {"type": "email", "to_addresses": ["a@example.com"]},
    ]
    refusals = await policy(tmp_path).refusals(spec(str(tmp_path / "a.csv"), actions=actions))
    assert [(r.rule, r.path) for r in refusals] == [
        ("data-roots", "data_source"),
        ("hosts", "actions[0].url"),
        ("store-roots", "actions[1].directory"),
        ("plugins", "actions[2].function"),
        ("hosts", "actions[3].smtp_host"),  # its default, localhost
    ]
    assert all(r.setting.startswith("CHECKFLEET_") for r in refusals)


async def test_listed_roots_hosts_plugins_and_variables_are_allowed(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n")
    allowing = policy(
        tmp_path,
        CHECKFLEET_DATA_ROOTS=str(tmp_path),
        CHECKFLEET_STORE_ROOTS=str(tmp_path),
        CHECKFLEET_ACTION_HOSTS="localhost",
        CHECKFLEET_PLUGINS="tests.support.actions",
        CHECKFLEET_SPEC_VARS="HOOK",
    )
    actions = [
        {"type": "webhook", "url": "${HOOK}"},
        {"type": "store_result", "directory": str(tmp_path / "out")},
        {"type": "custom", "function": "tests.support.actions:explode"},
    ]
    await allowing.check(spec(str(tmp_path / "a.csv"), actions=actions))


async def test_unlisted_variables_are_refused_anywhere(tmp_path: Path) -> None:
    header = {"type": "webhook", "url": "https://h/x", "headers": {"X": "${SECRET}"}}
    refusals = await policy(tmp_path).refusals(spec("${DATA}/a.csv", actions=[header]))
    variables = [r for r in refusals if r.rule == "spec-vars"]
    assert [r.path for r in variables] == ["data_source", "actions[0].headers.X"]
    escaped = await policy(tmp_path, CHECKFLEET_DATA_ROOTS="/").refusals(spec("/$${X}.csv"))
    assert escaped == []  # `$${` is a literal, not a reference


async def test_deny_refuses_every_inline_spec_and_trusted_none(tmp_path: Path) -> None:
    denied = await policy(tmp_path, CHECKFLEET_INLINE_SPECS="deny").refusals(spec("/a.csv"))
    assert [r.rule for r in denied] == ["inline"]
    assert await policy(tmp_path, CHECKFLEET_INLINE_SPECS="trusted").refusals(spec("/a.csv")) == []


def test_the_read_guard_refuses_reads_outside(tmp_path: Path) -> None:
    guard = policy(tmp_path, CHECKFLEET_DATA_ROOTS=str(tmp_path)).read_guard()
    guard(str(tmp_path / "a.csv"))
    with pytest.raises(SpecRefusedError, match="rule data-roots"):
        guard("/etc/passwd")


def test_every_read_asks_the_guard(tmp_path: Path) -> None:
    from shared.sources import guard_sources, open_source

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("id\n1\n")
    (tmp_path / "out.csv").write_text("id\n1\n")
    guard = policy(tmp_path, CHECKFLEET_DATA_ROOTS=str(tmp_path / "in")).read_guard()
    with guard_sources(guard):
        assert open_source(str(tmp_path / "in" / "a.csv")).collect().height == 1
        with pytest.raises(SpecRefusedError, match="rule data-roots"):
            open_source({"uri": str(tmp_path / "out.csv")})
        with pytest.raises(SpecRefusedError, match="listed URL prefix"):
            open_source("http://127.0.0.1:9/data.csv")
    assert open_source(str(tmp_path / "out.csv")).collect().height == 1  # no guard: trusted


async def test_urls_are_judged_without_their_credentials(tmp_path: Path) -> None:
    source = {"uri": "postgresql://app:s3cret@db.internal:5432/sales", "table": "orders"}
    refused = await policy(tmp_path).refusals({**spec("x"), "data_source": source})
    assert [r.rule for r in refused] == ["data-roots"] and "s3cret" not in str(refused[0])
    allowing = policy(tmp_path, CHECKFLEET_DATA_ROOTS="postgresql://db.internal:5432/sales")
    assert await allowing.refusals({**spec("x"), "data_source": source}) == []


async def test_every_http_action_is_judged_by_the_hosts_rule(tmp_path: Path) -> None:
    actions = [
        {"type": "teams", "webhook_url": "http://127.0.0.1:6379/"},
        {"type": "pagerduty", "routing_key": "k"},  # its default events.pagerduty.com
        {"type": "opsgenie", "api_key": "k", "api_url": "http://169.254.169.254"},
    ]
    refusals = await policy(tmp_path, CHECKFLEET_DATA_ROOTS="/").refusals(
        spec("/a.csv", actions=actions)
    )
    assert [(r.rule, r.path) for r in refusals] == [
        ("hosts", "actions[0].webhook_url"),
        ("hosts", "actions[1].events_url"),
        ("hosts", "actions[2].api_url"),
    ]
