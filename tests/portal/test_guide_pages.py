"""The public guide page (我要看) and the 我要看 / 我要办 buttons on a catalog entry's page.

The national website inspection fails a guide page that lacks any of the ten key elements, so
the page shows all ten, in the contract's order, and says plainly when the platform gave none.
Everything on it came from the platform and is untrusted: rich text is sanitised again when
shown, plain text escaped, links kept to http(s).
"""

from __future__ import annotations

import re
import uuid

import factory
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from catalog.guide_links import link_set
from catalog.models import CatalogEntry
from catalog.review import catalog_publish_as_loaded
from catalog.services import entry_create
from guides.models import KEY_ELEMENTS, Guide
from guides.normalise import name_key
from tests.factories import SecondLevelItemFactory
from tests.publications.test_xss import assert_inert

NOT_GIVEN = "省平台未提供此项信息"
LABELS = [label for label, _fields in KEY_ELEMENTS]
PUBLIC = "https://zwfw-new.hunan.gov.cn"
HANDLE = "https://zwfw-new.hunan.gov.cn/hnywtb/service/handle.html?id=abc"

pytestmark = pytest.mark.django_db


def material(n: int) -> dict:
    return {
        "id": f"m{n}",
        "title": f"申请材料{n}",
        "required": "必要",
        "form": "原件",
        "standard": "A4纸",
        "copies": "1",
        "source": "申请人自备",
        "explain": "需本人签字",
        "attachments": [{"name": f"材料{n}样表.doc", "url": f"https://example.gov.cn/{n}.doc"}],
    }


class GuideFactory(factory.django.DjangoModelFactory):
    """A fully filled guide of 芙蓉区 (430102), as a sync would store it."""

    class Meta:
        model = Guide

    unify_id = factory.LazyFunction(lambda: uuid.uuid4().hex)
    name = factory.Sequence(lambda n: f"城乡居民最低生活保障对象认定{n}")
    name_key = factory.LazyAttribute(lambda o: name_key(o.name))
    rights_code = "000120001000"
    task_code = factory.Sequence(lambda n: f"11430102MB1234567X4{n:012d}")
    yw_code = factory.LazyAttribute(lambda o: f"{o.task_code}01")
    type_name = "行政确认"
    area_code = "430102"
    audiences = factory.LazyFunction(lambda: ["1"])
    org_name = "长沙市芙蓉区民政局"
    dept_name = "长沙市芙蓉区民政局社会救助科"
    serve_object = "自然人"
    acceptance_condition = "<ol><li>具有本区户籍；</li><li>家庭人均收入低于当地低保标准。</li></ol>"
    according = "<p>《社会救助暂行办法》第十一条</p>"
    applicant_power = "<p>申请人有权查询办理进度。</p>"
    applicant_duty = "<p>如实提供家庭收入情况。</p>"
    approve_limit = "30个工作日"
    approve_limit_explain = "<p>自受理之日起30个工作日内作出决定。</p>"
    commitment_limit = "15个工作日"
    commitment_limit_explain = "<p>材料齐全的，15个工作日内办结。</p>"
    is_charge = False
    charges = factory.LazyFunction(list)
    process = "<p>申请→受理→审核→审批→办结</p>"
    transact_addr = "<p>长沙市芙蓉区政务服务中心12号窗口</p>"
    transact_time = "<p>工作日 9:00-12:00，13:30-17:00</p>"
    consult_tel = "0731-84123456"
    complaint_tel = "12345"
    is_online = True
    min_seq = "1"
    do_scope = "全市通办"
    materials = factory.LazyFunction(lambda: [material(1)])
    results = factory.LazyFunction(
        lambda: [{"name": "《低保证》（样本）", "url": "https://example.gov.cn/result.pdf"}]
    )
    online_handle_url = HANDLE
    content_hash = "0" * 64
    first_synced_at = factory.LazyFunction(timezone.now)
    changed_at = factory.LazyFunction(timezone.now)


def empty_guide(**values) -> Guide:
    """Return a guide for which the platform gave nothing but its name and area."""
    blank = dict.fromkeys(
        [
            *("rights_code", "task_code", "yw_code", "type_name", "org_name", "dept_name"),
            *("serve_object", "acceptance_condition", "according", "applicant_power"),
            *("applicant_duty", "approve_limit", "approve_limit_explain", "commitment_limit"),
            *("commitment_limit_explain", "process", "transact_addr", "transact_time"),
            *("consult_tel", "complaint_tel", "min_seq", "do_scope", "online_handle_url"),
        ],
        "",
    )
    return GuideFactory(
        **blank,
        is_charge=None,
        is_online=None,
        charges=[],
        materials=[],
        results=[],
        audiences=[],
        **values,
    )


