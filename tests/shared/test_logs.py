"""Logging: text and JSON lines, with the run id and checkpoint bound to every line of a run."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.checkpoint import Checkpoint
from shared.logs import bind_run, bound_run, configure_logging
from shared.settings import Settings


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Root logging into a buffer; the previous root configuration is restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_text_lines_name_the_bound_run(captured: io.StringIO) -> None:
    configure_logging(log_format="text", level="INFO", stream=captured)
    log = logging.getLogger("checkfleet.test")
    log.info("outside")
    with bind_run("run-7", "orders"):
        log.info("inside")
    outside, inside = captured.getvalue().splitlines()
    assert "checkfleet.test: outside" in outside and "run=" not in outside
    assert "[orders run=run-7]: inside" in inside


def test_json_lines_carry_run_fields_and_exceptions(captured: io.StringIO) -> None:
    configure_logging(Settings.from_env({"CHECKFLEET_LOG_FORMAT": "json"}), stream=captured)
    log = logging.getLogger("checkfleet.test")
    with bind_run("run-8", "orders"):
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("failed")
    log.warning("after")
    first, second = json_lines(captured)
    assert first["run_id"] == "run-8" and first["checkpoint"] == "orders"
    assert first["level"] == "error" and first["message"] == "failed"
    assert "ValueError: bad" in str(first["exception"])
    assert "run_id" not in second
    assert bound_run() is None


def test_level_filters_and_reconfiguring_replaces_the_handler(captured: io.StringIO) -> None:
    configure_logging(log_format="text", level="INFO", stream=io.StringIO())
    configure_logging(log_format="json", level="WARNING", stream=captured)
    log = logging.getLogger("checkfleet.test")
    log.info("hidden")
    log.warning("shown")
    assert [line["message"] for line in json_lines(captured)] == ["shown"]


def test_adopted_library_loggers_use_our_handler(captured: io.StringIO) -> None:
    arq_logger = logging.getLogger("arq")
    arq_logger.addHandler(logging.StreamHandler(io.StringIO()))
    configure_logging(log_format="json", stream=captured)
    assert arq_logger.handlers == []
    arq_logger.info("arq says hi")
    assert json_lines(captured)[-1]["logger"] == "arq"


async def test_a_run_binds_its_lines_even_in_action_threads(
    captured: io.StringIO, tmp_path: Path
) -> None:
    data = tmp_path / "orders.csv"
    data.write_text("id\n1\n2\n")
    checkpoint = Checkpoint.from_spec(
        {
            "name": "orders",
            "data_source": str(data),
            "validators": ["null"],
            "actions": [{"type": "custom", "function": "tests.support.actions:log_line"}],
        }
    )
    configure_logging(log_format="json", stream=captured)
    result = await checkpoint.run_async(run_id="run-9")
    assert result.action_results[0].status.value == "success", result.action_results
    [line] = [line for line in json_lines(captured) if line["message"] == "hello from orders"]
    assert (line["run_id"], line["checkpoint"]) == ("run-9", "orders")


def test_control_characters_cannot_forge_a_text_line(captured: io.StringIO) -> None:
    configure_logging(log_format="text", level="INFO", stream=captured)
    with bind_run("r-1", "name\r\nFAKE"):
        logging.getLogger("checkfleet.test").warning("job %s", "id\r\n09:00:00 INFO fake\x00")
    [line] = captured.getvalue().splitlines()
    assert "\\r\\n09:00:00 INFO fake\\x00" in line and "name\\r\\nFAKE" in line


def test_arq_job_lines_show_no_arguments(captured: io.StringIO) -> None:
    configure_logging(log_format="text", level="DEBUG", stream=captured)
    arq_logger = logging.getLogger("arq.worker")
    arq_logger.info("%6.2fs → %s(%s)%s", 0.01, "r-1:run_checkpoint", "{'context': 'pw'}", "")
    assert "pw" not in captured.getvalue() and "r-1:run_checkpoint(…)" in captured.getvalue()


def test_arq_job_lines_are_debug_lines_and_its_warnings_stay(captured: io.StringIO) -> None:
    configure_logging(log_format="text", level="INFO", stream=captured)
    configure_logging(log_format="text", level="INFO", stream=captured)  # one filter, not two
    arq_logger = logging.getLogger("arq.worker")
    arq_logger.info("%6.2fs → %s(%s)%s", 0.01, "r-1:run_checkpoint", "(…)", "")
    arq_logger.info("%6.2fs ← %s ● %s", 0.01, "r-1:run_checkpoint", "")
    arq_logger.info("Starting worker for %d functions", 2)
    arq_logger.warning("job %s expired", "r-2")
    lines = captured.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "Starting worker for 2 functions" in lines[0] and "expired" in lines[1]
    assert len([f for f in arq_logger.filters if type(f).__name__ == "ArqJobLinesFilter"]) == 1

    debug = io.StringIO()
    configure_logging(log_format="text", level="DEBUG", stream=debug)
    arq_logger.info("%6.2fs ← %s ● %s", 0.01, "r-1:run_checkpoint", "")
    assert "DEBUG" in debug.getvalue() and "r-1:run_checkpoint" in debug.getvalue()


def test_registered_secrets_are_redacted_from_every_line(captured: io.StringIO) -> None:
    from shared.trust.redaction import register_secret

    register_secret("redis://:hunter2-pw@cache:6379/0")
    configure_logging(log_format="json", level="INFO", stream=captured)
    logging.getLogger("checkfleet.test").warning("sent redis://:hunter2-pw@cache:6379/0")
    assert "hunter2-pw" not in captured.getvalue()
