"""The help centre in a real browser: readable on a phone (nothing wider than the screen), and
an element's 填报说明 link on the entry form opens the help at that element."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import CatalogEntry
from districts.models import Division, Role
from tests.browser.conftest import SHOTS
from tests.factories import SecondLevelItemFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def screen(page, name: str) -> None:
    """Save what the screen shows (not the whole long page) under tests/browser/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_help_centre_on_a_phone(reference_data, make_member, login_as, live_server):
    city = reference_data
    furong = Division.objects.get(code="430102")
    wenyilu = Division.objects.get(code="430102001")
    item = SecondLevelItemFactory()
    services.entry_create(
        division=city,
        item=item,
        values={"content": "办理事项、办理条件、申请材料", "time_limit": "20个工作日内"},
        user=None,
    )
    services.catalog_derive(division=furong, user=None, refresh_ties=False)
    services.catalog_derive(division=wenyilu, user=None, refresh_ties=False)
    entry = CatalogEntry.objects.get(division=wenyilu, item=item)
    clerk = make_member(wenyilu, Role.EDITOR)

    page = login_as(clerk, phone=True)
    for url_name, name in (("help_index", "index"), ("help_faq", "faq")):
        page.goto(live_server.url + reverse(f"admin:{url_name}"))
        assert page.locator("h1").inner_text().startswith("帮助中心")
        assert fits_the_screen(page), f"{name} is wider than a phone"
        screen(page, f"help-{name}-phone")

    # The entry form: a 填报说明 link beside 公开时限 leads to its help.
    page.goto(live_server.url + reverse("admin:catalog_catalogentry_change", args=[entry.pk]))
    link = page.locator(".field-time_limit .element-help a")
    link.scroll_into_view_if_needed()
    assert link.inner_text().startswith("填报说明")
    screen(page, "help-entry-form-link-phone")
    page.goto(live_server.url + link.get_attribute("href"))
    section = page.locator("#element-time_limit")
    assert section.locator("h2").inner_text() == "公开时限"
    top = section.bounding_box()["y"]
    assert -2 <= top <= 60, f"the section starts at {top}px, not at the top of the screen"
    assert fits_the_screen(page)
    screen(page, "help-time-limit-phone")
    section.locator(".help-example-bad").scroll_into_view_if_needed()
    screen(page, "help-time-limit-examples-phone")

    # On a desk: the workbook limits as a table.
    page = login_as(clerk)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("admin:help_workbooks") + "#limits")
    assert page.locator("#limits .help-table tr").count() >= 5
    screen(page, "help-workbooks-desktop")