def service_entry(division, guide: Guide | None, *, publish: bool = True) -> CatalogEntry:
    """Return a new service-item entry of ``division``, published and tied to ``guide``."""
    entry = entry_create(
        division=division,
        item=SecondLevelItemFactory(),
        values={
            "item_type": CatalogEntry.ItemType.SERVICE,
            "service_name": guide.name if guide else "某政务服务事项",
            "time_limit": "信息形成之日起20个工作日内",
            "subject": "芙蓉区民政局",
        },
        user=None,
    )
    if publish:
        catalog_publish_as_loaded(entry_ids=[entry.pk])
        entry.refresh_from_db()
    if guide is not None:
        link_set(entry=entry, guide=guide, user=None)
    return entry


def withdraw(guide: Guide) -> Guide:
    """Mark ``guide`` withdrawn as the sync does when the platform stops listing it."""
    Guide.objects.filter(pk=guide.pk).update(
        status=Guide.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )
    guide.refresh_from_db()
    return guide


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html)]


def section(html: str, label: str) -> str:
    """Return the HTML of the section headed ``label``."""
    found = re.search(rf"<h2 [^>]*>{re.escape(label)}</h2>(.*?)</section>", html, re.S)
    assert found, label
    return found.group(1)


def apply_links(html: str) -> list[str]:
    return re.findall(r'<a class="button button-apply" href="([^"]*)"', html)


@pytest.fixture
def guide(furong):
    return GuideFactory(division=furong)


# ---------------------------------------------------------------------------------------------
# The guide page.


def test_the_ten_key_elements_in_the_contracts_order(client, guide):
    html = page(client, guide.get_absolute_url())
    shown = [h for h in headings(html) if h in LABELS]
    assert shown == LABELS
    assert LABELS == [
        "事项名称",
        "设定依据",
        "申请条件",
        "办理材料",
        "办理地点",
        "办理机构",
        "收费标准",
        "办理时间",
        "联系电话",
        "办理流程",
    ]
    assert NOT_GIVEN not in html
    assert all(given for _label, given in guide.key_elements())


def test_a_full_guide_shows_its_identity_materials_limits_results_and_source(client, guide):
    html = page(client, guide.get_absolute_url())
    assert f'<h1 id="guide-title">{guide.name}</h1>' in html
    for text in (
        "行政确认",
        "000120001000",
        guide.task_code,
        "长沙市芙蓉区民政局",
        "自然人",
        "1次",
        "是，可在网上办理",
        "长沙市芙蓉区民政局社会救助科",
        "30个工作日",
        "15个工作日",
        "《低保证》（样本）",
        "内容来自湖南省政务服务平台，同步于",
        timezone.localtime(guide.changed_at).strftime("%Y年%-m月%-d日"),
    ):
        assert text in html, text
    materials = section(html, "办理材料")
    for header in ("材料名称", "必要性", "形式", "份数", "来源", "说明", "样表/附件"):
        assert f'<th scope="col">{header}</th>' in materials
    assert '<a href="https://example.gov.cn/1.doc" rel="noopener noreferrer nofollow">' in materials
    assert "不收费" in section(html, "收费标准")
    assert '<a href="tel:073184123456">0731-84123456</a>' in section(html, "联系电话")
    # The breadcrumb leads to the division's column.
    assert f'<a href="{guide.division.get_absolute_url()}">芙蓉区</a>' in html
    assert "平台未注明单位" not in html


def test_an_empty_guide_says_not_provided_for_every_element(client, furong):
    guide = empty_guide(division=None)
    html = page(client, guide.get_absolute_url())
    assert [h for h in headings(html) if h in LABELS] == LABELS
    for label in LABELS[1:]:  # The name is required: a guide without one is not stored.
        assert NOT_GIVEN in section(html, label), label
    assert guide.name in section(html, "事项名称")
    assert [given for _label, given in guide.key_elements()] == [True] + [False] * 9
    # Identity, limits and results say so too, and there is no breadcrumb to a division.
    assert html.count(NOT_GIVEN) >= 9 + 7 + 2 + 1
    trail = html[
        html.index('<nav class="breadcrumbs"') : html.index("</nav>", html.index("breadcrumbs"))
    ]
    assert re.findall(r"<li>(?:<a [^>]*>|<span [^>]*>)?([^<]+)", trail) == [
        "首页",
        "办事指南",
        guide.name,
    ]


