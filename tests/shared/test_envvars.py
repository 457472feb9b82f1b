from __future__ import annotations

import pytest

from shared.envvars import expand_env, expand_env_tree
from shared.errors import SpecError

ENV = {"HOOK": "https://hooks.example/T1", "EMPTY": ""}


def test_plain_and_default_references_expand() -> None:
    assert expand_env("${HOOK}/x", ENV) == "https://hooks.example/T1/x"
    assert expand_env("${MISSING:-fallback}", ENV) == "fallback"
    assert expand_env("${EMPTY:-fallback}", ENV) == ""
    assert expand_env("cost: $$5 and $${HOOK}", ENV) == "cost: $$5 and ${HOOK}"


def test_missing_variable_is_an_error_naming_it_and_the_path() -> None:
    with pytest.raises(SpecError) as caught:
        expand_env("${SLACK_WEBHOOK}", ENV, path="actions[0].webhook_url")
    assert str(caught.value) == (
        "actions[0].webhook_url: environment variable SLACK_WEBHOOK is not set and has no default"
    )


def test_tree_expansion_reports_the_path() -> None:
    tree = {"actions": [{"url": "${HOOK}", "retries": 3}, {"url": "${NOPE}"}]}
    with pytest.raises(SpecError, match=r"^actions\[1\]\.url: environment variable NOPE"):
        expand_env_tree(tree, ENV)
    assert expand_env_tree({"a": ["${HOOK}", 1]}, ENV) == {"a": ["https://hooks.example/T1", 1]}
