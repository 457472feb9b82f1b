"""The migrations that shipped never change (a store applies each version once)."""

from __future__ import annotations

import hashlib
import json

from shared.store.migrations import MIGRATIONS

#: sha256 of the statements of each shipped version: add a line when a migration ships.
SHIPPED = {1: "2691b17600f19f83"}


def digest(version: int) -> str:
    (migration,) = [m for m in MIGRATIONS if m.version == version]
    text = json.dumps([migration.sqlite, migration.postgresql])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_shipped_migrations_are_unchanged() -> None:
    assert {version: digest(version) for version in SHIPPED} == SHIPPED
