"""The guide and sync-run admin: who sees what, the 立即全量同步 and 重试失败条目 buttons
against the simulator (Celery runs eagerly), read-only rows, and query counts that do not grow
with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from districts.models import Role
from guides.models import Guide, SyncFailure, SyncRun
from guides.sync import sync_full
from outbox.models import OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RUNS = reverse("admin:guides_syncrun_changelist")
GUIDES = reverse("admin:guides_guide_changelist")
START = reverse("admin:guides_syncrun_start")


def run_url(run: SyncRun) -> str:
    return reverse("admin:guides_syncrun_change", args=[run.pk])


def retry_url(run: SyncRun) -> str:
    return reverse("admin:guides_syncrun_retry", args=[run.pk])


def guide_url(guide: Guide) -> str:
    return reverse("admin:guides_guide_change", args=[guide.pk])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def admin_client(client, make_member, city):
    """A client logged in as the city's administrator, who may run syncs."""
    client.force_login(make_member(city, Role.ADMINISTRATOR))
    return client


@pytest.fixture
def live_sim(sim, settings, reference_data):
    """The simulator as the platform the admin's buttons sync from."""
    settings.PROVINCIAL_BASE_URL = sim.base_url
    settings.PROVINCIAL_CONCURRENCY = 4
    return sim


@pytest.fixture
def failing_details(live_sim, settings):
    """Make every detail call fail at once (no retries, no breaker)."""
    settings.PROVINCIAL_RETRIES = 0
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 0
    live_sim.set_faults(failure_rate=1.0, endpoints=["detail"])
    return live_sim


def finished_run(**kwargs) -> SyncRun:
    now = timezone.now()
    values = {
        "trigger": SyncRun.Trigger.SCHEDULE,
        "status": SyncRun.Status.SUCCEEDED,
        "base_url": "http://127.0.0.1:1",
        "started_at": now - dt.timedelta(minutes=3),
        "heartbeat_at": now,
        "finished_at": now,
        **kwargs,
    }
    return SyncRun.objects.create(**values)


def running_run(age: dt.timedelta = dt.timedelta(0)) -> SyncRun:
    beat = timezone.now() - age
    return SyncRun.objects.create(
        trigger=SyncRun.Trigger.SCHEDULE,
        base_url="http://127.0.0.1:1",
        started_at=beat - dt.timedelta(minutes=1),
        heartbeat_at=beat,
        created=7,
    )


def make_guide(n: int, division) -> Guide:
    now = timezone.now()
    return Guide.objects.create(
        unify_id=f"U{n:05d}",
        name=f"事项{n}",
        name_key=f"事项{n}",
        area_code=division.code,
        division=division,
        content_hash="0" * 64,
        first_synced_at=now,
        changed_at=now,
    )


# Who sees what -------------------------------------------------------------------------------


def test_the_city_administrator_sees_the_runs_and_the_start_button(admin_client):
    run = finished_run(created=12, changed=3)

    response = admin_client.get(RUNS)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{START}"' in html and "立即全量同步" in html
    assert "disabled" not in html.split("立即全量同步")[0].rsplit("<button", 1)[1]
    assert run_url(run) in html and f"#{run.pk}" in html
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert RUNS in index and GUIDES in index


@pytest.mark.parametrize(
    ("where", "role"),
    [
        ("furong", Role.ADMINISTRATOR),
        ("city", Role.EDITOR),
        ("city", Role.REVIEWER),
        ("furong", Role.EDITOR),
        ("wenyilu", Role.REVIEWER),
    ],
)
def test_other_roles_see_guides_but_no_runs(client, make_member, request, where, role):
    division = request.getfixturevalue(where)
    guide = make_guide(1, division)
    run = finished_run()
    client.force_login(make_member(division, role))

    # The admin answers 403 for a model the user may not view at all.
    assert client.get(RUNS).status_code == 403
    assert client.get(run_url(run)).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert RUNS not in index and GUIDES in index
    # Guides are readable by every role, outside their own division too.
    listing = client.get(GUIDES)
    assert listing.status_code == 200 and guide_url(guide) in listing.content.decode()
    assert client.get(guide_url(guide)).status_code == 200


def test_anonymous_users_are_sent_to_the_login(client, reference_data):
    run = finished_run()
    for url in (RUNS, GUIDES, START, retry_url(run)):
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert not SyncRun.objects.exclude(pk=run.pk).exists()


# Starting a sync -----------------------------------------------------------------------------


