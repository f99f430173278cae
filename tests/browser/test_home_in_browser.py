"""The home page's city map in Chromium: keyboard focus shows a district's name and counts, hover
does too, a click or Enter opens the district's column; at 360 px the map fits the width."""

from __future__ import annotations

import pytest

from .conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


def open_home(browser, live_server, *, width: int, height: int):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": height}, device_scale_factor=1
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    return context, page


def tab_to_map(page) -> str:
    """Press Tab until a district on the map has the focus; return its id."""
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.id")
        if focused and focused.startswith("map-"):
            return focused
    raise AssertionError("Tab never reached the map")


def test_map_by_keyboard_hover_and_click_at_desktop(browser, live_server, office):
    office.publication("district", "published", title="芙蓉区低保资金发放公示")
    office.publication("township", "published", title="文艺路街道低保名单")
    context, page = open_home(browser, live_server, width=1280, height=900)
    try:
        assert page.locator(".citymap svg a").count() == 9
        shot(page, "home-desktop")

        # Keyboard: the first district in the column order, with its tip and outline.
        assert tab_to_map(page) == "map-430102"
        tip = page.locator("#tip-430102")
        assert tip.is_visible()
        assert "芙蓉区" in tip.inner_text()
        assert "目录事项 2 项" in tip.inner_text() and "公开信息 2 条" in tip.inner_text()
        ring = page.locator("#ring-430102")
        visibility = "getComputedStyle(document.querySelector('#ring-430102')).visibility"
        assert page.evaluate(visibility) == "visible"
        assert ring.count() == 1
        page.locator(".citymap").screenshot(path=str(shot_path("home-map-focus")))

        # The next Tab moves to the next district; the first tip goes away.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "map-430103"
        assert page.locator("#tip-430103").is_visible()
        assert not tip.is_visible()

        # Hover shows the tip too.
        page.mouse.move(0, 0)
        page.locator("#shape-430182").hover()
        assert page.locator("#tip-430182").is_visible()
        assert "宁乡市" in page.locator("#tip-430182").inner_text()
        page.locator(".citymap").screenshot(path=str(shot_path("home-map-hover")))

        # Enter on the focused district opens its column.
        page.locator("#map-430103").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/d/tianxin/")
        assert "天心区" in page.locator("h1").inner_text()
    finally:
        context.close()


def test_map_fits_a_360px_phone_and_a_tap_opens_the_column(browser, live_server, office):
    office.publication("district", "published", title="芙蓉区低保资金发放公示")
    context, page = open_home(browser, live_server, width=360, height=780)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width
        box = page.locator(".citymap svg").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert box["width"] > 300
        # Two columns of domains on a phone.
        columns = page.evaluate(
            "getComputedStyle(document.querySelector('.domain-grid'))"
            ".gridTemplateColumns.split(' ').length"
        )
        assert columns == 2
        shot(page, "home-phone")
        page.locator("#map-430181").focus()
        assert page.locator("#tip-430181").is_visible()
        page.locator(".citymap").screenshot(path=str(shot_path("home-phone-map-focus")))
        page.locator("#shape-430181").click()
        page.wait_for_url("**/d/liuyang/")
        assert "浏阳市" in page.locator("h1").inner_text()
    finally:
        context.close()


def shot_path(name: str):
    from .conftest import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"
