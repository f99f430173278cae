"""The publication body's rich-text editor in Chromium, under the portal's Content-Security-Policy.

A township clerk writes a body with the toolbar (two paragraphs, a list, a link, a 2×2 table) and
saves it; Word-like HTML is pasted and comes out as bare structure; an old body typed as plain
text opens as paragraphs. Every page is watched for policy violations and script errors the way
tests/browser/test_csp_in_browser.py does it.
"""

from __future__ import annotations

import re

import pytest

from districts.models import Role
from publications.models import Publication

from .conftest import shot
from .test_csp_in_browser import LISTENER

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ADD = "/admin/publications/publication/add/"
# The editable area (the toolbar's heading picker is a .ProseMirror too, for its styles).
CONTENT = ".prose-editor .tiptap"

# What Word puts on the clipboard, trimmed: its namespaces, a style block and conditional
# comments, Mso classes and mso- styles, <o:p>, nested spans with fonts, a <font>, a table with
# widths, and a javascript: link.
WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta charset="utf-8">
<style><!-- p.MsoNormal {mso-style-parent:""; font-family:宋体;} --></style>
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml><![endif]-->
</head><body lang="ZH-CN" style="tab-interval:21.0pt">
<!--StartFragment-->
<p class="MsoNormal" style="mso-margin-top-alt:auto;text-indent:21.0pt;mso-char-indent-count:2.0">
<span style="font-size:16.0pt;font-family:仿宋_GB2312;mso-hansi-font-family:宋体">
<span lang="EN-US" style="color:red">一、</span>发放对象<b
style="mso-bidi-font-weight:normal">12户</b>。<o:p></o:p></span></p>
<p class="MsoNormal"><font face="黑体" color="#ff0000">二、发放标准</font>
<a href="javascript:alert(1)">点此</a><o:p>&nbsp;</o:p></p>
<table class="MsoTableGrid" border="1" style="border-collapse:collapse;mso-yfti-tbllook:1184">
<tr style="mso-yfti-irow:0"><td width="200" valign="top" style="width:150pt;mso-border-alt:solid">
<p class="MsoNormal"><span style="font-family:宋体">户数<o:p></o:p></span></p></td>
<td width="200" style="width:150pt"><p class="MsoNormal">金额<o:p></o:p></p></td></tr>
</table>
<!--EndFragment-->
</body></html>"""


def watch(page) -> list[str]:
    """Collect the page's policy violations, policy console messages and script errors."""
    problems: list[str] = []
    page.context.add_init_script(LISTENER)
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and problems.append(f"console: {m.text}"),
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return problems


def violations(page, problems: list[str]) -> list[str]:
    page.wait_for_timeout(100)  # violation events are queued as tasks
    return problems + page.evaluate("window.__cspViolations || []")


def open_editor(page, url: str):
    page.goto(url)
    page.wait_for_selector(f"{CONTENT}[contenteditable=true]")
    return page.locator(CONTENT)


def editor_html(page) -> str:
    """Return what the editor would post: the hidden textarea's value."""
    return page.locator("#id_body").input_value()


def paste_html(page, html: str) -> None:
    page.locator(CONTENT).evaluate(
        """(element, html) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            data.setData("text/plain", element.textContent);
            element.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: data, bubbles: true, cancelable: true,
            }));
        }""",
        html,
    )


def choose_entry(page, entry) -> None:
    # The entry is chosen through the admin's autocomplete (select2) search box.
    page.click(".select2-selection")
    page.fill(".select2-search__field", entry.item.name)
    page.click(".select2-results__option--highlighted")


