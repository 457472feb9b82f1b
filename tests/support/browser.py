"""Headless Chromium for tests, driven by Playwright, without any browser download.

The browser is Debian's `chromium` (``/usr/bin/chromium``; ``.ci/run`` installs it when
missing): Playwright's own browser builds are never fetched (no ``playwright install``). Each
test gets a fresh user-data directory under its tmp dir, so no profile, cache or cookie leaks
between tests, and Chromium's background traffic (updates, sync, safe browsing) is switched
off: the only addresses a test page reaches are the loopback servers the test started.

Use the ``browser_page`` fixture (register it with ``pytest_plugins`` or import it into a
conftest), or `launch_page` directly; `screenshot` keeps a PNG under the test's tmp dir (CI
keeps those as artifacts).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

#: Debian's Chromium; CHECKFLEET_TEST_CHROMIUM names another binary (not a setting of checkfleet).
CHROMIUM = os.environ.get("CHECKFLEET_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # tests run as root in CI, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Viewport of every test page: wide enough for the dashboard's grid, the same in every run.
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}

INSTALL_HINT = (
    f"headless Chromium was not found at {CHROMIUM}: install Debian's package with "
    "`apt-get update && apt-get install -y chromium` (.ci/run does it); never `playwright install`"
)


def chromium_path() -> str:
    """The Chromium binary, or a failed test with the install hint."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(INSTALL_HINT, pytrace=False)
    return CHROMIUM


@contextmanager
def launch_page(user_data_dir: Path) -> Iterator[Page]:
    """One Chromium with a fresh profile at `user_data_dir`, and its page; closed after."""
    from playwright.sync_api import sync_playwright

    user_data_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            context.close()


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """A full-page PNG named `name` under the test's tmp dir: kept as a CI artifact."""
    path = tmp_path / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Page]:
    """A page of a fresh headless Chromium (profile under the test's tmp dir)."""
    with launch_page(tmp_path / "chromium-profile") as page:
        yield page
