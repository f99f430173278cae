"""The publication body's rich-text editor, server side: sanitising, old plain-text bodies, wiring.

Word's clipboard HTML goes through the sanitiser bare: no mso- styles, <o:p>, spans, classes,
fonts or javascript: links, while paragraphs, emphasis and tables stay. A body typed into the old
plain textarea becomes paragraphs at its blank lines, when it is shown, saved or opened in the
editor. The editor is wired to the body field only, from the portal's own static files, with
nothing inline for the Content-Security-Policy to refuse. The editor itself is driven in
Chromium by tests/browser/test_editor_in_browser.py.
"""

from __future__ import annotations

import json
import re

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django_prose_editor.config import allowlist_from_extensions

from districts.models import Role
from publications import services
from publications.editor import EDITOR_JS, EXTENSIONS, BodyEditorWidget
from publications.forms import PublicationForm
from publications.models import Publication
from publications.sanitise import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_html, paragraphs_from_text
from tests.portal.csp_pages import inline_problems

# Word's clipboard HTML, trimmed: namespaces, a style block, conditional comments, Mso classes
# and mso- styles, <o:p>, nested spans with fonts and colours, <font>, a table with widths and
# Word's own attributes, and a javascript: link.
WORD = """<html xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta charset="utf-8">
<style><!-- p.MsoNormal {mso-style-parent:""; font-family:宋体;} --></style>
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]-->
</head><body lang="ZH-CN" style="tab-interval:21.0pt">
<!--StartFragment-->
<h2 class="MsoTitle" style="mso-outline-level:2"><span
style="font-family:黑体">一、发放标准</span></h2>
<p class="MsoNormal" style="text-indent:21.0pt;mso-char-indent-count:2.0"><span
style="font-size:16.0pt;font-family:仿宋_GB2312;mso-hansi-font-family:宋体"><span lang="EN-US"
style="color:red"><span style="mso-spacerun:yes">&nbsp;</span>城市</span>低保<b
style="mso-bidi-font-weight:normal">每人每月</b><i>850元</i>。<o:p></o:p></span></p>
<p class="MsoNormal"><font face="黑体" color="#ff0000">详见</font><a href="javascript:alert(1)"
class="MsoHyperlink">此处</a>和<a href="https://www.gov.cn/" style="color:blue"
target="_blank">国务院网站</a><o:p>&nbsp;</o:p></p>
<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" width="400"
style="border-collapse:collapse;mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt">
<tr style="mso-yfti-irow:0;mso-yfti-firstrow:yes"><td width="200" valign="top"
style="width:150pt;border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt">
<p class="MsoNormal"><span style="font-family:宋体">户数<o:p></o:p></span></p></td>
<td width="200" colspan="1" style="width:150pt"><p class="MsoNormal">金额<o:p></o:p></p></td></tr>
</table>
<!--EndFragment-->
</body></html>"""


# ---------------------------------------------------------------------------------------------
# Word paste through the sanitiser.


def test_word_markup_is_stripped_to_structure():
    cleaned = clean_html(WORD)
    for gone in (
        "mso",
        "Mso",
        "class=",
        "style=",
        "<span",
        "<font",
        "o:p",
        "<o:",
        "lang=",
        "width",
        "valign",
        "border",
        "cellpadding",
        "宋体",  # the style block's and the style attributes' fonts
        "Print",  # the <xml> in the conditional comment
        "<!--",
        "<html",
        "<head",
        "<meta",
        "javascript",
        "target=",
    ):
        assert gone not in cleaned, (gone, cleaned)
    assert "<h2>一、发放标准</h2>" in cleaned
    assert "城市</span>" not in cleaned and "城市低保<b>每人每月</b><i>850元</i>。" in cleaned
    # The javascript: link loses its href (an inert <a> around the text); the web link stays.
    assert '详见<a rel="noopener noreferrer nofollow">此处</a>' in cleaned
    assert (
        '<a href="https://www.gov.cn/" rel="noopener noreferrer nofollow">国务院网站</a>' in cleaned
    )
    # The table keeps its rows and cells, and nothing of Word's layout.
    assert re.search(r"<table>\s*<tbody><tr><td>\s*<p>户数</p></td>\s*<td colspan=\"1\">", cleaned)
    assert "<p>金额</p>" in cleaned


def test_nested_spans_leave_their_text_in_order():
    html = '<p><span style="a"><span class="b"><span lang="c">甲</span>乙</span>丙</span></p>'
    assert clean_html(html) == "<p>甲乙丙</p>"


# ---------------------------------------------------------------------------------------------
# Old bodies typed as plain text.


