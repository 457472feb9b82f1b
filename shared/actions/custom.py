"""`CustomAction`: runs a user function, sync or async, with the checkpoint result.

The function may return an `ActionResult`, None or True (success), False (failure), a string
(success with that message) or a dict (success with those details, as the reference framework
does; non-JSON values become their text). A function object cannot travel in a spec: give
``function="package.module:function"`` for actions that must run on workers.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import inspect
from collections.abc import Callable
from typing import Any

from shared.actions.base import BuiltinAction
from shared.async_base.action_config import ActionConfig
from shared.async_base.context import current_context
from shared.errors import ConfigError, SpecError
from shared.jsonable import to_json_value
from shared.models import ActionResult, ActionStatus, CheckpointResult

Callback = Callable[[CheckpointResult], Any]


class CustomConfig(ActionConfig):
    """`function`: an importable ``module:function`` path (or None when given a callable)."""

    function: str | None = None


def import_callable(path: str, *, owner: str = "custom") -> Callback:
    """The function named by ``package.module:function``; `ConfigError` when it is not one."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigError(
            f"{owner}: function must look like 'package.module:function', got {path!r}"
        )
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{owner}: cannot import {path!r}: {exc}") from None
    if not callable(target):
        raise ConfigError(f"{owner}: {path!r} is not callable")
    return target  # type: ignore[no-any-return]


class CustomAction(BuiltinAction[CustomConfig]):
    """Calls `callback(checkpoint_result)`; a sync callback runs in a thread."""

    action_type = "custom"
    env_fields = ("function",)
    reach_fields = (("function", "function"),)

    def __init__(
        self,
        callback: Callback | None = None,
        config: CustomConfig | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(config, **overrides)
        path = self.setting("function")
        if callback is not None and path:
            raise ConfigError(f"{self.type_label}: give a callback or function, not both")
        if callback is None and not path:
            raise ConfigError(f"{self.type_label}: needs a callback or function='module:function'")
        if callback is not None and not callable(callback):
            raise ConfigError(f"{self.type_label}: callback {callback!r} is not callable")
        self._holds_callable = callback is not None
        self._callback: Callback = callback or import_callable(path, owner=self.type_label)

    @classmethod
    def _default_config(cls) -> CustomConfig:
        return CustomConfig()

    @property
    def name(self) -> str:
        if self._config.name:
            return self._config.name
        callback = getattr(self, "_callback", None)
        return getattr(callback, "__name__", None) or self.type_label

    def to_spec(self) -> dict[str, Any]:
        if self._holds_callable:
            raise SpecError(
                f"custom action {self.name!r} holds a Python callable, which cannot travel in a "
                "spec to a worker; give function='package.module:function' instead"
            )
        return super().to_spec()

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        callback = self._callback
        if inspect.iscoroutinefunction(callback):
            returned = await callback(checkpoint_result)
        else:
            context = current_context()
            executor = context.executor if context is not None else None
            loop = asyncio.get_running_loop()
            # The thread runs in a copy of this context, so the callback's log lines name the run.
            run_context = contextvars.copy_context()
            returned = await loop.run_in_executor(
                executor, run_context.run, callback, checkpoint_result
            )
            if inspect.isawaitable(returned):  # a sync function returning a coroutine
                returned = await returned
        return self._interpret(returned)

    def _interpret(self, returned: Any) -> ActionResult:
        if isinstance(returned, ActionResult):
            return returned
        if returned is None or returned is True:
            return self._result(ActionStatus.SUCCESS, "callback completed")
        if returned is False:
            return self._result(ActionStatus.FAILURE, "callback returned False")
        if isinstance(returned, str):
            return self._result(ActionStatus.SUCCESS, returned)
        if isinstance(returned, dict):
            details = to_json_value(returned)
            assert isinstance(details, dict)
            return self._result(ActionStatus.SUCCESS, "callback completed", details=details)
        return self._result(
            ActionStatus.ERROR,
            f"callback returned {type(returned).__name__}; "
            "expected ActionResult, bool, str, dict or None",
            error="bad return value",
        )
