"""From a trigger's firing to a run: the deterministic job id and the run request.

The job id is ``<checkpoint>:<trigger>:<fire_id>``: every scheduler computes the same one for
the same tick, stream entry or file version, which is what makes a firing seen twice run once.
Job ids double as run ids, so they must match `shared.job.RUN_ID_PATTERN`; an id that does not
(a file path with spaces, a ``|``) keeps a readable prefix and replaces the rest with a hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from shared.async_base.trigger import TriggerResult
from shared.job import RUN_ID_PATTERN, RunRequest
from shared.triggers.base import tick_id

_RUN_ID = re.compile(RUN_ID_PATTERN)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@+=\-]+")
_READABLE_CHARS = 60


def trigger_job_id(checkpoint: str, trigger: str, fire_id: str) -> str:
    """The job (and run) id of a trigger's firing; identical in every scheduler."""
    raw = f"{checkpoint}:{trigger}:{fire_id}"
    if _RUN_ID.match(raw):
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
    readable = [_UNSAFE.sub("-", part)[:_READABLE_CHARS] or "-" for part in (checkpoint, trigger)]
    return f"{readable[0]}:{readable[1]}:sha256-{digest}"


def request_run_id(entry_id: str) -> str:
    """The run id of a request that brought none: derived from its stream entry id, so a
    request delivered again (its scheduler died before acknowledging it) runs once."""
    return f"request-{entry_id}"


def plain_json(value: Any) -> Any:
    """`value` reduced to JSON data (datetimes and other objects become strings)."""
    return json.loads(json.dumps(value, default=str))


def firing_request(checkpoint: str, trigger: str, result: TriggerResult) -> RunRequest:
    """The run request of a firing: the trigger's context plus which trigger fired, when."""
    fire_id = result.fire_id or _fallback_fire_id(result)
    context: dict[str, Any] = {
        "trigger": trigger,
        "fire_id": fire_id,
        "reason": result.reason,
    }
    if result.fire_time is not None:
        context["fire_time"] = result.fire_time.astimezone(UTC).isoformat()
    context.update(plain_json(result.context))
    return RunRequest(
        checkpoint=checkpoint,
        run_id=trigger_job_id(checkpoint, trigger, fire_id),
        context=context,
    )


def _fallback_fire_id(result: TriggerResult) -> str:
    """A firing without a fire_id (a custom trigger) is identified by its time: schedulers
    then agree only when they noticed it in the same microsecond, i.e. they do not."""
    moment = result.fire_time or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat()


def tick_result(trigger_type: str, tick: datetime) -> TriggerResult:
    """The firing of a tick replayed by catch-up: the same fire_id as when noticed live."""
    fire_id = tick_id(tick)
    return TriggerResult(
        should_run=True,
        reason=f"{trigger_type} tick {fire_id} (catch-up)",
        context={"catch_up": True},
        fire_time=tick,
        fire_id=fire_id,
    )
