"""The columns in a real browser: district column → domain table → item → publication, on a
360 px phone and a 1280 px desktop, plus the table as printed (A4 landscape).

Screenshots land in tests/browser/screenshots/columns-*.png for people to look at.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from catalog.models import Domain
from catalog.review import catalog_publish_as_loaded
from catalog.services import entry_create
from districts.banners import division_banner_set
from districts.models import Role
from publications import services
from tests.browser.conftest import shot
from tests.factories import FirstLevelItemFactory, SecondLevelItemFactory
from tests.portal.test_banner import png
from tests.publications.test_xss import PDF

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LEVELS = [
    {"level": "区级", "channels": ["政府网站", "政务服务中心"]},
    {"level": "镇(街)级", "channels": ["社区/企事业单位/村公示栏(电子屏)"]},
]


@pytest.fixture
def column(office, tmp_path):
    """Return 芙蓉区 with a banner, a 社会救助 catalog of 4 lines and one publication."""
    with override_settings(MEDIA_ROOT=tmp_path):
        district = office.divisions["430102"]
        domain = Domain.objects.get(name="社会救助")
        first = FirstLevelItemFactory(domain=domain, name="特困人员救助供养", display_order=5)
        ids = []
        for n, name in enumerate(["特困人员认定条件", "救助供养标准", "审批结果"]):
            item = SecondLevelItemFactory(first_level=first, name=name, display_order=n)
            ids.append(
                entry_create(
                    division=district,
                    item=item,
                    values={
                        "content": "1.认定条件\n2.办理程序\n3.救助供养标准",
                        "basis": "《社会救助暂行办法》《特困人员认定办法》",
                        "time_limit": "信息形成（变更）之日起20个工作日内",
                        "subject": "区民政局、各街道办事处",
                        "audience": [True, n == 2],
                        "mode": [True, n == 1],
                        "levels": LEVELS,
                    },
                    user=None,
                ).pk
            )
        catalog_publish_as_loaded(entry_ids=ids)
        division_banner_set(
            division=district,
            banner=SimpleUploadedFile("banner.png", png(1200, 240, (30, 64, 120))),
            alt="芙蓉区政务公开专栏横幅",
        )
        editor = office.user(Role.EDITOR, "district")
        item = services.publication_create(
            entry=office.entries["district"],
            data={
                "title": "芙蓉区2026年11月城乡低保资金发放情况公示",
                "doc_no": "芙民发〔2026〕12号",
                "responsible_body": "芙蓉区民政局",
                "body": "<p>现将2026年11月城乡居民最低生活保障资金发放情况公示如下。</p>",
                "formed_on": "2026-11-02",
            },
            user=editor,
            uploads=[SimpleUploadedFile("低保名单.pdf", PDF, content_type="application/pdf")],
        )
        services.publication_submit(publication=item, user=editor)
        services.publication_approve(publication=item, user=office.reviewer_for("district"))
        yield district


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_district_to_domain_to_item_to_publication(live_server, column, public_page, phone):
    size = "360" if phone else "1280"
    page = public_page(phone=phone)
    page.goto(f"{live_server.url}{column.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "芙蓉区"
    banner = page.locator("img.column-banner")
    assert banner.get_attribute("alt") == "芙蓉区政务公开专栏横幅"
    assert page.evaluate("document.querySelector('img.column-banner').naturalWidth") == 1200
    if phone:
        no_sideways_scroll(page)
    shot(page, f"columns-1-district-{size}")

    page.get_by_role("link", name="社会救助 4项").click()
    page.wait_for_url("**/d/furong/shehuijiuzhu/")
    table = page.locator("table.catalog-table")
    assert table.locator("tbody").count() == 2  # two first-level items
    assert table.locator('th[scope="row"]').count() == 4
    if phone:
        no_sideways_scroll(page)
        # Cards: each line fills the phone's width instead of a squeezed table column.
        box = page.locator('td[data-label="公开时限"]').first.bounding_box()
        assert box["width"] > 280, box
        assert page.locator("td.card-only").first.is_visible()
    else:
        no_sideways_scroll(page)  # the table fits the desktop text column
        assert not page.locator("td.card-only").first.is_visible()
        assert page.locator('th[scope="rowgroup"][rowspan="3"]').is_visible()
    shot(page, f"columns-2-domain-{size}")

    page.get_by_role("link", name="低保资金发放").click()
    page.wait_for_url("**/entry/*/")
    assert page.locator("h1").inner_text() == "低保资金发放"
    crumbs = page.locator("nav.breadcrumbs a")
    assert crumbs.all_inner_texts() == ["首页", "长沙市", "芙蓉区", "社会救助"]
    if phone:
        no_sideways_scroll(page)
    shot(page, f"columns-3-item-{size}")

    page.get_by_role("link", name="芙蓉区2026年11月城乡低保资金发放情况公示").click()
    page.wait_for_url("**/p/*/")
    assert page.locator("nav.breadcrumbs a").all_inner_texts() == [
        "首页",
        "长沙市",
        "芙蓉区",
        "社会救助",
        "低保资金发放",
    ]
    assert page.get_by_text("芙民发〔2026〕12号").is_visible()
    assert page.get_by_role("link", name="低保名单.pdf").is_visible()
    if phone:
        no_sideways_scroll(page)
    shot(page, f"columns-4-publication-{size}")


def test_the_domain_table_prints_on_a4_landscape(live_server, column, public_page, tmp_path):
    page = public_page(phone=False)
    page.goto(f"{live_server.url}/d/furong/shehuijiuzhu/")
    page.emulate_media(media="print")
    assert not page.locator("nav.breadcrumbs").is_visible()
    assert page.locator('th[scope="rowgroup"][rowspan="3"]').is_visible()
    shot(page, "columns-5-domain-print")
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    # A4 landscape is 842 x 595 pt.
    assert b"/MediaBox [0 0 841.91998 594.95996]" in pdf or b"842" in pdf
