"""CSP: every page type loaded in Chromium with no violation.

Chromium enforces the portal's Content-Security-Policy while it loads one page of every type:
the public pages (home with its map, columns, the domain table, entry, publication, guide and
search pages, the 404 page) and the admin (the login page, a sign-in failing until the lockout
page, then every list, add, change, history and delete page of every registered ModelAdmin a
superuser and a city administrator may open, and the custom pages: tree, derive, exports,
working list, guide ties, sync runs, 登录锁定). A ``securitypolicyviolation`` listener injected
before any page script, and the console's "Content Security Policy" messages, collect every
refusal; so do script errors. The map's hover and focus, the 大字版 switch and unlocking an
account are worked, not just loaded. Feeds are XML and are left out; so are the catalog import
pages, which are being rewritten.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from districts.models import Role
from tests.factories import UserFactory
from tests.portal.csp_pages import admin_pages, build_site

from .conftest import DESKTOP, shot

pytestmark = pytest.mark.django_db(transaction=True)

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} refused ${e.blockedURI || "(inline)"} in ${e.sourceFile || "?"}` +
    `:${e.lineNumber} ${e.sample || ""}`.trim()
  );
});
"""


class Watch:
    """Open pages in one browser context and collect what the policy refused on each."""

    def __init__(self, browser, live_server, cookie: str | None = None):
        self.base = live_server.url
        self.context = browser.new_context(locale="zh-CN", **DESKTOP)
        if cookie:
            self.context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.base}]
            )
        self.context.add_init_script(LISTENER)
        self.page = self.context.new_page()
        self.problems: dict[str, list[str]] = {}
        self.opened = 0
        self.current = ""
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._add(f"script error: {error}"))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self._add(f"console: {message.text}")

    def _add(self, problem: str) -> None:
        self.problems.setdefault(self.current, []).append(problem)

    def collect(self) -> None:
        """Record the violations the current document reported so far."""
        self.page.wait_for_timeout(50)  # violation events are queued as tasks
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self._add(violation)
        self.page.evaluate("window.__cspViolations = []")

    def open(self, name: str, url: str, status: int = 200):
        self.current = f"{name} ({url})"
        response = self.page.goto(self.base + url, wait_until="load")
        self.opened += 1
        if response.status != status:
            self._add(f"answered {response.status}, expected {status}")
        self.collect()
        return self.page

    def close(self) -> None:
        self.context.close()


def session_cookie(client, user) -> str:
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in problems.items())


def test_every_page_type_without_a_policy_violation(browser, live_server, office, client):
    started = time.monotonic()
    site = build_site(office)
    problems: dict[str, list[str]] = {}
    counts: dict[str, int] = {}

    # -- The public site, anonymous ------------------------------------------------------------
    public = Watch(browser, live_server)
    # First a control: markup the policy refuses is seen and reported by the watch.
    page = public.open("control", "/")
    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend",
        '<p style="color: red">x</p><img src="https://example.invalid/x.png" alt="">')"""
    )
    public.collect()
    control = public.problems.pop(public.current)
    assert any(v.startswith("style-src-attr refused inline") for v in control), control
    assert any(v.startswith("img-src refused https://example.invalid/x.png") for v in control)
    for name, url in site.public.items():
        public.open(name, url, status=404 if name == "404" else 200)
    page = public.open("home", "/")
    # The map: hovering a district outlines it and shows its tip where its label is.
    page.mouse.move(0, 0)
    page.locator("#shape-430102").hover()
    tip = page.locator("#tip-430102")
    assert tip.is_visible() and "芙蓉区" in tip.inner_text()
    ring = "getComputedStyle(document.querySelector('#ring-430102')).visibility"
    assert page.evaluate(ring) == "visible"
    shape_box = page.locator("#shape-430102").bounding_box()
    tip_box = tip.bounding_box()
    # The tip stands just above the district's label point, inside the district's bounds.
    centre = tip_box["x"] + tip_box["width"] / 2
    assert shape_box["x"] <= centre <= shape_box["x"] + shape_box["width"]
    assert tip_box["y"] + tip_box["height"] <= shape_box["y"] + shape_box["height"]
    page.locator(".citymap").screenshot(path=str(shot_path("csp-home-map-hover")))
    # Keyboard focus does the same for the next district.
    page.mouse.move(0, 0)
    page.locator("#map-430103").focus()
    assert page.locator("#tip-430103").is_visible()
    assert not tip.is_visible()
    public.collect()
    # 大字版: the switch works in place, and the server keeps the mode on the next page.
    toggle = page.locator("[data-a11y-toggle]").first
    assert "大字版" in toggle.inner_text()
    toggle.click()
    assert "mode-large" in page.evaluate("document.documentElement.className")
    assert "标准版" in toggle.inner_text()
    public.collect()
    page = public.open("home, 大字版", "/")
    assert "mode-large" in page.evaluate("document.documentElement.className")
    page.screenshot(path=str(shot_path("csp-home-large")))
    page.locator("[data-a11y-toggle]").first.click()
    assert "mode-standard" in page.evaluate("document.documentElement.className")
    public.collect()

    # -- Signing in: the login page, failures, the lockout page ---------------------------------
    UserFactory(username="clerk")
    page = public.open("login", "/admin/login/")
    for attempt in range(1, 6):
        page.fill("#id_username", "clerk")
        page.fill("#id_password", "wrong-password")
        with page.expect_navigation() as navigation:
            page.click("input[type=submit]")
        public.current = f"sign-in failure {attempt}"
        public.collect()
        if attempt < 5:
            assert f"再输错 {5 - attempt} 次，该账号将被锁定 30 分钟" in page.inner_text(
                ".errornote"
            )
    assert navigation.value.status == 429
    assert "登录已被暂时锁定" in page.inner_text("h1")
    shot(page, "csp-lockout-page")
    counts["public and sign-in"] = public.opened + 5
    problems.update(public.problems)
    public.close()

    # -- The admin: a superuser signs in through the form, then every page -----------------------
    root = UserFactory(username="root", is_superuser=True)
    watch = Watch(browser, live_server)
    page = watch.open("login", "/admin/login/?next=/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pw-12345")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url.endswith("/admin/")
    watch.collect()
    for name, url in admin_pages(root).items():
        watch.open(f"superuser: {name}", url)
    page = watch.open("superuser: division list", "/admin/districts/division/")
    page.screenshot(path=str(shot_path("csp-admin-division-tree")))  # the top: indented names
    page = watch.open("superuser: export", "/admin/catalog/catalogentry/export/")
    # The export page's "select all" box, wired up without an onchange attribute.
    boxes = page.locator('.selectable-field-export-row input[type="checkbox"]')
    assert boxes.count() > 3
    page.uncheck("#select-all-toggle")
    assert all(not boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.check("#select-all-toggle")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    watch.collect()
    counts["superuser"] = watch.opened
    problems.update(watch.problems)
    watch.close()

    # -- A city administrator: their pages, and lifting the lock set above ----------------------
    city_admin = office.user(Role.ADMINISTRATOR, "city")
    watch = Watch(browser, live_server, cookie=session_cookie(client, city_admin))
    for name, url in admin_pages(city_admin).items():
        watch.open(f"city administrator: {name}", url)
    page = watch.open("city administrator: 登录锁定", "/admin/portal/loginlockout/")
    assert "clerk" in page.inner_text("#content-main")
    shot(page, "csp-admin-lockouts")
    with page.expect_navigation():
        page.click("button[aria-label='解除账号 clerk 的锁定']")
    assert "已解除账号“clerk”的登录锁定" in page.inner_text(".messagelist")
    watch.collect()
    counts["city administrator"] = watch.opened
    problems.update(watch.problems)
    watch.close()

    elapsed = time.monotonic() - started
    print(f"\nCSP in Chromium: {counts} pages in {elapsed:.1f} s")
    assert not problems, "Content-Security-Policy violations:\n" + report(problems)


def shot_path(name: str):
    from .conftest import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"
