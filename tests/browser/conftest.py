"""Real-browser fixtures: Debian's chromium driven by Playwright against the live server."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_service
from tests.publications.conftest import calendar, office  # noqa: F401 (fixtures)

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(settings.BASE_DIR) / "tests" / "browser" / "screenshots"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are ordinary synchronous calls, so Django's async guard does not
    # apply. Only for the browser tests: the deployment check refuses this variable.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        require_service(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("the playwright package")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def login_as(browser, live_server, client):
    """Return a function that opens a page logged in as ``user`` (phone-sized if asked)."""
    contexts = []

    def open_page(user, *, phone: bool = False):
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        options = {"locale": "zh-CN"}
        if phone:
            options.update(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        context = browser.new_context(**options)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def public_page(browser):
    """Return a function that opens an anonymous page: a 360 px phone (``phone=True``), a
    1280 px desktop (``phone=False``), or the context options given. JavaScript dialogs are
    dismissed and kept in ``page.dialogs``, so a test can assert that none opened."""
    contexts = []

    def open_page(*, phone: bool | None = None, **options):
        if phone is not None:
            options = {**(PHONE if phone else DESKTOP), **options}
        context = browser.new_context(locale="zh-CN", **(options or PHONE))
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        return page

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/browser/screenshots/ and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
