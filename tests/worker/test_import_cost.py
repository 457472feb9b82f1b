"""What a liveness probe pays: importing `worker` (``arq worker.WorkerSettings --check``) and
``python -m worker``'s entry point load neither polars nor aiohttp; the job functions and the
start-up hooks load them when a worker starts (`worker.settings`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # fresh interpreters
HEAVY = ("polars", "aiohttp")


def loaded_after(code: str) -> dict[str, bool]:
    """Which of `HEAVY` a fresh interpreter has loaded after running `code`."""
    report = f"print(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))"
    probe = f"{code}\nimport json, sys\n{report}"
    output = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    loaded: dict[str, bool] = json.loads(output.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "code",
    [
        "import worker",
        "import arq.cli, worker",
        "import worker.__main__",
        "import worker; worker.WorkerSettings",  # what arq's CLI looks up: binds our worker
    ],
)
def test_the_probe_imports_load_neither_polars_nor_aiohttp(code: str) -> None:
    assert loaded_after(code) == dict.fromkeys(HEAVY, False)


def test_what_a_started_worker_imports_loads_both() -> None:
    # the check above can fail: the modules the start-up hook imports do load both
    assert loaded_after("import worker.lifecycle, worker.jobs") == dict.fromkeys(HEAVY, True)
