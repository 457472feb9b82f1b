"""``${VAR}`` and ``${VAR:-default}`` expansion of configuration strings.

Used for checkpoint definition files and for action settings such as webhook URLs, so secrets
stay in the environment. A variable that is unset and has no default is an error: silently
substituting an empty string would send a webhook to nowhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from shared.errors import SpecError

# ${NAME} or ${NAME:-default}; `$${` escapes a literal `${`.
_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(
    text: str,
    environ: Mapping[str, str] | None = None,
    *,
    path: str | None = None,
    on_value: Callable[[str], None] | None = None,
) -> str:
    """`text` with every ``${VAR}`` replaced; `SpecError` naming the variable when it is unset.
    `on_value` is told every value substituted (action settings register them as secrets)."""
    env = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        value = env.get(name)
        if value is None:
            value = default
        if value is not None:
            if on_value is not None:
                on_value(value)
            return value
        raise SpecError(f"environment variable {name} is not set and has no default", path=path)

    return _REFERENCE.sub(substitute, text)


def expand_env_tree(
    value: Any,
    environ: Mapping[str, str] | None = None,
    *,
    path: str = "",
    on_value: Callable[[str], None] | None = None,
) -> Any:
    """`value` with `expand_env` applied to every string inside lists and maps."""
    if isinstance(value, str):
        return expand_env(value, environ, path=path or None, on_value=on_value)
    if isinstance(value, Mapping):
        return {
            key: expand_env_tree(
                item, environ, path=f"{path}.{key}" if path else str(key), on_value=on_value
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            expand_env_tree(item, environ, path=f"{path}[{index}]", on_value=on_value)
            for index, item in enumerate(value)
        ]
    return value
