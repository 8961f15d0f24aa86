"""Headless Chromium, driven by Playwright's Python package, for what needs a real browser:
printing notices and reports to PDF (Chromium's own print-to-PDF), and the tests that render
them. The browser is Debian's `chromium` (or the one `ADJUDICATOR_CHROMIUM` names); Playwright
never downloads one. Started with the flags a closed network needs."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from engine.errors import EngineError

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class BrowserUnavailable(EngineError):
    """No browser to print with; the message says what to install."""


def chromium_path() -> str | None:
    configured = os.environ.get("ADJUDICATOR_CHROMIUM")
    for candidate in ([configured] if configured else []) + ["/usr/bin/chromium", "/usr/bin/chromium-browser"]:
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def why_unavailable() -> str | None:
    """None when a browser can be driven here, else what is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install playwright; no browser download is needed)"
    if chromium_path() is None:
        return "no Chromium found: install Debian's chromium (apt-get install chromium) or set ADJUDICATOR_CHROMIUM"
    return None


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright's Browser), closed on exit."""
    reason = why_unavailable()
    if reason:
        raise BrowserUnavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def pdf_pages(documents: list[str], landscape: bool = False) -> list[bytes]:
    """Each HTML document printed to PDF (A4, backgrounds kept), in one browser session."""
    results = []
    with chromium() as browser:
        page = browser.new_page()
        for html in documents:
            page.set_content(html, wait_until="load")
            results.append(page.pdf(format="A4", landscape=landscape, print_background=True, prefer_css_page_size=True))
    return results
