"""The help centre (帮助中心): help for every element, true to the code; staff-only static pages;
a 填报说明 link beside every element of the catalog entry form."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import review, services
from catalog.forms import LevelsField
from catalog.models import CatalogEntry, Channel, Element
from catalog.workbooks.read import ITEM_TYPES, parse_channel_names, parse_marks
from districts.models import Role
from portal import help_content
from portal.help_content import (
    ELEMENT_HELP,
    EXAMPLES_FILE,
    FAQ,
    PAGES,
    REASON_LIMIT,
    REVIEW,
    WORKBOOKS,
    Example,
    element_anchor,
)
from portal.review_kernel import clean_reason
from tests.factories import SecondLevelItemFactory, UserFactory
from workcalendar.deadlines import STATUTORY_DAYS, DeadlineKind, parse_time_limit

ROOT = Path(settings.BASE_DIR)
ID = re.compile(r'\sid="([^"]+)"')
HELP_LINK = re.compile(r'<a href="([^"#]*)#(element-[^"]+)" target="_blank" rel="noopener">')


def help_urls() -> list[str]:
    return [reverse(f"admin:{page.url_name}") for page in PAGES]


def examples() -> list[tuple[Element, str, Example]]:
    return [
        (element, kind, example)
        for element, help_ in ELEMENT_HELP.items()
        for kind, example in (("good", help_.good), ("bad", help_.bad))
    ]


def all_texts() -> list[str]:
    """Return every text of the help centre that a page fills with the facts."""
    texts = [help_content.GENERAL.title, *help_content.GENERAL.paragraphs]
    texts += help_content.GENERAL.bullets
    for help_ in ELEMENT_HELP.values():
        texts += [help_.meaning, *help_.how, *help_.rules, *help_.mistakes]
        texts += [help_.good.why, help_.bad.why]
    for topic in (*REVIEW, *WORKBOOKS):
        texts += [topic.title, *topic.paragraphs, *topic.bullets]
        texts += [text for row in topic.rows for text in row]
    for question in FAQ:
        texts += [question.question, *question.answer]
    return texts


def content_of(response) -> str:
    """Return the page's own content: from #content-main to the footer (no user tools)."""
    html = response.content.decode()
    start = html.index('<div id="content-main"')
    return html[start : html.index("<footer", start)]


@pytest.fixture
def township_entry(city, furong, wenyilu):
    """Return 文艺路街道's entry derived from a city entry (through 芙蓉区)."""
    item = SecondLevelItemFactory()
    services.entry_create(
        division=city,
        item=item,
        values={"content": "SECRET-HELP-MARKER 公开内容", "time_limit": "20个工作日内"},
        user=None,
    )
    services.catalog_derive(division=furong, user=None, refresh_ties=False)
    services.catalog_derive(division=wenyilu, user=None, refresh_ties=False)
    return CatalogEntry.objects.get(division=wenyilu, item=item)


# ---------------------------------------------------------------------------------------------
# The content


def test_every_element_has_help_with_a_good_and_a_bad_example():
    assert list(ELEMENT_HELP) == list(Element), "help for every element, in the code's order"
    for element, help_ in ELEMENT_HELP.items():
        assert help_.element == element
        assert help_.meaning and help_.how and help_.rules and help_.mistakes, element
        for example in (help_.good, help_.bad):
            assert example.text.strip() and example.why.strip(), element
        assert help_.good.text != help_.bad.text, element


def test_examples_are_real_catalog_lines_and_cite_them():
    path = ROOT / EXAMPLES_FILE
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = {}
        for row in reader:
            rows[reader.line_num] = row
    for element, kind, example in examples():
        where = f"{element.value} {kind}: line {example.line}"
        row = rows.get(example.line)
        assert row is not None, f"{where} is not a line of {EXAMPLES_FILE}"
        assert example.column in row, where
        assert row["domain"] in example.where, f"{where} names another domain than the line's"
        if example.verbatim:
            assert example.text in row[example.column], f"{where}: not in {example.column}"
        else:
            assert row[example.column].strip(), f"{where}: written from an empty cell"
        assert example.citation.startswith(f"{EXAMPLES_FILE} 第{example.line}行")


