"""XSS payloads in everything staff type into a publication, on every page that shows it.

Titles, document numbers and the responsible body are plain text (escaped when rendered); the
body is rich text (stripped by nh3 when saved, and again when shown); attachment names are
cleaned to a whitelist. Every page that shows them must render the payload inert: no injected
element, no event-handler attribute, no ``javascript:`` URL. The e-mails are plain text, so
there the title must appear as typed, without HTML escaping.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from districts.models import Role
from publications import services
from publications.models import Publication
from publications.sanitise import clean_html

TITLE = '<script>alert("t1")</script><img src=x onerror=alert(1)>标题'
DOC_NO = '"><svg onload=alert(2)>〔2026〕1号'
RESPONSIBLE = "' onmouseover='alert(3)' x=\" autofocus onfocus=\"alert(4)"
BODY = (
    "<p>正文<script>alert(5)</script></p>"
    "<img src=x onerror=alert(6)>"
    '<a href="javascript:alert(7)">伪链接</a>'
    '<a href="JaVaScRiPt&#58;alert(8)">编码伪链接</a>'
    '<a href="https://www.gov.cn/" onclick="alert(9)">真链接</a>'
    '<iframe src="javascript:alert(10)"></iframe>'
    '<p style="color:red" onmouseover="alert(11)">悬停</p>'
    '"><svg onload=alert(12)>'
)
FILE_NAME = '"><img src=x onerror=alert(13)>.pdf'
REASON = '<script>alert("r")</script>请补充"><img src=x onerror=alert(14)>'

# Titles that try other ways out of their context: attribute quotes, a closing tag, an
# unquoted attribute, a javascript: URL as the whole value.
TITLES = [
    TITLE,
    '" onmouseover="alert(20)" data-x="',
    "' autofocus onfocus='alert(21)",
    "</a></td><script>alert(22)</script>",
    "javascript:alert(23)",
    "</textarea><script>alert(24)</script>",
]

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


class InjectionScan(HTMLParser):
    """Collect every sign that markup from the payloads became live HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value:
                compact = "".join(value.split()).lower()
                if compact.startswith("javascript:"):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "autofocus" and tag in ("a", "span", "td", "dd", "p", "h1", "div"):
                self.problems.append(f"<{tag} {name}>")
        if tag in ("img", "iframe", "svg") and dict(attrs).get("src", "") in ("x", None):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            self._script = True

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script and "alert(" in data:
            self.problems.append(f"<script>{data[:60]}")


def assert_inert(html: str) -> None:
    """Fail when the page carries an injected element, handler or javascript: URL."""
    scan = InjectionScan()
    scan.feed(html)
    scan.close()
    assert scan.problems == []
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<iframe", "onerror=alert(1)>"):
        assert raw not in html


@pytest.mark.parametrize(
    "live",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JavaScript&#58;alert(1)">x</a>',
        "<svg onload=alert(1)>",
        '<input value="" autofocus onfocus="alert(1)">',
    ],
)
def test_the_scan_catches_live_payloads(live):
    with pytest.raises(AssertionError):
        assert_inert(f"<html><body><p>{live}</p></body></html>")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def create(office, level: str, *, title: str = TITLE) -> Publication:
    """Create a draft at ``level`` carrying every payload, with an attachment."""
    return services.publication_create(
        entry=office.entries[level],
        data={
            "title": title,
            "doc_no": DOC_NO,
            "responsible_body": RESPONSIBLE,
            "body": BODY,
            "formed_on": "2026-11-02",
        },
        user=office.user(Role.EDITOR, level),
        uploads=[SimpleUploadedFile(FILE_NAME, PDF, content_type="application/pdf")],
    )


def publish(office, publication: Publication, level: str) -> Publication:
    services.publication_submit(publication=publication, user=office.user(Role.EDITOR, level))
    services.publication_approve(publication=publication, user=office.reviewer_for(level))
    publication.refresh_from_db()
    return publication


@pytest.fixture
def payloads(office, media):
    """Return a draft, a returned draft, a submitted and a published publication (township)."""
    editor = office.user(Role.EDITOR, "township")
    reviewer = office.reviewer_for("township")
    draft = create(office, "township")
    returned = create(office, "township")
    services.publication_submit(publication=returned, user=editor)
    services.publication_return(publication=returned, user=reviewer, reason=REASON)
    submitted = create(office, "township")
    services.publication_submit(publication=submitted, user=editor)
    published = publish(office, create(office, "township"), "township")
    return {"draft": draft, "returned": returned, "submitted": submitted, "published": published}


# ---------------------------------------------------------------------------------------------
# What is stored.


