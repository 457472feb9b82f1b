from __future__ import annotations

from shared.keys import Keys


def test_default_names_match_the_wire_contract() -> None:
    keys = Keys()
    assert keys.queue == "checkfleet:queue"
    assert keys.results == "checkfleet:results"
    assert keys.requests == "checkfleet:requests"
    assert keys.dead == "checkfleet:dead"
    assert keys.health_check == "checkfleet:queue:health-check"


def test_every_name_is_under_the_prefix() -> None:
    keys = Keys("acme")
    names = [
        keys.queue,
        keys.results,
        keys.requests,
        keys.dead,
        keys.health_check,
        keys.schedulers_group,
        keys.archivers_group,
        keys.published("run-1"),
        keys.run_result("run-1"),
        keys.trigger_group("nightly", "event"),
        keys.worker("host:1:ab"),
        keys.alert_state("orders"),
        keys.rate_limit("slack:abc"),
        keys.notification_dedup("slack:abc", "f00"),
    ]
    assert all(name.startswith("acme:") for name in names)
    assert len(set(names)) == len(names)
