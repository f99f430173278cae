"""The admin in the portal's colours, in Chromium: the rose header band with the site name,
the 演示数据 flag inside it and readable, the index's 待办 / 待审 cards, people by 姓名; on a
desktop and on a phone. Screenshots go to tests/browser/screenshots/.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from districts.models import Role

from .conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)

PORTAL_ROSE = "rgb(159, 18, 57)"  # --accent / --header-bg in static/portal/site.css


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@override_settings(DEMO_MODE=True)
def test_the_admin_header_and_index(login_as, live_server, office, phone):
    clerk = office.user(Role.ADMINISTRATOR, "district")
    clerk.last_name, clerk.first_name = "李", "卫东"
    clerk.save()
    office.publication("township", "submitted")
    office.publication("district", "draft")
    page = login_as(clerk, phone=phone)
    page.goto(live_server.url + reverse("admin:index"))

    header = page.locator("#header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == PORTAL_ROSE
    assert page.locator("#site-name a").evaluate("e => getComputedStyle(e).color") == (
        "rgb(255, 255, 255)"
    )
    # The demo flag stays visible, inside the header band, in the portal's notice colours.
    flag = page.locator("#header .demo-flag")
    assert flag.is_visible()
    outer, inner = box(page, "#header"), box(page, "#header .demo-flag")
    assert outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    assert flag.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(254, 243, 199)"
    # Greeted by name, with the place.
    assert "李卫东" in page.locator("#user-tools").inner_text()

    cards = page.locator(".pending-card")
    assert cards.count() == 2
    assert cards.nth(0).locator(".pending-total").inner_text() == "1"  # the district's draft
    assert cards.nth(1).locator(".pending-total").inner_text() == "1"  # the township's
    # Nothing overflows the phone's width.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1
    shot(page, f"admin-index-{'phone' if phone else 'desktop'}")

    page.goto(live_server.url + reverse("admin:publications_publication_changelist"))
    assert page.locator("#header").evaluate("e => getComputedStyle(e).backgroundColor") == (
        PORTAL_ROSE
    )
    shot(page, f"admin-publications-{'phone' if phone else 'desktop'}")