def test_every_text_names_only_known_facts(settings):
    facts = help_content.facts()
    for text in all_texts():
        filled = text.format_map(facts)
        assert "{" not in filled and "}" not in filled, text
    # The numbers come from the settings the checks read, not from the prose.
    settings.LOGIN_LOCKOUT_MINUTES = 45
    settings.PUBLICATION_ATTACHMENT_MAX_BYTES = 5 * 2**20
    facts = help_content.facts()
    assert (facts["lockout_minutes"], facts["attachment_mb"]) == ("45", "5 MB")


def test_the_time_limit_help_is_what_the_deadline_parser_does():
    help_ = ELEMENT_HELP[Element.TIME_LIMIT]
    good = parse_time_limit(help_.good.text)
    assert (good.kind, good.days, good.has_exceptions) == (DeadlineKind.WORKING_DAYS, 20, True)
    assert "7个工作日" in good.note
    for unclear in (help_.bad.text, "及时公开", ""):
        rule = parse_time_limit(unclear)
        assert (rule.kind, rule.days) == (DeadlineKind.STATUTORY_DEFAULT, STATUTORY_DAYS)
    # “批准后20日内” counts calendar days; 长期 / 实时 as the rules say.
    assert parse_time_limit("本级人民代表大会或其常务委员会批准后20日内").kind == "calendar_days"
    assert parse_time_limit("长期公开").due_date(dt.date(2026, 3, 2)) is None
    assert parse_time_limit("实时公开").kind == DeadlineKind.IMMEDIATE


def test_the_levels_help_is_what_the_form_does():
    help_ = ELEMENT_HELP[Element.LEVELS]
    field = LevelsField(required=False)
    levels = field.clean(help_.good.text)
    assert [lvl["level"] for lvl in levels] == ["县级", "乡级"]
    assert all(len(lvl["channels"]) == 4 for lvl in levels)
    # Without “层级：” the whole line is taken as the level's name, with no channel.
    assert field.clean(help_.bad.text) == [{"level": help_.bad.text, "channels": []}]
    with pytest.raises(ValidationError, match="第1行缺少层级名称"):
        field.clean("：政府网站")


@pytest.mark.django_db
def test_the_channel_audience_mode_and_type_help_is_what_the_importer_does(reference_data):
    names = set(Channel.objects.values_list("name", flat=True))
    good = parse_channel_names(ELEMENT_HELP[Element.CHANNELS].good.text)
    bad = parse_channel_names(ELEMENT_HELP[Element.CHANNELS].bad.text)
    assert set(good) <= names
    assert "政府服务中心" in bad and "政府服务中心" not in names and "政务服务中心" in names
    assert "发布会/听证会" in names and "发布会听证会" not in names
    for element in (Element.AUDIENCE, Element.MODE):
        assert parse_marks(ELEMENT_HELP[element].good.text) is True
        assert parse_marks(ELEMENT_HELP[element].bad.text) is None  # an error on import
    assert ELEMENT_HELP[Element.ITEM_TYPE].good.text in ITEM_TYPES
    assert ELEMENT_HELP[Element.ITEM_TYPE].bad.text not in ITEM_TYPES
    with pytest.raises(ValidationError, match="至少选择全社会或特定群体之一"):
        services.normalise_value("audience", [False, False])
    with pytest.raises(ValidationError, match="至少选择主动或依申请之一"):
        services.normalise_value("mode", [False, False])


def test_the_reason_limit_is_the_services_own():
    # Catalog entries and publications both check reasons with the review kernel's clean_reason.
    from publications import services as publication_services

    assert review.clean_reason is publication_services.clean_reason is clean_reason
    assert clean_reason("改" * REASON_LIMIT, "退回")
    with pytest.raises(ValidationError):
        clean_reason("改" * (REASON_LIMIT + 1), "退回")


