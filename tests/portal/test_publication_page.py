"""The public publication page /p/<pk>/: its facts, body, attachments, breadcrumbs and states.

Only a published publication answers; a superseded revision leads to the one that replaced
it; drafts, submissions and withdrawn items look like ids that do not exist.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from catalog.models import CatalogEntry
from districts.models import Role
from publications import services
from publications.models import Publication, PublicationType, Theme
from tests.publications import conftest as publication_fixtures
from tests.publications.test_xss import PDF, assert_inert

pytestmark = pytest.mark.django_db

calendar = publication_fixtures.calendar
office = publication_fixtures.office

BODY = "<p>正文第一段</p><script>alert(1)</script><p onclick=alert(2)>第二段</p>"


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def published(office, level: str = "township", *, files: int = 1, **data) -> Publication:
    editor = office.user(Role.EDITOR, level)
    item = services.publication_create(
        entry=office.entries[level],
        data={
            "title": "关于2026年低保资金发放情况的公示",
            "doc_no": "芙民发〔2026〕12号",
            "responsible_body": "文艺路街道办事处",
            "body": BODY,
            "formed_on": "2026-11-02",
            "expires_on": "2027-12-31",
            **data,
        },
        user=editor,
        uploads=[
            SimpleUploadedFile(f"名单{n}.pdf", PDF * (n + 1), content_type="application/pdf")
            for n in range(files)
        ],
    )
    services.publication_submit(publication=item, user=editor)
    services.publication_approve(publication=item, user=office.reviewer_for(level))
    item.refresh_from_db()
    return item


def test_the_page_shows_every_fact_the_body_and_the_attachments(client, office, media):
    item = published(office, files=2)
    html = page(client, item.get_absolute_url())
    assert '<h1 id="pub-title">关于2026年低保资金发放情况的公示</h1>' in html
    table = attrs(html)
    assert table["文号"] == "芙民发〔2026〕12号"
    assert table["发布机构"] == "文艺路街道办事处"
    assert table["成文日期"] == "2026年11月2日"
    assert table["有效性"] == "有效期至2027年12月31日"  # not a policy: its 有效期
    assert re.fullmatch(r"430102001/\d{4}-00001", table["索引号"]), table["索引号"]
    assert table["发布日期"] and table["主题分类"] == table["信息类型"] == "—"
    facts = re.search(r'<dl class="pub-facts">.*?</dl>', html, re.S).group(0)
    assert re.search(r"<dt>目录事项</dt><dd>社会救助 / 最低生活保障 / ", facts)
    assert "正文第一段" in html and "第二段" in html
    assert_inert(html)
    for attachment in item.attachments.all():
        assert f'href="{attachment.get_absolute_url()}"' in html
        assert attachment.name in html
    assert "（PDF，" in html and '附件<span class="muted">（2个）' in html


def test_breadcrumbs_lead_through_ancestors_division_domain_and_item(client, office, media):
    item = published(office, files=0)
    entry = office.entries["township"]
    html = page(client, item.get_absolute_url())
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', crumbs)
    domain = entry.item.first_level.domain
    # The same trail as the township's own pages: 首页 › 市 › 区 › 街道 › 领域 › 事项 › 标题.
    assert links == [
        reverse("portal:home"),
        entry.division.parent.parent.get_absolute_url(),
        entry.division.parent.get_absolute_url(),
        entry.division.get_absolute_url(),
        reverse("portal:domain", args=[entry.division.slug, domain.slug]),
        entry.get_absolute_url(),
    ]
    assert 'aria-current="page">关于2026年低保资金发放情况' in crumbs
    # Every link in the trail answers.
    for link in links:
        page(client, link)


def test_no_expiry_and_no_doc_no_read_as_such(client, office, media):
    item = published(office, files=0, doc_no="", expires_on=None)
    table = attrs(page(client, item.get_absolute_url()))
    assert (table["有效性"], table["文号"]) == ("—", "无")


def attrs(html: str) -> dict[str, str]:
    """Return the attribute table (发文属性) as {heading: text}."""
    table = re.search(r'<table class="pub-attrs">.*?</table>', html, re.S).group(0)
    cells = re.findall(r'<th scope="row">([^<]+)</th><td>(.*?)</td>', table, re.S)
    return {name: re.sub(r"<[^>]+>", "", value).strip() for name, value in cells}


def test_a_policy_shows_its_type_theme_and_validity_and_a_repealed_one_its_banner(
    client, office, media
):
    policy_type = PublicationType.objects.get(slug="zhengce")
    theme = Theme.objects.get(code="17.01")
    old = published(office, files=0, pub_type=policy_type.pk, theme=theme.pk)
    table = attrs(page(client, old.get_absolute_url()))
    assert (table["信息类型"], table["主题分类"]) == ("政策文件", "民政、扶贫、救灾 / 社会福利")
    assert table["有效性"] == "现行有效"
    newer = published(office, files=0, pub_type=policy_type.pk, title="新的低保办法")
    services.publication_set_validity(
        publication=old,
        validity="repealed",
        by=newer,
        user=office.user(Role.EDITOR, "township"),
    )
    html = page(client, old.get_absolute_url())
    assert attrs(html)["有效性"] == "已废止"
    banner = re.search(r'<p class="validity-banner[^"]*" role="note">.*?</p>', html, re.S).group(0)
    assert "本文件已废止" in banner and f'href="{newer.get_absolute_url()}"' in banner
    assert "《新的低保办法》" in banner and "不再作为办事依据" in banner


@pytest.mark.parametrize(
    "attributes",
    [{"disclosure": "on_request"}, {"disclosure": "withheld", "withheld_reason": "internal"}],
)
def test_only_active_disclosure_reaches_the_page_and_its_files(client, office, media, attributes):
    item = published(office, files=1, **attributes)
    page(client, item.get_absolute_url(), 404)
    page(client, item.attachments.get().get_absolute_url(), 404)


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "withdrawn"])
def test_unpublished_publications_are_404(client, office, status):
    item = office.publication("township", status)
    page(client, item.get_absolute_url(), 404)


def test_unknown_publication_is_404(client, reference_data):
    page(client, "/p/999999/", 404)


def test_a_superseded_revision_redirects_to_the_current_one(client, office):
    old = office.publication("township", "superseded")
    current = Publication.objects.get(replaces=old)
    response = client.get(old.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == current.get_absolute_url()
    page(client, current.get_absolute_url())


def test_an_entry_dropped_since_is_named_but_not_linked(client, office, media):
    item = published(office, files=0)
    entry = office.entries["township"]
    CatalogEntry.objects.filter(pk=entry.pk).update(
        published_values={**entry.published_values, "is_dropped": True}
    )
    html = page(client, item.get_absolute_url())
    assert entry.get_absolute_url() not in html and entry.item.name in html


# publication with its entry, item, domain, type, theme and links; attachments; its public 解读; nav
PUBLICATION_QUERIES = 4


@pytest.mark.parametrize("files", [1, 6])
def test_queries_do_not_grow_with_attachments(
    client, office, media, django_assert_num_queries, files
):
    item = published(office, files=files)
    with django_assert_num_queries(PUBLICATION_QUERIES):
        html = page(client, item.get_absolute_url())
    assert html.count("download>") == files


def test_the_list_filters_by_type_theme_and_year_and_says_when_a_filter_is_unknown(
    client, office, media
):
    notice = PublicationType.objects.get(slug="tongzhi")
    welfare = Theme.objects.get(code="17.01")
    a = published(office, files=0, title="甲通知", pub_type=notice.pk, theme=welfare.pk)
    b = published(
        office, files=0, title="乙名单", pub_type=PublicationType.objects.get(slug="mingdan").pk
    )
    url = reverse("portal:division_publications", args=[office.entries["township"].division.slug])
    only_notices = page(client, f"{url}?type=tongzhi")
    assert a.title in only_notices and b.title not in only_notices
    # A top-level subject includes its sub-subjects.
    by_theme = page(client, f"{url}?theme=17")
    assert a.title in by_theme and b.title not in by_theme
    year = a.published_at.year
    assert b.title in page(client, f"{url}?year={year}")
    assert "没有符合筛选条件" in page(client, f"{url}?year={year - 3}")
    for query, note in (
        ("type=nosuch", "没有这一信息类型"),
        ("theme=99", "没有这一主题分类"),
        ("year=abcd", "年份应为四位数字"),
        ("type=%3Cscript%3E", "没有这一信息类型"),
    ):
        html = page(client, f"{url}?{query}")
        assert note in html and a.title in html and "<script>" not in html.split("<main", 1)[-1]
