"""The reviewer's panel on an entry's change page: what the working copy changes, as 原值 → 新值,
every element readable (公开层级 as a table, channels and flags as item lists), never a Python
list or dict."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalog.models import CatalogEntry, Channel
from catalog.services import entry_drop, entry_update
from districts.models import Role
from tests.publications.conftest import calendar, office  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

# What a Python repr of a list or dict looks like once the template has escaped it.
REPR = re.compile(r"\[&#x27;|\{&#x27;|&#x27;, &#x27;|\[\{|\[\]|\{\}|\bTrue\b|\bFalse\b|\bNone\b")


def change_page(client, user, entry) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:catalog_catalogentry_change", args=[entry.pk]))
    assert response.status_code == 200
    return response.content.decode()


def panel(html: str) -> str:
    start = html.index('<fieldset class="module review-panel">')
    return html[start : html.index("</fieldset>", start)]


def rows(html: str) -> dict[str, str]:
    """Return the review panel's changes: element label → the HTML of its cell.

    The cells hold tables of their own (公开层级), so the rows are found by nesting depth.
    """
    text = panel(html)
    text = text[text.index('<table class="element-changes') :]
    found, depth, row_start = {}, 0, None
    for tag in re.finditer(r"<(/?)(table|tr)\b[^>]*>", text):
        closing, name = tag.group(1), tag.group(2)
        if name == "table":
            depth += -1 if closing else 1
            if depth == 0:
                break
        elif depth == 1 and not closing:
            row_start = tag.end()
        elif depth == 1 and closing and row_start is not None:
            row = text[row_start : tag.start()]
            label = re.match(r'<th scope="row">([^<]+)</th><td>', row)
            if label:
                found[label.group(1)] = row[label.end() : -len("</td>")]
    return found


def test_each_change_reads_old_then_new(client, office):  # noqa: F811
    entry = office.entries["district"]
    editor = office.user(Role.EDITOR, "district")
    centre = Channel.objects.get(name="政务服务中心")
    website = Channel.objects.get(name="政府网站")
    entry_update(
        entry=entry,
        changes={
            "time_limit": "信息形成之日起5个工作日内",
            "channels": [website.pk, centre.pk],
            "audience": [True, True],
            "levels": [
                {"level": "县级", "channels": ["政府网站", "政务服务中心"]},
                {"level": "乡级", "channels": ["公开查阅点"]},
            ],
            "item_type": "service",
        },
        user=editor,
    )
    entry.refresh_from_db()
    html = change_page(client, office.user(Role.REVIEWER, "city"), entry)
    assert "与公众现在看到的已发布内容相比，工作稿修改了 5 项（原值 → 新值）" in html
    assert not REPR.search(panel(html)), REPR.search(panel(html))
    changes = rows(html)
    assert list(changes) == ["公开时限", "公开渠道和载体", "公开对象", "公开层级", "事项类型"]
    # Old and new, each in del/ins with its text label (not told by colour alone).
    assert changes["公开时限"] == (
        '<div class="value-change"><del class="value-old"><span class="change-label">原值'
        '<span class="visually-hidden">：</span></span><span class="value-text">'
        "制定或获取信息之日起10个工作日内</span></del>"
        '<span class="change-arrow" aria-hidden="true">→</span>'
        '<ins class="value-new"><span class="change-label">新值'
        '<span class="visually-hidden">：</span></span><span class="value-text">'
        "信息形成之日起5个工作日内</span></ins></div>"
    )
    # Lists as item lists.
    old, new = changes["公开渠道和载体"].split("→")
    assert re.findall(r"<li>([^<]+)</li>", new) == ["政府网站", "政务服务中心"]
    assert '<span class="value-empty">（无）</span>' in old  # none before
    assert re.findall(r"<li>([^<]+)</li>", changes["公开对象"]) == ["全社会", "全社会", "特定群体"]
    # 公开层级 as a table: level × channels; before, there were none.
    old, new = changes["公开层级"].split('<span class="change-arrow"')
    assert '<span class="value-empty">（无）</span>' in old
    assert '<th scope="col">公开层级</th><th scope="col">公开渠道和载体</th>' in new
    assert re.findall(r'<th scope="row">([^<]+)</th>', new) == ["县级", "乡级"]
    assert "<li>公开查阅点</li>" in new
    assert (
        "非政务服务事项" in changes["事项类型"]
        and "政务服务事项</span></ins>" in changes["事项类型"]
    )
    # The derivation table further down shows the levels the same way.
    derivation = html[html.index('class="derivation-table') :]
    assert '<table class="value-table">' in derivation
    assert not REPR.search(derivation[: derivation.index("</table>\n")])
    assert 'href="/static/catalog/changes.css"' in html


def test_levels_kept_as_a_mapping_read_as_yes_and_no(client, office):  # noqa: F811
    """Older snapshots hold 公开层级 as {level: True/False}: a table of 是/否, not "{...}"."""
    entry = office.entries["district"]
    CatalogEntry.objects.filter(pk=entry.pk).update(
        published_values={**entry.published_values, "levels": {"县级": True, "乡级": False}}
    )
    html = change_page(client, office.user(Role.EDITOR, "district"), entry)
    cell = rows(html)["公开层级"]
    assert '<th scope="col">公开层级</th><th scope="col">是否公开</th>' in cell
    assert '<th scope="row">县级</th><td>是</td>' in cell
    assert '<th scope="row">乡级</th><td>否</td>' in cell
    assert not REPR.search(panel(html))


def test_an_unchanged_entry_says_so(client, office):  # noqa: F811
    html = change_page(client, office.user(Role.EDITOR, "district"), office.entries["district"])
    assert "工作稿与已发布内容一致，没有修改。" in panel(html)
    assert "value-change" not in panel(html)


def test_a_never_published_entry_lists_what_approval_would_publish(client, office):  # noqa: F811
    entry = office.entries["city"]
    CatalogEntry.objects.filter(pk=entry.pk).update(
        published_values=None, published_at=None, status="draft"
    )
    entry.refresh_from_db()
    html = change_page(client, office.user(Role.EDITOR, "city"), entry)
    text = panel(html)
    assert "本事项尚未发布：审核通过后公众将看到以下内容" in text
    changes = rows(html)
    assert changes["公开时限"] == '<span class="value-text">制定或获取信息之日起10个工作日内</span>'
    assert re.findall(r"<li>([^<]+)</li>", changes["公开方式"]) == ["主动"]
    assert "<del" not in text and not REPR.search(text)


def test_a_followed_value_the_source_has_not_published_carries_a_note(client, office):  # noqa: F811
    district, township = office.entries["district"], office.entries["township"]
    entry_update(
        entry=district,
        changes={"subject": "芙蓉区民政局"},
        user=office.user(Role.EDITOR, "district"),
    )
    township.refresh_from_db()
    assert township.subject == "芙蓉区民政局" and "subject" not in township.overridden
    html = change_page(client, office.user(Role.EDITOR, "township"), township)
    changes = rows(html)
    assert "芙蓉区民政局" in changes["公开主体"]
    assert "本级跟随上级：审核通过后公众看到的是上级已发布的值" in changes["公开主体"]


def test_dropping_is_shown_as_a_change_of_state(client, office):  # noqa: F811
    township = office.entries["township"]
    entry_drop(entry=township, user=office.user(Role.EDITOR, "township"), confirm=True)
    township.refresh_from_db()
    html = change_page(client, office.user(Role.EDITOR, "township"), township)
    cell = rows(html)["事项状态"]
    assert '<span class="value-text">公开</span></del>' in cell
    assert '<span class="value-text">已删减（本级删减）</span></ins>' in cell


def test_text_is_escaped(client, office):  # noqa: F811
    entry = office.entries["district"]
    entry_update(
        entry=entry,
        changes={"remarks": '<script>alert("x")</script>\n第二行'},
        user=office.user(Role.EDITOR, "district"),
    )
    html = change_page(client, office.user(Role.EDITOR, "district"), entry)
    cell = rows(html)["备注"]
    assert "<script>" not in cell
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\n第二行" in cell


def test_publications_keep_their_panel(client, office):  # noqa: F811
    item = office.publication("township", "draft", title="原标题")
    client.force_login(office.user(Role.EDITOR, "township"))
    html = client.get(
        reverse("admin:publications_publication_change", args=[item.pk])
    ).content.decode()
    assert 'class="module review-panel"' in html and "review-changes" not in html


def test_a_submitted_entry_shows_its_levels_read_only_as_a_table(client, office):  # noqa: F811
    """Frozen while under review, the form shows 公开层级 as a table, never its stored JSON."""
    from catalog import review

    entry = office.entries["district"]
    editor = office.user(Role.EDITOR, "district")
    entry_update(
        entry=entry,
        changes={"levels": [{"level": "县级", "channels": ["政府网站", "政务服务中心"]}]},
        user=editor,
    )
    review.entries_submit(entries=[entry], user=editor)
    html = change_page(client, editor, entry)
    form = html[html.index('<fieldset class="module aligned') :]
    form = form[: form.index('<fieldset class="module review-panel">')]
    assert 'name="levels"' not in form  # read-only: no input to post
    assert '<th scope="col">公开层级</th><th scope="col">公开渠道和载体</th>' in form
    assert '<th scope="row">县级</th>' in form and "<li>政务服务中心</li>" in form
    assert '"level"' not in form and "&quot;level&quot;" not in form
    # (Django's yes/no icons carry alt="True"/"False": the flags are booleans, not reprs.)
    assert not REPR.search(re.sub(r'alt="(True|False)"', "", form))
