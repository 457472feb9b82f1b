"""What an operator can learn about a fleet from Redis: worker heartbeats and fleet figures.

arq's own health-check key is one per queue (every worker overwrites it), so it cannot count
workers. Each checkfleet worker therefore also renews its own heartbeat key
(`Keys.worker`), a msgpack map that expires `Settings.heartbeat_ttl_s` after the last renewal:
a worker that dies disappears from `read_fleet_stats` within that time, and the other workers
re-queue the runs it held (`worker.reaper`).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from redis.asyncio import Redis

from shared import codec
from shared.arq_protocol import RETRY_KEY_TTL_S
from shared.errors import DecodeError
from shared.keys import Keys
from shared.models import CheckpointStatus, utc_now

#: How many of the newest results `read_fleet_stats` counts by status.
RECENT_RESULTS = 1000
#: How many runs in progress `read_runs_in_progress` lists by id (the oldest; all are counted).
RUNS_IN_PROGRESS_SHOWN = 50


def new_worker_id() -> str:
    """``<host>:<pid>:<random>``: unique even when a pid is reused after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def live_workers_on_host(redis: Redis, keys: Keys, host: str | None = None) -> int:
    """How many workers of this host (default: this machine, i.e. this pod or container) have
    a fresh heartbeat: the heartbeat is renewed by each worker's event loop, so a worker whose
    loop is stuck drops out within `Settings.heartbeat_ttl_s`."""
    pattern = keys.worker(f"{host or socket.gethostname()}:*")
    return len([name async for name in redis.scan_iter(match=pattern, count=500)])


@dataclass(slots=True)
class Heartbeat:
    """One worker's state, as written to its heartbeat key."""

    worker_id: str
    started_at: str
    jobs_in_progress: int = 0
    jobs_done: int = 0
    queue: str = ""


@dataclass(frozen=True, slots=True)
class RunInProgress:
    """A run a worker holds now (`Keys.running`)."""

    run_id: str
    worker_id: str
    #: Seconds since its worker started this try of it, from arq's try counter (whose
    #: expiry is set as each try starts); None when that counter is gone.
    running_s: float | None


@dataclass(slots=True)
class RunsInProgress:
    """The oldest runs in progress, at most `RUNS_IN_PROGRESS_SHOWN`, and how many there are."""

    total: int = 0
    oldest: list[RunInProgress] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"total": self.total, "oldest": [asdict(run) for run in self.oldest]}


@dataclass(slots=True)
class FleetStats:
    """A snapshot of a fleet for ``checkfleet stats``."""

    queue_depth: int
    results_stream_length: int
    dead_letters: int
    workers: list[Heartbeat] = field(default_factory=list)
    #: Counts by status over the newest `RECENT_RESULTS` results.
    recent_results: dict[str, int] = field(default_factory=dict)
    #: The same counts per checkpoint (every status present as a key), by checkpoint name.
    recent_by_checkpoint: dict[str, dict[str, int]] = field(default_factory=dict)
    #: The runs workers hold now, by id: the oldest, and the total.
    runs_in_progress: RunsInProgress = field(default_factory=RunsInProgress)

    @property
    def jobs_in_progress(self) -> int:
        return sum(worker.jobs_in_progress for worker in self.workers)

    def to_dict(self) -> dict[str, object]:
        return {
            "queue_depth": self.queue_depth,
            "results_stream_length": self.results_stream_length,
            "dead_letters": self.dead_letters,
            "live_workers": len(self.workers),
            "jobs_in_progress": self.jobs_in_progress,
            "workers": [asdict(worker) for worker in self.workers],
            "recent_results": self.recent_results,
            "recent_by_checkpoint": self.recent_by_checkpoint,
            "runs_in_progress": self.runs_in_progress.to_dict(),
        }


def started_now() -> str:
    return utc_now().isoformat()


async def write_heartbeat(redis: Redis, keys: Keys, heartbeat: Heartbeat, ttl_s: float) -> None:
    await redis.set(
        keys.worker(heartbeat.worker_id), codec.packb(asdict(heartbeat)), px=int(ttl_s * 1000)
    )


