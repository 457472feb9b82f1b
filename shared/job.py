"""The job contract: what a `run_checkpoint` job carries (the function names are in
`shared.job_names`). Public and stable, documented in ``docs/wire-contract.md``; never rename
a field or the function without an alias."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, TypeAdapter

# The function names live apart (no pydantic for a worker's probe); importable here as before.
from shared.job_names import RUN_CHECKPOINT as RUN_CHECKPOINT
from shared.job_names import UNDECODABLE_JOB as UNDECODABLE_JOB

#: The error message of the result of a run an operator cancelled (arq's abort), published by
#: the worker that was running it or, for a run still queued, by the one who cancelled it.
CANCELLED_MESSAGE = "cancelled by an operator before it finished"

#: Run ids are used in Redis key names and arq job ids: printable, no whitespace, bounded.
RUN_ID_PATTERN = r"^[A-Za-z0-9_.:@/+=\-]{1,200}$"
RunId = Annotated[str, StringConstraints(pattern=RUN_ID_PATTERN)]
#: Origins name who asked: printable, no whitespace or control characters.
ORIGIN_PATTERN = r"^[A-Za-z0-9_.:@/+=\-]{1,200}$"
_RUN_ID = TypeAdapter(RunId)
_RUN_ID_RE = re.compile(RUN_ID_PATTERN)


class RunRequest(BaseModel):
    """The single argument of `run_checkpoint`: which checkpoint, under which run id, with what
    context. `checkpoint` is a registered name or an inline checkpoint spec."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checkpoint: str | dict[str, Any] = Field(min_length=1)
    run_id: RunId | None = None
    context: dict[str, JsonValue] = Field(default_factory=dict)
    #: A client's reply stream (`Keys.replies`): the result is also appended there, so the
    #: client waits for its runs without reading the whole fleet's results.
    reply_to: str | None = Field(default=None, min_length=1, max_length=300)
    #: Who asks: ``scheduler:<host>``, ``client:<id>``, ``request-stream:<entry id>``... A
    #: claim, verified only when the request is signed; results carry it as provenance.
    origin: str | None = Field(default=None, min_length=1, max_length=200, pattern=ORIGIN_PATTERN)
    #: Signature fields (`shared.trust.signing`): whole seconds since the epoch, hex HMAC.
    signed_at: int | None = Field(default=None, ge=0)
    signature: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @property
    def checkpoint_label(self) -> str:
        """The checkpoint's name, for messages and stream fields, however it was given."""
        if isinstance(self.checkpoint, str):
            return self.checkpoint
        name = self.checkpoint.get("name")
        return name if isinstance(name, str) and name else "<inline spec without a name>"


def is_run_id(text: object) -> bool:
    """Whether `text` is a well-formed run (and job) id."""
    return isinstance(text, str) and _RUN_ID_RE.fullmatch(text) is not None


def usable_run_id(payload: Any) -> str | None:
    """The run id of a payload that failed validation, when it has a well-formed one, so the
    failure can still be reported on the results stream under that id."""
    if not isinstance(payload, dict):
        return None
    try:
        return _RUN_ID.validate_python(payload.get("run_id"))
    except ValueError:
        return None
