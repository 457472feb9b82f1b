"""A real terminal for CLI tests: one command in a tmux pane of a given width, read back as
the screen a person would see.

Each terminal runs on a tmux server of its own (``-L``): a shared server hands new sessions the
environment it was started with, and a server started by another test run with ``COLUMNS=80``
would make every "160 column" terminal an 80 column one for Rich.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest


class Terminal:
    def __init__(self, socket: str, width: int) -> None:
        self.socket = socket
        self.width = width

    def screen(self) -> str:
        """What the pane shows now."""
        return subprocess.run(
            ["tmux", "-L", self.socket, "capture-pane", "-p"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip


@contextmanager
def terminal(
    command: Sequence[str] | str,
    *,
    width: int,
    env: Mapping[str, str],
    cwd: Path | None = None,
    height: int = 40,
) -> Iterator[Terminal]:
    """`command` (argv, or a shell line) running in a `width` x `height` terminal with `env`
    added (COLUMNS set to the width); the server is stopped afterwards."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing: .ci/run installs it", pytrace=False)
    socket = f"checkfleet-test-{uuid.uuid4().hex[:8]}"
    line = command if isinstance(command, str) else shlex.join(command)
    options = [f"-e{key}={value}" for key, value in {**env, "COLUMNS": str(width)}.items()]
    if cwd is not None:
        options += ["-c", str(cwd)]
    subprocess.run(
        ["tmux", "-L", socket, "new-session", "-d", "-x", str(width), "-y", str(height),
         *options, line],
        check=True,
    )  # fmt: skip
    try:
        yield Terminal(socket, width)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False, capture_output=True)
