"""The 政府信息公开 column: the versioned 指南, the five entrances, the footer identity, the
site map, and the header and breadcrumbs agreeing on every page.

Adversaries considered: an editor or a cousin district's administrator issuing another
division's 指南; anyone rewriting or deleting an issued version (the record of what the public
read); markup typed into the 指南's free text; a forged ``?v=``; a township's 制度 list showing
other divisions' or other types' items; a production deployment that forgot its filings.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from disclosure import fees
from disclosure.models import GuideVersion
from disclosure.services import guide_version_create
from districts.models import Division, Role
from publications.models import PublicationType

OFFICE = {
    "office_name": "芙蓉区人民政府办公室",
    "address": "芙蓉区示例路2号",
    "postcode": "410011",
    "hours": "工作日9:00—17:00",
    "phone": "0731-84000000",
    "fax": "0731-84000001",
    "email": "gk@example.gov.cn",
    "change_note": "首次发布",
}


def issue(office, level="district", **changes):
    return guide_version_create(
        division=division_of(office, level),
        data={**OFFICE, **changes},
        user=office.user(Role.ADMINISTRATOR, level),
    )


def division_of(office, level: str) -> Division:
    return office.entries[level].division


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- the 指南: versions, scope, validation --------------------------------------------------


def test_each_save_is_a_new_version_and_the_page_lists_them(office, client):
    first = issue(office)
    second = issue(office, phone="0731-84000009", change_note="更新办公电话")
    assert (first.version, second.version) == (1, 2)
    division = division_of(office, "district")
    url = reverse("portal:xxgk_guide", args=[division.slug])
    html = html_of(client, url)
    assert "0731-84000009" in html and "0731-84000000" not in html
    assert "第2版" in html and "更新办公电话" in html
    assert 'href="?v=1"' in html
    old = html_of(client, url + "?v=1")
    assert "0731-84000000" in old and "这是历史版本" in old
    # A version that does not exist, or a forged value, shows the latest and says so.
    assert "没有这一版本" in html_of(client, url + "?v=9")
    assert "0731-84000009" in html_of(client, url + "?v=<script>")


def test_only_the_divisions_administrators_issue_its_guide(office):
    district = division_of(office, "district")
    township = division_of(office, "township")
    with pytest.raises(PermissionDenied):
        guide_version_create(
            division=district, data=OFFICE, user=office.user(Role.EDITOR, "district")
        )
    with pytest.raises(PermissionDenied):
        guide_version_create(
            division=district, data=OFFICE, user=office.user(Role.REVIEWER, "city")
        )
    cousin = Division.objects.get(code="430103")
    with pytest.raises(PermissionDenied):
        guide_version_create(
            division=cousin, data=OFFICE, user=office.user(Role.ADMINISTRATOR, "district")
        )
    # The district office may keep its townships' 指南 (they are within its scope).
    made = guide_version_create(
        division=township, data=OFFICE, user=office.user(Role.ADMINISTRATOR, "district")
    )
    assert made.version == 1
    assert not GuideVersion.objects.filter(division=cousin).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "41001", "邮政编码应为6位数字"),
        ("phone", "call me", "电话号码只能含数字"),
        ("email", "not-an-email", "有效的 Email 地址"),
        ("office_name", "", "此字段不能为空"),
        ("change_note", "", "此字段不能为空"),
        ("intro", "长" * 2001, "不超过 2000 字符"),
        ("extra", "长" * 4001, "不超过 4000 字符"),
    ],
)
def test_bad_guide_input_says_what_is_wrong(office, field, value, message):
    with pytest.raises(ValidationError) as caught:
        issue(office, **{field: value})
    assert field in caught.value.message_dict
    assert any(message in m for m in caught.value.message_dict[field])
    assert not GuideVersion.objects.exists()


def test_markup_in_the_guide_text_is_shown_as_text(office, client):
    issue(office, intro="<script>alert(1)</script>\n\n第二段<img src=x onerror=alert(2)>")
    html = html_of(
        client, reverse("portal:xxgk_guide", args=[division_of(office, "district").slug])
    )
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<p>第二段") == 1  # blank lines make paragraphs


def test_a_guide_without_a_version_still_generates_its_sections(office, client):
    division = division_of(office, "township")
    html = html_of(client, reverse("portal:xxgk_guide", args=[division.slug]))
    assert "尚待本级政务公开办填写" in html
    for heading in (
        "一、总则",
        "二、主动公开",
        "三、依申请公开",
        "四、政府信息公开工作机构",
        "五、监督和救济",
    ):
        assert heading in html
    assert "20个工作日内" in html and "按件计收" in html and "按量计收" in html


def test_a_new_version_shows_at_once_through_the_page_cache(
    office, client, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    settings.PUBLIC_CACHE_SECONDS = 60
    cache.clear()
    url = reverse("portal:xxgk_guide", args=[division_of(office, "district").slug])
    assert "尚待本级政务公开办填写" in html_of(client, url)
    assert "尚待本级政务公开办填写" in html_of(client, url)  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        issue(office)
    assert "芙蓉区人民政府办公室" in html_of(client, url)


# --- the admin: add only, scoped, pre-filled ------------------------------------------------


def test_the_admin_issues_a_version_prefilled_and_never_edits_one(office, client):
    division = division_of(office, "district")
    first = issue(office)
    admin_user = office.user(Role.ADMINISTRATOR, "district")
    client.force_login(admin_user)
    add = reverse("admin:disclosure_guideversion_add")
    form = client.get(add + f"?division={division.pk}").content.decode()
    assert 'value="0731-84000000"' in form and 'value="芙蓉区示例路2号"' in form
    data = {**OFFICE, "division": division.pk, "phone": "0731-84111111", "change_note": "换号"}
    data.update(intro="", arrangement="", extra="")
    response = client.post(add, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = GuideVersion.objects.filter(division=division).order_by("-version").first()
    assert (latest.version, latest.phone, latest.created_by) == (2, "0731-84111111", admin_user)
    # An issued version is read-only and cannot be deleted.
    change = reverse("admin:disclosure_guideversion_change", args=[first.pk])
    client.post(change, {**data, "phone": "0000"})
    first.refresh_from_db()
    assert first.phone == "0731-84000000"
    delete = reverse("admin:disclosure_guideversion_delete", args=[first.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert GuideVersion.objects.filter(pk=first.pk).exists()


def test_a_forged_prefill_parameter_gives_a_blank_form(office, client):
    issue(office)
    cousin = Division.objects.get(code="430103")
    guide_version_create(division=cousin, data={**OFFICE, "phone": "0731-99999999"}, user=None)
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    add = reverse("admin:disclosure_guideversion_add")
    for value in ("abc", "-1", "1e9", "99999999999999999999999", str(cousin.pk)):
        response = client.get(add, {"division": value})
        assert response.status_code == 200, value
        assert "0731-99999999" not in response.content.decode(), value


def test_the_admin_refuses_a_division_outside_scope_and_editors(office, client):
    cousin = Division.objects.get(code="430103")
    add = reverse("admin:disclosure_guideversion_add")
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    response = client.post(add, {**OFFICE, "division": cousin.pk})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not GuideVersion.objects.exists()
    client.force_login(office.user(Role.EDITOR, "district"))
    assert client.get(add).status_code == 403
    other = guide_version_create(division=cousin, data=OFFICE, user=None)
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    change = reverse("admin:disclosure_guideversion_change", args=[other.pk])
    assert client.get(change).status_code == 404


# --- the entrances ----------------------------------------------------------------------------


def test_the_column_page_links_the_five_entrances(office, client):
    division = division_of(office, "township")
    html = html_of(client, reverse("portal:xxgk", args=[division.slug]))
    for name in ("xxgk_guide", "xxgk_rules", "xxgk_statutory", "xxgk_reports", "xxgk_apply"):
        assert f'href="{reverse(f"portal:{name}", args=[division.slug])}"' in html
    for title in (
        "政府信息公开指南",
        "政府信息公开制度",
        "法定主动公开内容",
        "政府信息公开年报",
        "依申请公开",
    ):
        assert title in html
    # Every division column page leads into its 政府信息公开 column.
    assert reverse("portal:xxgk", args=[division.slug]) in html_of(
        client, division.get_absolute_url()
    )


def test_rules_and_reports_list_only_the_divisions_own_items_of_that_type(office, client):
    zhidu = PublicationType.objects.get(slug="zhidu")
    nianbao = PublicationType.objects.get(slug="nianbao")
    rule = office.publication(
        "district", "published", title="芙蓉区政府信息公开工作制度", pub_type=zhidu.pk
    )
    report = office.publication(
        "district", "published", title="芙蓉区2025年政府信息公开工作年度报告", pub_type=nianbao.pk
    )
    office.publication("district", "published", title="一条工作动态")
    office.publication("district", "submitted", title="未发布的制度", pub_type=zhidu.pk)
    office.publication("township", "published", title="街道的制度", pub_type=zhidu.pk)
    slug = division_of(office, "district").slug
    rules = html_of(client, reverse("portal:xxgk_rules", args=[slug]))
    assert rule.title in rules
    assert report.title not in rules and "一条工作动态" not in rules
    assert "未发布的制度" not in rules and "街道的制度" not in rules
    reports = html_of(client, reverse("portal:xxgk_reports", args=[slug]))
    assert report.title in reports and rule.title not in reports
    landing = html_of(client, reverse("portal:xxgk", args=[slug]))
    assert rule.title in landing and report.title in landing
    empty = html_of(
        client, reverse("portal:xxgk_reports", args=[division_of(office, "township").slug])
    )
    assert "本级暂未发布政府信息公开年报" in empty


def test_statutory_content_is_the_published_catalog(office, client):
    division = division_of(office, "district")
    html = html_of(client, reverse("portal:xxgk_statutory", args=[division.slug]))
    domain = office.entries["district"].item.first_level.domain
    assert reverse("portal:domain", args=[division.slug, domain.slug]) in html
    assert "第十九条至第二十一条" in html


def test_the_apply_page_explains_channels_clocks_and_fees(office, client):
    division = division_of(office, "district")
    url = reverse("portal:xxgk_apply", args=[division.slug])
    before = html_of(client, url)
    assert "尚待本级政务公开办填写" in before and "传真申请" not in before
    issue(office)
    html = html_of(client, url)
    assert "芙蓉区人民政府办公室" in html and "传真申请：传真至 0731-84000001" in html
    assert "7个工作日内" in html and "20个工作日内" in html and "签收之日" in html
    assert "1—10件</td><td>免费" in html and "11—30件</td><td>100元" in html
    assert "201页及以上</td><td>40元" in html


def test_the_column_pages_issue_a_fixed_number_of_queries(
    office, client, django_assert_num_queries
):
    slug = division_of(office, "township").slug
    issue(office, level="township")
    for kind in ("zhidu", "zhidu", "nianbao", "nianbao"):
        office.publication(
            "township", "published", pub_type=PublicationType.objects.get(slug=kind).pk
        )
    # Every page: the division, its ancestors (breadcrumbs) and the "1+9" nav; then its own
    # reads, none per item: the landing page its latest 指南, 制度 and 年报; the 指南 its
    # versions and the catalog's domains; a list its count and page; the catalog its domains;
    # the apply page its latest 指南; the 年报 list also the annual reports published on the portal.
    expected = {
        "xxgk": 6,
        "xxgk_guide": 5,
        "xxgk_rules": 5,
        "xxgk_reports": 6,
        "xxgk_statutory": 4,
        "xxgk_apply": 4,
    }
    for name, count in expected.items():
        with django_assert_num_queries(count):
            assert client.get(reverse(f"portal:{name}", args=[slug])).status_code == 200


# --- fees -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nth", "yuan"),
    [
        (1, 0),
        (10, 0),
        (11, 100),
        (30, 100),
        (31, 200),
        (40, 200),
        (41, 300),
        (50, 300),
        (51, 400),
        (61, 500),
    ],
)
def test_request_fees_follow_the_bands(nth, yuan):
    assert fees.request_fee(nth) == yuan


@pytest.mark.parametrize(
    ("pages", "yuan"), [(0, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740)]
)
def test_page_fees_are_progressive(pages, yuan):
    assert fees.page_fee(pages) == yuan


# --- footer, site map, accessibility, header and breadcrumbs ----------------------------------


@override_settings(
    SITE_SPONSOR="长沙市人民政府办公厅",
    SITE_OPERATOR="长沙市数据资源管理局",
    SITE_ADDRESS="长沙市岳麓区示例路1号",
    SITE_PHONE="0731-88888888",
    SITE_ID_CODE="4301000001",
    SITE_ICP="湘ICP备00000001号",
    SITE_PSB="湘公网安备43010202000001号",
    SITE_GOV_MARK_URL="https://bszs.conac.cn/sitename?method=show&id=0",
)
def test_every_page_carries_the_site_identity(office, client):
    for url in (
        reverse("portal:home"),
        division_of(office, "township").get_absolute_url(),
        reverse("portal:search"),
        reverse("portal:site_map"),
    ):
        html = html_of(client, url)
        footer = html[html.index('<footer class="site-footer"') :]
        assert (
            "主办单位：长沙市人民政府办公厅" in footer
            and "承办单位：长沙市数据资源管理局" in footer
        )
        assert "电话：0731-88888888" in footer and "网站标识码：4301000001" in footer
        assert '<a href="https://beian.miit.gov.cn/" rel="noopener">湘ICP备00000001号</a>' in footer
        assert "registerSystemInfo?recordcode=43010202000001" in footer
        assert "党政机关网站标识" in footer
        assert f'href="{reverse("portal:site_map")}"' in footer
        assert f'href="{reverse("portal:accessibility")}"' in footer
        assert "演示站点" not in footer


@override_settings(DEMO_MODE=True, SITE_ID_CODE="", SITE_ICP="", SITE_PSB="")
def test_a_demo_says_it_has_no_filings_rather_than_inventing_them(office, client):
    footer = html_of(client, reverse("portal:home")).split('<footer class="site-footer"')[1]
    assert "演示站点：无网站标识码和备案号" in footer and "ICP备" not in footer


def test_the_site_map_lists_every_column(office, client):
    html = html_of(client, reverse("portal:site_map"))
    for division in Division.objects.all():
        assert f'href="{division.get_absolute_url()}"' in html, division.name
    assert reverse("portal:xxgk", args=[Division.objects.root().slug]) in html


def test_the_accessibility_statement_names_the_large_mode_and_known_gaps(client, reference_data):
    html = html_of(client, reverse("portal:accessibility"))
    assert "大字版" in html and "已知的不足" in html and "GB/T 37668-2019" in html


def nav_state(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="column-nav".*?</nav>', html, re.S).group(0)
    return {
        name: state
        for state, name in re.findall(r'<a href="[^"]+"(?: aria-current="(\w+)")?>([^<]+)</a>', nav)
    }


def trail(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    return re.findall(r"<li>(?:<a [^>]*>|<span [^>]*>)?([^<]+)", nav)


def test_the_header_highlights_the_column_that_holds_the_page(office, client):
    district = division_of(office, "district")
    township = division_of(office, "township")
    city = Division.objects.root()
    item = office.publication("township", "published", title="街道公开信息")
    assert nav_state(html_of(client, city.get_absolute_url()))[city.name] == "page"
    on_district = nav_state(html_of(client, district.get_absolute_url()))
    assert on_district[district.name] == "page" and on_district[city.name] == ""
    for url in (
        township.get_absolute_url(),
        item.get_absolute_url(),
        office.entries["township"].get_absolute_url(),
        reverse("portal:xxgk_guide", args=[township.slug]),
    ):
        state = nav_state(html_of(client, url))
        assert state[district.name] == "true", url
        assert state[city.name] == "" and list(state.values()).count("true") == 1, url
    assert "true" not in nav_state(html_of(client, reverse("portal:home"))).values()


def test_breadcrumbs_run_through_every_ancestor_on_every_page(office, client):
    city = Division.objects.root()
    district = division_of(office, "district")
    township = division_of(office, "township")
    head = ["首页", city.name, district.name, township.name]
    entry = office.entries["township"]
    domain = entry.item.first_level.domain
    item = office.publication("township", "published", title="街道公开信息")
    assert trail(html_of(client, township.get_absolute_url())) == head
    assert trail(html_of(client, reverse("portal:domain", args=[township.slug, domain.slug]))) == [
        *head,
        domain.name,
    ]
    assert trail(html_of(client, entry.get_absolute_url())) == [*head, domain.name, entry.item.name]
    assert trail(html_of(client, item.get_absolute_url())) == [
        *head,
        domain.name,
        entry.item.name,
        item.title,
    ]
    assert trail(
        html_of(client, reverse("portal:division_publications", args=[township.slug]))
    ) == [*head, "公开信息"]
    assert trail(html_of(client, reverse("portal:xxgk", args=[township.slug]))) == [
        *head,
        "政府信息公开",
    ]
    assert trail(html_of(client, reverse("portal:xxgk_apply", args=[township.slug]))) == [
        *head,
        "政府信息公开",
        "依申请公开",
    ]
