"""A malformed job never crashes a worker: it is reported as an `error` result when it has a
usable run id, and dead-lettered otherwise. A pickle is never executed."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import msgpack
from arq.connections import ArqRedis
from redis.asyncio import Redis

from shared import codec
from shared.job_names import RUN_CHECKPOINT
from shared.settings import Settings
from tests.worker.conftest import WorkerFactory


async def put_raw_job(redis: Redis, settings: Settings, job_id: str, raw: bytes) -> None:
    """Write a job the way arq does, but with arbitrary bytes, as a foreign client might."""
    await redis.psetex(f"arq:job:{job_id}", 60_000, raw)
    await redis.zadd(settings.keys.queue, {job_id: int(time.time() * 1000)})


def arq_job(*args: object) -> bytes:
    return msgpack.packb({"t": None, "f": RUN_CHECKPOINT, "a": list(args), "k": {}, "et": 1})


async def dead_letters(redis: Redis, settings: Settings) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await redis.xrange(settings.keys.dead)]


async def results(redis: Redis, settings: Settings) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await redis.xrange(settings.keys.results)]


async def test_garbage_bytes_are_dead_lettered(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    await put_raw_job(arq_pool, worker_settings, "garbage-1", b"\xc1\xc1 not msgpack")
    worker = make_worker()
    await worker.main()
    [letter] = await dead_letters(arq_pool, worker_settings)
    assert letter[b"job_id"] == b"garbage-1"
    assert letter[b"payload"] == b"\xc1\xc1 not msgpack"
    assert b"not a valid msgpack message" in letter[b"reason"]
    assert await arq_pool.zcard(worker_settings.keys.queue) == 0
    assert await results(arq_pool, worker_settings) == []


async def test_a_pickle_is_dead_lettered_and_never_executed(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (open, (str(marker), "w"))

    job = {"t": 1, "f": RUN_CHECKPOINT, "a": [Exploit()], "k": {}, "et": 1}
    await put_raw_job(arq_pool, worker_settings, "pickle-1", pickle.dumps(job))
    await make_worker().main()
    [letter] = await dead_letters(arq_pool, worker_settings)
    assert b"pickle" in letter[b"reason"]
    assert not marker.exists()


async def test_schema_failure_with_run_id_is_an_error_result(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    await put_raw_job(
        arq_pool,
        worker_settings,
        "bad-1",
        arq_job({"checkpoint": "orders", "run_id": "r-1", "oops": 1}),
    )
    await make_worker().main()
    [entry] = await results(arq_pool, worker_settings)
    assert entry[b"run_id"] == b"r-1" and entry[b"status"] == b"error"
    result = codec.decode_result(entry[b"result"])
    assert "does not match the job contract" in (result.error or "")
    assert "oops" in (result.error or "")
    assert await dead_letters(arq_pool, worker_settings) == []


async def test_schema_failure_without_run_id_is_dead_lettered(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    await put_raw_job(arq_pool, worker_settings, "bad-2", arq_job(["not", "a", "map"]))
    await put_raw_job(arq_pool, worker_settings, "bad-3", arq_job({"checkpoint": 42}))
    await make_worker().main()
    letters = await dead_letters(arq_pool, worker_settings)
    assert sorted(letter[b"job_id"] for letter in letters) == [b"bad-2", b"bad-3"]
    assert await results(arq_pool, worker_settings) == []


async def test_unknown_checkpoint_name_is_an_error_result(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": "nope", "run_id": "r-2"})
    await make_worker().main()
    [entry] = await results(arq_pool, worker_settings)
    result = codec.decode_result(entry[b"result"])
    assert result.status == "error" and result.checkpoint_name == "nope"
    assert "unknown checkpoint 'nope'" in (result.error or "")


async def test_the_job_id_is_the_default_run_id(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": "nope"}, _job_id="job-77")
    await make_worker().main()
    [entry] = await results(arq_pool, worker_settings)
    assert entry[b"run_id"] == b"job-77"
