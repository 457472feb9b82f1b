"""The contract with arq's private protocol (`shared.arq_protocol`), checked with arq's own code
against the private real Redis: jobs we write are read, run and answered by arq's `Job` and
`Worker`; jobs arq writes are claimed by our script and run by the waking worker; results come
back through arq's `Job.result`; the `Worker` internals the waking worker relies on are still
arq's; arq's `create_worker` (its CLI's) builds our worker with every setting once its class
name is bound to ours. After an arq upgrade, this is the file that fails."""

from __future__ import annotations

import asyncio
import inspect
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import arq
import arq.worker
import pytest
from arq import constants, func
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from arq.jobs import deserialize_job as arq_deserialize_job
from arq.worker import Worker

from shared import arq_protocol
from shared.arq_protocol import current_ms
from shared.checkpoint import OverlapPolicy
from shared.enqueue import enqueue_run, job_payload
from shared.firing.base import Firing
from shared.firing.redis import RedisFiringDecider
from shared.job import RunRequest
from shared.job_names import RUN_CHECKPOINT, UNDECODABLE_JOB
from shared.keys import Keys
from shared.redis_connection import connect_arq
from shared.serializer import deserialize_job, serialize_job
from shared.settings import Settings
from worker.claims import JobClaimer
from worker.run_records import StartRecords
from worker.settings import build_worker_settings
from worker.waking import WakingWorker

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
LEASE_MS = 30_000


async def echo(ctx: dict[str, Any], payload: Any) -> dict[str, Any]:
    """The job function of these tests: answers with what it was given."""
    return {"payload": payload, "job_id": ctx["job_id"], "try": ctx["job_try"]}


@pytest.fixture
async def make_worker(settings: Settings) -> AsyncIterator[Any]:
    """arq workers (plain or waking) of the fleet's queue running `echo` in burst mode, each
    with its own pool (closed with the worker)."""
    workers: list[Worker] = []

    async def factory(kind: type[Worker] = Worker, **overrides: Any) -> Worker:
        options: dict[str, Any] = {
            "functions": [func(echo, name=RUN_CHECKPOINT)],
            "queue_name": settings.keys.queue,
            "redis_pool": await connect_arq(settings),
            "job_serializer": serialize_job,
            "job_deserializer": deserialize_job,
            "burst": True,
            "poll_delay": 0.01,
            "handle_signals": False,
            "keep_result": 60,
            **overrides,
        }
        if kind is WakingWorker:
            options["wake_channel"] = settings.keys.wake
        worker = kind(**options)
        workers.append(worker)
        return worker

    yield factory
    for worker in workers:
        await worker.close()


def arq_job(pool: ArqRedis, job_id: str, settings: Settings) -> Job:
    """arq's own handle of a job, built as arq's `enqueue_job` builds it."""
    return Job(job_id, redis=pool, _queue_name=settings.keys.queue, _deserializer=deserialize_job)


def request(run_id: str) -> RunRequest:
    return RunRequest(checkpoint="orders", run_id=run_id, context={"n": 1})


# -- the pin and the constants ------------------------------------------------------------------


def test_arq_is_the_minor_version_the_protocol_was_written_for() -> None:
    major, minor = (int(part) for part in arq.VERSION.split(".")[:2])
    assert (major, minor) == arq_protocol.BUILT_FOR, (
        f"arq {arq.VERSION} is installed; shared/arq_protocol.py was written for"
        f" {arq_protocol.BUILT_FOR}: re-check it, then move BUILT_FOR and the pin together"
    )
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (pin,) = [spec for spec in dependencies if spec.startswith("arq")]
    assert pin == f"arq>={major}.{minor}.0,<{major}.{minor + 1}"


