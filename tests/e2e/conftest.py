"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

Never a downloaded browser: /usr/bin/chromium comes from the Debian package (scripts/ensure-chromium
installs it); without it every journey is skipped with the reason shown in the summary.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the journeys make to set up
# data are still plain synchronous calls, so Django's async-safety guard must not refuse them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-battery"
SKIP_REASON = (
    "browser journeys need Debian's Chromium at /usr/bin/chromium "
    "(run scripts/ensure-chromium as root to install it)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


# One browser per journey module: its event loop must not outlive the browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def plain_http_site() -> Iterator[None]:
    """The live server speaks plain HTTP: no HTTPS redirect or Secure-only cookies.

    Session-scoped and requested before `live_server`, because the server's middleware reads these
    settings once, when the server thread starts.
    """
    from django.test import override_settings

    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
    ):
        _one_request_at_a_time_on_in_memory_sqlite()
        yield


def _one_request_at_a_time_on_in_memory_sqlite() -> None:
    """On SQLite's in-memory test database the live server's threads share the test's one
    connection, so two requests at once (an answer saved as the learner leaves a field, racing the
    submit) would use it concurrently and fail with "database table is locked". Production has a
    database file whose writers queue (settings.py); here the server takes one request at a time.
    PostgreSQL needs nothing: each thread has its own connection."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    # Decided before the test database exists (this runs before live_server): SQLite's test
    # database is in memory unless settings name a file.
    if connection.vendor != "sqlite" or connection.settings_dict["TEST"].get("NAME"):
        return

    class OneRequestAtATime(ThreadedWSGIServer):
        lock = threading.Lock()

        def set_app(self, application):
            def serial(environ, start_response):
                with self.lock:
                    return application(environ, start_response)

            super().set_app(serial)

    LiveServerThread.server_class = OneRequestAtATime


# Every document reports what the Content-Security-Policy refused (Playwright's init scripts are
# not subject to the page's policy).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"} on ` +
    `${location.pathname} (${event.sourceFile || "the page"}:${event.lineNumber})`
  );
});
"""


def _csp_console_message(message) -> bool:
    return "Content Security Policy" in message.text


@pytest.fixture
def page(plain_http_site, browser, live_server) -> Iterator:
    """A browser tab on the live server; the journey fails on a JavaScript error or on anything
    the Content-Security-Policy refused (console messages and securitypolicyviolation events)."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    violations: list[str] = []
    console: list[str] = []
    context.expose_function("reportCspViolation", lambda report: violations.append(report))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            console.append(message.text[:300]) if _csp_console_message(message) else None
        ),
    )
    yield page
    if not page.is_closed():
        page.evaluate("0")  # deliver any report still on its way
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert violations == console == [], (
        f"Content-Security-Policy violations: {sorted(set(violations))}; console: {console}"
    )


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form (django-axes watches it), as a learner would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"log-in as {username} failed"


def reveal_by_keyboard(page) -> None:
    """Turn the card on the review screen to its answer side as a keyboard user: Space shows a
    basic card, 1 and Enter check a choice card, typing and Enter check a cloze card (its answer
    box has focus)."""
    screen = page.locator("#review-screen")
    if screen.get_by_role("button", name=re.compile("Show answer")).count():
        page.keyboard.press("Space")
    elif screen.locator("input[name=choice]").count():
        page.keyboard.press("1")
        page.keyboard.press("Enter")
    else:
        page.keyboard.type("bone")
        page.keyboard.press("Enter")


def screenshot(page, journey: str, step: str) -> None:
    """Save the screen at desktop and phone size; at phone size nothing may scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{journey}-{step}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        page.screenshot(path=SCREENSHOTS / f"{journey}-{step}-phone.png", full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)
    assert overflow <= 1, f"{journey}/{step}: the page scrolls {overflow}px sideways at 390px"