def test_the_faq_has_the_questions_clerks_ask():
    assert len(FAQ) >= 12
    anchors = [q.anchor for q in FAQ]
    assert len(set(anchors)) == len(anchors)
    asked = " ".join(q.question for q in FAQ)
    for topic in ("忘记密码", "锁定", "新增事项", "删减", "退回", "附件", "截止日期"):
        assert topic in asked, topic


def test_every_link_of_the_help_resolves():
    for topic in (*REVIEW, *WORKBOOKS):
        for _label, name in topic.links:
            reverse(name)
    for question in FAQ:
        for _label, name in question.links:
            reverse(name)


# ---------------------------------------------------------------------------------------------
# The pages


def test_the_pages_answer_staff_and_send_everyone_else_to_sign_in(client, wenyilu, make_member):
    login = reverse("admin:login")
    for url in help_urls():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    # Signed in but not staff: the admin's own sign-in page too.
    client.force_login(UserFactory(is_staff=False))
    for url in help_urls():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    # Any member of staff, a township clerk or one without any role yet.
    for user in (make_member(wenyilu, Role.EDITOR), UserFactory()):
        client.force_login(user)
        for url in help_urls():
            response = client.get(url)
            assert response.status_code == 200, url
            assert "帮助中心" in response.content.decode()
            assert client.post(url).status_code == 405, url


def test_the_pages_extend_the_admin_with_breadcrumbs_and_section_links(
    client, wenyilu, make_member
):
    client.force_login(make_member(wenyilu, Role.EDITOR))
    index = reverse("admin:help_index")
    for page, url in zip(PAGES, help_urls(), strict=True):
        html = client.get(url).content.decode()
        crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S).group(1)
        assert reverse("admin:index") in crumbs
        if url != index:
            assert f'href="{index}"' in crumbs and page.title in crumbs
        assert f'<a href="{url}" aria-current="page">{page.title}</a>' in html
        assert "portal/help.css" in html and 'name="viewport"' in html
        ids = ID.findall(html)
        assert len(ids) == len(set(ids)), f"{url}: ids repeat"
        # Every in-page link lands on an id of the page.
        for anchor in re.findall(r'href="#([^"]+)"', html):
            assert anchor in ids, f"{url}: #{anchor}"


def test_the_index_has_an_anchor_per_element(client, wenyilu, make_member):
    client.force_login(make_member(wenyilu, Role.EDITOR))
    html = client.get(reverse("admin:help_index")).content.decode()
    ids = set(ID.findall(html))
    for element, help_ in ELEMENT_HELP.items():
        assert element_anchor(element) == f"element-{element.value}" in ids
        assert help_.good.citation in html and help_.bad.citation in html


def test_the_faq_renders_every_question_with_the_settings_in_force(
    client, wenyilu, make_member, settings
):
    settings.STAFF_SESSION_IDLE_MINUTES = 17
    client.force_login(make_member(wenyilu, Role.EDITOR))
    response = client.get(reverse("admin:help_faq"))
    html = response.content.decode()
    for question in FAQ:
        assert f'id="faq-{question.anchor}"' in html
        assert question.question in html
    assert "17分钟没有任何操作" in html
    assert f"锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟" in html
    assert reverse("admin:password_change") in html


def test_the_pages_are_static_and_read_nobody_s_data(
    client, city, wenyilu, township_entry, make_member
):
    """Every member of staff reads the same pages, and rendering them reads no catalog,
    publication or guide table: nothing of anyone's can show."""
    clerk = make_member(wenyilu, Role.EDITOR, username="help-clerk")
    chief = make_member(city, Role.ADMINISTRATOR, username="help-chief")
    for url in help_urls():
        seen = []
        for user in (clerk, chief):
            client.force_login(user)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            read = " ".join(q["sql"] for q in queries.captured_queries)
            for table in ("catalog_", "publications_", "guides_"):
                assert table not in read, f"{url} read {table}…"
            html = response.content.decode()
            assert "SECRET-HELP-MARKER" not in html
            seen.append(content_of(response))
        assert seen[0] == seen[1], f"{url} differs between staff members"
        assert "help-clerk" not in seen[1] and "help-chief" not in seen[0]


