"""Large scans in processes that a timeout can stop, so a timed-out run frees its CPU and its
slot at once instead of scanning on in the background.

polars cannot interrupt a query: measured on a 310 MB CSV, ``collect(background=True)`` then
``cancel()`` after 0.3 s still ran the query to its end (1.3 to 2.2 s) with the CPU busy
throughout, in-memory and streaming engines alike; and a thread cannot be killed. So workers
send each streaming-engine scan (large or remote data; small local files stay in the
validation thread) to a child process and wait for its row while watching the run's cancel
event; on cancel the child is killed (SIGKILL) and the wait ends within `POLL_S`.

Children come from a forkserver that has polars imported, so a new one starts in tens of
milliseconds; an idle child is reused (at most `MAX_IDLE` kept). A plan that cannot be
pickled (a Python source or function in the query) is scanned in the thread as before. The
row comes back pickled through the child's pipe: our own process, never Redis data.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

import polars as pl

from shared.errors import ScanCancelledError, ScanProcessError
from shared.validation.plan import ScanPlan, collect_row, run_scan

logger = logging.getLogger(__name__)

#: How often a waiting scan looks at its run's cancel event.
POLL_S = 0.05
#: Idle scan processes kept for the next scans.
MAX_IDLE = 2

#: A callable that scans a plan, honouring a cancel event.
Scanner = Callable[[ScanPlan, "threading.Event | None"], dict[str, Any]]


def _serve(connection: Connection) -> None:
    """A scan process: one pickled `ScanJob` in, one row out, until the parent closes the
    pipe."""
    while True:
        try:
            payload = connection.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[Any, ...] = ("ok", collect_row(pickle.loads(payload)))
        except Exception as exc:
            text = str(exc).strip().splitlines()
            kind = "polars" if isinstance(exc, pl.exceptions.PolarsError) else "other"
            answer = ("error", kind, isinstance(exc, OSError), text[0] if text else repr(exc))
        connection.send_bytes(pickle.dumps(answer))


class _Child:
    def __init__(self, context: ForkServerContext) -> None:
        self.connection, child_end = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child_end,), name="checkfleet-scan", daemon=True
        )
        self.process.start()
        child_end.close()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class ScanProcesses:
    """The scan processes of one worker process; `close` at shutdown."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["polars", __name__])
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self.busy = 0
        #: Pids of the children killed because their run was cancelled (for tests, metrics).
        self.killed: list[int] = []

    def warm(self) -> None:
        """Start the forkserver (it imports polars: about a second) and one idle child, so
        that the first scan, and its cancel, do not wait for them. Blocking: call it from a
        thread."""
        self._give_back(self._take())

    def __call__(self, plan: ScanPlan, cancel: threading.Event | None) -> dict[str, Any]:
        """The plan's row, scanned in a child process; `ScanCancelledError` as soon as
        `cancel` is set (the child is killed)."""
        if plan.engine != "streaming":
            return run_scan(plan)  # small local data: the in-memory engine, here
        try:
            payload = pickle.dumps(plan.job)
        except Exception:  # a Python source or function: only this process can scan it
            return run_scan(plan)
        child = self._take()
        self.busy += 1
        try:
            answer = self._ask(child, payload, cancel)
        except BaseException:
            child.kill()
            raise
        finally:
            self.busy -= 1
        self._give_back(child)
        if answer[0] == "ok":
            row: dict[str, Any] = answer[1]
            return row
        _status, kind, is_os_error, message = answer
        if kind == "polars":
            raise pl.exceptions.ComputeError(message)
        if is_os_error:
            raise OSError(message)
        raise ScanProcessError(f"the scan failed: {message}")

    def _ask(self, child: _Child, payload: bytes, cancel: threading.Event | None) -> Any:
        child.connection.send_bytes(payload)
        while not child.connection.poll(POLL_S):
            if cancel is not None and cancel.is_set():
                pid = child.process.pid
                child.kill()
                if pid is not None:
                    self.killed.append(pid)
                raise ScanCancelledError("run cancelled during the scan: its process was stopped")
            if not child.process.is_alive():
                raise ScanProcessError(
                    f"the scan process exited with code {child.process.exitcode} without an"
                    " answer (out of memory?)"
                )
        return pickle.loads(child.connection.recv_bytes())

    def _take(self) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.process.is_alive():
                    return child
                child.kill()
        return _Child(self._context)

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(child)
                return
        child.kill()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()