def test_plain_text_fields_are_kept_as_text_and_the_body_is_stripped(payloads):
    item = payloads["draft"]
    # Plain-text fields keep what was typed: escaping is the template's job.
    assert item.title == TITLE
    assert item.doc_no == DOC_NO
    assert item.responsible_body == RESPONSIBLE
    body = item.body
    for bad in ("<script", "alert(5)", "onerror", "javascript", "onclick", "<iframe", "style="):
        assert bad not in body.lower()
    assert "onmouseover" not in body
    assert "<svg" not in body
    assert_inert(body)
    name = item.attachments.get().name
    for bad in '<>"/':
        assert bad not in name
    assert name.endswith(".pdf")


def test_the_allowed_markup_of_the_body_survives_sanitising(office):
    html = (
        "<p>第一段<strong>加粗</strong>与<em>强调</em></p>"
        "<ul><li>甲</li><li>乙</li></ul><ol><li>一</li></ol>"
        '<p><a href="https://www.gov.cn/zhengce/" title="政策">政策链接</a></p>'
        "<table><thead><tr><th>项目</th></tr></thead><tbody><tr><td>金额</td></tr></tbody></table>"
    )
    cleaned = clean_html(html)
    for kept in (
        "<p>第一段<strong>加粗</strong>与<em>强调</em></p>",
        "<ul><li>甲</li><li>乙</li></ul>",
        "<ol><li>一</li></ol>",
        'href="https://www.gov.cn/zhengce/"',
        'title="政策"',
        ">政策链接</a>",
        "<td>金额</td>",
        "<th>项目</th>",
    ):
        assert kept in cleaned
    # Links leave the site without handing it the opener or the referrer.
    assert 'rel="noopener noreferrer nofollow"' in cleaned

    item = services.publication_create(
        entry=office.entries["city"],
        data={"title": "正文保留", "body": html, "formed_on": "2026-11-02"},
        user=office.user(Role.EDITOR, "city"),
    )
    assert item.body == cleaned


def test_the_published_page_shows_the_allowed_markup_as_markup(client, office):
    item = office.publication(
        "city",
        "published",
        body="<p>段落<strong>加粗</strong></p><ul><li>列表项</li></ul>"
        '<a href="https://www.gov.cn/">国务院</a><script>alert(1)</script>',
    )
    html = page(client, item.get_absolute_url())
    assert "<p>段落<strong>加粗</strong></p><ul><li>列表项</li></ul>" in html
    assert '<a href="https://www.gov.cn/"' in html
    assert_inert(html)


# ---------------------------------------------------------------------------------------------
# Public pages.


def test_public_publication_page(client, payloads):
    item = payloads["published"]
    html = page(client, item.get_absolute_url())
    assert_inert(html)
    assert escape(TITLE) in html
    assert escape(DOC_NO) in html
    assert escape(RESPONSIBLE) in html
    assert escape(item.attachments.get().name) in html
    assert "真链接" in html and 'href="https://www.gov.cn/"' in html


@pytest.mark.parametrize("title", TITLES)
def test_public_pages_with_each_title(client, office, media, title):
    item = publish(office, create(office, "district", title=title), "district")
    for url in (item.get_absolute_url(), item.entry.get_absolute_url()):
        html = page(client, url)
        assert_inert(html)
        assert escape(title) in html


def test_public_entry_page_lists_the_published_publication_escaped(client, payloads):
    item = payloads["published"]
    html = page(client, reverse("portal:entry", args=[item.entry_id]))
    assert_inert(html)
    assert escape(TITLE) in html
    assert escape(DOC_NO) in html


def test_a_superseded_revision_redirects_and_its_replacement_renders_inert(client, office, media):
    item = publish(office, create(office, "city"), "city")
    editor = office.user(Role.EDITOR, "city")
    draft = services.publication_revise(publication=item, user=editor)
    services.publication_update(publication=draft, data={"title": TITLES[1]}, user=editor)
    publish(office, draft, "city")
    response = client.get(item.get_absolute_url())
    assert response.status_code == 302
    html = page(client, response["Location"])
    assert_inert(html)
    assert escape(TITLES[1]) in html


# ---------------------------------------------------------------------------------------------
# Admin pages.


def test_admin_change_list(client, office, payloads):
    client.force_login(office.user(Role.EDITOR, "township"))
    html = page(client, reverse("admin:publications_publication_changelist"))
    assert_inert(html)
    assert escape(TITLE) in html
    # Searching for the payload echoes it in the search box and the result header.
    url = reverse("admin:publications_publication_changelist")
    html = page(client, f"{url}?{urlencode({'q': TITLES[1]})}")
    assert_inert(html)


def test_admin_change_page(client, office, payloads):
    client.force_login(office.user(Role.EDITOR, "township"))
    for state, item in payloads.items():
        html = page(client, reverse("admin:publications_publication_change", args=[item.pk]))
        assert_inert(html)
        assert escape(TITLE) in html, state
        assert escape(DOC_NO) in html, state
        assert escape(RESPONSIBLE) in html, state
        assert escape(item.attachments.get().name) in html, state
        if state == "returned":
            assert escape(REASON) in html