def test_the_key_prefixes_and_the_expiry_are_arqs() -> None:
    assert arq_protocol.JOB_KEY_PREFIX == constants.job_key_prefix == "arq:job:"
    assert arq_protocol.IN_PROGRESS_KEY_PREFIX == constants.in_progress_key_prefix
    assert arq_protocol.RESULT_KEY_PREFIX == constants.result_key_prefix
    assert arq_protocol.RETRY_KEY_PREFIX == constants.retry_key_prefix
    assert arq_protocol.JOB_EXPIRY_EXTRA_MS == constants.expires_extra_ms
    assert Keys.arq_job("x") == constants.job_key_prefix + "x"
    assert Keys.arq_result("x") == constants.result_key_prefix + "x"


def test_the_job_layout_is_what_arq_reads() -> None:
    raw = arq_protocol.pack_job(RUN_CHECKPOINT, [{"checkpoint": "orders"}], 1234, serialize_job)
    job = arq_deserialize_job(raw, deserializer=deserialize_job)
    assert (job.function, list(job.args), job.kwargs, job.job_try) == (
        RUN_CHECKPOINT,
        [{"checkpoint": "orders"}],
        {},
        None,
    )
    assert sorted(deserialize_job(raw)) == sorted(arq_protocol.JOB_FIELDS)
    # the envelope of an undecodable job is a job arq hands to our handler
    undecodable = arq_deserialize_job(b"\x80garbage", deserializer=deserialize_job)
    assert (undecodable.function, undecodable.job_try) == (UNDECODABLE_JOB, 1)
    assert undecodable.args[0]["raw"] == b"\x80garbage"


# -- jobs we write, arq reads and runs ------------------------------------------------------------


async def test_a_job_we_enqueue_is_read_run_and_answered_by_arq(
    pool: ArqRedis, settings: Settings, make_worker: Any
) -> None:
    ours = await enqueue_run(pool, settings.keys, request("ours-1"))
    assert ours is not None
    job = arq_job(pool, "ours-1", settings)
    assert await job.status() is JobStatus.queued
    info = await job.info()
    assert info is not None
    assert (info.function, list(info.args), info.kwargs, info.job_try) == (
        RUN_CHECKPOINT,
        [job_payload(request("ours-1"))],
        {},
        None,
    )
    assert [queued.job_id for queued in await pool.queued_jobs()] == ["ours-1"]
    # arq refuses the id while our job exists: we wrote the keys it checks
    assert await pool.enqueue_job(RUN_CHECKPOINT, {}, _job_id="ours-1") is None
    worker = await make_worker()
    await worker.main()
    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    answer = {"payload": job_payload(request("ours-1")), "job_id": "ours-1", "try": 1}
    assert await job.result(timeout=5) == answer
    assert await ours.result(timeout=5) == answer  # the handle enqueue_run returned
    assert await job.status() is JobStatus.complete
    # and we refuse an id whose result arq keeps, as arq does
    assert await enqueue_run(pool, settings.keys, request("ours-1")) is None


async def test_a_firing_the_scheduler_decides_is_a_job_arq_runs(
    pool: ArqRedis, settings: Settings, make_worker: Any
) -> None:
    decider = RedisFiringDecider(pool, settings.keys)
    first_firing = Firing(
        job_id="orders:every:1", request=request("orders:every:1"), checkpoint="orders"
    )
    later = Firing(
        job_id="orders:every:2",
        request=request("orders:every:2"),
        checkpoint="orders",
        overlap=OverlapPolicy.QUEUE_LATEST,
    )
    assert (await decider.decide(first_firing)).value == "enqueued"
    assert (await decider.decide(later)).value == "deferred"  # the first is still queued
    first = arq_job(pool, "orders:every:1", settings)
    info = await first.info()
    assert info is not None and list(info.args) == [job_payload(request("orders:every:1"))]
    worker = await make_worker()
    await worker.main()
    assert (await first.result(timeout=5))["job_id"] == "orders:every:1"
    # the first run ended (arq removed its job key): the deferred firing is released
    assert await decider.release_deferred("orders") == "orders:every:2"
    second = arq_job(pool, "orders:every:2", settings)
    assert await second.status() is JobStatus.queued
    await (await make_worker()).main()
    assert (await second.result(timeout=5))["payload"] == job_payload(request("orders:every:2"))


