"""The 政府信息公开 column, the footer identity and a policy beside its 解读, in Chromium at 1280
and 360 px and in 大字版: every entrance reachable by clicking, nothing runs off the page, the
header and breadcrumbs agree. Screenshots land in tests/browser/screenshots/xxgk-*.png.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from disclosure.services import guide_version_create
from districts.models import Role
from publications import services
from publications.models import PublicationType
from tests.browser.conftest import shot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

IDENTITY = {
    "SITE_SPONSOR": "长沙市人民政府办公厅",
    "SITE_OPERATOR": "长沙市数据资源管理局",
    "SITE_ADDRESS": "长沙市岳麓区示例路1号",
    "SITE_POSTCODE": "410000",
    "SITE_PHONE": "0731-88888888",
    "SITE_ID_CODE": "4301000001",
    "SITE_ICP": "湘ICP备00000001号",
    "SITE_PSB": "湘公网安备43010202000001号",
    "SITE_GOV_MARK_URL": "https://example.gov.cn/mark",
}
SIZES = [(False, False), (True, False), (True, True), (False, True)]
IDS = ["1280", "360", "360-large", "1280-large"]


def fits(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (page.url, width, inner)


def large_mode(page) -> None:
    page.locator("a.mode-toggle").click()
    assert page.evaluate("document.documentElement.className") == "mode-large"


@pytest.fixture
def column(office):
    """Give 芙蓉区 a 指南 (two versions) and a published 制度; return the district."""
    district = office.divisions["430102"]
    admin = office.user(Role.ADMINISTRATOR, "district")
    data = {
        "office_name": "芙蓉区人民政府办公室（区政务公开办）",
        "address": "长沙市芙蓉区示例路2号",
        "postcode": "410011",
        "hours": "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）",
        "phone": "0731-84000000",
        "fax": "0731-84000001",
        "email": "gk@example.gov.cn",
        "change_note": "首次发布",
    }
    guide_version_create(division=district, data=data, user=admin)
    guide_version_create(
        division=district,
        data={**data, "phone": "0731-84000009", "change_note": "更新办公电话"},
        user=admin,
    )
    office.publication(
        "district",
        "published",
        title="芙蓉区政府信息公开工作制度（2026年修订）",
        pub_type=PublicationType.objects.get(slug="zhidu").pk,
    )
    return district


@pytest.mark.parametrize(("phone", "large"), SIZES, ids=IDS)
def test_the_column_and_its_entrances_by_clicking(live_server, column, public_page, phone, large):
    with override_settings(**IDENTITY):
        page = public_page(phone=phone)
        page.goto(f"{live_server.url}{column.get_absolute_url()}")
        if large:
            large_mode(page)
        page.locator(".xxgk-entry h2 a").click()
        page.wait_for_url("**/xxgk/")
        assert page.locator("h1").inner_text() == "芙蓉区政府信息公开"
        assert page.locator(".xxgk-grid li").count() == 5
        assert "芙蓉区政府信息公开工作制度" in page.locator(".xxgk-latest").inner_text()
        fits(page)
        name = f"xxgk-column-{'360' if phone else '1280'}{'-large' if large else ''}"
        shot(page, name)
        # The header marks 芙蓉区 as the column the page is in; the breadcrumbs agree.
        assert page.locator('.column-nav a[aria-current="true"]').inner_text() == "芙蓉区"
        crumbs = page.locator(".breadcrumbs li").all_inner_texts()
        assert [c.strip() for c in crumbs] == ["首页", "长沙市", "芙蓉区", "政府信息公开"]

        page.locator(".xxgk-grid a", has_text="政府信息公开指南").click()
        page.wait_for_url("**/xxgk/zhinan/")
        text = page.locator("article.xxgk-guide").inner_text()
        assert "0731-84000009" in text and "第2版" in text
        for heading in ("一、总则", "二、主动公开", "三、依申请公开", "四、政府信息公开工作机构"):
            assert heading in text
        fits(page)
        shot(page, name.replace("column", "guide"))
        page.locator(".guide-versions a", has_text="第1版").click()
        page.wait_for_url("**/zhinan/?v=1")
        assert "这是历史版本" in page.locator("article.xxgk-guide").inner_text()
        assert "0731-84000000" in page.locator(".office-card").inner_text()

        page.locator(".xxgk-nav a", has_text="依申请公开").click()
        page.wait_for_url("**/xxgk/ysqgk/")
        assert "传真申请" in page.locator("main").inner_text()
        fits(page)
        shot(page, name.replace("column", "apply"))

        # The footer: identity, filings linked to their registers, the site map.
        footer = page.locator("footer.site-footer")
        assert "主办单位：长沙市人民政府办公厅" in footer.inner_text()
        assert footer.locator("a", has_text="湘ICP备00000001号").get_attribute("href") == (
            "https://beian.miit.gov.cn/"
        )
        assert "43010202000001" in footer.locator(
            "a", has_text="湘公网安备43010202000001号"
        ).get_attribute("href")
        footer.locator("a", has_text="网站地图").click()
        page.wait_for_url("**/sitemap/")
        assert page.locator(".sm-county").count() == 9
        fits(page)
        shot(page, name.replace("column", "sitemap"))


@pytest.mark.parametrize(("phone", "large"), SIZES, ids=IDS)
def test_a_policy_and_its_interpretation_link_both_ways(
    live_server, office, public_page, phone, large
):
    editor = office.user(Role.EDITOR, "district")
    policy = office.publication(
        "district",
        "published",
        title="芙蓉区城乡居民最低生活保障实施办法",
        pub_type=PublicationType.objects.get(slug="zhengce").pk,
    )
    reading = services.publication_create(
        entry=office.entries["district"],
        data={
            "title": "《芙蓉区城乡居民最低生活保障实施办法》政策解读",
            "formed_on": "2026-11-02",
            "pub_type": PublicationType.objects.get(slug="jiedu").pk,
            "interprets": policy.pk,
            "body": "<p>一、制定背景</p><p>二、主要内容</p>",
        },
        user=editor,
    )
    services.publication_submit(publication=reading, user=editor)
    services.publication_approve(publication=reading, user=office.reviewer_for("district"))
    page = public_page(phone=phone)
    page.goto(f"{live_server.url}{policy.get_absolute_url()}")
    if large:
        large_mode(page)
    page.locator(".interpretations a", has_text="政策解读").click()
    page.wait_for_url(f"**{reading.get_absolute_url()}")
    assert "政策解读" in page.locator("h1").inner_text()
    fits(page)
    shot(page, f"xxgk-jiedu-{'360' if phone else '1280'}{'-large' if large else ''}")
    page.locator(".interprets a").click()
    page.wait_for_url(f"**{policy.get_absolute_url()}")
    assert page.locator("h1").inner_text().startswith("芙蓉区城乡居民最低生活保障实施办法")
    fits(page)
