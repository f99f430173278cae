"""依申请公开 in Chromium, as a citizen meets it on a 360 px phone and on a 1280 px desktop.

The request form refuses a bad identity number, a bad phone and a missing description with a
Chinese message at each field (announced, tied to its input, values kept, nothing runs off the
page); the fixed form gives a tracking code; a fresh browser opens the status page with the
code and the phone's last four digits; once the office signs a reply the letter's PDF downloads.
The keyboard alone fills, submits and corrects the form. Screenshots land in
tests/browser/screenshots/foi-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from districts.models import Role
from foi import services
from foi.letters import draft_text
from foi.models import InfoRequest, Letter, LetterKind
from tests.browser.conftest import shot
from tests.foi.conftest import ID_NUMBER
from tests.publications.conftest import TOWNSHIP

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BAD_ID = "110105194912310021"  # ID_NUMBER with a wrong check character
CODE = re.compile(r"^YSQ[2-9A-HJKMNP-Z]{10}$")
SIZES = [True, False]
SIZE_IDS = ["360", "1280"]


def fits(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (page.url, width, inner)


def described_by_resolves(page) -> None:
    """Every id an aria-describedby names exists: help texts and errors reach screen readers."""
    missing = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(el =>
            el.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean)
              .filter(id => !document.getElementById(id))
              .map(id => `${el.id || el.tagName}→${id}`))"""
    )
    assert missing == [], missing


def no_template_syntax(page) -> None:
    text = page.locator("main").inner_text()
    assert not re.search(r"\{[#%{]|[#%}]\}", text), text


def url(office, name: str) -> str:
    return reverse(f"foi:{name}", args=[office.divisions[TOWNSHIP].slug])


def fill_with_mistakes(page) -> None:
    """Fill the form as a hurried citizen would: a mistyped ID, a short phone, no description."""
    page.locator("#id_applicant_kind_0").check()
    page.locator("#id_name").fill("张三")
    page.locator("#id_id_type").select_option("resident")
    page.locator("#id_id_number").fill(BAD_ID)
    page.locator("#id_phone").fill("12345")
    page.locator("#id_email").fill("zhangsan@example.test")
    page.locator("#id_address").fill("长沙市芙蓉区示例路1号")
    page.locator("input[name=delivery][value=email]").check()
    page.locator("#id_agree").check()


def error_of(page, field: str) -> str:
    return page.locator(f"#id_{field}_error").inner_text()


@pytest.mark.parametrize("phone", SIZES, ids=SIZE_IDS)
def test_a_citizen_applies_corrects_mistakes_and_downloads_the_reply(
    live_server, office, public_page, phone
):
    size = "360" if phone else "1280"
    page = public_page(phone=phone)
    page.goto(live_server.url + url(office, "apply"))
    assert page.locator("h1").inner_text() == "向文艺路街道申请政府信息公开"
    crumbs = [c.strip() for c in page.locator(".breadcrumbs li").all_inner_texts()]
    assert crumbs[-2:] == ["依申请公开", "在线申请"], crumbs
    # Every way of getting the information is a real choice: no "---------" button.
    choices = page.locator(".foi-field fieldset").filter(has_text="获取方式").locator("label")
    assert choices.all_inner_texts() == ["纸质文本", "电子邮件", "光盘/存储介质", "当场查阅、抄录"]
    fits(page)
    no_template_syntax(page)
    shot(page, f"foi-form-{size}")

    fill_with_mistakes(page)
    with page.expect_navigation():
        page.locator("button.foi-submit").click()
    summary = page.locator(".foi-error-summary")
    assert summary.inner_text() == "提交未成功：有3处需要修改，请查看标红的项目。"
    assert "校验位不正确" in error_of(page, "id_number")
    assert "11位手机号码" in error_of(page, "phone")
    assert error_of(page, "description") == "请描述所需的政府信息。"
    # Each message sits in its field's box, which is marked; the input says it is invalid.
    for field in ("id_number", "phone", "description"):
        box = page.locator(".foi-field.has-error", has=page.locator(f"#id_{field}"))
        assert box.count() == 1, field
        assert page.locator(f"#id_{field}").get_attribute("aria-invalid") == "true"
        described = page.locator(f"#id_{field}").get_attribute("aria-describedby").split()
        assert f"id_{field}_error" in described
    assert page.locator(".foi-field.has-error").count() == 3
    described_by_resolves(page)
    no_template_syntax(page)
    # What the citizen typed is still there, the confirmation too.
    assert page.locator("#id_name").input_value() == "张三"
    assert page.locator("#id_id_number").input_value() == BAD_ID
    assert page.locator("#id_phone").input_value() == "12345"
    assert page.locator("#id_email").input_value() == "zhangsan@example.test"
    assert page.locator("#id_address").input_value() == "长沙市芙蓉区示例路1号"
    assert page.locator("#id_id_type").input_value() == "resident"
    assert page.locator("input[name=delivery][value=email]").is_checked()
    assert page.locator("#id_agree").is_checked()
    fits(page)
    shot(page, f"foi-form-errors-{size}")
    assert InfoRequest.objects.count() == 0

    page.locator("#id_id_number").fill(ID_NUMBER.lower())  # a lower-case x is accepted
    page.locator("#id_phone").fill("138 1234 5678")  # spaces as people type them
    page.locator("#id_description").fill("请公开2026年文艺路街道最低生活保障资金发放的名单和金额。")
    page.locator("button.foi-submit").click()
    page.wait_for_url("**/chaxun/jieguo/")
    code = page.locator("#foi-code").inner_text().strip()
    assert CODE.fullmatch(code), code
    assert "申请已提交" in page.locator(".foi-submitted").inner_text()
    request = InfoRequest.objects.get(code=code)
    assert request.phone == "13812345678" and request.id_tail == "002X"
    text = page.locator("main").inner_text()
    assert ID_NUMBER not in text and "13812345678" not in text
    fits(page)
    shot(page, f"foi-submitted-{size}")
    # The e-mail was queued with the commit and names the code.
    assert [m.to for m in mail.outbox] == [["zhangsan@example.test"]]
    assert code in mail.outbox[0].body

    # Days later, on another device: the code and the phone's last four digits open it.
    other = public_page(phone=phone)
    other.goto(live_server.url + url(office, "status"))
    # Without having opened anything, the result page sends the visitor to the look-up.
    other.goto(live_server.url + url(office, "status_result"))
    other.wait_for_url("**/chaxun/")
    other.locator("#id_code").fill(code.lower())
    other.locator("#id_phone_tail").fill("5678")
    other.locator("button.foi-submit").click()
    other.wait_for_url("**/chaxun/jieguo/")
    assert other.locator(".foi-submitted").count() == 0  # only the submitting session sees it
    section = other.locator("section.foi-request")
    assert section.locator("h2").inner_text() == f"查询码 {code}"
    assert section.locator(".foi-state").inner_text() == "办理中"
    request.refresh_from_db()
    due = f"{request.due_on.year}年{request.due_on.month}月{request.due_on.day}日前"
    assert due in section.locator(".foi-facts").inner_text()
    assert "收到申请" in section.locator(".foi-steps").inner_text()
    assert section.locator(".foi-letters").count() == 0
    # The two links under it are apart, not one run of underlined text.
    first, second = (a.bounding_box() for a in other.locator("p.more a").all())
    assert second["x"] >= first["x"] + first["width"] + 12 or second["y"] > first["y"]
    fits(other)
    shot(other, f"foi-status-{size}")

    # The office answers: an editor of 文艺路街道 drafts, its reviewer signs.
    params = {"category": "open", "reason": 2, "explanation": "见附件名单。"}
    body, _version = draft_text(request, LetterKind.REPLY, params)
    letter = services.draft_letter(
        request, LetterKind.REPLY, params, body, office.user(Role.EDITOR, "township")
    )
    services.approve_letter(letter, office.user(Role.REVIEWER, "township"))
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED

    other.reload()
    section = other.locator("section.foi-request")
    assert section.locator(".foi-state").inner_text().startswith("已办结")
    link = section.locator(".foi-letters a")
    assert link.count() == 1 and "PDF" in link.inner_text()
    fits(other)
    shot(other, f"foi-status-replied-{size}")
    with other.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename.endswith(f"-{code}.pdf")
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
    response = other.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "no-store" in response.headers["cache-control"]
    # A browser that never opened the request gets nothing.
    stranger = public_page(phone=phone).request.get(live_server.url + link.get_attribute("href"))
    assert stranger.status == 404


