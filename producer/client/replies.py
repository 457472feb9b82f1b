"""`ReplyReader`: how a client waits for its own runs without reading the fleet's results.

Each client has a reply stream (`Keys.replies(client_id)`) that it names in the ``reply_to``
of its requests; the worker's publish script appends the result there in the same atomic step
as the shared stream entry. One reader task per client reads that stream and hands each entry
to the future waiting for its run id. A wait that starts after the result was published (or
whose reply was lost with a Redis restart, or whose run was started by someone else) finds it
in the per-run copy `Keys.run_result(run_id)`, checked when the wait starts and again every
`recheck_s` while it lasts. A wait for a run this client has just enqueued (``submitted``)
skips the first look: the reader has been reading the reply stream since before the enqueue,
and a result that arrives before its wait starts is kept for it (the latest
`UNCLAIMED_KEPT`), so a run costs the client two round trips, its enqueue and the read of its
reply (which also deletes the entries read before, in the same round trip).

A wait never hangs: it ends with `ResultTimeoutError` after its timeout, and with
`RunLostError` once the run has been unknown to Redis for `lost_after_s` (no job, no lease,
no worker recording it in `Keys.running`, no result): a worker that outlived a Redis restart
records its runs again within a heartbeat, so this grace keeps their waits alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared import codec
from shared.errors import DecodeError, ResultTimeoutError, RunLostError
from shared.keys import Keys
from shared.models import CheckpointResult

logger = logging.getLogger(__name__)

#: Entries read per XREAD.
READ_COUNT = 100
#: Results that arrived with nobody waiting for them yet, kept for a wait about to start.
UNCLAIMED_KEPT = 256


class ReplyReader:
    """Reads one client's reply stream and resolves the waits on it."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        client_id: str,
        *,
        block_ms: int = 1000,
        recheck_s: float = 2.0,
        lost_after_s: float = 15.0,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.stream = keys.replies(client_id)
        self._block_ms = block_ms
        self._recheck_s = recheck_s
        self._lost_after_s = lost_after_s
        self._waiters: dict[str, list[asyncio.Future[CheckpointResult]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._last_id = "0-0"
        #: Entries read and delivered, deleted from the stream with the next read.
        self._delivered: list[bytes | str] = []
        self._unclaimed: OrderedDict[str, CheckpointResult] = OrderedDict()

    @property
    def waiting(self) -> int:
        return sum(len(futures) for futures in self._waiters.values())

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._read_forever(), name=f"replies {self.stream}")

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(RedisError):
            await self._redis.delete(self.stream)

    async def wait(
        self, run_id: str, *, timeout_s: float | None = None, submitted: bool = False
    ) -> CheckpointResult:
        """The result of run `run_id`, however it arrives; `ResultTimeoutError` after
        `timeout_s`, `RunLostError` when Redis lost the run. `submitted`: this client has
        just enqueued the run with this reader started, so Redis knows the run and its reply
        comes to this reader: the first look at Redis is `recheck_s` away."""
        self.start()
        kept = self._unclaimed.pop(run_id, None)
        if kept is not None:
            return kept
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        future: asyncio.Future[CheckpointResult] = loop.create_future()
        self._waiters.setdefault(run_id, []).append(future)
        gone_since: float | None = None
        look = not submitted
        try:
            while True:
                # The waiter is registered before this read, so a result published in between
                # reaches one or the other.
                if look:
                    stored = await self._stored(run_id)
                    if stored is not None:
                        return stored
                    if await self._unknown(run_id):
                        gone_since = loop.time() if gone_since is None else gone_since
                        if loop.time() - gone_since >= self._lost_after_s:
                            stored = await self._stored(run_id)  # published as the job ended?
                            if stored is not None:
                                return stored
                            raise RunLostError(run_id, loop.time() - gone_since)
                    else:
                        gone_since = None
                look = True
                pause_s = self._recheck_s
                if deadline is not None:
                    if loop.time() >= deadline:
                        assert timeout_s is not None
                        raise ResultTimeoutError(run_id, timeout_s)
                    pause_s = min(pause_s, deadline - loop.time())
                with contextlib.suppress(TimeoutError):
                    return await asyncio.wait_for(asyncio.shield(future), pause_s)
        finally:
            futures = self._waiters.get(run_id, [])
            if future in futures:
                futures.remove(future)
            if not futures:
                self._waiters.pop(run_id, None)
            if not future.done():
                future.cancel()

    async def _unknown(self, run_id: str) -> bool:
        """Whether Redis knows nothing of the run: no queued job, no lease, no worker's record
        (the run id is its job id). Unknown when Redis cannot be read: not lost."""
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.exists(Keys.arq_job(run_id), Keys.arq_in_progress(run_id))
                pipe.hexists(self._keys.running, run_id)
                jobs, running = await pipe.execute()
        except RedisError as exc:
            logger.warning("cannot tell whether run %s is still known: %s", run_id, exc)
            return False
        return not jobs and not running

    async def _stored(self, run_id: str) -> CheckpointResult | None:
        try:
            raw = await self._redis.get(self._keys.run_result(run_id))
        except RedisError as exc:
            logger.warning("cannot read the stored result of run %s: %s", run_id, exc)
            return None
        if raw is None:
            return None
        return codec.decode_result(raw)

    async def _read_forever(self) -> None:
        delay_s = 0.1
        while True:
            try:
                await self._read_once()
                delay_s = 0.1
            except asyncio.CancelledError:
                raise
            except RedisError as exc:
                logger.warning("reply stream %s: %s; retrying in %.1f s", self.stream, exc, delay_s)
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, 2.0)

    async def _read_once(self) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            if self._delivered:  # nothing else reads this stream: gone once delivered
                pipe.xdel(self.stream, *self._delivered)
            pipe.xread({self.stream: self._last_id}, count=READ_COUNT, block=self._block_ms)
            *_, reply = await pipe.execute()
        self._delivered = []
        for _stream, entries in reply or []:
            for entry_id, fields in entries:
                self._dispatch(fields)
                self._last_id = _text(entry_id)
                self._delivered.append(entry_id)

    def _dispatch(self, fields: dict[Any, Any]) -> None:
        run_id = _text(fields.get(b"run_id", b""))
        futures = [future for future in self._waiters.get(run_id, []) if not future.done()]
        try:
            result = codec.decode_result(fields[b"result"])
        except (DecodeError, KeyError) as exc:
            logger.warning("unreadable reply for run %s: %s", run_id, exc)
            return  # the wait falls back to the per-run copy
        if not futures:  # its wait may be about to start (else the per-run copy holds it)
            self._unclaimed[run_id] = result
            while len(self._unclaimed) > UNCLAIMED_KEPT:
                self._unclaimed.popitem(last=False)
            return
        for future in futures:
            future.set_result(result)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
