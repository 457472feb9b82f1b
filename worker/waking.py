"""`WakingWorker`: arq's `Worker`, woken by enqueues instead of only polling.

arq looks at the queue every `poll_delay` seconds, so a run waits half a poll on average before
it starts, and a faster poll makes every idle worker hammer Redis. This worker subscribes to
`Keys.wake`, which `shared.enqueue.enqueue_run` publishes to, and also wakes when one of its
own job slots frees up; between wakes it looks at the queue only every `idle_poll_s`
(deferred jobs, aborts, missed wakes and health checks ride on that).

It reads the queue and claims jobs for all its free slots in one round trip, which also records
each job's start (`worker.claims`), where arq reads, then spends four round trips per job. The
private methods of arq's `Worker` it overrides, and the job-slot bookkeeping they share with
arq, are listed and implemented in `shared.arq_protocol` (`WORKER_OVERRIDES`), where a
contract test checks them.

And no job takes it down or vanishes (`worker.poison`): a queued id that is not a run id, a
job arq cannot even read (a key of the wrong Redis type), and a job arq fails before it runs
(its key gone, its tries used up) each give a dead letter and leave the queue, where arq would
raise out of its main loop or drop the job with a log line.

It outlives write refusals where arq's worker exits: when Redis refuses a write (``OOM``
under ``noeviction``, ``READONLY`` during a failover) or stays away longer than the client's
retries, a poll backs off and tries again, and a job whose bookkeeping failed gives back its
claim, so it runs again (its result is still published once) instead of waiting for the lease.

Both entry points run this worker: ``python -m worker`` builds it, and arq's CLI
(``arq worker.WorkerSettings``) does too, because looking up `worker.WorkerSettings` binds arq's
worker class to it (`shared.arq_protocol.use_worker_class`; its signature is arq's plus its
own, so arq's `get_kwargs` hands it every setting). Given the fleet's `Settings`, its `main` is
the one start-up of both (`worker.startup`): it opens the pool through the one Redis factory
after a bounded wait, and ends the process with one log line and an exit code when the
configuration does not load, Redis refuses it, or Redis never answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from arq.worker import Worker
from redis.exceptions import RedisError, ResponseError

from shared import codec
from shared.arq_protocol import (
    JobFinisher,
    current_ms,
    extended_worker_signature,
    give_back_job_slots,
    start_claimed_job,
    take_job_slots,
)
from shared.errors import DecodeError
from shared.job import is_run_id
from shared.keys import Keys
from shared.logs import configure_logging
from shared.redis_connection import access_problem
from shared.settings import Settings
from worker.claims import JobClaimer
from worker.poison import dead_letter_job, drop_poison_job, readable_id
from worker.startup import WorkerExit, open_worker_pool, worker_exit
from worker.state import ABORTING_KEY, STATE_KEY, WorkerState

logger = logging.getLogger(__name__)

#: Seconds an idle worker waits for a wake before it looks at the queue anyway.
DEFAULT_IDLE_POLL_S = 1.0
_RESUBSCRIBE_DELAY_S = 0.5
#: Longest pause between polls while Redis refuses writes.
REFUSAL_BACKOFF_CAP_S = 5.0
#: Shortest time between two reads of arq's abort set: arq reads it at every poll, and this
#: worker polls whenever a job ends; a cancel is seen within this (or `idle_poll_s` when idle).
ABORT_CHECK_INTERVAL_S = 0.2
#: How long a worker that is exiting on an error gives its shutdown hook.
EXIT_SHUTDOWN_S = 5.0


class WakingWorker(Worker):
    def __init__(
        self,
        *args: Any,
        wake_channel: str,
        idle_poll_s: float = DEFAULT_IDLE_POLL_S,
        fleet_settings: Settings | None = None,
        **kwargs: Any,
    ) -> None:
        """arq's parameters, and: `wake_channel` (`Keys.wake`), `idle_poll_s` (between polls
        when nothing wakes it), `fleet_settings` (when given, `main` opens the pool from them
        and exits with a code on a fatal error; without, arq's start-up, as tests use)."""
        # arq sleeps poll_delay between iterations; here the wait happens in _poll_iteration.
        kwargs["poll_delay"] = 0
        super().__init__(*args, **kwargs)
        self.ctx[ABORTING_KEY] = self.aborting_tasks  # the same set object arq updates
        self.wake_channel = wake_channel
        self.idle_poll_s = idle_poll_s
        self.fleet_settings = fleet_settings
        self._wake: asyncio.Event | None = None
        self._listener: asyncio.Task[None] | None = None
        self._claimer: JobClaimer | None = None
        self._finisher: JobFinisher | None = None
        self._refusals = 0
        self._abort_checked_at = float("-inf")
        self._exit: WorkerExit | None = None
        #: Whether start-up is over: Redis lost before then ends the process (exit 75).
        self._started = False

    # What arq's get_kwargs reads to pick the settings it hands this class (see __doc__).
    __signature__ = extended_worker_signature(__init__)

    async def main(self) -> None:
        """arq's `main`, after the start-up both entry points share (`worker.startup`)."""
        settings = self.fleet_settings
        if settings is None:
            await super().main()
            return
        # Before anything logs; arq's CLI configured its own logging after the import.
        configure_logging(settings)
        try:
            if self._pool is None:
                self._pool = await open_worker_pool(settings)
            await super().main()
        except Exception as exc:
            ending = worker_exit(exc, settings, started=self._started)
            if ending is None:
                raise
            self._exit = ending
            logger.error("%s", ending.line)
            raise SystemExit(ending.code) from None

    async def _poll_iteration(self) -> None:
        self._started = True  # start-up (arq's and ours, the hooks included) is over
        try:
            await self._poll_once()
        except (RedisError, OSError) as exc:
            if access_problem(exc) is not None:
                raise  # not an outage: `main` exits with the reason (worker.startup)
            self._refusals += 1
            pause_s = min(REFUSAL_BACKOFF_CAP_S, 0.25 * 2 ** min(self._refusals, 5))
            logger.warning(
                "Redis refused the worker (%s: %s); runs in flight go on, next poll in %.1f s",
                type(exc).__name__,
                exc,
                pause_s,
            )
            await asyncio.sleep(pause_s)
            return
        self._refusals = 0
        if self.burst:
            return
        wake = self._ensure_listening()
        # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that
        # arrives as the wake is set (a job ending), and a stopping worker would poll on.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.idle_poll_s):
                await wake.wait()
        wake.clear()

    async def _poll_once(self) -> None:
        """arq's `_poll_iteration`, step by step, with its queue read and its claims in one
        round trip (`worker.claims`)."""
        wanted = self.max_jobs
        if self.burst and self.max_burst_jobs >= 0:
            remaining = self.max_burst_jobs - self._jobs_started()
            if remaining < 1:
                return
            wanted = min(remaining, wanted)
        if self.allow_pick_jobs and self.job_counter < self.max_jobs:
            await self._claim_and_start(wanted)
        if self.allow_abort_jobs:
            await self._cancel_aborted_jobs()
        for job_id, task in list(self.tasks.items()):
            if task.done():
                del self.tasks[job_id]
                task.result()  # arq's way: an error out of run_job surfaces here
        await self.heart_beat()

    async def _claim_and_start(self, wanted: int) -> None:
        """Claim due jobs for the free job slots (up to `wanted`) and start them."""
        slots = await take_job_slots(self, wanted)
        if not slots:
            return
        try:
            claims = await self._job_claimer().claim_due(
                slots,
                current_ms(),
                read_limit=self.queue_read_limit,
                read_offset=self._queue_read_offset,
            )
        except BaseException:  # Redis away: give the slots back, the next poll retries
            give_back_job_slots(self, slots)
            raise
        give_back_job_slots(self, slots - len(claims))
        state = self.ctx.get(STATE_KEY)
        for claim in claims:
            job_id = _run_id_of(claim.job_id)
            if job_id is None:
                give_back_job_slots(self, 1)
                reason = f"queued job id {readable_id(claim.job_id)!r} is not a run id"
                await drop_poison_job(self.pool, self.ctx, self.queue_name, claim.job_id, reason)
                continue
            if state is not None:
                state.runs.claimed(job_id, claim.deaths)
            start_claimed_job(self, job_id, claim.score)

    async def _cancel_aborted_jobs(self) -> None:
        """arq's `_cancel_aborted_jobs`, when this worker runs jobs (a job aborted before it
        starts is caught as it starts) and at most every `ABORT_CHECK_INTERVAL_S`: one round
        trip fewer for most runs under load."""
        now = self.loop.time()
        if not self.job_tasks or now - self._abort_checked_at < ABORT_CHECK_INTERVAL_S:
            return
        self._abort_checked_at = now
        await super()._cancel_aborted_jobs()

    def _ensure_listening(self) -> asyncio.Event:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(self._wake), name="checkfleet-wake")
        return self._wake

    async def _listen(self, wake: asyncio.Event) -> None:
        """Sets `wake` on every message; resubscribes after a connection loss."""
        while True:
            try:
                async with self.pool.pubsub() as pubsub:
                    await pubsub.subscribe(self.wake_channel)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: polling still works, try again shortly
                logger.debug("wake subscription lost (%s); resubscribing", exc)
                wake.set()  # look at the queue rather than trust a silent channel
                await asyncio.sleep(_RESUBSCRIBE_DELAY_S)

    async def run_job(self, job_id: str, score: int) -> None:
        """arq's `run_job`: a job arq cannot even read (a key of the wrong Redis type) or that
        makes arq raise becomes a dead letter (`worker.poison`); one whose bookkeeping Redis
        refused gives its claim back, so it runs again once Redis accepts writes. However it
        ends, the start its claim recorded ends with it (`worker.run_records`)."""
        runs_again = True
        try:
            await super().run_job(job_id, score)
            runs_again = False
        except asyncio.CancelledError:
            raise
        except ResponseError as exc:
            if "WRONGTYPE" in str(exc):
                runs_again = False
                reason = f"arq could not run job {job_id!r}: {type(exc).__name__}: {exc}"
                await drop_poison_job(self.pool, self.ctx, self.queue_name, job_id, reason)
                return
            await self._give_back_claim(job_id, exc)
        except (RedisError, OSError) as exc:
            await self._give_back_claim(job_id, exc)
        except Exception as exc:
            runs_again = False
            reason = f"arq could not run job {job_id!r}: {type(exc).__name__}: {exc}"
            await drop_poison_job(self.pool, self.ctx, self.queue_name, job_id, reason)
        finally:
            state = self.ctx.get(STATE_KEY)
            if state is not None and job_id in state.runs.running:  # most runs ended it
                await asyncio.shield(self._end_start_record(state, job_id, runs_again=runs_again))

    async def _give_back_claim(self, job_id: str, exc: Exception) -> None:
        if access_problem(exc) is not None:
            raise exc
        # arq could not start or finish the job's bookkeeping: without its claim the job
        # runs again once Redis accepts writes, rather than after the lease.
        logger.warning("job %s: Redis refused arq's bookkeeping (%s); re-queued", job_id, exc)
        with contextlib.suppress(RedisError, OSError):
            await self.pool.delete(Keys.arq_in_progress(job_id))

    async def _end_start_record(self, state: WorkerState, job_id: str, *, runs_again: bool) -> None:
        """End the start record of a job arq ended without its function ending it (expired,
        out of tries, undecodable, aborted before it started, cancelled, re-queued)."""
        if runs_again:
            await state.runs.interrupted(job_id)
        else:
            await state.runs.finished(job_id)

    async def finish_job(self, job_id: str, *arguments: Any) -> None:
        """arq's `finish_job` (`arguments`: arq's, in its order) in one script call
        (`shared.arq_protocol.JobFinisher`)."""
        if self._finisher is None:
            self._finisher = JobFinisher(self.pool, self.queue_name)
        await self._finisher.finish(job_id, *arguments)

    async def finish_failed_job(self, job_id: str, result_data: bytes | None) -> None:
        """arq's `finish_failed_job`, for a job arq failed before running it: also dead-lettered
        (unless aborted on purpose), where arq would only log it."""
        reason = _failure_reason(result_data)
        if reason is not None:
            state = self.ctx.get(STATE_KEY)
            if state is not None:
                message = f"job {job_id!r}: arq failed it before it ran: {reason}"
                await dead_letter_job(state, job_id, message, b"")
        await super().finish_failed_job(job_id, result_data)

    def _job_claimer(self) -> JobClaimer:
        if self._claimer is None:
            state = self.ctx.get(STATE_KEY)
            self._claimer = JobClaimer(
                self.pool,
                self.queue_name,
                lease_ms=int(self.in_progress_timeout_s * 1000),
                records=None if state is None else state.runs.start_records(),
            )
        return self._claimer

    def _release_sem_dec_counter_on_complete(self) -> None:
        super()._release_sem_dec_counter_on_complete()
        if self._wake is not None:  # a free slot: take the next queued job now
            self._wake.set()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        if self._exit is None:
            await super().close()
            return
        # Exiting on an error: Redis refuses this worker or never answered, so arq's close
        # (which deletes the health key) would raise over the exit or wait out the retries.
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        if self._pool is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(EXIT_SHUTDOWN_S):
                if self.on_shutdown is not None:
                    await self.on_shutdown(self.ctx)  # scan processes, executor, metrics
        with contextlib.suppress(Exception):
            await self._pool.aclose()
        self._pool = None


def _run_id_of(raw: bytes) -> str | None:
    """The queued id `raw` as a run id; None when it is none (not even text)."""
    try:
        job_id = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return job_id if is_run_id(job_id) else None


def _failure_reason(result_data: bytes | None) -> str | None:
    """What arq's failed-job result says went wrong; None for an abort (a deliberate end)."""
    if result_data is None:
        return "unknown"
    try:
        result = codec.unpackb(result_data)
    except DecodeError:
        return "unknown"
    failure = result.get("r") if isinstance(result, dict) else None
    if not isinstance(failure, dict):
        return str(failure)
    if failure.get("error_type") == "CancelledError":
        return None
    return f"{failure.get('error_type')}: {failure.get('message')}"