# -- jobs arq writes, we claim and run ----------------------------------------------------------


async def test_due_queued_jobs_are_claimed_once(pool: ArqRedis, settings: Settings) -> None:
    queue = settings.keys.queue
    await pool.zadd(queue, {"held": 900, "due": 1_000, "due-2": 1_500, "later": 5_000})
    await pool.set(constants.in_progress_key_prefix + "held", b"1")  # an arq worker runs it
    claimer = JobClaimer(pool, queue, LEASE_MS)
    [claim] = await claimer.claim_due(1, now_ms=2_000, read_limit=10)
    assert (claim.job_id, claim.score, claim.deaths) == (b"due", 1_000, 0)
    assert 0 < await pool.pttl(constants.in_progress_key_prefix + "due") <= LEASE_MS
    claims = await claimer.claim_due(5, now_ms=2_000, read_limit=10)
    assert [claim.job_id for claim in claims] == [b"due-2"]  # held ones skipped, later not due
    assert not await pool.exists(constants.in_progress_key_prefix + "later")
    assert await claimer.claim_due(5, now_ms=2_000, read_limit=10) == []
    assert await claimer.claim_due(0, now_ms=9_000, read_limit=10) == []
    assert not await pool.exists(settings.keys.running)  # no start records asked for


async def test_a_claim_records_each_start_and_counts_unfinished_ones(
    pool: ArqRedis, settings: Settings
) -> None:
    queue, keys = settings.keys.queue, settings.keys
    await pool.zadd(queue, {"job-a": 1_000})
    records = StartRecords(keys.running, keys.job_starts(""), "worker-1", 60)
    claimer = JobClaimer(pool, queue, LEASE_MS, records)
    [first] = await claimer.claim_due(3, now_ms=2_000, read_limit=10)
    assert first.deaths == 0 and await pool.hget(keys.running, "job-a") == b"worker-1"
    assert await pool.get(keys.job_starts("job-a")) == b"1"
    await pool.delete(constants.in_progress_key_prefix + "job-a")  # the lease ran out: it died
    [second] = await claimer.claim_due(3, now_ms=2_000, read_limit=10)
    assert second.deaths == 1 and 0 < await pool.ttl(keys.job_starts("job-a")) <= 60


async def test_our_claim_takes_what_arq_would_and_excludes_arq(
    pool: ArqRedis, settings: Settings, make_worker: Any
) -> None:
    queue = settings.keys.queue
    await pool.enqueue_job(RUN_CHECKPOINT, {"n": 1}, _job_id="arq-due", _queue_name=queue)
    await pool.enqueue_job(
        RUN_CHECKPOINT, {"n": 2}, _job_id="arq-later", _queue_name=queue, _defer_by=60
    )
    claimer = JobClaimer(pool, queue, LEASE_MS)
    due_score = await pool.zscore(queue, "arq-due")
    claims = await claimer.claim_due(5, current_ms(), read_limit=10)
    assert [(claim.job_id, claim.score) for claim in claims] == [(b"arq-due", due_score)]
    in_progress = constants.in_progress_key_prefix + "arq-due"
    assert 0 < await pool.pttl(in_progress) <= LEASE_MS
    # arq's own worker sees our claim and leaves the job alone
    worker = await make_worker()
    await worker.start_jobs([b"arq-due"])
    assert "arq-due" not in worker.tasks and worker.job_counter == 0


async def test_arqs_claim_excludes_ours(
    pool: ArqRedis, settings: Settings, make_worker: Any
) -> None:
    queue = settings.keys.queue
    await pool.enqueue_job(RUN_CHECKPOINT, {"n": 1}, _job_id="arq-held", _queue_name=queue)
    # what arq's Worker.start_jobs writes when it claims a job
    worker = await make_worker()
    lease_ms = int(worker.in_progress_timeout_s * 1000)
    await pool.psetex(constants.in_progress_key_prefix + "arq-held", lease_ms, b"1")
    claimer = JobClaimer(pool, queue, lease_ms)
    assert await claimer.claim_due(5, current_ms(), read_limit=10) == []