def test_a_clerk_writes_paragraphs_a_list_a_link_and_a_table(office, login_as, live_server):
    clerk = office.user(Role.EDITOR, "township")
    page = login_as(clerk)
    problems = watch(page)
    body = open_editor(page, live_server.url + ADD)

    # The toolbar is there, labelled in Chinese.
    toolbar = page.locator(".prose-menubar")
    assert toolbar.is_visible()
    for title in ("加粗", "倾斜", "项目符号列表", "编号列表", "插入链接（先选中文字）", "插入表格"):
        assert toolbar.locator(f"button[title='{title}']").count() == 1, title
    # Nothing the portal does not keep is offered: no images, colours or fonts.
    assert toolbar.locator("button[title*='figure'], button[title*='image']").count() == 0

    choose_entry(page, office.entries["township"])
    page.fill("#id_title", "文艺路街道2026年11月低保资金发放公示")
    page.fill("#id_formed_on", "2026-11-02")
    page.select_option("#id_pub_type", label="名单公示")

    # Two paragraphs, Enter between them.
    body.click()
    page.keyboard.type("现将低保资金发放情况公示如下。")
    page.keyboard.press("Enter")
    page.keyboard.type("详见政府网站。")
    # A link on the last word: select it, then the toolbar's link dialog. ProseMirror may put
    # its own selection back while it settles the typed text, taking a quick key press with it
    # (CI once got "站。"), so extend the selection as a person would until it holds the word.
    page.wait_for_timeout(100)
    for _ in range(6):
        if page.evaluate("window.getSelection().toString()") == "网站。":
            break
        page.keyboard.press("Shift+ArrowLeft")
        page.wait_for_timeout(50)
    assert page.evaluate("window.getSelection().toString()") == "网站。"
    page.click("button[title='插入链接（先选中文字）']")
    dialog = page.locator("dialog.prose-editor-dialog")
    assert dialog.is_visible() and "编辑链接" in dialog.inner_text()
    dialog.locator("input[name=href]").fill("https://www.gov.cn/")
    dialog.locator("button[type=submit]").click()
    assert re.search(r'详见政府<a href="https://www\.gov\.cn/"[^>]*>网站。</a>', editor_html(page))
    # A bullet list of two items, after the link (the dialog took the focus with it).
    body.focus()
    # ProseMirror puts its selection back 20 ms after the focus, and reads a moved caret from the
    # next selectionchange event: a person's keys are further apart than Playwright's.
    page.wait_for_timeout(100)
    page.keyboard.press("End")
    page.wait_for_timeout(100)
    page.keyboard.press("Enter")
    page.click("button[title='项目符号列表']")
    page.keyboard.type("城市低保12户")
    page.keyboard.press("Enter")
    page.keyboard.type("农村低保8户")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list
    # A 2×2 table without a header row, from the toolbar's dialog.
    page.click("button[title='插入表格']")
    dialog = page.locator("dialog.prose-editor-dialog")
    dialog.locator("input[name=rows]").fill("2")
    dialog.locator("input[name=cols]").fill("2")
    dialog.locator("select[name=withHeaderRow]").select_option(label="否")
    dialog.locator("button[type=submit]").click()
    for n, cell in enumerate(("户数", "金额", "20", "9600元")):
        if n:
            page.keyboard.press("Tab")  # not after the last cell: that would add a row
        page.keyboard.type(cell)

    written = editor_html(page)
    assert written.startswith("<p>现将低保资金发放情况公示如下。</p><p>详见政府")
    shot(page, "editor-add-page")
    page.locator(".form-row.field-body").screenshot(path=str(shot_path("editor-body-field")))

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    item = Publication.objects.get(created_by=clerk)
    stored = item.body
    assert re.match(
        r'<p>现将低保资金发放情况公示如下。</p><p>详见政府<a href="https://www\.gov\.cn/"[^>]*>'
        r"网站。</a></p><ul>",
        stored,
    ), stored
    assert 'rel="noopener noreferrer nofollow"' in stored  # set by the sanitiser
    assert "<ul><li><p>城市低保12户</p></li><li><p>农村低保8户</p></li></ul>" in stored
    assert "<table>" in stored and stored.count("<tr>") == 2 and stored.count("<td>") == 4
    assert "<td><p>9600元</p></td>" in stored
    # What the sanitiser drops never reaches the database: Tiptap's column widths and styles.
    for dropped in ("style=", "colgroup", "<col", "min-width"):
        assert dropped not in stored
    # The change page opens the saved body in the editor as it was.
    page.wait_for_selector(f"{CONTENT} table")
    assert page.locator(f"{CONTENT} > p").count() >= 2
    assert page.locator(f"{CONTENT} li").count() == 2
    assert violations(page, problems) == []


def test_pasted_word_content_keeps_structure_and_loses_formatting(office, login_as, live_server):
    clerk = office.user(Role.EDITOR, "township")
    page = login_as(clerk)
    problems = watch(page)
    body = open_editor(page, live_server.url + ADD)
    body.click()
    paste_html(page, WORD_HTML)
    pasted = editor_html(page)
    # The editor's schema already dropped Word's markup before the server sees it.
    for gone in ("mso", "Mso", "class=", "style=", "<span", "<font", "o:p", "仿宋", "javascript"):
        assert gone not in pasted, (gone, pasted)
    assert "Normal" not in pasted  # the <xml> in the conditional comment
    assert "发放对象<strong>12户</strong>" in pasted
    assert "<table" in pasted and "户数" in pasted and "金额" in pasted
    assert "点此" in pasted and "<a" not in pasted

    choose_entry(page, office.entries["township"])
    page.fill("#id_title", "粘贴自Word的公示")
    page.fill("#id_formed_on", "2026-11-02")
    page.select_option("#id_pub_type", label="名单公示")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    stored = Publication.objects.get(created_by=clerk).body
    for gone in ("mso", "class=", "style=", "<span", "<font", "o:p", "javascript", "width"):
        assert gone not in stored, (gone, stored)
    assert "<strong>12户</strong>" in stored and "<td><p>户数</p></td>" in stored
    assert violations(page, problems) == []


def test_an_old_plain_text_body_opens_as_paragraphs(office, login_as, live_server):
    clerk = office.user(Role.EDITOR, "township")
    item = office.publication("township", "draft", title="旧正文")
    # Typed into the plain textarea before the editor: blank lines between paragraphs.
    Publication.objects.filter(pk=item.pk).update(body="第一段\n第一段第二行\n\n第二段")
    page = login_as(clerk)
    problems = watch(page)
    open_editor(page, f"{live_server.url}/admin/publications/publication/{item.pk}/change/")
    paragraphs = page.locator(f"{CONTENT} > p")
    assert paragraphs.count() == 2
    assert paragraphs.nth(0).inner_html() == "第一段<br>第一段第二行"
    assert paragraphs.nth(1).inner_text() == "第二段"
    assert violations(page, problems) == []


def shot_path(name: str):
    from .conftest import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"
