"""Hostile payloads for the flood test and benchmark: what someone with Redis write access
throws at a fleet. Each gives exactly one outcome (a dead letter or one `error` result) on a
fleet with the default trust settings."""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from typing import Any

import msgpack
from redis.asyncio import Redis

from shared.job import RUN_CHECKPOINT, UNDECODABLE_JOB
from shared.keys import Keys


def _job(*args: Any, function: str = RUN_CHECKPOINT, **fields: Any) -> bytes:
    job = {"t": None, "f": function, "a": list(args), "k": {}, "et": int(time.time() * 1000)}
    job.update(fields)
    return msgpack.packb(job, use_bin_type=True)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


#: (job id suffix, bytes) makers; the id is ``hostile-<n>-<suffix>``.
JOB_KINDS: list[tuple[str, Callable[[str], bytes]]] = [
    ("garbage", lambda _: b"\xc1\xc1 not msgpack"),
    ("pickle", lambda run_id: pickle.dumps({"f": RUN_CHECKPOINT, "a": [run_id]})),
    ("try", lambda run_id: _job({"checkpoint": "orders"}, t="x")),
    ("function", lambda run_id: _job({"checkpoint": "orders"}, function="os.system")),
    ("kwargs", lambda run_id: _job({"checkpoint": "orders"}, k=[1])),
    ("forged", lambda run_id: _job({"raw": b"", "reason": "forged"}, function=UNDECODABLE_JOB)),
    ("nested", lambda run_id: _job({"checkpoint": "orders", "context": {"x": _nested(40)}})),
    (
        "inline",  # refused by the policy: one `error` result under its run id
        lambda run_id: _job(
            {
                "checkpoint": {"name": "evil", "data_source": "/etc/passw[.tsv?d]"},
                "run_id": run_id,
            }
        ),
    ),
]


async def flood(redis: Redis, keys: Keys, start: int, count: int) -> list[str]:
    """Write `count` hostile jobs (numbered from `start`) in one pipeline; their job ids."""
    now_ms = time.time() * 1000
    job_ids = []
    async with redis.pipeline(transaction=False) as pipe:
        for number in range(start, start + count):
            suffix, make = JOB_KINDS[number % len(JOB_KINDS)]
            job_id = f"hostile-{number}-{suffix}"
            pipe.set(Keys.arq_job(job_id), make(job_id), px=600_000)
            pipe.zadd(keys.queue, {job_id: now_ms})
            job_ids.append(job_id)
        pipe.publish(keys.wake, b"")
        await pipe.execute()
    return job_ids
