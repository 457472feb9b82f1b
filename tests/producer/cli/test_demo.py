"""`make demo` in a temporary copy of the repository: every status shown, nothing left running,
and the in-process fallback when no Redis can be had."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import redis

from tests.support.processes import REPO_ROOT

pytestmark = pytest.mark.slow

STATUSES = ("success", "warning", "failure", "error")


def copy_repo(target: Path) -> Path:
    """The tracked files (timestamps kept, so make sees the venv as current) and the venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in listed:
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(REPO_ROOT / ".venv")
    return target


def processes_inside(directory: Path) -> list[str]:
    """Processes whose working directory is in `directory` (the demo's children are)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(proc / "cwd"))
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cwd == directory or directory in cwd.parents:
            found.append(f"{proc.name}: {command}")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_make_demo(
    repo: Path, env: dict[str, str], duration_s: int
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "demo", f"DEMO_ARGS=--duration {duration_s}"],
        cwd=repo,
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )


def test_make_demo_shows_every_status_and_stops_everything(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    done = run_make_demo(repo, {"CHECKFLEET_REDIS_URL": nothing_there}, duration_s=8)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    first = out.splitlines()[0]
    assert first.startswith("checkfleet demo: the dashboard will be at http://127.0.0.1:"), first
    assert "started a private redis-server" in out
    assert "started 2 workers, a scheduler and the dashboard" in out
    for status in STATUSES:
        shown = [line for line in out.splitlines() if f" {status} " in line and " ms " in line]
        assert shown, f"no {status} result shown:\n{out}"
    assert "orders_missing.csv': file not found" in out
    assert "every status was shown" in out
    assert "scheduler (exit 0)" in out and "worker-1 (exit 0)" in out
    assert "dashboard (exit 0)" in out
    assert processes_inside(repo) == []
    assert (repo / "demo-data" / "logs" / "worker-1.log").read_text()
    assert "dashboard at http://127.0.0.1:" in (repo / "demo-data/logs/dashboard.log").read_text()


def test_on_a_shared_redis_the_demo_leaves_no_key_behind(tmp_path: Path, redis_url: str) -> None:
    repo = copy_repo(tmp_path / "repo")
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("someone-else:key", "kept")
        done = run_make_demo(repo, {"CHECKFLEET_REDIS_URL": redis_url}, duration_s=6)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "key prefix 'checkfleet-demo'" in done.stdout
        assert "started a private redis-server" not in done.stdout
        assert sorted(client.keys("*")) == [b"someone-else:key"]  # arq:result:* included
    finally:
        client.close()


def test_without_redis_the_demo_runs_in_process_and_says_so(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    # a PATH without redis-server: the demo cannot start one
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "sh", "env"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    env = {"CHECKFLEET_REDIS_URL": nothing_there, "PATH": str(bin_dir)}
    done = run_make_demo(repo, env, duration_s=6)  # room for a loaded machine
    assert done.returncode == 0, done.stdout + done.stderr
    assert "running the checkpoints in-process instead" in done.stdout
    assert "every status was shown" in done.stdout
    assert processes_inside(repo) == []
