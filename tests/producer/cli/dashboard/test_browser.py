"""The dashboard in headless Chromium against a real fleet: live results without a reload,
a run page with every issue, and screenshots kept under the test's tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.producer.cli.dashboard.conftest import Dashboard
from tests.support.browser import screenshot

pytestmark = pytest.mark.slow


def test_results_appear_live_and_a_run_page_shows_every_issue(
    dashboard: Dashboard, browser_page: Page, tmp_path: Path
) -> None:
    assert dashboard.checkfleet("enqueue", "orders", "--run-id", "b-1", "--wait")[0] == 0
    assert dashboard.checkfleet("enqueue", "orders_bad", "--run-id", "b-2", "--wait")[0] == 2

    page = browser_page
    page.goto(dashboard.url)
    grid = page.locator("#health")
    expect(grid.locator("tr[data-checkpoint='orders'] .badge")).to_have_text("success")
    expect(grid.locator("tr[data-checkpoint='orders_bad'] .badge")).to_have_text("failure")
    expect(page.locator("#live-workers")).to_have_text("1")
    expect(page.locator("#live-state")).to_have_text("live")
    page.evaluate("window.notReloaded = true")

    assert dashboard.checkfleet("enqueue", "orders_missing", "--run-id", "b-3", "--wait")[0] == 3
    fresh = page.locator("#live li[data-run='b-3']")
    expect(fresh).to_contain_text("orders_missing")
    expect(fresh.locator(".badge")).to_have_text("error")
    expect(fresh).to_contain_text("does-not-exist.csv")
    expect(grid.locator("tr[data-checkpoint='orders_missing'] .badge")).to_have_text("error")
    assert page.evaluate("window.notReloaded") is True  # it came live, not by a reload
    screenshot(page, tmp_path, "dashboard-live")

    page.locator("#live li[data-run='b-2'] a").click()
    expect(page.locator("h1")).to_have_text("run of orders_bad")
    issues = page.locator("#issues tbody tr")
    expect(issues).to_have_count(1)
    expect(issues.first).to_contain_text("amount")
    expect(issues.first).to_contain_text("high")  # 2 nulls in 4: high, as the reference judges it
    expect(page.locator("#summary")).to_contain_text("b-2")
    screenshot(page, tmp_path, "dashboard-run")
    assert (tmp_path / "screenshots" / "dashboard-run.png").stat().st_size > 1000
