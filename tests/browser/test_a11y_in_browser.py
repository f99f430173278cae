"""The site shell in Chromium: the 适老化 (大字版) mode persists across pages and reloads, no
page scrolls sideways on a 360 px phone in either mode, the first Tab reaches a visible skip
link, and printing hides navigation and buttons.

Screenshots (standard and 大字版, 360 px) land in tests/browser/screenshots/.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, SHOTS, shot
from tests.portal.test_guide_pages import GuideFactory, service_entry

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(office):
    """Return the public pages reachable now, by name: one of each kind with real content."""
    publication = office.publication(
        "district",
        "published",
        title="关于2026年第四季度城乡低保资金发放情况的公示（芙蓉区民政局）",
        doc_no="芙民发〔2026〕12号",
    )
    guide = GuideFactory(division=office.divisions["430102"])
    entry = service_entry(office.divisions["430102"], guide)
    return {
        "home": "/",
        "city": office.divisions["430100"].get_absolute_url(),
        "district": office.divisions["430102"].get_absolute_url(),
        "township": office.divisions["430102001"].get_absolute_url(),
        "entry": entry.get_absolute_url(),
        "publication": publication.get_absolute_url(),
        "guide": guide.get_absolute_url(),
    }


def html_mode(page) -> str:
    return page.evaluate("document.documentElement.className")


def no_sideways_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_large_text_mode_persists_across_pages_and_reloads(public_page, live_server, pages):
    page = public_page()
    page.goto(live_server.url + pages["home"])
    assert html_mode(page) == "mode-standard"
    base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle = page.locator("a.mode-toggle")
    assert "大字版" in toggle.inner_text() and "标准版" not in toggle.inner_text()
    toggle.click()
    # With JavaScript the switch is instant: same page, new class, new label, cookie set.
    assert page.url == live_server.url + pages["home"]
    assert html_mode(page) == "mode-large"
    assert "标准版" in toggle.inner_text()
    large = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert large >= 20 and large > base
    assert float(page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")) >= (
        1.8 * large - 0.5
    )
    # The server renders it from the cookie on the next page and after a reload.
    page.goto(live_server.url + pages["district"])
    assert html_mode(page) == "mode-large"
    page.reload()
    assert html_mode(page) == "mode-large"
    assert page.evaluate(
        "getComputedStyle(document.querySelector('main a')).textDecorationLine"
    ) == ("underline")
    # Tap targets: every header control is at least 44 × 44 px.
    sizes = page.evaluate(
        """[...document.querySelectorAll(
             '.site-header a, .site-header button, .site-header input:not([type=hidden])')]
           .map(e => { const r = e.getBoundingClientRect();
                       return [e.textContent.trim() || e.name, r.width, r.height]; })"""
    )
    small = [s for s in sizes if s[1] < 44 or s[2] < 44]
    assert not small, small
    # And back, still in place.
    page.locator("a.mode-toggle").click()
    assert html_mode(page) == "mode-standard"
    page.reload()
    assert html_mode(page) == "mode-standard"


def test_toggle_works_without_javascript(browser, live_server, pages):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto(live_server.url + pages["district"])
        page.locator("a.mode-toggle").click()
        page.wait_for_load_state()
        assert page.url == live_server.url + pages["district"]
        assert html_mode(page) == "mode-large"
        page.goto(live_server.url + pages["home"])
        assert html_mode(page) == "mode-large"
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["standard", "large"])
def test_no_page_scrolls_sideways_at_360px(public_page, live_server, pages, mode):
    page = public_page()
    if mode == "large":
        page.context.add_cookies(
            [{"name": "portal_mode", "value": "large", "url": live_server.url}]
        )
    wide = {}
    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, (name, url)
        assert html_mode(page) == f"mode-{mode}"
        width, inner = no_sideways_scroll(page)
        if width > inner:
            culprits = page.evaluate(
                """[...document.querySelectorAll('body *')].filter(e => {
                     const r = e.getBoundingClientRect(); return r.right > innerWidth + 1;
                   }).slice(0, 5).map(e => e.tagName + '.' + e.className)"""
            )
            wide[name] = (width, inner, culprits)
        if name in ("home", "district", "entry", "guide"):
            shot(page, f"a11y-360-{mode}-{name}")
    assert not wide, wide


def test_first_tab_reaches_the_visible_skip_link(public_page, live_server, pages):
    page = public_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + pages["district"])
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """(() => { const e = document.activeElement, s = getComputedStyle(e),
                         r = e.getBoundingClientRect();
           return {cls: e.className, text: e.textContent.trim(), outline: s.outlineStyle,
                   width: parseFloat(s.outlineWidth), shadow: s.boxShadow, top: r.top, left: r.left,
                   h: r.height}; })()"""
    )
    assert focused["cls"] == "skip-link" and focused["text"] == "跳到正文"
    assert focused["outline"] != "none" and focused["width"] >= 2 or focused["shadow"] != "none"
    assert focused["top"] >= 0 and focused["left"] >= 0 and focused["h"] >= 44  # on screen
    shot(page, "a11y-skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # Every control after it shows a focus ring too.
    for _ in range(8):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """(() => { const s = getComputedStyle(document.activeElement);
               return [document.activeElement.tagName, s.outlineStyle, s.boxShadow]; })()"""
        )
        assert ring[1] != "none" or ring[2] != "none", ring


def test_header_controls_and_nav_in_tab_order(public_page, live_server, pages):
    page = public_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + pages["home"])
    order = []
    for _ in range(16):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate(
                "document.activeElement.textContent.trim() || document.activeElement.name"
            )
        )
    assert order[0] == "跳到正文"
    assert order.index("q") < order.index("搜索") < order.index("长沙市") < order.index("宁乡市")
    page.set_viewport_size({"width": 1280, "height": 700})
    page.screenshot(path=str(SHOTS / "a11y-1280-standard-home.png"))
    page.locator("a.mode-toggle").click()
    page.screenshot(path=str(SHOTS / "a11y-1280-large-home.png"))


def test_print_hides_navigation_and_controls(public_page, live_server, pages):
    # About the width of A4's printable area at 96 dpi, so the screenshots show the paper layout.
    page = public_page(viewport={"width": 680, "height": 960})
    for name in ("district", "entry", "guide"):
        page.goto(live_server.url + pages[name])
        page.emulate_media(media="print")
        hidden = page.evaluate(
            """['.column-nav', '.site-search', '.header-tools', '.footer-nav', '.skip-link',
                '.breadcrumbs', 'button', '.button']
               .flatMap(s => [...document.querySelectorAll(s)])
               .filter(e => getComputedStyle(e).display !== 'none')
               .map(e => e.className || e.tagName)"""
        )
        assert not hidden, (name, hidden)
        colours = page.evaluate(
            "[getComputedStyle(document.body).color,"
            " getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.querySelector('.site-header')).backgroundColor]"
        )
        assert colours[0] == "rgb(0, 0, 0)" and colours[2] in ("rgba(0, 0, 0, 0)", "transparent")
        if page.locator("main table thead").count():
            assert page.evaluate(
                "getComputedStyle(document.querySelector('main table thead')).display"
            ) == ("table-header-group")
        shot(page, f"a11y-print-{name}")
        page.pdf(path=str(SHOTS / f"a11y-print-{name}.pdf"), format="A4")
        page.emulate_media(media="screen")