async def test_the_waking_worker_runs_jobs_arq_enqueued(
    pool: ArqRedis, settings: Settings, make_worker: Any
) -> None:
    queue = settings.keys.queue
    jobs = [
        await pool.enqueue_job(RUN_CHECKPOINT, {"n": n}, _job_id=f"w-{n}", _queue_name=queue)
        for n in range(5)
    ]
    worker = await make_worker(WakingWorker, max_jobs=2)
    await worker.main()
    assert worker.jobs_complete == 5 and worker.jobs_failed == 0
    for n, job in enumerate(jobs):
        assert job is not None
        assert await job.result(timeout=5) == {"payload": {"n": n}, "job_id": f"w-{n}", "try": 1}
    assert await pool.zcard(queue) == 0


async def retry_ttl(ctx: dict[str, Any], payload: Any) -> int:
    """A job function that answers how long its try counter has left, as it starts."""
    ttl_ms: int = await ctx["redis"].pttl(Keys.arq_retry(ctx["job_id"]))
    return ttl_ms


async def test_arq_sets_the_try_counters_life_as_a_try_starts(
    pool: ArqRedis, settings: Settings, make_worker: Any
) -> None:
    """What `shared.fleet.read_runs_in_progress` reads a run's age from."""
    job = await enqueue_run(pool, settings.keys, request("aged-1"))
    assert job is not None
    worker = await make_worker(functions=[func(retry_ttl, name=RUN_CHECKPOINT)])
    await worker.main()
    left_ms = await job.result(timeout=5)
    assert (
        arq_protocol.RETRY_KEY_TTL_S * 1000 - 2_000 < left_ms <= arq_protocol.RETRY_KEY_TTL_S * 1000
    )


# -- the Worker internals the waking worker relies on ---------------------------------------------


def test_the_worker_methods_we_override_or_call_are_arqs() -> None:
    for name, parameters in {**arq_protocol.WORKER_OVERRIDES, **arq_protocol.WORKER_CALLS}.items():
        method = getattr(Worker, name, None)
        assert method is not None, f"arq's Worker has no {name} any more"
        assert tuple(inspect.signature(method).parameters) == parameters, name
    own = {
        name
        for name, value in vars(WakingWorker).items()
        if callable(value) and hasattr(Worker, name) and name not in {"__init__", "close"}
    }
    assert own <= set(arq_protocol.WORKER_OVERRIDES), "an override missing from the protocol"


async def test_the_worker_attributes_we_use_are_arqs(settings: Settings, make_worker: Any) -> None:
    worker = await make_worker()
    for name in arq_protocol.WORKER_ATTRIBUTES:
        if name != "pool":  # a property that needs the started worker
            assert hasattr(worker, name), f"arq's Worker has no {name} any more"
    assert isinstance(worker.sem, asyncio.BoundedSemaphore)
    assert worker.sem._value == worker.max_jobs + 1  # arq's permits: max_jobs + 1
    assert isinstance(Worker.pool, property)


# Each case: finish, result data, result timeout s, keep forever, score increment, keep claim s.
FINISH_CASES = [
    (True, b"result", 60.0, False, None, None),  # a job done
    (True, b"result", 60.0, True, None, None),  # its result kept for ever
    (True, None, None, False, None, None),  # done, keep_result 0: no result
    (False, None, None, False, 5000, None),  # a retry: due later
    (True, b"result", 60.0, False, None, 30.0),  # a cron job keeps its claim a while
]


