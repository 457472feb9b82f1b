"""Logging: stdlib `logging`, configured once at an entry point, in text or JSON.

Library code only calls ``logging.getLogger(__name__)``. An entry point (the CLI, a worker's
``on_startup``, the scheduler) calls `configure_logging`. While a run executes, `bind_run` puts
its run id and checkpoint name in a context variable, and every log line written in that
context (in the event loop task, or in a thread started with `contextvars.copy_context`) carries
them: ``[orders run=ab12]`` in text, ``"run_id"`` / ``"checkpoint"`` keys in JSON.

Whatever a message carries, a text line stays one line: control characters (CR, LF, NUL,
ESC...) are written escaped (``\r``, ``\x00``), so a job id or checkpoint name cannot forge
a log line. Every line, text or JSON, is cleared of the secrets this process knows
(`shared.trust.redaction`), and arq's line announcing a job shows no arguments: run requests
carry contexts, which never appear in logs. arq's lines announcing each job's start and end are
DEBUG lines: a worker's own line per run says how it ended.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from shared.settings import Settings
from shared.trust.redaction import redact

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: What arq's "job started" line shows instead of the job's arguments.
HIDDEN_ARGUMENTS = "…"

#: The loggers of libraries whose own handlers we replace, so their lines use our format once.
_ADOPTED_LOGGERS = ("arq",)
_ARQ_WORKER_LOGGER = "arq.worker"
_TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s%(run_label)s: %(message)s"
_TEXT_DATE_FORMAT = "%H:%M:%S"

_RUN: ContextVar[tuple[str, str] | None] = ContextVar("checkfleet_run", default=None)


@contextmanager
def bind_run(run_id: str, checkpoint: str) -> Iterator[None]:
    """Every log line written inside the block carries `run_id` and `checkpoint`."""
    token = _RUN.set((run_id, checkpoint))
    try:
        yield
    finally:
        _RUN.reset(token)


def bound_run() -> tuple[str, str] | None:
    """(run id, checkpoint) of the run bound in this context, if any."""
    return _RUN.get()


def escape_control(text: str) -> str:
    """`text` with every control character written as an escape (``\n``, ``\x00``)."""
    return _CONTROL.sub(_escape_one, text)


def _escape_one(match: re.Match[str]) -> str:
    return match.group(0).encode("unicode_escape").decode("ascii")


class ArqArgumentsFilter(logging.Filter):
    """Hides the arguments in arq's ``→ job_id:function(arguments)`` line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.name == _ARQ_WORKER_LOGGER
            and isinstance(record.msg, str)
            and " → " in record.msg
            and isinstance(record.args, tuple)
            and len(record.args) >= 3
        ):
            args = list(record.args)
            args[2] = HIDDEN_ARGUMENTS
            record.args = tuple(args)
        return True


class ArqJobLinesFilter(logging.Filter):
    """Makes arq's two lines per job (``→`` as it starts, ``←`` as it ends) DEBUG lines: a
    worker logs one line per run of its own (``run finished: ...``), and at thousands of runs a
    second three lines each were a sixth of a worker's CPU. Attached to arq's worker logger;
    its warnings and errors (a job failed, expired, out of tries) keep their level."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not isinstance(record.msg, str):
            return True
        if " → " not in record.msg and " ← " not in record.msg:
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class TextFormatter(logging.Formatter):
    """The text format: one line a record (control characters escaped), secrets redacted."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return redact(escape_control(super().formatMessage(record)))

    def formatException(self, ei: Any) -> str:
        # A traceback keeps its lines, each indented, so none can pass for a log line.
        lines = super().formatException(ei).split("\n")
        return redact("\n".join("  " + escape_control(line) for line in lines))


class RunContextFilter(logging.Filter):
    """Adds ``run_id``, ``checkpoint`` and a ready-made ``run_label`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = _RUN.get()
        run_id, checkpoint = bound if bound else (None, None)
        record.run_id = run_id
        record.checkpoint = checkpoint
        record.run_label = f" [{checkpoint} run={run_id}]" if bound else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, run fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in ("run_id", "checkpoint"):
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


class _StderrHandler(logging.StreamHandler[IO[str]]):
    """Writes to whatever `sys.stderr` is at each line (it may be swapped after set-up)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def build_handler(log_format: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler (stderr by default) in `log_format` with the run fields filled in."""
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.addFilter(RunContextFilter())
    handler.addFilter(ArqArgumentsFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter(_TEXT_FORMAT, _TEXT_DATE_FORMAT))
    handler.set_name("checkfleet")
    return handler


def configure_logging(
    settings: Settings | None = None,
    *,
    log_format: str | None = None,
    level: str | None = None,
    stream: IO[str] | None = None,
) -> None:
    """Send every log line to one handler on the root logger, in the configured format.

    Idempotent: a second call replaces the handler of the first. Loggers of libraries that
    install their own handler (arq's CLI does) lose it and propagate to ours instead.
    """
    chosen_format = log_format or (settings.log_format if settings else "text")
    chosen_level = level or (settings.log_level if settings else "INFO")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "checkfleet":
            root.removeHandler(existing)
    root.addHandler(build_handler(chosen_format, stream))
    root.setLevel(chosen_level)
    for name in _ADOPTED_LOGGERS:
        adopted = logging.getLogger(name)
        for existing in list(adopted.handlers):
            adopted.removeHandler(existing)
        adopted.setLevel(logging.NOTSET)
        adopted.propagate = True
    arq_worker = logging.getLogger(_ARQ_WORKER_LOGGER)
    if not any(isinstance(known, ArqJobLinesFilter) for known in arq_worker.filters):
        arq_worker.addFilter(ArqJobLinesFilter())
