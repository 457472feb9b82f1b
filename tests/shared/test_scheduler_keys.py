from __future__ import annotations

from shared.keys import Keys


def test_scheduler_names_are_under_the_prefix_and_distinct() -> None:
    keys = Keys("acme")
    names = [
        keys.fired("orders:cron:2026-11-28T00:00:00+00:00"),
        keys.last_job("orders"),
        keys.deferred_run("orders"),
        keys.last_tick("orders", "cron"),
        keys.overlap_skips,
    ]
    assert all(name.startswith("acme:") for name in names)
    assert len(set(names)) == len(names)


def test_arq_names_follow_arq() -> None:
    assert Keys.arq_job("run-1") == "arq:job:run-1"
    assert Keys.arq_result("run-1") == "arq:result:run-1"
