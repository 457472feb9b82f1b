"""`StoreResult`: writes each checkpoint result as JSON, partitioned by checkpoint and date.

Layout: ``<directory>/<checkpoint>/<YYYY-MM-DD>/<run_id>.json`` (the run's UTC date). Writes
are atomic: the JSON goes to a temporary file in the target directory, then is renamed over
the final name, so a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, model_validator

from shared.actions.base import BuiltinAction
from shared.async_base.action_config import FIELD_ALIASES, ActionConfig
from shared.models import ActionResult, ActionStatus, CheckpointResult

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_path_part(text: str) -> str:
    """`text` usable as one path component: no separators, never ``.`` or ``..``."""
    cleaned = _UNSAFE.sub("_", text).strip(".") or "_"
    return cleaned[:200]


class StoreResultConfig(ActionConfig):
    """Where results go; `directory` may be a ``${VAR}`` template. The reference framework's
    names are accepted: ``store_path`` (`directory`), ``partition_by`` (``"date"``: by date,
    ``"none"``/``"checkpoint"``: by checkpoint only) and ``format`` (``"json"``, the only one)."""

    directory: str = Field(min_length=1, default="results")
    partition_by_date: bool = True
    indent: int | None = Field(default=2, ge=0, le=8)

    field_aliases: ClassVar[dict[str, str]] = {**FIELD_ALIASES, "store_path": "directory"}

    @model_validator(mode="before")
    @classmethod
    def _reference_names(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "format" in data:
            if str(data.pop("format")).lower() != "json":
                raise ValueError("format: results are stored as json, the only format")
        if "partition_by" in data:
            partition = data.pop("partition_by")
            if partition not in ("date", "none", "checkpoint", None):
                raise ValueError("partition_by: must be date, checkpoint or none")
            data["partition_by_date"] = partition == "date"
        return data


class StoreResult(BuiltinAction[StoreResultConfig]):
    """Store the result as JSON on the local (or mounted) file system."""

    action_type = "store_result"
    env_fields = ("directory",)
    #: The file name's ending (subclasses writing another format change it).
    suffix = ".json"
    reach_fields = (("directory", "directory"),)

    @classmethod
    def _default_config(cls) -> StoreResultConfig:
        return StoreResultConfig()

    def target_path(self, checkpoint_result: CheckpointResult) -> Path:
        """Where `checkpoint_result` is written."""
        folder = Path(self.setting("directory")) / safe_path_part(checkpoint_result.checkpoint_name)
        if self._config.partition_by_date:
            folder /= checkpoint_result.run_time.date().isoformat()
        return folder / f"{safe_path_part(checkpoint_result.run_id)}{self.suffix}"

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        path = self.target_path(checkpoint_result)
        text = json.dumps(checkpoint_result.to_dict(), indent=self._config.indent)
        await asyncio.to_thread(write_atomically, path, text)
        return self._result(ActionStatus.SUCCESS, f"stored at {path}", details={"path": str(path)})

    def validate_config(self) -> list[str]:
        return [] if self._config.directory.strip() else ["directory is empty"]


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
