"""The runner's collaborators on their own: halt policy, registration, backend lease, and
the background runs left undelivered at stop."""

from __future__ import annotations

import asyncio

import pytest

from producer.client.backend_lease import BackendLease
from producer.client.backends import LocalBackend, Ticket
from producer.client.background_runs import BackgroundRuns
from producer.client.halt_policy import HaltPolicy
from producer.client.runner_checkpoints import RunnerCheckpoints
from shared.checkpoint import Checkpoint
from shared.errors import ConfigError
from shared.models import CheckpointStatus
from tests.support.results import make_result

ERROR, SUCCESS = CheckpointStatus.ERROR, CheckpointStatus.SUCCESS


def test_the_halt_policy_counts_errors_in_a_row() -> None:
    policy = HaltPolicy(stop_on_error=False, max_consecutive_failures=2)
    assert policy.observe(make_result(ERROR)) is None
    assert policy.observe(make_result(SUCCESS)) is None  # the run of errors is broken
    assert policy.observe(make_result(ERROR)) is None
    assert policy.observe(make_result(ERROR)) == "2 runs in a row ended in error"
    assert policy.consecutive_errors == 2


def test_stop_on_error_halts_at_the_first_error() -> None:
    policy = HaltPolicy(stop_on_error=True, max_consecutive_failures=10)
    assert policy.observe(make_result(CheckpointStatus.FAILURE)) is None
    assert policy.observe(make_result(ERROR, run_id="r-9")) == "run r-9 of 'orders' ended in error"


def test_registration_refuses_a_second_checkpoint_of_one_name() -> None:
    checkpoints = RunnerCheckpoints()
    first = Checkpoint("orders", "orders.csv")
    checkpoints.add(first, travels_as_spec=False)
    checkpoints.add(first, travels_as_spec=False)  # the same object again: fine
    with pytest.raises(ConfigError, match="already registered"):
        checkpoints.add(Checkpoint("orders", "other.csv"), travels_as_spec=False)
    assert checkpoints.resolve("orders") is first
    assert checkpoints.resolve("unknown-here") == "unknown-here"  # the fleet may know it
    assert checkpoints.remove("orders") is first and len(checkpoints) == 0


class CountingBackend(LocalBackend):
    def __init__(self) -> None:
        super().__init__()
        self.closes = 0

    async def aclose(self) -> None:
        self.closes += 1
        await super().aclose()


async def test_the_lease_closes_the_backend_after_its_last_user() -> None:
    backend = CountingBackend()
    running = False
    lease = BackendLease(backend, running=lambda: running)
    async with lease.on_demand():
        async with lease.on_demand():
            pass
        assert backend.closes == 0  # the outer user is still there
    assert backend.closes == 1
    running = True
    async with lease.on_demand():
        pass
    assert backend.closes == 1  # the running runner still holds it
    await lease.release_background()
    assert backend.closes == 2


async def test_drain_reports_runs_unfinished_at_the_timeout_with_their_held_result() -> None:
    changed = asyncio.Event()
    runs = BackgroundRuns(changed)
    finished: list[str] = []
    never = asyncio.Event()
    held = make_result(SUCCESS, run_id="held")
    for run_id in ("quick", "slow", "held"):
        task = asyncio.create_task(asyncio.sleep(0) if run_id == "quick" else never.wait())
        runs.track(task, Ticket(run_id, "orders"), lambda run_id=run_id: finished.append(run_id))  # type: ignore[misc]
    runs.hold(held)
    undelivered = await runs.drain(0.05)
    assert sorted((run.ticket.run_id, run.held) for run in undelivered) == [  # type: ignore[type-var]
        ("held", held),
        ("slow", None),
    ]
    assert sorted(finished) == ["held", "quick", "slow"] and len(runs) == 0 and changed.is_set()
