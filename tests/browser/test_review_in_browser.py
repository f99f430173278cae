"""The review chain in a real browser: a township clerk files and submits, the district
returns it with a reason, the clerk fixes it, and the district publishes it.

Screenshots land in tests/browser/screenshots/ for people to look at.
"""

from __future__ import annotations

import pytest

from districts.models import Role
from publications.models import Publication, PublicationEvent
from tests.browser.conftest import shot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WORKLIST = "/admin/publications/publication/worklist/"
PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2">'


def test_township_submits_district_returns_then_publishes(
    office, login_as, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    clerk = office.user(Role.EDITOR, "township")
    reviewer = office.user(Role.REVIEWER, "district")
    entry = office.entries["township"]

    # The clerk fills the form in the admin, with a real PDF attached.
    page = login_as(clerk)
    page.goto(f"{live_server.url}/admin/publications/publication/add/")
    # The entry is chosen through the admin's autocomplete (select2) search box.
    page.click(".select2-selection")
    page.fill(".select2-search__field", entry.item.name)
    page.click(".select2-results__option--highlighted")
    page.fill("#id_title", "文艺路街道2026年11月低保资金发放公示" + PAYLOAD)
    page.fill("#id_formed_on", "2026-11-02")
    page.select_option("#id_pub_type", label="名单公示")
    # The body goes in past the rich-text editor, as a hostile client would post it: the
    # server's sanitiser, not the editor, is what keeps the payload out.
    page.wait_for_selector(".prose-editor .tiptap")
    page.locator("#id_body").evaluate(
        "(textarea, html) => { textarea.value = html; }",
        "<p>发放对象<strong>12户</strong>。</p>" + PAYLOAD,
    )
    pdf = tmp_path / "发放明细.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_input_files("#id_new_attachments", str(pdf))
    page.click("input[name=_continue]")
    page.wait_for_selector(".review-panel")
    item = Publication.objects.get(created_by=clerk)
    assert item.attachments.count() == 1
    assert "<script" not in item.body and "onerror" not in item.body
    page.click("button:has-text('提交审核')")
    page.wait_for_selector(".messagelist .success")
    assert page.evaluate("window.__xss") is None
    shot(page, "01-clerk-submitted")

    # The district reviewer sees it in 待审 and returns it, first forgetting the reason.
    page = login_as(reviewer)
    page.goto(f"{live_server.url}{WORKLIST}?tab=review")
    assert page.locator("a[aria-current=page] .count").inner_text() == "1"
    shot(page, "02-reviewer-worklist")
    page.click(f"a[href='/admin/publications/publication/{item.pk}/change/']")
    page.click("button:has-text('退回修改')")
    page.wait_for_selector(".messagelist .error")
    assert "须填写原因" in page.locator(".messagelist").inner_text()
    page.fill("input[name=reason]", "请补充发放对象名单的附件。")
    page.click("button:has-text('退回修改')")
    page.wait_for_selector(".messagelist .success")
    item.refresh_from_db()
    assert item.status == Publication.Status.DRAFT and item.return_reason

    # The clerk sees the reason in 待办, fixes the title and submits again.
    page = login_as(clerk, phone=True)
    page.goto(f"{live_server.url}{WORKLIST}?tab=todo")
    assert "请补充发放对象名单的附件" in page.content()
    shot(page, "03-clerk-worklist-phone")
    page.goto(f"{live_server.url}/admin/publications/publication/{item.pk}/change/")
    page.fill("#id_title", "文艺路街道2026年11月低保资金发放公示")
    page.click("input[name=_continue]")
    page.wait_for_selector(".review-panel")
    assert page.locator(".errorlist").count() == 0
    page.click("button:has-text('提交审核')")
    page.wait_for_selector(".messagelist .success")

    # The reviewer publishes it; the public page shows it with its attachment.
    page = login_as(reviewer)
    page.goto(f"{live_server.url}/admin/publications/publication/{item.pk}/change/")
    page.click("button:has-text('审核通过并发布')")
    page.wait_for_selector(".messagelist .success")
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED
    actions = list(
        item.events.exclude(action="privacy").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        PublicationEvent.Action.CREATE,
        PublicationEvent.Action.ATTACH,
        PublicationEvent.Action.SUBMIT,
        PublicationEvent.Action.RETURN,
        PublicationEvent.Action.EDIT,
        PublicationEvent.Action.SUBMIT,
        PublicationEvent.Action.APPROVE,
    ]
    public = login_as(clerk, phone=True)
    public.context.clear_cookies()
    public.goto(f"{live_server.url}/p/{item.pk}/")
    assert public.locator("h1").inner_text() == "文艺路街道2026年11月低保资金发放公示"
    assert public.locator(".attachments a").inner_text() == "发放明细.pdf"
    assert public.evaluate("window.__xss") is None
    shot(public, "04-public-publication-phone")
