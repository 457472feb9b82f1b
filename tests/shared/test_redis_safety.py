"""Which Redis settings can lose runs, and what to set instead."""

from __future__ import annotations

from shared.redis_safety import safety_problems


def test_aof_everysec_and_noeviction_are_safe() -> None:
    config = {"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction"}
    assert safety_problems(config) == []


def test_no_persistence_and_snapshots_only_are_named() -> None:
    (off,) = safety_problems({"appendonly": "no", "save": "", "maxmemory-policy": "noeviction"})
    assert "persistence is off" in off and "appendonly yes" in off
    (snapshots,) = safety_problems({"appendonly": "no", "save": "3600 1"})
    assert "only RDB snapshots ('3600 1')" in snapshots


def test_an_eviction_policy_is_named() -> None:
    config = {"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "allkeys-lru"}
    (problem,) = safety_problems(config)
    assert "maxmemory-policy allkeys-lru can evict" in problem and "noeviction" in problem