async def clear_heartbeat(redis: Redis, keys: Keys, worker_id: str) -> None:
    await redis.delete(keys.worker(worker_id))


async def read_heartbeats(redis: Redis, keys: Keys) -> list[Heartbeat]:
    """Live workers, oldest first. An unreadable heartbeat is skipped, not fatal."""
    names = [name async for name in redis.scan_iter(match=keys.workers_pattern, count=500)]
    if not names:
        return []
    beats: list[Heartbeat] = []
    for raw in await redis.mget(names):
        if raw is None:  # expired between SCAN and MGET
            continue
        try:
            beats.append(Heartbeat(**codec.unpackb(raw)))
        except (DecodeError, TypeError, ValueError):
            continue
    return sorted(beats, key=lambda beat: (beat.started_at, beat.worker_id))


async def read_runs_in_progress(
    redis: Redis, keys: Keys, shown: int = RUNS_IN_PROGRESS_SHOWN
) -> RunsInProgress:
    """The runs workers hold (`Keys.running`, which they write), the `shown` longest-running
    first, with how long each has run: arq sets its try counter's expiry to `RETRY_KEY_TTL_S`
    as it starts a try, so the time gone from it is the try's age. The hash holds one entry
    per busy job slot of the fleet, so reading it whole stays small."""
    held: dict[bytes, bytes] = await redis.hgetall(keys.running)  # type: ignore[misc]
    if not held:
        return RunsInProgress()
    job_ids = [job_id.decode(errors="replace") for job_id in held]
    async with redis.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.pttl(Keys.arq_retry(job_id))
        remaining_ms = await pipe.execute()
    runs = [
        RunInProgress(
            run_id=job_id,
            worker_id=worker.decode(errors="replace"),
            running_s=(RETRY_KEY_TTL_S * 1000 - left) / 1000 if left >= 0 else None,
        )
        for job_id, worker, left in zip(job_ids, held.values(), remaining_ms, strict=True)
    ]
    # longest running first; a run whose age is unknown after every known one
    runs.sort(key=lambda run: (run.running_s is None, -(run.running_s or 0.0), run.run_id))
    return RunsInProgress(total=len(runs), oldest=runs[:shown])


async def read_fleet_stats(redis: Redis, keys: Keys, recent: int = RECENT_RESULTS) -> FleetStats:
    """Queue depth, stream lengths, live workers, the runs in progress by id and the newest
    results by status, overall and per checkpoint."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zcard(keys.queue)
        pipe.xlen(keys.results)
        pipe.xlen(keys.dead)
        pipe.xrevrange(keys.results, count=recent)
        queued, results, dead, entries = await pipe.execute()
    statuses: Counter[str] = Counter({status.value: 0 for status in CheckpointStatus})
    by_checkpoint: dict[str, Counter[str]] = {}
    for _entry_id, fields in entries:
        status = _field_text(fields, b"status", "?")
        statuses[status] += 1
        name = _field_text(fields, b"checkpoint", "?")
        if name not in by_checkpoint:
            by_checkpoint[name] = Counter({status.value: 0 for status in CheckpointStatus})
        by_checkpoint[name][status] += 1
    return FleetStats(
        queue_depth=int(queued),
        results_stream_length=int(results),
        dead_letters=int(dead),
        workers=await read_heartbeats(redis, keys),
        recent_results=dict(statuses),
        recent_by_checkpoint={name: dict(by_checkpoint[name]) for name in sorted(by_checkpoint)},
        runs_in_progress=await read_runs_in_progress(redis, keys),
    )


def _field_text(fields: dict[bytes, bytes], name: bytes, default: str) -> str:
    value = fields.get(name, default.encode())
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def heartbeat_age_s(heartbeat: Heartbeat, now: datetime | None = None) -> float:
    """Seconds since the worker started."""
    started = datetime.fromisoformat(heartbeat.started_at)
    return ((now or utc_now()) - started).total_seconds()
