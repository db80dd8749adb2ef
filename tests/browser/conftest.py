"""Real-browser tests: Debian's Chromium driven by Playwright, pages audited by axe-core.

One Chromium and one browser profile serve the whole folder (its HTTP cache keeps
viewflow's scripts and fonts); every test starts without cookies and logs in — by the
form, or by a session cookie where logging in is not what it tests. The pages come
from pytest-django's `live_server` (a real HTTP server in a thread over the
transactional test database), so `transaction.on_commit` work such as rendering a
concluded agreement's PDF really runs.

Without `/usr/bin/chromium` the tests are skipped on a developer's machine and fail
under CI (`CI` set): CI must not pass by not running them.

The axe results of every audited page are printed in the terminal summary, so they are
part of the CI log.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright

from .axe import AUDITED

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS_DIR = Path(
    os.environ.get(
        "TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts"
    )
)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not AUDITED:
        return
    engine = AUDITED[0].engine
    terminalreporter.section(f"accessibility audit (axe-core {engine})")
    for summary in AUDITED:
        terminalreporter.write_line(summary.line())
        for detail in summary.details:
            terminalreporter.write_line(f"    {detail}")


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for every browser test."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    # Playwright's sync API runs an asyncio loop in this thread; Django refuses ORM
    # calls while a loop runs unless told that this synchronous use is safe. Only for
    # this package: the variable is put back when its last test is done.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                # CI runs as root, where Chromium's sandbox refuses to start; the pages
                # are our own. Small containers have a small /dev/shm.
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser_context(browser, live_server):
    """One browser profile for the package, so that its HTTP cache keeps viewflow's
    scripts, styles and fonts between tests; each test starts without cookies."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="nl-NL",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def open_context(browser_context, live_server):
    """`open_context(user=None)` → a new tab, logged in as `user` by a session cookie
    (for tests where logging in is not what is tested) or logged out. The tabs share
    the cookies: one person at a time, as on one computer."""
    browser_context.clear_cookies()
    pages = []

    def open_page(user=None):
        browser_context.clear_cookies()
        if user is not None:
            client = Client()
            client.force_login(user)
            browser_context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
        page = browser_context.new_page()
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()
    browser_context.clear_cookies()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
