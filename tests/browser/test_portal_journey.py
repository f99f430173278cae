"""A citizen's way through the public portal in Chromium: the city map, a district's column, a
domain's catalog table, an item, its guide (我要看) and the platform (我要办); a Chinese search;
the large-text mode; and the same way on a 360 px phone.

Screenshots land in tests/browser/screenshots/ (journey-*.png) for people to look at.
"""

from __future__ import annotations

import pytest

from catalog.guide_links import links_refresh
from catalog.models import CatalogEntry, GuideLink
from catalog.review import catalog_publish_as_loaded
from catalog.services import entry_update
from guides.models import Guide
from guides.sync import sync_full
from provincial_simulator.server import SimulatorServer
from tests.browser.conftest import shot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TITLE = "芙蓉区最低生活保障资金发放情况公示（2026年10月）"


@pytest.fixture
def simulator():
    with SimulatorServer(port=0, size=100) as sim:
        yield sim


@pytest.fixture
def world(office, simulator, settings):
    """Publish a 芙蓉区 service entry tied to a synced guide, with one publication under it."""
    settings.PROVINCIAL_PUBLIC_URL = simulator.base_url
    sync_full(trigger="command", base_url=simulator.base_url)
    guide = Guide.objects.filter(area_code="430102", name="最低生活保障对象认定").get()
    entry = office.entries["district"]
    entry_update(
        entry=entry,
        changes={
            "item_type": CatalogEntry.ItemType.SERVICE,
            "service_name": guide.name,
        },
        user=None,
    )
    catalog_publish_as_loaded(entry_ids=[entry.pk])
    links_refresh()
    assert GuideLink.objects.get(entry=entry).guide == guide
    office.publication("district", "published", title=TITLE)
    return entry, guide


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone-360"])
def test_map_to_district_to_domain_to_item_to_guide_to_the_platform(
    public_page, live_server, world, simulator, phone
):
    entry, guide = world
    furong = entry.division
    domain = entry.item.first_level.domain
    page = public_page(phone=phone)
    tag = "phone" if phone else "desktop"

    page.goto(live_server.url + "/")
    assert no_sideways_scroll(page)
    shot(page, f"journey-{tag}-1-home")
    page.click(f"svg a[href='{furong.get_absolute_url()}']")
    page.wait_for_url(f"**{furong.get_absolute_url()}")
    assert furong.name in page.locator("h1").inner_text()
    assert no_sideways_scroll(page)
    shot(page, f"journey-{tag}-2-district")

    page.click(f"main a[href='/d/{furong.slug}/{domain.slug}/']")
    page.wait_for_url(f"**/d/{furong.slug}/{domain.slug}/")
    assert no_sideways_scroll(page)
    shot(page, f"journey-{tag}-3-domain")

    page.locator(f"main a[href='{entry.get_absolute_url()}']").first.click()
    page.wait_for_url(f"**{entry.get_absolute_url()}")
    assert TITLE in page.locator("main").inner_text()
    assert no_sideways_scroll(page)
    shot(page, f"journey-{tag}-4-item")

    page.click("main a:has-text('我要看')")
    page.wait_for_url(f"**{guide.get_absolute_url()}")
    assert guide.name in page.locator("h1").inner_text()
    apply = page.locator("main a:has-text('我要办')").first
    assert apply.get_attribute("href") == guide.apply_url
    assert guide.apply_url.startswith(simulator.base_url)
    assert no_sideways_scroll(page)
    shot(page, f"journey-{tag}-5-guide")
    apply.click()
    page.wait_for_url(f"{simulator.base_url}/**")
    assert guide.name in page.content()


def test_a_chinese_search_finds_and_highlights(public_page, live_server, world):
    page = public_page(phone=False)
    page.goto(live_server.url + "/")
    page.fill("#site-q", "最低生活保障资金")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/search/?*")
    results = page.locator("main")
    assert TITLE.split("（")[0][:6] in results.inner_text()
    marks = page.locator("main mark").all_inner_texts()
    assert any(text in ("最低", "生活", "保障", "资金", "最低生活保障") for text in marks), marks
    shot(page, "journey-search")


def test_the_large_text_mode_persists_across_pages(public_page, live_server, world):
    entry, _guide = world
    page = public_page(phone=True)
    page.goto(live_server.url + entry.division.get_absolute_url())
    page.click("a.mode-toggle")
    page.wait_for_function("document.documentElement.classList.contains('mode-large')")
    page.goto(live_server.url + entry.get_absolute_url())
    assert "mode-large" in page.evaluate("document.documentElement.className")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 20
    assert no_sideways_scroll(page)
    shot(page, "journey-large-text-item")
