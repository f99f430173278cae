"""The sync admin in a real browser: the city administrator starts a full sync from 同步记录 (Celery
runs eagerly, so the run finishes within the request), then a run whose details all fail, reads
its failures, and retries them once the platform is well again.

Screenshots land in tests/browser/screenshots/ for people to look at.
"""

from __future__ import annotations

import pytest

from districts.models import Role
from guides.models import Guide, SyncFailure, SyncRun
from provincial_simulator.server import SimulatorServer
from tests.browser.conftest import shot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RUNS = "/admin/guides/syncrun/"


@pytest.fixture
def simulator(settings):
    """The simulator, serving as the platform the admin's button syncs from."""
    with SimulatorServer(port=0, size=40) as sim:
        settings.PROVINCIAL_BASE_URL = sim.base_url
        settings.PROVINCIAL_PUBLIC_URL = sim.base_url
        settings.PROVINCIAL_CONCURRENCY = 4
        yield sim


def row_of(page, run: SyncRun):
    return page.locator(f"#result_list tr:has(a[href='{RUNS}{run.pk}/change/'])")


def test_start_a_sync_then_retry_its_failures(
    reference_data, simulator, make_member, login_as, live_server, settings
):
    admin = make_member(reference_data, Role.ADMINISTRATOR, username="city_admin")
    page = login_as(admin)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # From the admin's home page to 同步记录, which is empty, and the button.
    page.goto(f"{live_server.url}/admin/")
    page.click(f"#content-main a[href='{RUNS}']")
    page.wait_for_url(f"**{RUNS}")
    assert page.locator("#result_list").count() == 0
    page.click("button:has-text('立即全量同步')")
    page.wait_for_selector(".messagelist .success")
    assert "已发起全量同步" in page.locator(".messagelist").inner_text()
    first = SyncRun.objects.get()
    assert first.status == SyncRun.Status.SUCCEEDED and first.started_by == admin
    row = row_of(page, first)
    assert f"#{first.pk}\t全量同步\t成功" in row.inner_text()
    # 新增 / 变更 / 未变 / 取消 / 失败
    assert row.locator("td.field-counts").inner_text() == "40 / 0 / 0 / 0 / 0"
    assert row.locator("td.field-trigger").inner_text() == "后台手动"
    assert row.locator("td.field-open_failures").inner_text() == "0"
    shot(page, "31-sync-run-succeeded")

    # The platform answers every detail with a failure: the second run is partial.
    settings.PROVINCIAL_RETRIES = 0
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 0
    simulator.change(sorted(simulator.dataset.guide_ids())[:5])
    simulator.set_faults(failure_rate=1.0, endpoints=["detail"])
    page.click("button:has-text('立即全量同步')")
    page.wait_for_selector(".messagelist .success")
    second = SyncRun.objects.exclude(pk=first.pk).get()
    assert second.status == SyncRun.Status.PARTIAL and second.failed == 40
    row = row_of(page, second)
    assert f"#{second.pk}\t全量同步\t部分失败" in row.inner_text()
    assert row.locator("td.field-open_failures").inner_text() == "40"
    assert row.locator("td.field-counts").inner_text() == "0 / 0 / 0 / 0 / 40"

    # Its page lists the failures, each with its item and a Chinese reason.
    row.locator(f"a[href='{RUNS}{second.pk}/change/']").click()
    page.wait_for_selector("button:has-text('重试失败条目')")
    inline = page.locator(".inline-group")
    assert inline.locator("tbody tr.form-row").count() == 40
    text = inline.inner_text()
    assert "事项详情" in text and "平台报告失败：" in text
    failure = SyncFailure.objects.filter(run=second).first()
    assert failure.unify_id in text and failure.name in text
    shot(page, "32-sync-run-failures")

    # The platform is well again: the retry fetches the 40 items and settles the failures.
    simulator.reset_faults()
    page.click("button:has-text('重试失败条目')")
    page.wait_for_selector(".messagelist .success")
    assert f"已发起对同步 #{second.pk} 失败条目的重试" in page.locator(".messagelist").inner_text()
    retry = SyncRun.objects.get(kind=SyncRun.Kind.RETRY)
    assert retry.status == SyncRun.Status.SUCCEEDED and retry.retry_of == second
    row = row_of(page, retry)
    assert f"#{retry.pk}\t重试失败条目\t成功" in row.inner_text()
    # The five items changed upstream while their details failed are written now.
    assert row.locator("td.field-counts").inner_text() == "0 / 5 / 35 / 0 / 0"
    assert row_of(page, second).locator("td.field-open_failures").inner_text() == "0"
    shot(page, "33-sync-retry-succeeded")
    assert Guide.objects.count() == 40

    # The retried run no longer offers a retry; its failures name the run that settled them.
    page.goto(f"{live_server.url}{RUNS}{second.pk}/change/")
    assert page.locator("button:has-text('重试失败条目')").count() == 0
    assert str(retry) in page.locator(".inline-group").inner_text()
    page.goto(f"{live_server.url}{RUNS}{retry.pk}/change/")
    assert page.locator(".field-retry_of").inner_text().endswith(str(second))
    shot(page, "34-sync-retry-run")
    assert errors == []
