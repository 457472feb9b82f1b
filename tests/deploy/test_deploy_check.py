"""`make deploy-check` passes on deploy/ and fails on deliberately broken copies of it."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.processes import REPO_ROOT

pytestmark = pytest.mark.slow


def broken_copy(tmp_path: Path, edit: Callable[[Path], None]) -> Path:
    deploy = tmp_path / "deploy"
    shutil.copytree(REPO_ROOT / "deploy", deploy)
    edit(deploy)
    return deploy


def deploy_check(deploy: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "deploy-check", f"DEPLOY_DIR={deploy}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_the_deploy_files_pass() -> None:
    done = deploy_check(REPO_ROOT / "deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed, 0 failed" in done.stdout


def bad_worker_field(deploy: Path) -> None:
    replace_in(
        deploy / "kubernetes/base/worker.yaml",
        "terminationGracePeriodSeconds: 45",
        "terminationGracePeriodSecond: 45",
    )


def short_grace(deploy: Path) -> None:
    replace_in(
        deploy / "kubernetes/base/worker.yaml",
        "terminationGracePeriodSeconds: 45",
        "terminationGracePeriodSeconds: 10",
    )


def missing_resource(deploy: Path) -> None:
    (deploy / "kubernetes/base/worker-hpa.yaml").unlink()


def bad_compose(deploy: Path) -> None:
    replace_in(deploy / "compose.yaml", "stop_grace_period: 45s", "stop_grace_periods: 45s")


def evicting_redis(deploy: Path) -> None:
    replace_in(deploy / "compose.yaml", "- noeviction", "- allkeys-lru")


def bad_yaml(deploy: Path) -> None:
    replace_in(deploy / "kubernetes/base/scheduler.yaml", "replicas: 1", "replicas: 1   ")


def bad_unit(deploy: Path) -> None:
    replace_in(deploy / "systemd/checkfleet-scheduler.service", "Restart=always", "Restart=often")


def bad_dockerfile(deploy: Path) -> None:
    replace_in(
        deploy / "Dockerfile", "WORKDIR /app", "WORKDIR /app\nRUN cd /tmp && apt-get install curl"
    )


def bad_checkpoints(deploy: Path) -> None:
    replace_in(deploy / "checkpoints.yaml", "validators: [null, unique]", "validators: [nul]")


@pytest.mark.parametrize(
    ("edit", "failed_check", "cause"),
    [
        (bad_worker_field, "kubernetes-validate", "terminationGracePeriodSecond"),
        (short_grace, "kubernetes-validate", "terminationGracePeriodSeconds <= 30"),
        (missing_resource, "kubernetes-validate", "worker-hpa.yaml"),
        (bad_compose, "compose schema", "stop_grace_periods"),
        (evicting_redis, "redis durability", "--maxmemory-policy must be noeviction"),
        (bad_yaml, "yamllint", "trailing-spaces"),
        (bad_unit, "systemd-analyze verify", "restart specifier, ignoring: often"),
        (bad_dockerfile, "hadolint", "DL3003"),
        (bad_checkpoints, "checkpoint definitions", "checkpoints.yaml"),
    ],
)
def test_a_broken_file_fails_its_check_alone(
    tmp_path: Path, edit: Callable[[Path], None], failed_check: str, cause: str
) -> None:
    outcomes = dict(load_check_module().run_checks(broken_copy(tmp_path, edit)))
    failed = {name: problem for name, problem in outcomes.items() if problem is not None}
    assert list(failed) == [name for name in outcomes if failed_check in name], failed
    [problem] = failed.values()
    assert cause in problem


def test_make_deploy_check_fails_on_a_broken_manifest(tmp_path: Path) -> None:
    done = deploy_check(broken_copy(tmp_path, bad_worker_field))
    assert done.returncode != 0
    assert "FAILED  kustomize base + kubernetes-validate" in done.stdout
    assert "6 passed, 1 failed" in done.stdout


def load_check_module() -> Any:
    spec = importlib.util.spec_from_file_location("deploy_check", REPO_ROOT / "deploy/check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fallback_renderer_matches_kubectl() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: only the fallback renderer is in use")
    module = load_check_module()
    base = REPO_ROOT / "deploy/kubernetes/base"
    ours = module.render_kustomization(base)
    theirs = subprocess.run(
        [kubectl, "kustomize", str(base)], capture_output=True, text=True, check=True
    ).stdout
    key = lambda doc: (doc["kind"], doc["metadata"]["name"])  # noqa: E731
    assert sorted(ours, key=key) == sorted(
        (doc for doc in yaml.safe_load_all(theirs) if doc), key=key
    )