def test_fees_charged_with_and_without_a_fee_table(client, furong):
    priced = GuideFactory(
        division=furong,
        is_charge=True,
        charges=[{"name": "工本费", "standard": "10元/本", "basis": "湘价费〔2020〕1号"}],
    )
    fees = section(page(client, priced.get_absolute_url()), "收费标准")
    assert '<th scope="col">收费标准</th>' in fees
    assert "工本费" in fees and "10元/本" in fees and "湘价费〔2020〕1号" in fees
    unpriced = GuideFactory(division=furong, is_charge=True, charges=[])
    fees = section(page(client, unpriced.get_absolute_url()), "收费标准")
    assert "收费（平台未提供收费标准）" in fees


def test_limits_without_a_unit_are_flagged_never_guessed(client, furong):
    guide = GuideFactory(division=furong, approve_limit="20", commitment_limit="15个工作日")
    limits = section(page(client, guide.get_absolute_url()), "办结时限")
    assert "20（平台未注明单位）" in limits
    assert "15个工作日" in limits
    assert "15个工作日（平台未注明单位）" not in limits
    assert "20个工作日" not in limits and "20天" not in limits


@pytest.mark.parametrize(
    ("online", "expected"),
    [
        (HANDLE, HANDLE),
        (
            "",
            f"{PUBLIC}/hnywtb/service/guide.html?id=ID&amp;type=gr"
            "&amp;rightsCode=000120001000&amp;ywCode=YW",
        ),
        # Never stored by the sync (web_url), but the page must not trust that either.
        ("javascript:alert(1)", f"{PUBLIC}/hnywtb/service/guide.html?id=ID"),
    ],
    ids=["online-address", "public-guide-page", "bad-address-falls-back"],
)
@override_settings(PROVINCIAL_PUBLIC_URL=PUBLIC)
def test_apply_button_goes_to_the_online_address_else_the_public_guide_page(
    client, furong, online, expected
):
    guide = GuideFactory(division=furong, online_handle_url=online)
    expected = expected.replace("ID", guide.unify_id).replace("YW", guide.yw_code)
    entry = service_entry(furong, guide)
    for url in (guide.get_absolute_url(), entry.get_absolute_url()):
        html = page(client, url)
        links = apply_links(html)
        assert links, url
        assert all(link.startswith(expected) for link in links), (url, links)
        assert "javascript:" not in html
        assert re.search(
            r'class="button button-apply" href="[^"]*" rel="noopener noreferrer">', html
        )
        assert "前往湖南省政务服务平台" in html


