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
