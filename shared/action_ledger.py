"""`RedisActionLedger`: each action of a run starts at most once, across every attempt.

Before an action runs, its marker (`Keys.action_done(run_id, action)`) is set to ``started``
if absent; when it ends, the marker holds its outcome (msgpack, checked by pydantic when
read). A later attempt of the run (re-queued after a worker died, or cancelled by a SIGTERM
past the graceful wait) finds the marker: it reports the recorded outcome, or, when the
earlier attempt was interrupted mid-action, a ``skipped`` result saying the action may have
run. So a side effect is never repeated; the price is that an action interrupted in the
middle is not retried. Markers live as long as the run's published marker (result TTL).
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared import codec
from shared.errors import DecodeError
from shared.keys import Keys
from shared.models import ActionResult, ActionStatus

logger = logging.getLogger(__name__)

STARTED = b"started"


class RedisActionLedger:
    def __init__(self, redis: Redis, keys: Keys, *, ttl_s: float) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl_ms = int(ttl_s * 1000)

    async def begin(self, run_id: str, action_key: str) -> ActionResult | None:
        key = self._keys.action_done(run_id, action_key)
        name = action_key.split(":", 1)[-1]
        try:
            if await self._redis.set(key, STARTED, nx=True, px=self._ttl_ms):
                return None
            recorded = await self._redis.get(key)
        except (RedisError, OSError) as exc:
            # Unrecorded, a second attempt could repeat it: at most once means not now.
            return _not_run(name, f"not run: cannot record it in Redis ({exc})", error=True)
        if recorded is None or recorded == STARTED:
            return _not_run(
                name,
                "not run again: it started in an earlier attempt of this run (its worker "
                "stopped or died) and may have completed; actions run at most once per run id",
            )
        try:
            earlier = ActionResult.model_validate(codec.unpackb(recorded))
        except (DecodeError, ValidationError, TypeError) as exc:
            return _not_run(name, f"not run again: its earlier outcome is unreadable ({exc})")
        logger.info("action %s already ran in an earlier attempt: %s", name, earlier.status)
        return earlier.model_copy(
            update={"message": f"{earlier.message} (from an earlier attempt of this run)".strip()}
        )

    async def end(self, run_id: str, action_key: str, result: ActionResult) -> None:
        key = self._keys.action_done(run_id, action_key)
        try:
            packed = codec.packb(result.model_dump(mode="json"))
            await self._redis.set(key, packed, px=self._ttl_ms)
        except (RedisError, OSError) as exc:  # the marker still says started: never repeated
            logger.warning("cannot record the outcome of action %s: %s", action_key, exc)


def _not_run(name: str, message: str, *, error: bool = False) -> ActionResult:
    return ActionResult(
        action_name=name,
        action_type="",
        status=ActionStatus.ERROR if error else ActionStatus.SKIPPED,
        message=message,
        error=message if error else None,
    )