@pytest.mark.parametrize(
    "text, html",
    [
        ("第一段\n\n第二段", "<p>第一段</p>\n<p>第二段</p>"),
        # Several blank lines, blanks on them, Windows line ends: one paragraph break.
        ("第一段\r\n \r\n\t\r\n\r\n第二段\r\n", "<p>第一段</p>\n<p>第二段</p>"),
        # A single line break stays a line break inside the paragraph.
        ("标题行\n正文行\n\n下一段", "<p>标题行<br>\n正文行</p>\n<p>下一段</p>"),
        # A line of ideographic spaces is a blank line; a leading one is a first-line indent.
        ("　　第一段\n　　\n　　第二段", "<p>　　第一段</p>\n<p>　　第二段</p>"),
        ("只有一段", "<p>只有一段</p>"),
        ("", ""),
        ("\n \n", ""),
    ],
)
def test_plain_text_becomes_paragraphs(text, html):
    assert paragraphs_from_text(text) == html


@pytest.mark.parametrize(
    "markup",
    [
        "<p>第一段</p>\n\n<p>第二段</p>",
        "第一段<br>\n\n第二段",
        "<!-- 注释 -->\n\n正文",
        "</p>\n\n正文",
    ],
)
def test_text_with_markup_is_left_as_it_is(markup):
    assert paragraphs_from_text(markup) == markup


def test_plain_text_is_escaped_by_the_sanitiser_not_read_as_markup():
    # "<" followed by a space or a digit starts no tag: the text is plain and stays text.
    assert clean_html("甲 < 乙 & 丙\n\n1<2") == "<p>甲 &lt; 乙 &amp; 丙</p>\n<p>1&lt;2</p>"


def test_an_old_body_shows_and_saves_as_paragraphs(client, office):
    # Stored as typed before the editor (the services would now convert it), then published.
    item = office.publication("district", "draft", title="旧正文")
    Publication.objects.filter(pk=item.pk).update(body="第一段\n第一段第二行\n\n第二段")
    services.publication_submit(publication=item, user=office.user(Role.EDITOR, "district"))
    services.publication_approve(publication=item, user=office.reviewer_for("district"))
    html = client.get(item.get_absolute_url()).content.decode()
    assert "<p>第一段<br>\n第一段第二行</p>\n<p>第二段</p>" in html

    draft = services.publication_create(
        entry=office.entries["city"],
        data={"title": "纯文本正文", "body": "第一段\n\n第二段", "formed_on": "2026-11-02"},
        user=office.user(Role.EDITOR, "city"),
    )
    assert draft.body == "<p>第一段</p>\n<p>第二段</p>"


# ---------------------------------------------------------------------------------------------
# The editor's wiring.


def test_what_the_editor_can_make_survives_the_sanitiser():
    allowed = allowlist_from_extensions(EXTENSIONS)
    assert allowed["tags"] <= ALLOWED_TAGS, allowed["tags"] - ALLOWED_TAGS
    # No images, colours, fonts, classes or styles to begin with.
    assert not {"img", "span", "figure", "font"} & allowed["tags"]
    for attributes in allowed["attributes"].values():
        assert not {"style", "class"} & set(attributes)
    # Link attributes beyond href and title are the editor's own and are dropped on save.
    assert set(allowed["attributes"]["a"]) - ALLOWED_ATTRIBUTES["a"] <= {"rel", "target"}


def test_only_the_body_gets_the_editor():
    form = PublicationForm()
    assert isinstance(form.fields["body"].widget, BodyEditorWidget)
    for name in ("title", "doc_no", "responsible_body"):
        assert not isinstance(form.fields[name].widget, BodyEditorWidget)
        assert not isinstance(form.fields[name].widget, forms.Textarea)


def test_the_widget_names_the_editor_module_and_loads_no_inline_code():
    widget = BodyEditorWidget()
    html = widget.render("body", "第一段\n\n第二段", {"id": "id_body"})
    config = json.loads(
        re.search(r'data-body-editor="([^"]+)"', html).group(1).replace("&quot;", '"')
    )
    assert config["editor"] == "/static/django_prose_editor/editor.js"
    assert set(config["extensions"]) >= set(EXTENSIONS) | {"Document", "Text", "Menu"}
    assert "required" not in html
    # The old plain-text body opens as paragraphs (escaped inside the textarea).
    assert "&lt;p&gt;第一段&lt;/p&gt;\n&lt;p&gt;第二段&lt;/p&gt;</textarea>" in html
    media = str(widget.media)
    assert '<script src="/static/publications/body_editor.js" type="module"></script>' in media
    assert "importmap" not in media and inline_problems(html + media) == []
    for path in [EDITOR_JS, *widget.media._css["all"], "publications/body_editor.js"]:
        assert finders.find(path), path


@pytest.mark.django_db
def test_the_add_page_renders_the_editor_without_inline_code(client, office):
    client.force_login(office.user(Role.EDITOR, "township"))
    response = client.get("/admin/publications/publication/add/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-body-editor="' in html and 'id="id_body"' in html
    assert "publications/body_editor.js" in html and "publications/body_editor.css" in html
    assert inline_problems(html) == []
