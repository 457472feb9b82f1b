"""`RedisBackend`: runs on the worker fleet. A run is a `run_checkpoint` job whose request
carries the checkpoint's spec (workers need not know it) and the client's reply stream; the
result comes back through `ReplyReader`.

A wait ends, whatever happens to Redis: with the result, or with an `error` result when no
result came within `result_timeout_s` (default `default_result_timeout_s`) or when Redis lost
the run (`RunLostError`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

from arq.connections import ArqRedis

from producer.client.backends.base import Ticket, build_request, target_name
from producer.client.replies import ReplyReader
from shared.checkpoint import Checkpoint
from shared.enqueue import enqueue_run
from shared.errors import ResultTimeoutError, RunLostError, SpecError
from shared.firing.redis import RedisFiringDecider
from shared.job import RunRequest
from shared.models import CheckpointResult
from shared.redis_connection import connect_arq
from shared.settings import Settings
from shared.trust.provenance import origin_for
from shared.validation import error_result


def default_result_timeout_s(settings: Settings) -> float:
    """How long a client waits for a result by default: a run's job timeout, once more for a
    retry after its worker died, and half a minute in the queue."""
    return settings.job_timeout_s * 2 + 30


def new_client_id() -> str:
    """A fresh client id: names this client's reply stream."""
    return uuid.uuid4().hex


class RedisBackend:
    """Enqueues runs to the fleet of `settings` and waits on its own reply stream."""

    kind = "redis"

    def __init__(
        self,
        settings: Settings,
        *,
        client_id: str | None = None,
        result_timeout_s: float | None = None,
    ) -> None:
        self._settings = settings
        self.result_timeout_s = result_timeout_s or default_result_timeout_s(settings)
        self.client_id = client_id or new_client_id()
        #: The origin this client's requests name (results carry it as provenance).
        self.origin = origin_for("client", self.client_id)
        self._redis: ArqRedis | None = None
        self._replies: ReplyReader | None = None
        self._lock = asyncio.Lock()
        self._decider: RedisFiringDecider | None = None

    @property
    def redis(self) -> ArqRedis | None:
        """The open client (None before `open`): event triggers read their streams with it."""
        return self._redis

    @property
    def trigger_consumer(self) -> str:
        return self.client_id

    @property
    def reply_stream(self) -> str:
        return self._settings.keys.replies(self.client_id)

    async def open(self) -> None:
        async with self._lock:
            if self._redis is not None:
                return
            self._redis = await connect_arq(self._settings)
            self._replies = ReplyReader(
                self._redis,
                self._settings.keys,
                self.client_id,
                lost_after_s=self._settings.heartbeat_ttl_s,
            )
            self._replies.start()

    async def aclose(self) -> None:
        async with self._lock:
            redis, self._redis = self._redis, None
            replies, self._replies = self._replies, None
            self._decider = None
            if replies is not None:
                await replies.aclose()
            if redis is not None:
                await redis.aclose()

    def _connected(self) -> tuple[ArqRedis, ReplyReader]:
        if self._redis is None or self._replies is None:
            raise RuntimeError("the redis backend is not open")
        return self._redis, self._replies

    async def submit(
        self, target: Checkpoint | str, *, run_id: str, context: Mapping[str, Any] | None = None
    ) -> Ticket:
        name = target_name(target)
        try:
            spec: dict[str, Any] | str = target if isinstance(target, str) else target.to_spec()
        except SpecError as exc:
            message = f"cannot send the checkpoint to the fleet: {exc}"
            return Ticket(run_id, name, settled=error_result(name, run_id=run_id, message=message))
        request = build_request(
            target, run_id=run_id, context=context, spec=spec, reply_to=self.reply_stream
        )
        if isinstance(request, CheckpointResult):
            return Ticket(run_id=run_id, checkpoint_name=name, settled=request)
        request = request.model_copy(update={"origin": self.origin})
        await self.open()
        redis, _ = self._connected()
        # The run id is the job id: arq refuses a second job with it while the first one or
        # its result exists, which makes a retried submit run once.
        job = await enqueue_run(
            redis, self._settings.keys, request, signing_key=self._settings.signing_key
        )
        return Ticket(run_id=run_id, checkpoint_name=name, request=request, duplicate=job is None)

    async def wait(self, ticket: Ticket) -> CheckpointResult:
        if ticket.settled is not None:
            return ticket.settled
        await self.open()
        _, replies = self._connected()
        try:
            return await replies.wait(
                ticket.run_id, timeout_s=self.result_timeout_s, submitted=not ticket.duplicate
            )
        except (ResultTimeoutError, RunLostError) as exc:
            return error_result(ticket.checkpoint_name, run_id=ticket.run_id, message=str(exc))

    def prepare(self, checkpoint: Checkpoint, request: RunRequest) -> RunRequest:
        return request.model_copy(
            update={"checkpoint": checkpoint.to_spec(), "reply_to": self.reply_stream}
        )

    def adopt(self, checkpoint: Checkpoint, request: RunRequest) -> Ticket:
        assert request.run_id is not None
        return Ticket(request.run_id, checkpoint.name, checkpoint=checkpoint, request=request)

    def firing_decider(self) -> RedisFiringDecider:
        redis, _ = self._connected()
        if self._decider is None:
            self._decider = RedisFiringDecider(
                redis,
                self._settings.keys,
                origin=self.origin,
                signing_key=self._settings.signing_key,
            )
        return self._decider

    async def after_enqueue(self) -> None:
        redis, _ = self._connected()
        await redis.publish(self._settings.keys.wake, b"")

    async def queue_depth(self) -> int | None:
        await self.open()
        redis, _ = self._connected()
        depth: int = await redis.zcard(self._settings.keys.queue)
        return depth
