"""arq's private protocol: everything checkfleet relies on beyond arq's public API, in one place.

checkfleet writes arq jobs itself (one Lua script call instead of arq's WATCH / EXISTS / MULTI
round trips, see `shared.enqueue`), decides scheduler firings in Lua over arq's keys, reads
the queue and claims jobs for several slots in one script (`worker.claims`), and its waking
worker (`worker.waking`) overrides private methods of `arq.worker.Worker`. None of that is
arq's documented API, so it is all written here (the claim's Lua helper too), and
``tests/shared/test_arq_protocol.py`` runs arq's own `enqueue_job`, `Job` and `Worker`
against it: an arq upgrade that changes any of it fails there, in one place.
pyproject pins arq's minor version (`BUILT_FOR`).

arq's CLI (``arq worker.WorkerSettings``: `arq.worker.run_worker` -> `create_worker`) builds
the worker class named ``Worker`` in `arq.worker`'s globals, and `get_kwargs` keeps only the
settings that class's signature names; there is no hook for the class. `use_worker_class`
rebinds that name, so the CLI runs checkfleet's worker (`worker.waking.WakingWorker`), and
`extended_worker_signature` gives that class a signature with arq's parameters and its own.

What arq keeps in Redis (``arq/constants.py``, ``arq/connections.py``, ``arq/worker.py``):

- ``arq:job:<id>``: the job, a serialized map ``{t: try, f: function, a: args, k: kwargs,
  et: enqueue ms}`` (`JOB_FIELDS`), expiring `JOB_EXPIRY_EXTRA_MS` after it is due;
- the queue, a sorted set of job ids scored by the ms they are due at;
- ``arq:in-progress:<id>``: a worker's claim on the job (``'1'`` with a lease);
- ``arq:retry:<id>``: the job's try counter, kept by the worker, its expiry set to
  `RETRY_KEY_TTL_S` as each try starts;
- ``arq:result:<id>``: the finished job's result map (`RESULT_FIELD` ``s`` marks it), which
  `arq.jobs.Job.result` reads. arq refuses to enqueue an id while its job or result exists;
- ``arq:abort``: a sorted set of job ids to abort (`ABORT_JOBS_SET`, what `Job.abort` writes),
  shared by every queue of the database: a worker running one cancels its task and lists it in
  `Worker.aborting_tasks` while it does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import arq.worker
from arq.constants import (
    abort_jobs_ss,
    expires_extra_ms,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)
from arq.jobs import Job
from arq.jobs import serialize_job as arq_serialize_job
from arq.utils import timestamp_ms
from redis.asyncio import Redis

if TYPE_CHECKING:
    from arq.connections import ArqRedis
    from arq.worker import Worker

#: The arq minor version this module was written and tested against (pinned in pyproject).
BUILT_FOR = (0, 28)

JOB_KEY_PREFIX: str = job_key_prefix
IN_PROGRESS_KEY_PREFIX: str = in_progress_key_prefix
RESULT_KEY_PREFIX: str = result_key_prefix
RETRY_KEY_PREFIX: str = retry_key_prefix
ABORT_JOBS_SET: str = abort_jobs_ss
#: The life arq gives a job's try counter (``arq:retry:<id>``), set again each time a worker
#: starts the job (`Worker.run_job`): its remaining time tells how long the try has run.
RETRY_KEY_TTL_S: int = 88400
#: How long after its due time a job may still wait in the queue (arq's default expiry).
JOB_EXPIRY_EXTRA_MS: int = expires_extra_ms

#: The fields of a job map (a job result map has these and `RESULT_FIELD`).
JOB_FIELDS = ("t", "f", "a", "k", "et")
#: Present only in a job result map: whether the job succeeded.
RESULT_FIELD = "s"

Serializer = Callable[[dict[str, Any]], bytes]

#: The private methods of `arq.worker.Worker` that `worker.waking.WakingWorker` overrides, with
#: the parameters arq calls them with. The contract test checks them against arq.
WORKER_OVERRIDES: dict[str, tuple[str, ...]] = {
    # replaced: arq's steps (burst limit, queue read, claims, aborts, done tasks, health
    # beat), with the queue read and the claims in one script (`worker.claims`)
    "_poll_iteration": ("self",),
    "_release_sem_dec_counter_on_complete": ("self",),
    # wrapped: a job whose bookkeeping Redis refused gives its claim back; poison jobs
    # (worker.poison): what arq raises or fails before a job runs becomes a dead letter
    "run_job": ("self", "job_id", "score"),
    "finish_failed_job": ("self", "job_id", "result_data"),
    # rate-limited: arq reads its abort set at every poll, and a woken worker polls per job
    "_cancel_aborted_jobs": ("self",),
    # one script call instead of arq's MULTI (`JobFinisher`)
    "finish_job": (
        "self",
        "job_id",
        "finish",
        "result_data",
        "result_timeout_s",
        "keep_result_forever",
        "incr_score",
        "keep_in_progress",
    ),
    # wrapped: the start-up (one Redis factory, bounded wait, exit codes) both entries share
    "main": ("self",),
}
#: The methods of `Worker` the job-slot functions below and the replaced poll call, with their
#: parameters.
WORKER_CALLS: dict[str, tuple[str, ...]] = {
    "run_job": ("self", "job_id", "score"),
    "_release_sem_dec_counter_on_complete": ("self",),
    "_cancel_aborted_jobs": ("self",),
    "_jobs_started": ("self",),
    "heart_beat": ("self",),
}
#: The attributes of a `Worker` those read or change (arq's job slots, its poll settings).
WORKER_ATTRIBUTES = (
    "queue_read_limit",
    "_queue_read_offset",
    "burst",
    "max_burst_jobs",
    "allow_pick_jobs",
    "allow_abort_jobs",
    "sem",
    "job_counter",
    "max_jobs",
    "tasks",
    "loop",
    "pool",
    "queue_name",
    "in_progress_timeout_s",
    "aborting_tasks",
)

#: arq's own worker class, whatever `use_worker_class` later binds to its name.
ARQ_WORKER: type[Worker] = arq.worker.Worker

#: arq's clock: ms since the epoch, what queue scores and claims compare with.
current_ms: Callable[[], int] = timestamp_ms


def job_map(
    function: str, args: Sequence[Any], *, job_try: int | None, enqueue_ms: int
) -> dict[str, Any]:
    """The map arq stores as a job (before serialization)."""
    return {"t": job_try, "f": function, "a": list(args), "k": {}, "et": enqueue_ms}


def pack_job(function: str, args: Sequence[Any], enqueue_ms: int, serializer: Serializer) -> bytes:
    """The bytes of the job ``function(*args)`` as arq's `enqueue_job` stores them."""
    return arq_serialize_job(function, tuple(args), {}, None, enqueue_ms, serializer=serializer)


