"""The `checkfleet` command: its commands, the demo, and how results are shown to people.

It may use `producer.client` and `producer.scheduler`; neither imports it.
"""

from __future__ import annotations

from producer.cli.app import app, main

__all__ = ["app", "main"]
