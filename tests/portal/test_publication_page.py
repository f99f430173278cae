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
from publications.models import Publication
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
    facts = re.search(r'<dl class="pub-facts">.*?</dl>', html, re.S).group(0)
    for label, value in (
        ("文号", "芙民发〔2026〕12号"),
        ("公开主体", "文艺路街道办事处"),
        ("信息形成日期", "2026年11月2日"),
        ("有效期", "2027年12月31日"),
        ("目录事项", "社会救助 / 最低生活保障 / "),
    ):
        assert re.search(rf"<dt>{label}</dt><dd>.*?{re.escape(value)}", facts), label
    assert "<dt>发布日期</dt>" in facts
    assert "正文第一段" in html and "第二段" in html
    assert_inert(html)
    for attachment in item.attachments.all():
        assert f'href="{attachment.get_absolute_url()}"' in html
        assert attachment.name in html
    assert "（PDF，" in html and '附件<span class="muted">（2个）' in html


def test_breadcrumbs_lead_through_division_domain_and_item(client, office, media):
    item = published(office, files=0)
    entry = office.entries["township"]
    html = page(client, item.get_absolute_url())
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', crumbs)
    domain = entry.item.first_level.domain
    assert links == [
        reverse("portal:home"),
        entry.division.get_absolute_url(),
        reverse("portal:domain", args=[entry.division.slug, domain.slug]),
        entry.get_absolute_url(),
    ]
    assert 'aria-current="page">关于2026年低保资金发放情况' in crumbs
    # Every link in the trail answers.
    for link in links:
        page(client, link)


def test_no_expiry_reads_long_term_and_no_doc_no_reads_none(client, office, media):
    item = published(office, files=0, doc_no="", expires_on=None)
    html = page(client, item.get_absolute_url())
    assert "<dt>有效期</dt><dd>长期有效</dd>" in html and "<dt>文号</dt><dd>无</dd>" in html


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


PUBLICATION_QUERIES = 3  # publication with its entry, item and domain; attachments; nav


@pytest.mark.parametrize("files", [1, 6])
def test_queries_do_not_grow_with_attachments(
    client, office, media, django_assert_num_queries, files
):
    item = published(office, files=files)
    with django_assert_num_queries(PUBLICATION_QUERIES):
        html = page(client, item.get_absolute_url())
    assert html.count("download>") == files
