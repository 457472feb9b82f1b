"""The results store's interface: what every backend (SQLite, PostgreSQL) answers.

A store keeps the memory of past runs in two tables:

- ``runs``: one row per run id with the full `CheckpointResult` (JSON) and the columns the
  queries filter on (checkpoint, data source, status, run time);
- ``figures``: one row per numeric figure of a run (checkpoint, data source, validator,
  column, metric, value, run time), for trends and learned baselines.

Recording is idempotent by run id: a run recorded twice (an archiver that crashed before its
ack, a worker retrying a job) keeps its first row and adds no figure twice. Every method is a
coroutine and never blocks the event loop. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

if TYPE_CHECKING:  # annotations only: `shared.settings` imports this package, models stay out
    from shared.models import CheckpointResult, CheckpointStatus

#: Rows a query returns when it names no limit.
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class RunQuery:
    """Filters of `ResultStore.runs`; every field left at its default matches every run."""

    checkpoint: str | None = None
    #: Only runs with one of these statuses.
    statuses: tuple[CheckpointStatus, ...] = ()
    #: Only runs of this data source (a checkpoint's runs over several sources differ).
    data_asset: str | None = None
    #: Runs at or after this time.
    since: datetime | None = None
    #: Runs strictly before this time (the run before a given one, for diffs and baselines).
    before: datetime | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class FigurePoint:
    """One figure of one run: a point of a trend."""

    run_id: str
    run_time: datetime
    validator: str
    #: The column the figure is about; ``""`` for a figure of the whole data.
    column: str
    #: The figure's name within its validator, dotted for nested ones (``ratio``, ``rows``).
    metric: str
    value: float


@dataclass(frozen=True, slots=True)
class FigureQuery:
    """Filters of `ResultStore.figures`: the figures of a checkpoint's latest `runs` runs."""

    checkpoint: str
    validator: str | None = None
    column: str | None = None
    metric: str | None = None
    data_asset: str | None = None
    since: datetime | None = None
    #: How many of the checkpoint's latest runs the points come from.
    runs: int = DEFAULT_LIMIT


class StoreLifecycle:
    """``async with store:`` opens and closes a backend (a base of both)."""

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def figure_point(row: Sequence[Any], run_time: datetime) -> FigurePoint:
    """A point from a row of ``run_id, run_time, validator, column_name, metric, value``."""
    return FigurePoint(
        run_id=row[0],
        run_time=run_time,
        validator=row[2],
        column=row[3],
        metric=row[4],
        value=float(row[5]),
    )


@runtime_checkable
class ResultStore(Protocol):
    """The memory of past runs. Open it before use (`open`, which also migrates the schema
    to the latest version) and close it after; ``async with`` does both."""

    #: The store's URL without its password, for logs and messages.
    @property
    def location(self) -> str: ...

    async def open(self) -> None:
        """Connect and bring the schema to the latest migration."""

    async def close(self) -> None:
        """Release the connection(s); idempotent."""

    async def record(self, results: Sequence[CheckpointResult]) -> int:
        """Store `results` with their figures in one transaction; runs already stored are
        left as they are. Returns how many runs were new."""

    async def runs(self, query: RunQuery) -> list[CheckpointResult]:
        """The runs matching `query`, newest first, at most ``query.limit``."""

    async def get_run(self, run_id: str) -> CheckpointResult | None:
        """One run by id, or None when it was never recorded."""

    async def latest(self, checkpoints: Sequence[str] = ()) -> list[CheckpointResult]:
        """The latest run of each checkpoint (of those named; of every one when none is),
        sorted by checkpoint name."""

    async def figures(self, query: FigureQuery) -> list[FigurePoint]:
        """The figures of the checkpoint's latest ``query.runs`` runs, oldest first."""

    async def count_runs(self, checkpoint: str | None = None) -> int:
        """How many runs are stored (of one checkpoint, when named)."""

    async def __aenter__(self) -> ResultStore: ...

    async def __aexit__(self, *exc_info: object) -> None: ...
