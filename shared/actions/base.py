"""`BuiltinAction`: what the built-in actions share on top of `AsyncBaseAction`.

- ``${VAR}`` / ``${VAR:-default}`` in the fields named by `env_fields` are expanded from the
  environment when the action runs, not when it is built: a variable missing then makes the
  action's result an `error` naming it (the seed page builds ``webhook_url="${SLACK_WEBHOOK}"``
  where the variable may only exist on workers). The config keeps the raw template, so
  `to_spec()` never carries the secret and a worker expands from its own env.
- Expanded values of `secret_fields` are scrubbed from results and logs.

`BaseAction` is the reference framework's synchronous base: implement `_execute`.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Generic, Literal, TypeVar

from shared.actions.http import close_http_session
from shared.async_base.action import AsyncBaseAction
from shared.async_base.action_config import ActionConfig
from shared.async_base.context import current_context
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

    def setting(self, field: str) -> Any:
        """A config field's value, ``${VAR}`` expanded from the environment now for the
        `env_fields`; `ConfigError` naming the variable when it is unset."""
        raw = getattr(self._config, field)
        if field not in self.env_fields:
            return raw
        try:
            return expand_env_tree(raw, path=f"{self.type_label}.{field}", on_value=register_secret)
        except ConfigError as exc:
            raise ConfigError(str(exc)) from None

    def _secrets(self) -> Iterable[str]:
        for field in self.secret_fields:
            try:
                yield from _strings(self.setting(field))
            except ConfigError:  # unset: nothing to hide
                continue

    def execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
        """Run the action from synchronous code in a private event loop (blocks; not from
        inside an event loop: await `execute_async` there)."""
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


class BaseAction(BuiltinAction[ConfigT], Generic[ConfigT]):
    """The reference framework's synchronous action base: subclasses implement
    `_execute(checkpoint_result)`, a blocking call, which runs in the execution context's
    thread pool (or asyncio's) with the same notify_on, timeout and retry handling as every
    action. A thread cannot be interrupted: on timeout the call may still finish later."""

    def _execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
        raise NotImplementedError(f"{type(self).__name__} must implement _execute()")

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        context = current_context()
        executor = context.executor if context is not None else None
        run_context = contextvars.copy_context()  # so the thread's log lines name the run
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            executor, run_context.run, self._execute, checkpoint_result
        )


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