def test_admin_change_page_as_the_reviewer(client, office, payloads):
    item = payloads["submitted"]
    client.force_login(office.reviewer_for("township"))
    html = page(client, reverse("admin:publications_publication_change", args=[item.pk]))
    assert_inert(html)
    assert escape(TITLE) in html


def test_admin_history_page(client, office, payloads):
    client.force_login(office.user(Role.EDITOR, "township"))
    for state, item in payloads.items():
        html = page(client, reverse("admin:publications_publication_history", args=[item.pk]))
        assert_inert(html)
        assert escape(TITLE) in html, state
        if state == "returned":
            assert escape(REASON) in html


WORKLIST_VIEWS = [
    ("todo", Role.EDITOR, "township"),
    ("review", Role.EDITOR, "township"),
    ("review", Role.REVIEWER, "district"),
    ("published", Role.EDITOR, "township"),
    ("published", Role.REVIEWER, "district"),
]


def test_worklist_tabs(client, office, payloads):
    url = reverse("admin:publications_publication_worklist")
    for tab, role, level in WORKLIST_VIEWS:
        client.force_login(office.user(role, level))
        html = page(client, f"{url}?tab={tab}")
        assert_inert(html)
        assert escape(TITLE) in html, (tab, role, level)
        if tab == "todo":
            # The returned draft shows its reason on the list.
            assert escape(REASON[:20]) in html


def test_worklist_echoes_filter_values_escaped(client, office, payloads):
    client.force_login(office.user(Role.EDITOR, "township"))
    url = reverse("admin:publications_publication_worklist")
    evil = '"><script>alert(30)</script>'
    fields = ("author", "from", "to", "entry", "domain", "deadline")
    html = page(client, f"{url}?{urlencode({'tab': 'todo', **dict.fromkeys(fields, evil)})}")
    assert_inert(html)
    # The invalid date is reported, escaped.
    assert escape(evil) in html


def test_a_payload_in_the_entry_time_limit_reaches_the_due_note_escaped(client, office, media):
    # The due note quotes a 公开时限 it cannot read; that text comes from the catalog.
    entry = office.entries["township"]
    type(entry).objects.filter(pk=entry.pk).update(time_limit='"><img src=x onerror=alert(40)>')
    entry.refresh_from_db()
    item = create(office, "township")
    assert "onerror" in item.due_note
    client.force_login(office.user(Role.EDITOR, "township"))
    for url in (
        reverse("admin:publications_publication_worklist") + "?tab=todo",
        reverse("admin:publications_publication_changelist"),
        reverse("admin:publications_publication_change", args=[item.pk]),
    ):
        assert_inert(page(client, url))


# ---------------------------------------------------------------------------------------------
# E-mails (plain text: the title as typed, no HTML entities).

ENTITIES = ("&lt;", "&gt;", "&quot;", "&#x27;", "&#39;", "&amp;")


def assert_plain(text: str) -> None:
    for entity in ENTITIES:
        assert entity not in text


def test_notification_emails_carry_the_raw_title_as_text(
    office, media, mailoutbox, django_capture_on_commit_callbacks
):
    editor = office.user(Role.EDITOR, "township")
    reviewer = office.reviewer_for("township")
    returned = create(office, "township")
    approved = create(office, "township")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_submit(publication=returned, user=editor)
        services.publication_submit(publication=approved, user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_return(publication=returned, user=reviewer, reason=REASON)
        services.publication_approve(publication=approved, user=reviewer)
    # Two submissions to the district's reviewer and administrator, two decisions back.
    assert len(mailoutbox) == 6
    for message in mailoutbox:
        assert TITLE in message.body
        assert_plain(message.body)
        assert_plain(message.subject)
        # The subject is one header line: no line breaks smuggled in through the title.
        assert "\n" not in message.subject and "\r" not in message.subject
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", None)
    assert TITLE[:10] in mailoutbox[0].subject
    returned_mail = next(m for m in mailoutbox if "已退回" in m.subject)
    assert REASON in returned_mail.body


def test_digest_email_carries_the_raw_title_as_text(office, media, mailoutbox):
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    from publications.tasks import send_review_digest

    item = create(office, "township")
    services.publication_submit(publication=item, user=office.user(Role.EDITOR, "township"))
    Publication.objects.filter(pk=item.pk).update(
        submitted_at=timezone.make_aware(dt.datetime(2026, 11, 2, 9))
    )
    cache.delete("notice-sent:review-digest:2026-11-20")
    # The district's reviewer and administrator review the township.
    assert send_review_digest.apply(kwargs={"today": "2026-11-20"}).get() == 2
    for message in mailoutbox:
        assert TITLE in message.body
        assert_plain(message.body)
        assert_plain(message.subject)