def test_a_withdrawn_guide_still_answers_with_a_notice_and_no_apply_button(client, guide):
    withdraw(guide)
    response = client.get(guide.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    day = timezone.localtime(guide.withdrawn_at).strftime("%Y年%-m月%-d日")
    assert f"该事项已于{day}在省平台取消，以下为取消前的办事指南" in html
    assert apply_links(html) == []
    assert "我要办" not in html
    assert [h for h in headings(html) if h in LABELS] == LABELS


def test_an_unknown_guide_is_404(client, reference_data):
    assert client.get(reverse("portal:guide", args=["no-such-guide"])).status_code == 404


def test_only_public_tied_entries_are_listed(client, furong, guide):
    shown = service_entry(furong, guide)
    draft = service_entry(furong, guide, publish=False)
    dropped = service_entry(furong, guide)
    CatalogEntry.objects.filter(pk=dropped.pk).update(
        published_values={**dropped.published_values, "is_dropped": True}
    )
    entries = section(page(client, guide.get_absolute_url()), "政务公开目录中的本事项")
    assert f'href="{shown.get_absolute_url()}"' in entries
    assert f"芙蓉区 · {shown.item.name}" in entries
    assert draft.get_absolute_url() not in entries
    assert dropped.get_absolute_url() not in entries


# ---------------------------------------------------------------------------------------------
# Untrusted content.

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
JS_LINK = '<a href="javascript:alert(3)">点我</a>'
PAYLOAD = f'{SCRIPT}{IMG}{JS_LINK}" onmouseover="alert(4)" x="'
# A javascript: address in a live attribute (escaped text that mentions one is harmless).
LIVE_URL = re.compile(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", re.I)
RICH = [
    "acceptance_condition",
    "according",
    "applicant_power",
    "applicant_duty",
    "process",
    "transact_addr",
    "transact_time",
    "approve_limit_explain",
    "commitment_limit_explain",
]
PLAIN = {
    "name": 300,
    "rights_code": 40,
    "task_code": 64,
    # Set too: the factory derives it from task_code, which would overflow its 64 characters.
    "yw_code": 64,
    "type_name": 40,
    "org_name": 300,
    "dept_name": 300,
    "serve_object": 300,
    "approve_limit": 100,
    "commitment_limit": 100,
    "consult_tel": 300,
    "complaint_tel": 300,
    "min_seq": 40,
    "do_scope": 200,
}


def hostile_guide(division) -> Guide:
    """Return a guide with the payload in every field, stored as if the sync had not cleaned it."""
    values = dict.fromkeys(RICH, PAYLOAD)
    values.update({field: PAYLOAD[:length] for field, length in PLAIN.items()})
    hostile_material = dict.fromkeys(material(1), PAYLOAD)
    hostile_material["attachments"] = [{"name": PAYLOAD, "url": "javascript:alert(5)"}]
    return GuideFactory(
        division=division,
        **values,
        name_key="hostile",
        is_charge=True,
        charges=[{"name": PAYLOAD, "standard": PAYLOAD, "basis": PAYLOAD}],
        materials=[hostile_material],
        results=[{"name": PAYLOAD, "url": " JavaScript:alert(6)"}],
        online_handle_url="javascript:alert(7)",
    )


def test_payloads_in_every_field_stay_inert_on_the_guide_page(client, furong):
    guide = hostile_guide(furong)
    html = page(client, guide.get_absolute_url())
    assert_inert(html)
    assert not LIVE_URL.search(html)
    assert not re.search(r"<[^>]+\son[a-z]+=", html)
    assert "<script>alert" not in html
    # Plain text is shown, escaped; rich text keeps only the harmless link text.
    assert escape(PAYLOAD[:40]) in html
    assert "点我" in section(html, "设定依据")


def test_payloads_in_the_guide_stay_inert_on_the_entry_page(client, furong):
    guide = hostile_guide(furong)
    entry = service_entry(furong, guide)
    html = page(client, entry.get_absolute_url())
    assert_inert(html)
    assert not LIVE_URL.search(html)
    assert "我要看" in html and "我要办" in html


# ---------------------------------------------------------------------------------------------
# The entry page's 我要看 / 我要办.


def test_entry_tied_to_an_active_guide_offers_both_buttons(client, furong, guide):
    entry = service_entry(furong, guide)
    block = section(page(client, entry.get_absolute_url()), "办事服务")
    assert f'<a class="button button-view" href="{guide.get_absolute_url()}">我要看' in block
    assert apply_links(block) == [HANDLE]
    assert "已在省平台取消" not in block


def test_entry_tied_to_a_withdrawn_guide_says_so_without_apply(client, furong, guide):
    entry = service_entry(furong, guide)
    withdraw(guide)
    block = section(page(client, entry.get_absolute_url()), "办事服务")
    assert "该事项已在省平台取消" in block
    assert apply_links(block) == [] and "我要办" not in block
    assert f'href="{guide.get_absolute_url()}"' in block


def test_entry_without_a_guide_says_it_is_not_yet_available(client, furong):
    entry = service_entry(furong, None)
    block = section(page(client, entry.get_absolute_url()), "办事服务")
    assert "办事指南暂未提供" in block
    assert "我要看" not in block and "我要办" not in block


def test_a_non_service_entry_has_no_guide_block(client, furong, guide):
    entry = service_entry(furong, guide)
    # The working copy turns non-service, but the public reads the published snapshot until
    # approval; once the snapshot says non-service the block goes.
    CatalogEntry.objects.filter(pk=entry.pk).update(
        published_values={**entry.published_values, "item_type": "non_service"}
    )
    html = page(client, entry.get_absolute_url())
    assert "办事服务" not in html and "我要看" not in html


# ---------------------------------------------------------------------------------------------
# Query counts: the guide page reads the guide with its division, the tied entries and the
# header's "1+9" column navigation; the entry page reads the entry with its guide (and its count
# of publications: none here, so no page of them is read) and the navigation.

GUIDE_PAGE_QUERIES = 3
ENTRY_PAGE_QUERIES = 2


@pytest.mark.parametrize("size", [1, 20])
def test_guide_page_queries_do_not_grow_with_entries_or_materials(
    client, furong, django_assert_num_queries, size
):
    guide = GuideFactory(division=furong, materials=[material(n) for n in range(size)])
    entries = [service_entry(furong, guide) for _ in range(size)]
    with django_assert_num_queries(GUIDE_PAGE_QUERIES):
        html = page(client, guide.get_absolute_url())
    assert html.count('data-label="材料名称"') == size
    assert all(e.get_absolute_url() in html for e in entries)


@pytest.mark.parametrize("case", ["active", "withdrawn", "untied", "non_service"])
def test_entry_page_queries_are_the_same_in_every_case(
    client, furong, django_assert_num_queries, case
):
    guide = GuideFactory(division=furong)
    entry = service_entry(furong, None if case == "untied" else guide)
    if case == "withdrawn":
        withdraw(guide)
    if case == "non_service":
        CatalogEntry.objects.filter(pk=entry.pk).update(
            published_values={**entry.published_values, "item_type": "non_service"}
        )
    with django_assert_num_queries(ENTRY_PAGE_QUERIES):
        page(client, entry.get_absolute_url())