def test_the_user_tools_link_to_the_help_centre_and_keep_their_links(client, wenyilu, make_member):
    client.force_login(make_member(wenyilu, Role.EDITOR))
    html = client.get(reverse("admin:index")).content.decode()
    tools = html[html.index('id="user-tools"') :]
    tools = tools[: tools.index("</div>")]
    assert f'<a href="{reverse("admin:help_index")}" class="help-centre-link">帮助中心</a>' in tools
    assert reverse("admin:password_change") in tools and 'id="logout-form"' in tools


# ---------------------------------------------------------------------------------------------
# The 填报说明 links on the entry form


def _help_links(html: str) -> dict[str, str]:
    """Return {anchor: path} of the 填报说明 links on a page (each element once)."""
    links = HELP_LINK.findall(html)
    anchors = [anchor for _path, anchor in links]
    assert len(anchors) == len(set(anchors)), "one link per element"
    return {anchor: path for path, anchor in links}


def test_the_entry_form_links_every_element_to_its_help(
    client, wenyilu, township_entry, make_member
):
    clerk = make_member(wenyilu, Role.EDITOR)
    client.force_login(clerk)
    url = reverse("admin:catalog_catalogentry_change", args=[township_entry.pk])
    links = _help_links(client.get(url).content.decode())
    assert set(links) == {f"element-{e.value}" for e in Element}
    index = reverse("admin:help_index")
    assert set(links.values()) == {index}
    help_ids = set(ID.findall(client.get(index).content.decode()))
    assert set(links) <= help_ids, "every link lands on the element's help"
    # Submitted, the entry is read-only: the links stay beside the read-only values.
    review.entries_submit(entries=[township_entry], user=clerk)
    html = client.get(url).content.decode()
    assert "撤回提交" in html
    assert set(_help_links(html)) == set(links)


def test_the_reviewer_above_sees_the_links_too(client, furong, township_entry, make_member):
    client.force_login(make_member(furong, Role.REVIEWER))
    url = reverse("admin:catalog_catalogentry_change", args=[township_entry.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert len(_help_links(response.content.decode())) == len(Element)


def test_the_township_catalog_has_no_add_button(client, wenyilu, furong, make_member):
    """The FAQ says so (为什么我不能新增事项): townships only subtract."""
    add = reverse("admin:catalog_catalogentry_add")
    changelist = reverse("admin:catalog_catalogentry_changelist")
    client.force_login(make_member(wenyilu, Role.EDITOR))
    assert f'href="{add}"' not in client.get(changelist).content.decode()
    client.force_login(make_member(furong, Role.EDITOR))
    assert f'href="{add}"' in client.get(changelist).content.decode()


def test_the_entry_form_fieldset_is_djangos_own_plus_the_link():
    """The entry form renders its fieldsets with a copy of Django's template that adds one line;
    the rest must stay Django's, so an upgrade that changes Django's is noticed here."""
    import django.contrib.admin

    django_own = (
        Path(django.contrib.admin.__file__).parent / "templates/admin/includes/fieldset.html"
    )
    ours = ROOT / "templates/admin/catalog/catalogentry/includes/fieldset.html"
    kept = [
        line
        for line in ours.read_text(encoding="utf-8").splitlines()
        if "help_centre" not in line and "element_help_link" not in line
    ]
    assert kept == django_own.read_text(encoding="utf-8").splitlines()
    tags = [
        line
        for line in ours.read_text(encoding="utf-8").splitlines()
        if "{% element_help_link" in line
    ]
    assert [tag.strip() for tag in tags] == ["{% element_help_link field.field.name %}"]
