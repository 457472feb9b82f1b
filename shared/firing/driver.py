"""`TriggerDriver`: drives one trigger of one checkpoint, in the scheduler process and in the
client API's embedded scheduler alike.

It binds and starts the trigger, replays ticks missed while no scheduler ran (the checkpoint's
catch-up policy), then evaluates it in a loop: after a firing at once (more may be ready),
otherwise every `poll_interval_s`. Each firing is handed to a `FiringDecider` and only then
acknowledged to the trigger. A firing that could not be decided (Redis away) is kept and
handed over again before the trigger is evaluated anew, so an outage loses nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.async_base.trigger import AsyncBaseTrigger, TriggerResult
from shared.backoff import Backoff
from shared.checkpoint import CatchUpPolicy, Checkpoint, OverlapPolicy
from shared.errors import TransientError
from shared.firing.base import Firing, FiringDecider, Outcome, from_epoch_us
from shared.firing.run_request import firing_request, tick_result
from shared.firing.squatters import fresh_job_id
from shared.keys import Keys
from shared.triggers.base import Clock, TimedTrigger, utc_now

logger = logging.getLogger(__name__)

#: Errors after which the driver waits and tries again: Redis away, a transient failure.
RETRIABLE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TransientError)


class TriggerDriver:
    """Evaluates one trigger and turns its firings into runs."""

    def __init__(
        self,
        checkpoint: Checkpoint,
        trigger: AsyncBaseTrigger[Any],
        *,
        redis: Redis | None,
        keys: Keys,
        decider: FiringDecider,
        consumer: str,
        poll_interval_s: float = 0.5,
        clock: Clock = utc_now,
    ) -> None:
        self.checkpoint = checkpoint
        self.trigger = trigger
        self._redis = redis
        self._keys = keys
        self._decider = decider
        self._consumer = consumer
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._started = False
        #: A firing whose decision failed: handed over again before anything else.
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
        return await self._decider.last_tick(self.checkpoint.name, self.trigger.name)

    async def overlap_skips(self) -> int:
        """How many firings of the checkpoint the fleet skipped for overlap."""
        return await self._decider.overlap_skips(self.checkpoint.name)

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self.trigger.stop_async()

    async def step(self) -> bool:
        """One evaluation (or the retry of an undecided firing); whether something fired."""
        if self.checkpoint.overlap_policy is OverlapPolicy.QUEUE_LATEST:
            released = await self._decider.release_deferred(self.checkpoint.name)
            if released is not None:
                logger.info("checkpoint %s: started deferred run %s", self.label, released)
        result = self._unsent or await self.trigger.should_trigger_async()
        if not result.should_run:
            return False
        self._unsent = result
        await self._decide(result)
        self._unsent = None
        await self.trigger.acknowledge_async(result)
        return True

    async def _decide(self, result: TriggerResult) -> Outcome:
        request = firing_request(self.checkpoint.name, self.trigger.name, result)
        assert request.run_id is not None  # firing_request always sets it
        timed = isinstance(self.trigger, TimedTrigger)
        firing = Firing(
            job_id=request.run_id,
            request=request,
            checkpoint=self.checkpoint.name,
            overlap=self.checkpoint.overlap_policy,
            tick=result.fire_time if timed else None,
            trigger=self.trigger.name,
        )
        outcome = await self._decider.decide(firing)
        if outcome is Outcome.DUPLICATE:
            outcome = await self._decide_again_if_squatted(firing)
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

    async def _decide_again_if_squatted(self, firing: Firing) -> Outcome:
        """A duplicate whose id someone else took (not a scheduler sending this checkpoint)
        is a squat: warn with the squatter's provenance and run the firing under a fresh id."""
        squatter = await self._decider.squatter(firing)
        if squatter is None:
            return Outcome.DUPLICATE
        fresh = fresh_job_id(firing.job_id)
        logger.warning(
            "checkpoint %s: job id %s was taken by %s; running the firing as %s",
            self.label,
            firing.job_id,
            squatter,
            fresh,
        )
        request = firing.request.model_copy(update={"run_id": fresh})
        return await self._decider.decide(
            dataclasses.replace(firing, job_id=fresh, request=request)
        )

    async def _catch_up(self, trigger: TimedTrigger[Any]) -> None:
        """Replay the ticks missed since the fleet last handled one, as the policy says."""
        name = self.checkpoint.name
        now = self._clock()
        last_us = await self._decider.last_tick(name, trigger.name)
        if last_us is None:  # first start: remember it, so a later downtime is measured
            start_tick = trigger.start_tick(now)
            if start_tick is not None:  # an interval schedule fires at once, as the reference
                await self._decide(tick_result(trigger.trigger_type, start_tick))
            await self._decider.remember_tick(name, trigger.name, now)
            trigger.resume_from(now)
            return
        policy = self.checkpoint.catch_up_policy
        limit = {
            CatchUpPolicy.NONE: 0,
            CatchUpPolicy.LATEST: 1,
            CatchUpPolicy.ALL: self.checkpoint.catch_up_limit,
        }[policy]
        if trigger.fires_at_start:  # an overdue tick fires at start whatever the policy
            limit = max(limit, 1)
        missed = trigger.due_times(from_epoch_us(last_us), now, limit) if limit else []
        for tick in missed:
            await self._decide(tick_result(trigger.trigger_type, tick))
        if missed:
            logger.info("trigger %s: caught up %d missed tick(s)", self.label, len(missed))
        trigger.resume_from(now)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
