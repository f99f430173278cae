"""The publication page's attribute table (发文属性) and a repealed policy's banner in Chromium,
at 1280 and 360 px and in 大字版: nothing runs off the page, the banner links to what repealed
it. Screenshots land in tests/browser/screenshots/attributes-*.png for people to look at.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from districts.codes import demo_uscc
from districts.models import Role
from publications import services
from publications.models import PublicationType, Theme
from tests.browser.conftest import shot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def repealed(office, tmp_path):
    """Return a 芙蓉区 policy repealed by a newer one, both published, and the newer one."""
    with override_settings(MEDIA_ROOT=tmp_path):
        district = office.divisions["430102"]
        district.org_code = demo_uscc(district.code)
        district.save(update_fields=["org_code"])
        editor = office.user(Role.EDITOR, "district")
        policy = PublicationType.objects.get(slug="zhengce")
        welfare = Theme.objects.get(code="17.01")

        def publish(title, doc_no):
            item = services.publication_create(
                entry=office.entries["district"],
                data={
                    "title": title,
                    "doc_no": doc_no,
                    "responsible_body": "芙蓉区民政局",
                    "body": "<p>第一条 为规范城乡居民最低生活保障工作，制定本办法。</p>",
                    "formed_on": "2026-11-02",
                    "pub_type": policy.pk,
                    "theme": welfare.pk,
                },
                user=editor,
            )
            services.publication_submit(publication=item, user=editor)
            services.publication_approve(publication=item, user=office.reviewer_for("district"))
            item.refresh_from_db()
            return item

        old = publish("芙蓉区城乡居民最低生活保障实施办法（2020年）", "芙民发〔2020〕3号")
        new = publish("芙蓉区城乡居民最低生活保障实施办法（2026年修订）", "芙民发〔2026〕12号")
        services.publication_set_validity(publication=old, validity="repealed", by=new, user=editor)
        yield old, new


def attribute(page, name: str) -> str:
    return page.locator(f'table.pub-attrs th:text-is("{name}") + td').inner_text().strip()


def fits(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (width, inner)


@pytest.mark.parametrize(
    ("phone", "large"),
    [(False, False), (True, False), (True, True), (False, True)],
    ids=["1280", "360", "360-large", "1280-large"],
)
def test_the_attribute_table_and_the_repeal_banner(
    live_server, repealed, public_page, phone, large
):
    old, new = repealed
    page = public_page(phone=phone)
    page.goto(f"{live_server.url}{old.get_absolute_url()}")
    if large:
        page.locator("a.mode-toggle").click()
        assert page.evaluate("document.documentElement.className") == "mode-large"
    assert attribute(page, "索引号") == old.index_no
    assert attribute(page, "主题分类") == "民政、扶贫、救灾 / 社会福利"
    assert attribute(page, "发布机构") == "芙蓉区民政局"
    assert attribute(page, "文号") == "芙民发〔2020〕3号"
    assert attribute(page, "成文日期") == "2026年11月2日"
    assert attribute(page, "有效性") == "已废止"
    banner = page.locator("p.validity-banner")
    assert banner.is_visible() and "本文件已废止" in banner.inner_text()
    # The table sits above the title, the banner between them.
    table_y = page.locator("table.pub-attrs").bounding_box()["y"]
    assert table_y < banner.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    fits(page)
    # On a phone each pair takes a row: the values are not squeezed into a quarter column.
    value = page.locator('table.pub-attrs th:text-is("索引号") + td').bounding_box()
    assert value["width"] > (200 if phone else 300), value
    shot(page, f"attributes-repealed-{'360' if phone else '1280'}{'-large' if large else ''}")
    banner.get_by_role("link").click()
    page.wait_for_url(f"**{new.get_absolute_url()}")
    assert attribute(page, "有效性") == "现行有效"
    assert page.locator("p.validity-banner").count() == 0


def test_the_reviewer_sees_the_privacy_check_and_approves_once_confirmed(
    live_server, office, login_as
):
    from publications import privacy
    from publications.models import Publication

    first17 = "43010219900101123"
    number = first17 + privacy.id_check_char(first17)
    editor = office.user(Role.EDITOR, "district")
    item = services.publication_create(
        entry=office.entries["district"],
        data={
            "title": "芙蓉区2026年11月低保资金发放名单",
            "formed_on": "2026-11-02",
            "pub_type": PublicationType.objects.get(slug="mingdan").pk,
            "body": f"<p>张三，身份证号{number}，电话13812345678，发放金额 680 元。</p>",
        },
        user=editor,
    )
    services.publication_submit(publication=item, user=editor)
    page = login_as(office.reviewer_for("district"))
    page.goto(f"{live_server.url}/admin/publications/publication/{item.pk}/change/")
    panel = page.locator("fieldset.privacy-panel")
    assert "发现疑似个人信息 2 处" in panel.inner_text()
    assert panel.locator("code").all_inner_texts() == [
        "430***********" + number[-4:],
        "138****5678",
    ]
    shot(page, "attributes-privacy-panel-1280")
    page.get_by_role("button", name="审核通过并发布").click()
    assert "已核对个人信息" in page.locator("ul.messagelist").inner_text()
    item.refresh_from_db()
    assert item.status == Publication.Status.SUBMITTED
    page.get_by_label("已核对个人信息（审核通过须勾选）").check()
    page.get_by_role("button", name="审核通过并发布").click()
    page.wait_for_selector("ul.messagelist li.success")
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED
