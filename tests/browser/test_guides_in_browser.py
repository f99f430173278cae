"""Guides in a real browser: a citizen on a phone opens a service item's catalog entry, taps
我要看, reads the guide synced from the (simulated) provincial platform, and taps 我要办, which
opens the platform's own page.

Screenshots land in tests/browser/screenshots/ for people to look at.
"""

from __future__ import annotations

import pytest

from catalog.guide_links import links_refresh
from catalog.models import CatalogEntry, GuideLink
from catalog.review import catalog_publish_as_loaded
from catalog.services import entry_create
from guides.models import KEY_ELEMENTS, Guide, SyncRun
from guides.sync import sync_full
from provincial_simulator.server import SimulatorServer
from tests.browser.conftest import shot
from tests.factories import SecondLevelItemFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LABELS = [label for label, _fields in KEY_ELEMENTS]


@pytest.fixture
def simulator():
    with SimulatorServer(port=0, size=40) as sim:
        yield sim


def tied_entry(guide: Guide) -> CatalogEntry:
    """Return a published service entry of the guide's division, tied to it by its code."""
    entry = entry_create(
        division=guide.division,
        item=SecondLevelItemFactory(name=f"{guide.name}信息公开"),
        values={
            "item_type": CatalogEntry.ItemType.SERVICE,
            "service_name": f"{guide.name}（{guide.task_code}）",
            "content": "办事指南、办理结果",
            "time_limit": "信息形成之日起20个工作日内",
            "subject": guide.org_name or guide.division.name,
        },
        user=None,
    )
    catalog_publish_as_loaded(entry_ids=[entry.pk])
    links_refresh()
    link = GuideLink.objects.get(entry=entry)
    assert (link.guide_id, link.method) == (guide.pk, GuideLink.Method.CODE)
    return entry


def test_entry_to_guide_to_the_platform(
    reference_data, simulator, public_page, live_server, settings
):
    settings.PROVINCIAL_PUBLIC_URL = simulator.base_url
    run = sync_full(trigger=SyncRun.Trigger.COMMAND, base_url=simulator.base_url)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    # A district's guide that can be handled online and has a list of materials.
    guide = next(
        g
        for g in Guide.objects.active()
        .filter(division__isnull=False)
        .exclude(area_code="430100")
        .exclude(online_handle_url="")
        .order_by("unify_id")
        if len(g.materials) >= 2
    )
    assert guide.online_handle_url.startswith(simulator.base_url)
    entry = tied_entry(guide)

    # On a phone: the entry's page offers 我要看 and 我要办.
    page = public_page(phone=True)
    page.goto(f"{live_server.url}{entry.get_absolute_url()}")
    assert page.locator(".service-guide a.button-apply").get_attribute("href") == (
        guide.online_handle_url
    )
    shot(page, "21-entry-guide-buttons-phone")
    page.click(".service-guide a.button-view")
    page.wait_for_url(f"**{guide.get_absolute_url()}")

    # The guide page: the name, the ten key elements in order, where it came from.
    assert page.locator("h1").inner_text() == guide.name
    headings = page.locator("main h2").all_inner_texts()
    assert [h for h in headings if h in LABELS] == LABELS
    assert "内容来自湖南省政务服务平台" in page.locator(".guide-source").inner_text()
    assert page.locator("table.materials tbody tr").count() == len(guide.materials)
    # Nothing sideways: the material table turns into cards on a 360-px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    apply = page.locator("a.button-apply").first
    assert apply.get_attribute("href") == guide.online_handle_url
    assert apply.get_attribute("rel") == "noopener noreferrer"
    assert "湖南省政务服务平台" in apply.inner_text() or "湖南省政务服务平台" in (
        apply.text_content()
    )
    shot(page, "22-guide-phone")

    # 我要办 opens the platform's page for the item, in the same tab (back returns here).
    apply.click()
    page.wait_for_url(f"{simulator.base_url}/**")
    assert guide.name in page.locator("h1").inner_text()
    assert "在线办理" in page.content()
    page.go_back()
    page.wait_for_url(f"**{guide.get_absolute_url()}")

    # On a desktop, the same guide; and every synced guide page renders without a live script
    # (the simulator's data carries <script>, onerror= and javascript: links).
    desktop = public_page(phone=False)
    desktop.goto(f"{live_server.url}{guide.get_absolute_url()}")
    assert [h for h in desktop.locator("main h2").all_inner_texts() if h in LABELS] == LABELS
    shot(desktop, "23-guide-desktop")
    for other in Guide.objects.order_by("unify_id"):
        response = desktop.goto(f"{live_server.url}{other.get_absolute_url()}")
        assert response.status == 200
    assert page.dialogs == [] and desktop.dialogs == []
