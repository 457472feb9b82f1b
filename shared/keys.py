"""Every Redis key, stream and consumer-group name checkfleet uses, built in one place.

Nothing else in the code writes a key string. All names share one prefix (default
``checkfleet``), so several fleets can share a Redis database. arq keeps its own per-job keys
under ``arq:`` (``arq:job:<id>``, ``arq:result:<id>``, ``arq:in-progress:<id>``), which it does
not let us rename; their prefixes are part of arq's protocol (`shared.arq_protocol`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.arq_protocol import (
    ABORT_JOBS_SET,
    IN_PROGRESS_KEY_PREFIX,
    JOB_KEY_PREFIX,
    RESULT_KEY_PREFIX,
    RETRY_KEY_PREFIX,
)

DEFAULT_PREFIX = "checkfleet"
REPLIES_PART = "replies"
#: Client ids name reply streams: printable, no ':' (no nesting into other key families).
CLIENT_ID_PATTERN = r"[A-Za-z0-9_.@+=\-]{1,100}"
_CLIENT_ID = re.compile(CLIENT_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Keys:
    """Names of the Redis keys of one fleet, all under `prefix`."""

    prefix: str = DEFAULT_PREFIX

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @property
    def queue(self) -> str:
        """The arq queue (a sorted set of job ids) that workers take jobs from."""
        return self._key("queue")

    @property
    def health_check(self) -> str:
        """Where arq workers write their health line (arq appends this suffix to the queue)."""
        return self.queue + ":health-check"

    @property
    def wake(self) -> str:
        """Pub/sub channel an enqueue publishes to, so idle workers look at the queue at once
        instead of at their next poll. A hint only: a missed message costs one poll interval."""
        return self._key("wake")

    @property
    def results(self) -> str:
        """The stream every run's result is appended to, exactly once per run id."""
        return self._key("results")

    @property
    def requests(self) -> str:
        """The stream other services XADD run requests to."""
        return self._key("requests")

    @property
    def dead(self) -> str:
        """The bounded dead-letter stream for messages that could not be turned into a run."""
        return self._key("dead")

    @property
    def schedulers_group(self) -> str:
        """The consumer group schedulers read the request stream through."""
        return self._key("schedulers")

    @property
    def archivers_group(self) -> str:
        """The consumer group `checkfleet archive` reads the results stream through: every
        result reaches one archiver, and one a dead archiver left pending is reclaimed."""
        return self._key("archivers")

    def trigger_group(self, checkpoint: str, trigger: str) -> str:
        """The consumer group an event trigger reads a (user-named) stream through: one per
        checkpoint and trigger, so each sees every event once across all schedulers."""
        return self._key("trigger", checkpoint, trigger)

    def worker(self, worker_id: str) -> str:
        """A worker's heartbeat (msgpack map, expires unless renewed): ``checkfleet stats``
        counts live workers and their runs in progress from these."""
        return self._key("worker", worker_id)

    @property
    def workers_pattern(self) -> str:
        """SCAN pattern matching every worker heartbeat key."""
        return self._key("worker", "*")

    @property
    def running(self) -> str:
        """Hash of the jobs running now, job id -> the worker id holding it: a worker whose
        heartbeat expired has its entries re-queued by the others (`worker.reaper`), and a
        client can tell a run still running from one Redis lost."""
        return self._key("running")

    def action_done(self, run_id: str, action: str) -> str:
        """Marker that action `action` (its position and name) of run `run_id` started: a re-run
        after a crash or a cancel skips it, so each action runs at most once per run id."""
        return self._key("action", run_id, action)

    @property
    def epoch(self) -> str:
        """The fleet's epoch, written once when a process finds it missing: a process that
        sees it vanish or change knows Redis lost its data (restart without persistence,
        flush, failover to an empty replica) and reports what may be lost."""
        return self._key("epoch")

    def published(self, run_id: str) -> str:
        """Marker recording that a run's result was appended to the results stream."""
        return self._key("published", run_id)

    def job_starts(self, job_id: str) -> str:
        """How often a job was started without finishing: a worker that died running it
        leaves its start counted, and after `Settings.max_worker_deaths` the job is
        dead-lettered instead of being run again."""
        return self._key("starts", job_id)

    def run_result(self, run_id: str) -> str:
        """A per-run copy of the result, so a client can wait for its own run cheaply."""
        return self._key("result", run_id)

    def replies(self, client_id: str) -> str:
        """The reply stream of one client: workers append the results of the runs whose
        request named it in ``reply_to``, so the client reads only its own results."""
        return self._key(REPLIES_PART, client_id)

    def is_reply_stream(self, key: str) -> bool:
        """Whether `key` is a reply stream of this fleet: the only keys a worker writes a
        request's ``reply_to`` to."""
        head = self._key(REPLIES_PART, "")
        client_id = key[len(head) :]
        return key.startswith(head) and bool(_CLIENT_ID.fullmatch(client_id))

    # -- the scheduler's memory, shared by every scheduler of the fleet -------------------------

    def fired(self, job_id: str) -> str:
        """Marker recording that a scheduler decided about job `job_id` (enqueued, skipped or
        deferred it), so a second scheduler noticing the same firing does nothing."""
        return self._key("fired", job_id)

    def last_job(self, checkpoint: str) -> str:
        """The job id of the checkpoint's latest run, for the overlap policy."""
        return self._key("last-job", checkpoint)

    def deferred_run(self, checkpoint: str) -> str:
        """The latest firing held back by overlap policy ``queue_latest`` (a hash)."""
        return self._key("deferred", checkpoint)

    def last_tick(self, checkpoint: str, trigger: str) -> str:
        """The latest tick (UTC microseconds since the epoch) a scheduler handled for a
        time-based trigger; catch-up after downtime starts from it."""
        return self._key("last-tick", checkpoint, trigger)

    @property
    def overlap_skips(self) -> str:
        """Hash counting, per checkpoint, the firings skipped because a run was still active."""
        return self._key("overlap-skips")

    # -- alerting, shared by every worker ---------------------------------------------------

    def alert_state(self, checkpoint: str) -> str:
        """Hash of a checkpoint's latest run id and status and the status before it: the
        fleet-wide memory that ``notify_on: new_failure / recovered / changed`` decide on."""
        return self._key("alert", checkpoint)

    def rate_limit(self, channel: str) -> str:
        """A notification channel's rate limit (GCRA arrival time, ms), shared by workers."""
        return self._key("rate", channel)

    def notification_dedup(self, channel: str, fingerprint: str) -> str:
        """Marker of a notification sent on `channel`, expiring after its dedup window."""
        return self._key("dedup", channel, fingerprint)

    @staticmethod
    def arq_job(job_id: str) -> str:
        """arq's key holding a queued or running job."""
        return JOB_KEY_PREFIX + job_id

    @staticmethod
    def arq_in_progress(job_id: str) -> str:
        """arq's lease on a job a worker is running (it expires with the job's timeout)."""
        return IN_PROGRESS_KEY_PREFIX + job_id

    @staticmethod
    def arq_retry(job_id: str) -> str:
        """arq's try counter of a job, whose expiry is set anew as each try starts: how long a
        run in progress has run (`shared.fleet.read_runs_in_progress`)."""
        return RETRY_KEY_PREFIX + job_id

    @property
    def arq_abort(self) -> str:
        """arq's set of jobs to abort: a worker running one of them cancels it (cancel)."""
        return ABORT_JOBS_SET

    @staticmethod
    def arq_result(job_id: str) -> str:
        """arq's key holding a finished job's result (while arq keeps it)."""
        return RESULT_KEY_PREFIX + job_id

    @staticmethod
    def arq_job_keys(job_id: bytes) -> list[bytes]:
        """arq's per-job keys (job, in-progress lease, try counter) of a raw job id: what a
        worker removes with a job it cannot run at all (`worker.poison`)."""
        return [
            prefix.encode() + job_id
            for prefix in (JOB_KEY_PREFIX, IN_PROGRESS_KEY_PREFIX, RETRY_KEY_PREFIX)
        ]
