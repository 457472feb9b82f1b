"""At most once per run id: the seam through which `run_action` asks whether an action of
this run already started in an earlier attempt (a worker that died or was stopped mid-run).

`shared.execution.CheckpointExecutor` binds a `RunActions` for each run whose executor has an
`ActionLedger` (workers: `shared.action_ledger.RedisActionLedger`); without one (in-process
runs, which nothing retries) every action simply runs. Actions are keyed by their position in
the checkpoint and their name.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Protocol

from shared.models import ActionResult


class ActionLedger(Protocol):
    """Where the actions of runs are recorded."""

    async def begin(self, run_id: str, action_key: str) -> ActionResult | None:
        """None when this attempt may run the action (now recorded as started); otherwise
        what to report instead: the earlier outcome, or that it was interrupted."""
        ...

    async def end(self, run_id: str, action_key: str, result: ActionResult) -> None:
        """Record the action's outcome, for a later attempt to report."""
        ...


@dataclass(frozen=True, slots=True)
class RunActions:
    """The ledger and the actions of one run, as `run_action` sees them."""

    ledger: ActionLedger
    run_id: str
    #: id() of each (adapted) action object -> its key.
    keys: dict[int, str]

    @classmethod
    def of(cls, ledger: ActionLedger, run_id: str, actions: Sequence[object]) -> RunActions:
        keys = {
            id(action): f"{index}:{getattr(action, 'name', type(action).__name__)}"
            for index, action in enumerate(actions)
        }
        return cls(ledger, run_id, keys)

    def key_of(self, action: object) -> str | None:
        return self.keys.get(id(action))


_CURRENT: ContextVar[RunActions | None] = ContextVar("checkfleet_run_actions", default=None)


def current_run_actions() -> RunActions | None:
    return _CURRENT.get()


def bind_run_actions(run_actions: RunActions) -> Token[RunActions | None]:
    return _CURRENT.set(run_actions)


def unbind_run_actions(token: Token[RunActions | None]) -> None:
    _CURRENT.reset(token)
