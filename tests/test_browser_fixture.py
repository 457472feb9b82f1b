"""The headless Chromium fixture renders a page served on loopback and keeps a screenshot."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support.browser import screenshot

PAGE = b"""<!doctype html><title>fixture</title><p id="static">served</p>
<script>document.body.insertAdjacentHTML("beforeend", '<p id="scripted">ran</p>')</script>"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_chromium_runs_the_page_script_and_keeps_a_screenshot(
    browser_page: Page, page_url: str, tmp_path: Path
) -> None:
    browser_page.goto(page_url)
    assert browser_page.text_content("#static") == "served"
    assert browser_page.text_content("#scripted") == "ran"
    shot = screenshot(browser_page, tmp_path, "fixture")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