@pytest.mark.parametrize("case", FINISH_CASES)
async def test_our_finish_does_what_arqs_finish_job_does(
    pool: ArqRedis, settings: Settings, make_worker: Any, case: tuple[Any, ...]
) -> None:
    worker = await make_worker()
    queue = settings.keys.queue

    async def state_after(finish: Any, job_id: str) -> dict[str, Any]:
        await pool.set(constants.job_key_prefix + job_id, b"job", px=600_000)
        await pool.set(constants.in_progress_key_prefix + job_id, b"1", px=600_000)
        await pool.set(constants.retry_key_prefix + job_id, b"1")
        # Due in an hour: no worker of another test claims it meanwhile.
        due_ms = current_ms() + 3_600_000
        await pool.zadd(queue, {job_id: due_ms})
        await pool.zadd(constants.abort_jobs_ss, {job_id: 1})
        await finish(job_id, *case)
        keys = {
            "job": constants.job_key_prefix,
            "claim": constants.in_progress_key_prefix,
            "retry": constants.retry_key_prefix,
            "result": constants.result_key_prefix,
        }
        state: dict[str, Any] = {}
        for name, prefix in keys.items():
            ttl_ms = await pool.pttl(prefix + job_id)
            state[name] = (
                await pool.get(prefix + job_id),
                -1 if ttl_ms < 0 else round(ttl_ms / 1000),
            )
        score = await pool.zscore(queue, job_id)
        state["queued"] = None if score is None else score - due_ms  # moved by the increment
        state["aborting"] = await pool.zscore(constants.abort_jobs_ss, job_id)
        return state

    theirs = await state_after(worker.finish_job, "by-arq")
    ours = await state_after(arq_protocol.JobFinisher(pool, queue).finish, "by-us")
    assert ours == theirs


# -- the class arq's CLI builds ---------------------------------------------------------------


@pytest.fixture
def arqs_worker_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """arq's `Worker` name is put back after the test (the binding is for a whole process)."""
    monkeypatch.setattr(arq.worker, "Worker", arq_protocol.ARQ_WORKER)


def test_our_worker_signature_is_arqs_then_our_own() -> None:
    arqs = list(inspect.signature(Worker).parameters.values())
    ours = list(inspect.signature(WakingWorker).parameters.values())
    assert ours[: len(arqs)] == arqs
    assert [parameter.name for parameter in ours[len(arqs) :]] == [
        "wake_channel",
        "idle_poll_s",
        "fleet_settings",
    ]
    assert arq_protocol.ARQ_WORKER is Worker


@pytest.mark.usefixtures("arqs_worker_name")
def test_arqs_create_worker_builds_our_worker_with_every_setting(settings: Settings) -> None:
    worker_settings = build_worker_settings(settings)
    assert type(arq.worker.create_worker(worker_settings, handle_signals=False)) is Worker
    arq_protocol.use_worker_class(WakingWorker)
    arq_protocol.use_worker_class(WakingWorker)  # idempotent
    # what arq's CLI runs: run_worker -> create_worker(settings_cls, **cli_options)
    built = arq.worker.create_worker(worker_settings, burst=True, handle_signals=False)
    assert type(built) is WakingWorker
    settings_names = {name for name in vars(worker_settings) if not name.startswith("__")}
    assert set(arq.worker.get_kwargs(worker_settings)) == settings_names
    assert (built.wake_channel, built.idle_poll_s) == (settings.keys.wake, settings.idle_poll_s)
    assert built.fleet_settings is settings and built.burst
    assert (built.queue_name, built.max_jobs) == (settings.keys.queue, settings.worker_concurrency)
    assert built.poll_delay_s == 0  # the waking worker waits in its own poll
    assert set(built.functions) == {RUN_CHECKPOINT, UNDECODABLE_JOB}


@pytest.mark.usefixtures("arqs_worker_name")
def test_a_class_arqs_get_kwargs_could_not_configure_is_refused() -> None:
    class Opaque(Worker):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    with pytest.raises(TypeError, match="lacks arq's"):
        arq_protocol.use_worker_class(Opaque)
    with pytest.raises(TypeError, match="not a subclass"):
        arq_protocol.use_worker_class(dict)  # type: ignore[arg-type]
    assert arq.worker.Worker is Worker