def is_result_map(value: dict[str, Any]) -> bool:
    """Whether a decoded arq map is a job result rather than a job."""
    return RESULT_FIELD in value


def job_expiry_ms(score_ms: int, enqueue_ms: int) -> int:
    """The lifetime arq gives a job due at `score_ms` and enqueued at `enqueue_ms`."""
    return max(1, score_ms - enqueue_ms + JOB_EXPIRY_EXTRA_MS)


def job_handle(redis: ArqRedis, job_id: str, queue_name: str) -> Job:
    """arq's `Job` for a job we wrote (``job.status()``, ``job.result()`` work on it)."""
    return Job(job_id, redis=redis, _queue_name=queue_name, _deserializer=redis.job_deserializer)


# Lua functions over arq's keys, prepended to every script of ours that reads or writes them
# (`lua_script`). The key prefixes are arq's constants, not settings, hence literals.
_LUA_PRELUDE = f"""
local ARQ_JOB, ARQ_RESULT = '{JOB_KEY_PREFIX}', '{RESULT_KEY_PREFIX}'
local ARQ_IN_PROGRESS = '{IN_PROGRESS_KEY_PREFIX}'
-- arq refuses an id while its job or its result exists (ArqRedis.enqueue_job)
local function arq_id_taken(job_id)
    return redis.call('EXISTS', ARQ_JOB .. job_id, ARQ_RESULT .. job_id) > 0
end
-- a job is queued or running while its job key or a worker's claim exists
local function arq_job_active(job_id)
    return redis.call('EXISTS', ARQ_JOB .. job_id, ARQ_IN_PROGRESS .. job_id) > 0
end
-- what enqueue_job writes: the job with its expiry, its id in the queue scored by its due time
local function arq_write_job(queue, job_id, job, score_ms, expiry_ms)
    redis.call('SET', ARQ_JOB .. job_id, job, 'PX', expiry_ms)
    redis.call('ZADD', queue, score_ms, job_id)
end
-- what Worker.start_jobs claims: a queued, due job held by no worker; whether it was free
local function arq_take_job(job_id, lease_ms)
    if redis.call('EXISTS', ARQ_IN_PROGRESS .. job_id) == 0 then
        redis.call('SET', ARQ_IN_PROGRESS .. job_id, '1', 'PX', lease_ms)
        return true
    end
    return false
end
"""


def lua_script(body: str) -> str:
    """A Lua script `body` with arq's key helpers above it: ``arq_id_taken(id)``,
    ``arq_job_active(id)``, ``arq_write_job(queue, id, job, score_ms, expiry_ms)`` and
    ``arq_take_job(id, lease_ms)`` (for a job read from the queue as due)."""
    return _LUA_PRELUDE + body