def test_the_form_works_with_the_keyboard_and_announces_its_errors(
    live_server, office, public_page
):
    page = public_page(phone=False)
    page.goto(live_server.url + url(office, "apply"))
    # 自然人 is chosen to start with; the arrow keys move the choice, and back.
    assert page.locator("#id_applicant_kind_0").is_checked()
    page.locator("#id_applicant_kind_0").focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_applicant_kind_1").is_checked()
    page.keyboard.press("ArrowUp")
    assert page.locator("#id_applicant_kind_0").is_checked()
    # Typed, not filled: each field takes keyboard input where the focus is.
    for field, value in (
        ("name", "李四"),
        ("id_number", ID_NUMBER),
        ("phone", "0731-88888888"),
        ("email", "lisi@example.test"),
    ):
        page.locator(f"#id_{field}").focus()
        page.keyboard.type(value)
    page.locator("#id_id_type").focus()
    page.keyboard.press("ArrowDown")  # the first choice after the empty one: 居民身份证
    assert page.locator("#id_id_type").input_value() == "resident"
    page.locator("input[name=delivery][value=email]").focus()
    page.keyboard.press("Space")
    page.locator("#id_agree").focus()
    page.keyboard.press("Space")
    assert page.locator("#id_agree").is_checked()
    # The submit button is the next stop after the confirmation, and shows that it has focus.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "foi-submit"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), outline
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The description was left out: the summary and the field's message are alerts.
    alerts = page.get_by_role("alert")
    assert alerts.count() == 2
    assert alerts.nth(0).inner_text() == "提交未成功：有1处需要修改，请查看标红的项目。"
    assert alerts.nth(1).inner_text() == "请描述所需的政府信息。"
    assert page.locator("#id_description").get_attribute("aria-invalid") == "true"
    described_by_resolves(page)
    shot(page, "foi-keyboard-errors-1280")

    page.locator("#id_description").focus()
    page.keyboard.type("请公开本街道2026年老旧小区改造项目的资金预算。")
    # Enter in a one-line field submits the form (the values above were kept).
    page.locator("#id_name").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/chaxun/jieguo/")
    code = page.locator("#foi-code").inner_text().strip()
    assert CODE.fullmatch(code)
    assert page.get_by_role("status").count() == 1  # the confirmation is announced politely
    request = InfoRequest.objects.get(code=code)
    assert request.name == "李四" and request.phone == "0731-88888888"
    assert request.delivery == "email"
