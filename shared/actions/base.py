"""`BuiltinAction`: what the built-in actions share on top of `AsyncBaseAction`.

- ``${VAR}`` / ``${VAR:-default}`` in the fields named by `env_fields` are expanded from the
  environment at construction (a missing variable is a `ConfigError`); the config keeps the raw
  template, so `to_spec()` never carries the secret and a worker expands from its own env.
- Expanded values of `secret_fields` are scrubbed from results and logs.
- A blocking `execute()` for synchronous callers, running the action in a private event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Generic, Literal, TypeVar

from shared.actions.http import close_http_session
from shared.async_base.action import AsyncBaseAction
from shared.async_base.action_config import ActionConfig
from shared.envvars import expand_env_tree
from shared.errors import ConfigError
from shared.models import ActionResult, CheckpointResult
from shared.trust.redaction import register_secret

ConfigT = TypeVar("ConfigT", bound=ActionConfig)

#: Kinds of `BuiltinAction.reach_fields`.
Reach = Literal["url", "host", "directory", "function"]


class BuiltinAction(AsyncBaseAction[ConfigT], Generic[ConfigT]):
    """Base of the built-in actions."""

    #: Config fields (strings, or lists/maps of strings) expanded from the environment.
    env_fields: ClassVar[tuple[str, ...]] = ()
    #: Config fields whose expanded values must never be shown.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    #: (field, kind) pairs: what each outward-reaching config field names, for the inline-spec
    #: policy (`shared.trust`): ``url`` or ``host`` (sent to), ``directory`` (written under),
    #: ``function`` (imported and called).
    reach_fields: ClassVar[tuple[tuple[str, Reach], ...]] = ()

    def __init__(self, config: ConfigT | None = None, /, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self._settings: dict[str, Any] = {}
        for field in self.env_fields:
            raw = getattr(self._config, field)
            try:
                self._settings[field] = expand_env_tree(
                    raw, path=f"{self.type_label}.{field}", on_value=register_secret
                )
            except ConfigError as exc:
                raise ConfigError(str(exc)) from None

    def setting(self, field: str) -> Any:
        """A config field's value after environment expansion."""
        if field in self._settings:
            return self._settings[field]
        return getattr(self._config, field)

    def _secrets(self) -> Iterable[str]:
        for field in self.secret_fields:
            yield from _strings(self.setting(field))

    def execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
        """Run the action from synchronous code (blocks; not from inside an event loop)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._execute_privately(checkpoint_result))
        raise RuntimeError(
            f"{type(self).__name__}.execute() blocks and cannot run inside an event loop; "
            "await execute_async() instead"
        )

    async def _execute_privately(self, checkpoint_result: CheckpointResult) -> ActionResult:
        try:
            return await self.execute_async(checkpoint_result)
        finally:
            await close_http_session()  # the private loop ends here, and its session with it


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