# KEYS: the job's in-progress, result, retry and job keys, arq's abort set, the queue.
# ARGV: job id, ms to keep the claim ('' to drop it), '1' to finish the job, its result
#       ('' for none), ms to keep the result ('' for ever), score increment ('' for none).
_FINISH = """
if ARGV[2] == '' then
    redis.call('DEL', KEYS[1])
else
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if ARGV[3] == '1' then
    if ARGV[4] ~= '' then
        if ARGV[5] == '' then
            redis.call('SET', KEYS[2], ARGV[4])
        else
            redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
        end
    end
    redis.call('DEL', KEYS[3], KEYS[4])
    redis.call('ZREM', KEYS[5], ARGV[1])
    redis.call('ZREM', KEYS[6], ARGV[1])
elseif ARGV[6] ~= '' then
    redis.call('ZINCRBY', KEYS[6], ARGV[6], ARGV[1])
end
return 1
"""


class JobFinisher:
    """`Worker.finish_job` as one script call: arq's MULTI of up to five commands costs the
    worker the packing and parsing of seven, for every job. Same keys, same effects."""

    def __init__(self, redis: Redis, queue_name: str) -> None:
        self._script = redis.register_script(_FINISH)
        self._queue_name = queue_name

    async def finish(
        self,
        job_id: str,
        finish: bool,
        result_data: bytes | None,
        result_timeout_s: float | None,
        keep_result_forever: bool,
        incr_score: int | None,
        keep_in_progress: float | None,
    ) -> None:
        """arq's `Worker.finish_job`, with its parameters."""
        keys = [
            IN_PROGRESS_KEY_PREFIX + job_id,
            RESULT_KEY_PREFIX + job_id,
            RETRY_KEY_PREFIX + job_id,
            JOB_KEY_PREFIX + job_id,
            ABORT_JOBS_SET,
            self._queue_name,
        ]
        keep_result_ms = (
            "" if keep_result_forever or result_timeout_s is None else _ms(result_timeout_s)
        )
        args: list[str | int | bytes] = [
            job_id,
            "" if keep_in_progress is None else _ms(keep_in_progress),
            int(finish),
            result_data or "",
            keep_result_ms,
            incr_score or "",
        ]
        await self._script(keys=keys, args=args)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)  # arq's to_ms


# -- arq's job slots, as `Worker.start_jobs` manages them (the waking worker's claims too) ------


async def take_job_slots(worker: Worker, wanted: int) -> int:
    """Take up to `wanted` of the worker's job slots, waiting for the first one only, as
    `Worker.start_jobs` does (its semaphore and job counter); 0 when the worker is full."""
    await worker.sem.acquire()
    if worker.job_counter >= worker.max_jobs:
        worker.sem.release()
        return 0
    taken = 1  # one slot held; take every other free one without waiting
    while (
        taken < wanted and worker.job_counter + taken < worker.max_jobs and not worker.sem.locked()
    ):
        await worker.sem.acquire()
        taken += 1
    worker.job_counter += taken
    return taken


def give_back_job_slots(worker: Worker, count: int) -> None:
    """Return `count` slots taken by `take_job_slots` for jobs that were not started."""
    worker.job_counter -= count
    for _ in range(count):
        worker.sem.release()


def start_claimed_job(worker: Worker, job_id: str, score: int) -> None:
    """Run a job this worker claimed, holding one slot until it ends, as arq does."""
    task = worker.loop.create_task(worker.run_job(job_id, score))
    task.add_done_callback(lambda _: worker._release_sem_dec_counter_on_complete())
    worker.tasks[job_id] = task


# -- the class arq's CLI builds -------------------------------------------------------------------


def extended_worker_signature(init: Callable[..., None]) -> inspect.Signature:
    """arq's `Worker` parameters, then the keyword-only ones of `init` (a subclass's
    ``__init__`` taking ``**kwargs`` for arq's): what `get_kwargs` must see to hand the
    subclass every setting of a `WorkerSettings` class, arq's and its own."""
    arq_parameters = inspect.signature(ARQ_WORKER).parameters
    own = [
        parameter
        for name, parameter in inspect.signature(init).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in arq_parameters
    ]
    return inspect.Signature([*arq_parameters.values(), *own])


def use_worker_class(worker_class: type[Worker]) -> None:
    """Make arq build `worker_class` where it builds a worker by name: `create_worker` (what
    ``arq <settings>`` and `run_worker` call), `get_kwargs`, `check_health`. For this process;
    idempotent."""
    if not issubclass(worker_class, ARQ_WORKER):
        raise TypeError(f"{worker_class.__name__} is not a subclass of arq's Worker")
    missing = set(inspect.signature(ARQ_WORKER).parameters) - set(
        inspect.signature(worker_class).parameters
    )
    if missing:  # get_kwargs would drop these settings without a word
        raise TypeError(f"{worker_class.__name__}'s signature lacks arq's {sorted(missing)}")
    vars(arq.worker)["Worker"] = worker_class
