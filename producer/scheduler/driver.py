"""`TriggerDriver`: drives one trigger of one checkpoint inside the scheduler.

It binds and starts the trigger, replays ticks missed while no scheduler ran (the checkpoint's
catch-up policy), then evaluates it in a loop: after a firing at once (more may be ready),
otherwise every `poll_interval_s`. A firing is submitted to the `RunEnqueuer` and only then
acknowledged to the trigger. A firing that could not be submitted (Redis away) is kept and
submitted again before the trigger is evaluated anew, so an outage loses nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from producer.scheduler.backoff import Backoff
from producer.scheduler.enqueue import Outcome, RunEnqueuer, Submission, fresh_job_id
from producer.scheduler.firings import firing_request, tick_result
from shared.async_base.trigger import AsyncBaseTrigger, TriggerResult
from shared.checkpoint import CatchUpPolicy, Checkpoint, OverlapPolicy
from shared.errors import TransientError
from shared.keys import Keys
from shared.triggers.base import Clock, TimedTrigger, utc_now

logger = logging.getLogger(__name__)

#: Errors after which the driver waits and tries again: Redis away, a transient failure.
RETRIABLE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TransientError)


class FiringEnqueuer(Protocol):
    """What a driver needs from its enqueuer: `RunEnqueuer` on the fleet; the client API's
    in-process runner (`producer.client.local_enqueue.LocalEnqueuer`) has the same decisions."""

    async def submit(self, submission: Submission) -> Outcome: ...

    async def release_deferred(self, checkpoint: str) -> str | None: ...

    async def last_tick(self, checkpoint: str, trigger: str) -> int | None: ...

    async def remember_tick(self, checkpoint: str, trigger: str, moment: datetime) -> None: ...

    async def overlap_skips(self, checkpoint: str) -> int: ...

    async def squatter(self, submission: Submission) -> str | None:
        """After a ``duplicate``: a description of whoever else holds the job id, or None."""
        ...


def from_epoch_us(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


class TriggerDriver:
    """Evaluates one trigger and turns its firings into runs."""

    def __init__(
        self,
        checkpoint: Checkpoint,
        trigger: AsyncBaseTrigger[Any],
        *,
        redis: Redis | None,
        keys: Keys,
        enqueuer: FiringEnqueuer | RunEnqueuer,
        consumer: str,
        poll_interval_s: float = 0.5,
        clock: Clock = utc_now,
    ) -> None:
        self.checkpoint = checkpoint
        self.trigger = trigger
        self._redis = redis
        self._keys = keys
        self._enqueuer = enqueuer
        self._consumer = consumer
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._started = False
        #: A firing whose submission failed: submitted again before anything else.
        self._unsent: TriggerResult | None = None
        self.outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    @property
    def label(self) -> str:
        return f"{self.checkpoint.name}/{self.trigger.name}"

    async def run(self) -> None:
        """Evaluate until cancelled; errors are logged and retried after a backoff."""
        backoff = Backoff()
        while True:
            try:
                if not self._started:
                    await self.start()
                fired = await self.step()
            except asyncio.CancelledError:
                raise
            except RETRIABLE_ERRORS as exc:
                delay_s = backoff.next_delay_s()
                logger.warning(
                    "trigger %s: %s: retrying in %.1f s", self.label, _describe(exc), delay_s
                )
                await asyncio.sleep(delay_s)
                continue
            except Exception:  # a broken trigger must not stop the others
                delay_s = backoff.next_delay_s()
                logger.exception("trigger %s failed; retrying in %.1f s", self.label, delay_s)
                await asyncio.sleep(delay_s)
                continue
            backoff.reset()
            if not fired:
                await asyncio.sleep(self._poll_interval_s)

    async def start(self) -> None:
        """Bind the trigger, apply catch-up (time-based triggers), start it."""
        self.trigger.bind(
            redis=self._redis,
            keys=self._keys,
            consumer=self._consumer,
            checkpoint=self.checkpoint.name,
        )
        if isinstance(self.trigger, TimedTrigger):
            await self._catch_up(self.trigger)
        await self.trigger.start_async()
        self._started = True
        logger.info("trigger %s started", self.label)

    async def remembered_tick(self) -> int | None:
        """The trigger's last handled tick as the fleet remembers it (epoch microseconds)."""
        return await self._enqueuer.last_tick(self.checkpoint.name, self.trigger.name)

    async def overlap_skips(self) -> int:
        """How many firings of the checkpoint the fleet skipped for overlap."""
        return await self._enqueuer.overlap_skips(self.checkpoint.name)

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self.trigger.stop_async()

    async def step(self) -> bool:
        """One evaluation (or the retry of an unsent firing); whether something fired."""
        if self.checkpoint.overlap_policy is OverlapPolicy.QUEUE_LATEST:
            released = await self._enqueuer.release_deferred(self.checkpoint.name)
            if released is not None:
                logger.info("checkpoint %s: started deferred run %s", self.label, released)
        result = self._unsent or await self.trigger.should_trigger_async()
        if not result.should_run:
            return False
        self._unsent = result
        await self._submit(result)
        self._unsent = None
        await self.trigger.acknowledge_async(result)
        return True

    async def _submit(self, result: TriggerResult) -> Outcome:
        request = firing_request(self.checkpoint.name, self.trigger.name, result)
        assert request.run_id is not None  # firing_request always sets it
        timed = isinstance(self.trigger, TimedTrigger)
        submission = Submission(
            job_id=request.run_id,
            request=request,
            checkpoint=self.checkpoint.name,
            overlap=self.checkpoint.overlap_policy,
            tick=result.fire_time if timed else None,
            trigger=self.trigger.name,
        )
        outcome = await self._enqueuer.submit(submission)
        if outcome is Outcome.DUPLICATE:
            outcome = await self._resubmit_if_squatted(submission)
        self.outcomes[outcome] += 1
        if outcome is Outcome.SKIPPED:
            logger.warning(
                "checkpoint %s: skipped %s: the previous run is still queued or running "
                "(overlap skip; %d skipped by this scheduler)",
                self.label,
                request.run_id,
                self.outcomes[outcome],
            )
        else:
            logger.info("checkpoint %s: %s %s", self.label, outcome.value, request.run_id)
        return outcome

    async def _resubmit_if_squatted(self, submission: Submission) -> Outcome:
        """A duplicate whose id someone else took (not a scheduler sending this checkpoint)
        is a squat: warn with the squatter's provenance and run the firing under a fresh id."""
        squatter = await self._enqueuer.squatter(submission)
        if squatter is None:
            return Outcome.DUPLICATE
        fresh = fresh_job_id(submission.job_id)
        logger.warning(
            "checkpoint %s: job id %s was taken by %s; running the firing as %s",
            self.label,
            submission.job_id,
            squatter,
            fresh,
        )
        request = submission.request.model_copy(update={"run_id": fresh})
        return await self._enqueuer.submit(
            dataclasses.replace(submission, job_id=fresh, request=request)
        )

    async def _catch_up(self, trigger: TimedTrigger[Any]) -> None:
        """Replay the ticks missed since the fleet last handled one, as the policy says."""
        name = self.checkpoint.name
        now = self._clock()
        last_us = await self._enqueuer.last_tick(name, trigger.name)
        if last_us is None:  # first start: remember it, so a later downtime is measured
            await self._enqueuer.remember_tick(name, trigger.name, now)
            return
        policy = self.checkpoint.catch_up_policy
        limit = {
            CatchUpPolicy.NONE: 0,
            CatchUpPolicy.LATEST: 1,
            CatchUpPolicy.ALL: self.checkpoint.catch_up_limit,
        }[policy]
        missed = trigger.due_times(from_epoch_us(last_us), now, limit) if limit else []
        for tick in missed:
            await self._submit(tick_result(trigger.trigger_type, tick))
        if missed:
            logger.info("trigger %s: caught up %d missed tick(s)", self.label, len(missed))
        trigger.resume_from(now)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
