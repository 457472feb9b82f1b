"""Reply streams: a run whose request names the client's reply stream is also appended there,
once; a worker refuses any other key as ``reply_to``."""

from __future__ import annotations

from arq.connections import ArqRedis

from shared import codec
from shared.job_names import RUN_CHECKPOINT
from shared.models import CheckpointStatus
from shared.publishing import REPLY_TTL_S
from shared.settings import Settings
from tests.worker.conftest import WorkerFactory
from tests.worker.fleet import read_results


async def test_the_result_also_goes_to_the_reply_stream_once(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    reply_to = worker_settings.keys.replies("client-1")
    request = {"checkpoint": "orders", "run_id": "rr-1", "reply_to": reply_to}
    await arq_pool.enqueue_job(RUN_CHECKPOINT, request, _job_id="job-a")
    await arq_pool.enqueue_job(RUN_CHECKPOINT, request, _job_id="job-b")  # same run id again
    await make_worker().main()
    [(_entry_id, fields)] = await arq_pool.xrange(reply_to)
    [shared_entry] = await arq_pool.xrange(worker_settings.keys.results)
    assert fields == shared_entry[1]  # the same entry, published once
    assert codec.decode_result(fields[b"result"]).status is CheckpointStatus.SUCCESS
    assert 0 < await arq_pool.ttl(reply_to) <= REPLY_TTL_S


async def test_a_reply_to_outside_the_reply_streams_is_refused(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    keys = worker_settings.keys
    targets = ["victim:key", keys.results, keys.replies("a:b"), "other:replies:x"]
    for index, target in enumerate(targets):
        await arq_pool.set("victim:key", b"untouched")
        request = {"checkpoint": "orders", "run_id": f"bad-{index}", "reply_to": target}
        await arq_pool.enqueue_job(RUN_CHECKPOINT, request)
    await make_worker().main()
    results = await read_results(arq_pool, worker_settings)
    assert sorted(result.run_id for result in results) == [f"bad-{i}" for i in range(4)]
    for result in results:
        assert result.status is CheckpointStatus.ERROR
        assert "is not a reply stream of this fleet" in str(result.error)
    assert await arq_pool.get("victim:key") == b"untouched"
    assert not await arq_pool.exists(keys.replies("a:b"), "other:replies:x")
