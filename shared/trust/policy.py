"""`InlineSpecPolicy`: what an unsigned inline spec may make a worker do.

Checkpoints the operator defined (registered names) are trusted. An inline spec comes from
whoever can write to Redis, so before anything of it is built or run it is checked against:

========== ============================ ====================================================
rule       setting                      what it allows
========== ============================ ====================================================
inline     CHECKFLEET_INLINE_SPECS      ``deny`` refuses every unsigned inline spec
spec-vars  CHECKFLEET_SPEC_VARS         the variables ``${VAR}`` may expand
data-roots CHECKFLEET_DATA_ROOTS        the directories and URL prefixes data is read from
store-roots CHECKFLEET_STORE_ROOTS      the directories ``store_result`` writes under
hosts      CHECKFLEET_ACTION_HOSTS      the hosts webhook, Slack and email actions send to
plugins    CHECKFLEET_PLUGINS           the modules custom action functions come from
========== ============================ ====================================================

Its ``timeout_s`` is capped below the worker's job limit in every case (see
`shared.execution`). A spec breaking any rule is refused as a whole, with every broken rule
listed (`SpecRefusedError`): nothing of it runs. The same data-roots rule is enforced again at
read time (`read_guard`), so a validator reading a second file cannot step outside either, and
the hosts rule again at connect time (`connect_guard`, `shared.trust.pinning`), so a name that
resolves elsewhere after the check (DNS rebinding) is not connected to there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared.envvars import expand_env_tree
from shared.errors import CheckfleetError, ConfigError, SpecRefusedError
from shared.settings import Settings
from shared.sources import resolve_source
from shared.specs import ACTIONS, TYPE_FIELD
from shared.trust.hosts import HostAllowList, Lookup
from shared.trust.locations import Roots, directory_problem, location_problem

# A ${NAME} or ${NAME:-default} reference; `$${` is an escaped literal, and ``${trigger.KEY}``
# a value of the run context (judged where it is used: the read guard sees the filled path).
_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_.])")
#: Config keys of validators that name a second data location.
_LOCATION_KEYS = ("reference",)


@dataclass(frozen=True, slots=True)
class Refusal:
    """One broken rule: where in the spec, what, and the setting that would allow it."""

    rule: str
    setting: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail} (rule {self.rule}; allowed by {self.setting})"


class InlineSpecPolicy:
    """The policy of one worker, from its settings and its environment; `lookup` resolves
    host names, both when a spec is checked and when its actions connect (tests inject one)."""

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str] | None = None,
        *,
        lookup: Lookup | None = None,
    ) -> None:
        self.mode = settings.inline_specs
        self.data_roots = Roots(settings.data_roots)
        self.store_roots = Roots(settings.store_roots)
        self.hosts = HostAllowList(settings.action_hosts, lookup)
        self.plugins = frozenset(settings.plugins)
        env = os.environ if environ is None else environ
        #: Only the listed variables are visible to expansion in inline specs.
        self.spec_environ = {name: env[name] for name in settings.spec_vars if name in env}
        self.spec_vars = frozenset(settings.spec_vars)

    @property
    def trusts_everything(self) -> bool:
        return self.mode == "trusted"

    async def refusals(
        self, spec: Mapping[str, Any], context: Mapping[str, Any] | None = None
    ) -> list[Refusal]:
        """Every rule `spec` (run with `context`) breaks; empty when it may run."""
        if self.mode == "trusted":
            return []
        if self.mode == "deny":
            return [
                Refusal(
                    "inline",
                    "CHECKFLEET_INLINE_SPECS=policy, or a signed request",
                    "checkpoint",
                    "this worker runs no unsigned inline specs",
                )
            ]
        found = list(self._variable_refusals(spec))
        try:
            expanded = expand_env_tree(dict(spec), self.spec_environ)
        except ConfigError:
            expanded = spec  # a listed variable unset: the build reports it
        found.extend(self._source_refusals(expanded, context))
        found.extend(await self._action_refusals(expanded.get("actions")))
        return found

    async def check(
        self, spec: Mapping[str, Any], context: Mapping[str, Any] | None = None
    ) -> None:
        """`SpecRefusedError` listing every broken rule, unless `spec` may run."""
        found = await self.refusals(spec, context)
        if found:
            raise SpecRefusedError(found)

    def read_guard(self) -> Callable[[str], None]:
        """A check for each location read while an inline spec runs (`SourceGuard`)."""

        def guard(location: str) -> None:
            problem = location_problem(location, self.data_roots)
            if problem is not None:
                raise SpecRefusedError(
                    [Refusal("data-roots", "CHECKFLEET_DATA_ROOTS", "read", problem)]
                )

        return guard

    def connect_guard(self) -> HostAllowList | None:
        """The hosts rule for the connections an inline spec's actions make while it runs
        (`shared.trust.pinning.pin_hosts`); None when this policy trusts everything."""
        return None if self.mode == "trusted" else self.hosts

    def _variable_refusals(self, spec: Any) -> Iterator[Refusal]:
        for path, text in _strings(spec, ""):
            for match in _REFERENCE.finditer(text):
                name = match.group(1)
                if name is not None and name not in self.spec_vars:
                    yield Refusal(
                        "spec-vars",
                        "CHECKFLEET_SPEC_VARS",
                        path or "checkpoint",
                        f"${{{name}}} may not be expanded in an inline spec",
                    )

    def _source_refusals(
        self, spec: Mapping[str, Any], context: Mapping[str, Any] | None
    ) -> Iterator[Refusal]:
        sources = [("data_source", spec.get("data_source"))]
        for path, config in _validator_configs(spec):
            sources.extend((f"{path}.{key}", config.get(key)) for key in _LOCATION_KEYS)
        for path, source in sources:
            for location in _locations(source, context):
                problem = location_problem(location, self.data_roots)
                if problem is not None:
                    yield Refusal("data-roots", "CHECKFLEET_DATA_ROOTS", path, problem)

    async def _action_refusals(self, actions: Any) -> list[Refusal]:
        found: list[Refusal] = []
        for index, item in enumerate(actions if isinstance(actions, list) else []):
            spec = {TYPE_FIELD: item} if isinstance(item, str) else item
            if not isinstance(spec, Mapping) or spec.get(TYPE_FIELD) not in ACTIONS:
                continue  # the build refuses it as malformed before anything runs
            cls = ACTIONS.get(spec[TYPE_FIELD])
            # The built-in actions declare what they reach (`BuiltinAction.reach_fields`); a
            # type an operator's plugin registered without it is trusted like the plugin.
            reach = getattr(cls, "reach_fields", ())
            if not reach:
                continue
            defaults = cls._default_config()
            for field, kind in reach:
                value = spec.get(field, getattr(defaults, field, None))
                if not isinstance(value, str) or not value or "${" in value:
                    continue
                refusal = await self._reach_refusal(kind, value, f"actions[{index}].{field}")
                if refusal is not None:
                    found.append(refusal)
        return found

    async def _reach_refusal(self, kind: str, value: str, path: str) -> Refusal | None:
        if kind == "url":
            problem = await self.hosts.url_problem(value)
            return (
                None
                if problem is None
                else Refusal("hosts", "CHECKFLEET_ACTION_HOSTS", path, problem)
            )
        if kind == "host":
            problem = await self.hosts.host_problem(value)
            return (
                None
                if problem is None
                else Refusal("hosts", "CHECKFLEET_ACTION_HOSTS", path, problem)
            )
        if kind == "directory":
            problem = directory_problem(value, self.store_roots)
            return (
                None
                if problem is None
                else Refusal("store-roots", "CHECKFLEET_STORE_ROOTS", path, problem)
            )
        module = value.partition(":")[0]
        if module in self.plugins:
            return None
        return Refusal(
            "plugins",
            "CHECKFLEET_PLUGINS",
            path,
            f"module {module!r} of {value!r} is not a listed plugin",
        )


def _locations(source: Any, context: Mapping[str, Any] | None) -> tuple[str, ...]:
    """What a source reaches, resolved as the read will resolve it (`DataSource.locations`:
    absolute paths, URLs without credentials); nothing when it cannot be resolved now (the
    run reports that, and the read guard judges what the run resolves)."""
    if source is None or (isinstance(source, str) and not source.strip()):
        return ()
    try:
        return resolve_source(source, context=context).locations
    except (CheckfleetError, ValueError, TypeError):
        return ()


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, text) of every string in a spec, keys included, depth first."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield child, key
            yield from _strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _validator_configs(spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    entries = spec.get("validators")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, Mapping) and isinstance(entry.get("config"), Mapping):
            yield f"validators[{index}].config", entry["config"]
    shared_configs = spec.get("validator_config")
    if isinstance(shared_configs, Mapping):
        for name, config in shared_configs.items():
            if isinstance(config, Mapping):
                yield f"validator_config.{name}", config
