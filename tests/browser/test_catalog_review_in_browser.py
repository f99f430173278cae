"""Catalog review in a real browser: a district changes a published entry, the public keeps
seeing the approved text until the city office approves the change from the list."""

from __future__ import annotations

import pytest

from catalog.models import CatalogEntry, ReviewStatus
from districts.models import Role
from tests.browser.conftest import shot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_district_change_is_public_only_after_the_city_approves(office, login_as, live_server):
    entry = office.entries["district"]
    editor = office.user(Role.EDITOR, "district")
    reviewer = office.user(Role.REVIEWER, "city")
    change_url = f"{live_server.url}/admin/catalog/catalogentry/{entry.pk}/change/"

    page = login_as(editor)
    page.goto(change_url)
    assert page.locator(".review-panel .badge").inner_text() == "已发布"
    page.fill("#id_time_limit", "信息形成之日起5个工作日内")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert page.locator(".review-panel .badge").inner_text() == "草稿"
    assert "公众仍看到上次发布的内容" in page.locator(".review-panel").inner_text()

    # The public page still shows the approved time limit.
    public = login_as(editor)
    public.context.clear_cookies()
    public.goto(f"{live_server.url}/entry/{entry.pk}/")
    assert "制定或获取信息之日起10个工作日内" in public.content()
    assert "5个工作日" not in public.content()

    page.click("button:has-text('提交审核')")
    page.wait_for_selector(".messagelist .success")
    shot(page, "11-entry-submitted")
    # Frozen while under review: the form is read-only and offers to recall instead.
    assert page.locator("#id_time_limit").count() == 0
    assert page.locator("button:has-text('撤回提交')").count() == 1
    assert page.locator("button:has-text('采用上级')").count() == 0
    assert page.locator("text=删减本事项").count() == 0

    # The city reviewer approves it with the bulk action on the list filtered to 待我审核.
    page = login_as(reviewer)
    page.goto(f"{live_server.url}/admin/catalog/catalogentry/?status__exact=mine")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    page.check(f"input[name=_selected_action][value='{entry.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    shot(page, "12-reviewer-approved")
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED

    public.goto(f"{live_server.url}/entry/{entry.pk}/")
    assert "信息形成之日起5个工作日内" in public.content()
    # The township below follows the district's time limit now that it is approved.
    township = CatalogEntry.objects.get(pk=office.entries["township"].pk)
    assert township.published_values["time_limit"] == "信息形成之日起5个工作日内"


def test_submit_with_unsaved_edits_saves_them_first(office, login_as, live_server):
    """保存并提交审核 on a page with unsaved edits: the edits are saved, then submitted; an
    invalid edit is refused with the form's message, the typed text kept, nothing submitted."""
    entry = office.entries["district"]
    editor = office.user(Role.EDITOR, "district")
    page = login_as(editor)
    change_url = f"{live_server.url}/admin/catalog/catalogentry/{entry.pk}/change/"
    page.goto(change_url)
    # Make it a draft first (a published entry with no change has nothing to submit).
    page.fill("#id_remarks", "第一次修改")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    # An invalid edit: neither audience ticked. Nothing is saved or submitted, nothing lost.
    page.fill("#id_time_limit", "信息形成之日起3个工作日内")
    page.uncheck("#id_audience_all")
    page.uncheck("#id_audience_specific")
    page.click("button[name=_submit_review]")
    page.wait_for_selector(".errornote")
    assert "公开对象" in page.locator(".errorlist").first.inner_text()
    assert page.input_value("#id_time_limit") == "信息形成之日起3个工作日内"
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.DRAFT and "3个工作日" not in entry.time_limit

    # Fixed, and sent with the same button: saved and submitted in one step.
    page.check("#id_audience_all")
    page.click("button[name=_submit_review]")
    page.wait_for_selector(".messagelist .success")
    assert "已保存修改并提交审核" in page.locator(".messagelist").inner_text()
    shot(page, "13-entry-saved-and-submitted")
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED
    assert entry.time_limit == "信息形成之日起3个工作日内"
    assert entry.events.filter(action="submit").count() == 1


def test_publication_submit_with_unsaved_edits_saves_them_first(office, login_as, live_server):
    from publications.models import Publication

    item = office.publication("township", "draft", title="原标题")
    page = login_as(office.user(Role.EDITOR, "township"))
    page.goto(f"{live_server.url}/admin/publications/publication/{item.pk}/change/")
    page.fill("#id_title", "改过的标题")
    page.click("button[name=_submit_review]")
    page.wait_for_selector(".messagelist .success")
    item.refresh_from_db()
    assert (item.title, item.status) == ("改过的标题", Publication.Status.SUBMITTED)


def test_the_reviewer_reads_each_change_old_then_new(office, login_as, live_server):
    """The review panel lists what the working copy changes: 原值 → 新值 per element, 公开层级 as
    a table, channels and audiences as item lists, styled by our own stylesheet under the CSP."""
    from catalog import review
    from catalog.models import Channel
    from catalog.services import entry_update

    entry = office.entries["district"]
    editor = office.user(Role.EDITOR, "district")
    names = ["政府网站", "政务服务中心"]
    entry_update(
        entry=entry,
        changes={
            "time_limit": "信息形成之日起5个工作日内",
            "channels": list(Channel.objects.filter(name__in=names).values_list("pk", flat=True)),
            "audience": [True, True],
            "levels": [
                {"level": "县级", "channels": names},
                {"level": "乡级", "channels": ["公开查阅点", "便民服务站"]},
            ],
        },
        user=editor,
    )
    review.entries_submit(entries=[entry], user=editor)

    page = login_as(office.user(Role.REVIEWER, "city"))
    page.goto(f"{live_server.url}/admin/catalog/catalogentry/{entry.pk}/change/")
    changes = page.locator(".review-changes table.element-changes")
    assert "工作稿修改了 4 项" in changes.locator("caption").inner_text()
    assert changes.locator("> tbody > tr > th").all_inner_texts() == [
        "公开时限",
        "公开渠道和载体",
        "公开对象",
        "公开层级",
    ]
    levels = changes.locator("> tbody > tr").nth(3)
    assert levels.locator("ins table.value-table tbody th").all_inner_texts() == ["县级", "乡级"]
    assert levels.locator("ins table.value-table tbody tr").nth(1).locator(
        "li"
    ).all_inner_texts() == [
        "公开查阅点",
        "便民服务站",
    ]
    # Told apart in text, not by colour alone; and the stylesheet loaded (dashed old, solid new).
    first = changes.locator(".value-change").first
    assert first.locator("del .change-label").text_content() == "原值："
    assert first.locator("ins .change-label").text_content() == "新值："
    style = "e => getComputedStyle(e).borderTopStyle"
    assert (first.locator("del").evaluate(style), first.locator("ins").evaluate(style)) == (
        "dashed",
        "solid",
    )
    assert "[" not in changes.inner_text() and "{" not in changes.inner_text()
    changes.scroll_into_view_if_needed()
    shot(page, "14-review-changes")