def test_start_runs_a_full_sync_and_redirects_with_a_message(
    admin_client, live_sim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(START)

    assert response.status_code == 302 and response["Location"] == RUNS
    assert messages_of(response) == [("success", "已发起全量同步；完成后刷新本页即可看到结果。")]
    # The sync is queued once; what follows it (the search index) is queued by the sync itself.
    queued = list(OutboxMessage.objects.order_by("pk").values_list("task", flat=True))
    assert queued[0] == "guides.tasks.sync_guides"
    assert queued.count("guides.tasks.sync_guides") == 1
    run = SyncRun.objects.get()
    user = response.wsgi_request.user
    assert run.status == SyncRun.Status.SUCCEEDED and run.kind == SyncRun.Kind.FULL
    assert run.trigger == SyncRun.Trigger.ADMIN and run.started_by == user
    assert run.base_url == live_sim.base_url and run.created == 100 == Guide.objects.count()
    listing = admin_client.get(RUNS).content.decode()
    assert run_url(run) in listing and f"#{run.pk}" in listing and "成功" in listing
    # The run names who started it by 姓名, not by user name.
    get_user_model().objects.filter(pk=user.pk).update(last_name="赵", first_name="敏")
    page = admin_client.get(run_url(run)).content.decode()
    field = page[page.index("field-started_by_name") :]
    field = field[: field.index("</div>\n", field.index('class="readonly"'))]
    assert "赵敏" in field and user.username not in field


def test_start_is_post_only(admin_client, live_sim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.get(START)

    assert response.status_code == 405 and response["Allow"] == "POST"
    assert callbacks == [] and not SyncRun.objects.exists()


def test_start_while_a_run_is_running_warns_and_starts_nothing(
    admin_client, live_sim, django_capture_on_commit_callbacks
):
    other = running_run()
    listing = admin_client.get(RUNS).content.decode()
    assert 'disabled title="已有同步在运行">立即全量同步' in listing
    assert f"同步 #{other.pk} 正在运行" in listing and "新增 7" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(START)

    assert response.status_code == 302 and response["Location"] == RUNS
    assert messages_of(response) == [
        ("warning", f"已有同步在运行（#{other.pk}），请等它结束后再试。")
    ]
    assert not OutboxMessage.objects.exists() and list(SyncRun.objects.all()) == [other]
    assert live_sim.stats["total"] == 0


def test_a_stale_running_run_does_not_block_the_start_button(
    admin_client, live_sim, settings, django_capture_on_commit_callbacks
):
    stale = running_run(age=dt.timedelta(seconds=settings.PROVINCIAL_SYNC_STALE_SECONDS + 60))

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(START)

    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.INTERRUPTED
    assert SyncRun.objects.get(status=SyncRun.Status.SUCCEEDED).created == 100


# Failures and the retry ----------------------------------------------------------------------


def test_a_run_with_failures_lists_them_and_offers_the_retry(
    admin_client, failing_details, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(START)
    failed = SyncRun.objects.get()
    assert failed.status == SyncRun.Status.PARTIAL and failed.failed == 100

    page = admin_client.get(run_url(failed))

    html = page.content.decode()
    assert page.status_code == 200
    assert f'action="{retry_url(failed)}"' in html and "重试失败条目" in html
    assert html.count("平台报告失败：") == 100
    for failure in failed.failures.all()[:5]:
        assert failure.unify_id in html and failure.name in html
    assert "事项详情" in html
    # The list shows how many wait for a retry.
    listing = admin_client.get(RUNS)
    assert [r.open_failure_count for r in listing.context["cl"].result_list] == [100]


def test_retry_creates_a_retry_run_that_resolves_the_failures(
    admin_client, failing_details, django_capture_on_commit_callbacks
):
    failed = sync_full(trigger=SyncRun.Trigger.SCHEDULE)
    assert failed.status == SyncRun.Status.PARTIAL and failed.failed == 100
    failing_details.reset_faults()
    failing_details.reset_stats()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(retry_url(failed))

    assert response.status_code == 302 and response["Location"] == RUNS
    assert messages_of(response) == [("success", f"已发起对同步 #{failed.pk} 失败条目的重试。")]
    queued = list(OutboxMessage.objects.order_by("pk").values_list("task", flat=True))
    assert queued[0] == "guides.tasks.retry_failed_guides"
    assert queued.count("guides.tasks.retry_failed_guides") == 1
    retry = SyncRun.objects.get(kind=SyncRun.Kind.RETRY)
    assert retry.retry_of == failed and retry.trigger == SyncRun.Trigger.ADMIN
    assert retry.started_by == response.wsgi_request.user
    assert retry.status == SyncRun.Status.SUCCEEDED and retry.created == 100
    assert failing_details.stats["total"] == 100  # the details only, no listing
    assert set(failed.failures.values_list("resolved_by", flat=True)) == {retry.pk}
    # The failed run no longer offers a retry; its failures say who resolved them.
    html = admin_client.get(run_url(failed)).content.decode()
    assert retry_url(failed) not in html and str(retry) in html
    # Retrying again says there is nothing to do.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = admin_client.post(retry_url(failed))
    assert messages_of(again) == [("info", "该同步没有待重试的失败条目。")] and callbacks == []


def test_retry_of_a_run_without_failures_says_so(
    admin_client, live_sim, django_capture_on_commit_callbacks
):
    clean = finished_run(base_url=live_sim.base_url)
    # A failure of the listing alone (no item) is not something a retry can fetch.
    SyncFailure.objects.create(run=clean, stage="list", reason="个人事项列表：连接失败")
    assert retry_url(clean) not in admin_client.get(run_url(clean)).content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(retry_url(clean))

    assert response.status_code == 302
    assert messages_of(response) == [("info", "该同步没有待重试的失败条目。")]
    assert callbacks == [] and SyncRun.objects.count() == 1


def test_retry_of_a_running_run_waits(admin_client, django_capture_on_commit_callbacks):
    run = running_run()
    SyncFailure.objects.create(run=run, stage="detail", unify_id="U1", reason="x")
    assert retry_url(run) not in admin_client.get(run_url(run)).content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(retry_url(run))

    assert messages_of(response) == [("warning", "该同步尚未结束，结束后才能重试失败条目。")]
    assert callbacks == [] and SyncRun.objects.count() == 1


def test_retry_is_post_only_and_404_for_a_missing_run(admin_client):
    run = finished_run()
    assert admin_client.get(retry_url(run)).status_code == 405
    missing = reverse("admin:guides_syncrun_retry", args=[run.pk + 1000])
    assert admin_client.post(missing).status_code == 404


@pytest.mark.parametrize(
    ("where", "role"),
    [("furong", Role.ADMINISTRATOR), ("city", Role.EDITOR), ("city", Role.REVIEWER)],
)
def test_users_who_may_not_run_syncs_get_404_on_both_buttons(
    client, make_member, request, where, role, django_capture_on_commit_callbacks
):
    client.force_login(make_member(request.getfixturevalue(where), role))
    run = finished_run(status=SyncRun.Status.PARTIAL, failed=1)
    SyncFailure.objects.create(run=run, stage="detail", unify_id="U1", reason="x")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post(START).status_code == 404
        assert client.post(retry_url(run)).status_code == 404

    assert callbacks == [] and SyncRun.objects.count() == 1


# Read-only rows ------------------------------------------------------------------------------


@pytest.fixture(params=["city_administrator", "superuser"])
def strong_client(request, client, make_member, city):
    """The strongest users there are: the city administrator and a superuser."""
    if request.param == "superuser":
        user = UserFactory(is_superuser=True)
    else:
        user = make_member(city, Role.ADMINISTRATOR)
    client.force_login(user)
    return client


def test_nobody_adds_changes_or_deletes_guides_or_runs(strong_client, city):
    client = strong_client
    guide = make_guide(1, city)
    run = finished_run(status=SyncRun.Status.PARTIAL, failed=1)
    SyncFailure.objects.create(run=run, stage="detail", unify_id="U1", reason="平台报告失败：x")
    assert client.get(reverse("admin:guides_guide_add")).status_code == 403
    assert client.get(reverse("admin:guides_syncrun_add")).status_code == 403
    for obj, name in ((guide, "guide"), (run, "syncrun")):
        change = reverse(f"admin:guides_{name}_change", args=[obj.pk])
        delete = reverse(f"admin:guides_{name}_delete", args=[obj.pk])
        page = client.get(change)
        html = page.content.decode()
        assert page.status_code == 200
        assert 'name="_save"' not in html and "deletelink" not in html
        assert client.post(change, {"name": "改名"}).status_code == 403
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        listing = client.get(reverse(f"admin:guides_{name}_changelist"))
        assert listing.status_code == 200
        assert "delete_selected" not in listing.content.decode()
    # The inline shows failures but offers neither adding nor deleting them.
    html = client.get(run_url(run)).content.decode()
    assert "平台报告失败：x" in html
    assert "failures-0-DELETE" not in html and "add-row" not in html
    guide.refresh_from_db()
    assert guide.name == "事项1" and SyncFailure.objects.count() == 1


def test_the_guide_page_links_to_the_public_guide_page(admin_client, city):
    guide = make_guide(1, city)

    html = admin_client.get(guide_url(guide)).content.decode()

    public = reverse("portal:guide", args=[guide.unify_id])
    assert public == f"/guide/{guide.unify_id}/"
    assert f'<a href="{public}" target="_blank" rel="noopener">查看办事指南页面</a>' in html


# Query counts --------------------------------------------------------------------------------


def add_runs(n: int) -> None:
    for i in range(n):
        run = finished_run(status=SyncRun.Status.PARTIAL, failed=2, started_by=UserFactory())
        SyncFailure.objects.create(run=run, stage="detail", unify_id=f"A{i}", reason="x")
        SyncFailure.objects.create(run=run, stage="list", reason="y")


# Session, user, two permission lookups, memberships; then for runs: the running run, two counts
# and the page (open failures annotated); for guides: the division filter's choices, two counts,
# the page (divisions joined) and the type filter's choices.
RUN_LIST_QUERIES = 9
GUIDE_LIST_QUERIES = 10


def test_the_run_list_query_count_does_not_grow_with_the_runs(
    admin_client, django_assert_num_queries
):
    running_run()
    add_runs(1)
    admin_client.get(RUNS)  # warm the session and content types
    with django_assert_num_queries(RUN_LIST_QUERIES):
        assert len(admin_client.get(RUNS).context["cl"].result_list) == 2
    add_runs(19)
    with django_assert_num_queries(RUN_LIST_QUERIES):
        response = admin_client.get(RUNS)
    assert len(response.context["cl"].result_list) == 21


def test_the_guide_list_query_count_does_not_grow_with_the_guides(
    admin_client, django_assert_num_queries, furong, tianxin
):
    make_guide(0, furong)
    admin_client.get(GUIDES)
    with django_assert_num_queries(GUIDE_LIST_QUERIES):
        assert len(admin_client.get(GUIDES).context["cl"].result_list) == 1
    for n in range(1, 20):
        make_guide(n, furong if n % 2 else tianxin)
    with django_assert_num_queries(GUIDE_LIST_QUERIES):
        response = admin_client.get(GUIDES)
    assert len(response.context["cl"].result_list) == 20


def add_failures(run: SyncRun, n: int, *, resolved_by: SyncRun | None = None) -> None:
    start = run.failures.count()
    for i in range(start, start + n):
        SyncFailure.objects.create(
            run=run,
            stage="detail",
            unify_id=f"F{i}",
            name=f"事项{i}",
            reason="平台报告失败：系统繁忙",
            resolved_by=resolved_by,
        )


# Session, user, the run (read twice: change_view's own get_object and the admin's), two
# permission lookups, memberships, the retry button's exists(), the run again for the form, the
# failures.
RUN_PAGE_QUERIES = 9


def test_the_run_page_query_count_does_not_grow_with_open_failures(
    admin_client, django_assert_num_queries
):
    run = finished_run(status=SyncRun.Status.PARTIAL)
    add_failures(run, 1)
    admin_client.get(run_url(run))
    with django_assert_num_queries(RUN_PAGE_QUERIES):
        admin_client.get(run_url(run))
    add_failures(run, 19)
    with django_assert_num_queries(RUN_PAGE_QUERIES):
        html = admin_client.get(run_url(run)).content.decode()
    assert html.count("平台报告失败：系统繁忙") >= 20


def test_the_run_page_query_count_does_not_grow_with_resolved_failures(
    admin_client, django_assert_num_queries
):
    run = finished_run(status=SyncRun.Status.PARTIAL)
    retry = finished_run(kind=SyncRun.Kind.RETRY, retry_of=run)
    add_failures(run, 1, resolved_by=retry)
    admin_client.get(run_url(run))
    # The run that resolved the failures is joined, not read once per failure.
    with django_assert_num_queries(RUN_PAGE_QUERIES):
        admin_client.get(run_url(run))
    add_failures(run, 19, resolved_by=retry)
    with django_assert_num_queries(RUN_PAGE_QUERIES):
        admin_client.get(run_url(run))
