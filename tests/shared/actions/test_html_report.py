"""`html_report`: the page written for a run, with trends from the results store, opened in
headless Chromium and read as a person would; user text stays text."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.sync_api import Page

from shared.actions import HtmlReport
from shared.async_base import AsyncExecutionContext
from shared.models import CheckpointStatus, Severity, ValidationIssue
from shared.store import open_store
from tests.support.browser import launch_page, screenshot
from tests.support.history import issue, run_at

pytestmark = pytest.mark.slow


async def write_report(tmp_path: Path, store_url: str | None) -> Path:
    current = run_at(
        3,
        status=CheckpointStatus.FAILURE,
        null_ratio=0.25,
        issues=[
            issue(),
            ValidationIssue(
                validator="regex",
                column="<email>",
                issue_type="pattern_mismatch",
                count=2,
                ratio=0.002,
                severity=Severity.CRITICAL,
                message="<script>alert('x')</script> does not match",
                sample=["not-an-email", "<b>bold</b>"],
            ),
        ],
    )
    action = HtmlReport(directory=str(tmp_path / "reports"))
    if store_url is None:
        outcome = await action.execute_async(current)
    else:
        async with open_store(store_url) as store:
            await store.record([run_at(i, null_ratio=i / 10) for i in range(3)])
            async with AsyncExecutionContext(history=store) as context:
                outcome = await action.execute_async(current, context=context)
    assert outcome.success, outcome.message
    path = Path(str(outcome.details["path"]))
    assert path == tmp_path / "reports" / "orders" / "2026-01-05" / "orders-3.html"
    return path


async def test_the_report_is_self_contained(tmp_path: Path) -> None:
    page = (await write_report(tmp_path, None)).read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "src=" not in page
    assert "no results store configured" in page


def test_chromium_shows_issues_samples_figures_and_trends(tmp_path: Path) -> None:
    # Written first: Playwright's sync API runs its own event loop on this thread.
    path = asyncio.run(write_report(tmp_path, f"sqlite:///{tmp_path / 'history.db'}"))
    with launch_page(tmp_path / "chromium-profile") as page:
        check_page(page, path, tmp_path)


def check_page(browser_page: Page, path: Path, tmp_path: Path) -> None:
    browser_page.goto(path.as_uri())
    assert browser_page.title() == "orders - failure"
    assert browser_page.text_content("#status") == "failure"
    assert browser_page.text_content("#run-id") == "orders-3"
    issues = browser_page.locator("#issues tr").all_inner_texts()
    assert len(issues) == 3  # header and two issues, the critical one first
    assert "critical" in issues[1] and "<script>alert('x')</script> does not match" in issues[1]
    assert "'<b>bold</b>'" in issues[1] and "<email>" in issues[1]
    assert "column 'email' has 3 null values" in issues[2]
    ratio = browser_page.locator("tr.figure", has_text="ratio").filter(has_text="null")
    cells = ratio.locator("td").all_inner_texts()
    assert cells[:4] == ["null", "email", "ratio", "0.25"] and cells[5] == "4"
    assert ratio.locator("svg.trend title").text_content() == "0, 0.1, 0.2, 0.25"
    assert browser_page.locator("svg.trend").count() == browser_page.locator("tr.figure").count()
    note = browser_page.text_content("#trend-note") or ""
    assert note.startswith("trends over the latest 30 runs from sqlite:///")
    assert browser_page.evaluate("document.scripts.length") == 0
    shot = screenshot(browser_page, tmp_path, "html-report")
    assert shot.stat().st_size > 10_000
