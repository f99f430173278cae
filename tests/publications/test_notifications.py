"""Notices by e-mail: who is told what, only after commit, once per task, and the daily digest.

Tasks are queued with ``delay_on_commit``; ``django_capture_on_commit_callbacks(execute=True)``
runs them as the commit would (Celery runs eagerly in tests). The digest counts working days
on the statutory calendar; the dates below sit around the 2026 Mid-Autumn and National Day
breaks (9月25–27日 and 10月1–7日 off; 9月20日 Sunday and 10月10日 Saturday worked).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import review as catalog_review
from catalog.models import CatalogEntry, FirstLevelItem, SecondLevelItem
from catalog.services import catalog_derive, entry_create
from catalog.tasks import notify_entries_submitted
from districts.models import Role
from publications import services
from publications.models import Publication
from publications.tasks import (
    notify_publication_reviewed,
    notify_publication_submitted,
    send_review_digest,
)


def addressees(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


def emails(office, *keys: tuple[str, str]) -> list[str]:
    return sorted(office.user(role, level).email for role, level in keys)


REVIEWERS = {
    "township": [(Role.REVIEWER, "district"), (Role.ADMINISTRATOR, "district")],
    "district": [(Role.REVIEWER, "city"), (Role.ADMINISTRATOR, "city")],
    "city": [(Role.REVIEWER, "city"), (Role.ADMINISTRATOR, "city")],
}


# ---------------------------------------------------------------------------------------------
# Publications.


@pytest.mark.parametrize("level", ["township", "district", "city"])
def test_submitting_tells_the_reviewing_office(
    office, mailoutbox, django_capture_on_commit_callbacks, level
):
    item = office.publication(level, "draft", title=f"{level}的公开信息")
    editor = office.user(Role.EDITOR, level)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_submit(publication=item, user=editor)
    assert addressees(mailoutbox) == emails(office, *REVIEWERS[level])
    assert editor.email not in addressees(mailoutbox)
    for message in mailoutbox:
        assert message.subject.endswith(f"待审核：{level}的公开信息")
        assert f"标题：{level}的公开信息" in message.body
        assert f"/admin/publications/publication/{item.pk}/change/" in message.body
        assert "公开期限：" in message.body


def test_the_submitter_is_not_told_about_their_own_submission(
    office, mailoutbox, django_capture_on_commit_callbacks
):
    # The city administrator edits and reviews; their own submission goes to the others.
    admin = office.user(Role.ADMINISTRATOR, "city")
    item = services.publication_create(
        entry=office.entries["city"],
        data={"title": "管理员自己提交", "formed_on": "2026-11-02"},
        user=admin,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_submit(publication=item, user=admin)
    assert addressees(mailoutbox) == emails(office, (Role.REVIEWER, "city"))


def test_a_cousin_submission_goes_to_its_own_district_only(
    office, mailoutbox, django_capture_on_commit_callbacks
):
    editor = office.user(Role.EDITOR, "cousin")
    item = services.publication_create(
        entry=office.entries["cousin"],
        data={"title": "天心区街道", "formed_on": "2026-11-02"},
        user=editor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_submit(publication=item, user=editor)
    assert addressees(mailoutbox) == emails(
        office, (Role.REVIEWER, "cousin"), (Role.ADMINISTRATOR, "cousin")
    )


def test_returning_tells_the_submitter_with_the_reason(
    office, mailoutbox, django_capture_on_commit_callbacks
):
    item = office.publication("township", "submitted", title="待退回")
    reviewer = office.reviewer_for("township")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_return(
            publication=item, user=reviewer, reason="请补充低保对象名单附件"
        )
    (message,) = mailoutbox
    assert message.to == [office.user(Role.EDITOR, "township").email]
    assert "已退回：待退回" in message.subject
    assert "被退回修改" in message.body
    assert "退回原因：请补充低保对象名单附件" in message.body
    assert f"审核人：{reviewer.username}" in message.body


def test_approving_tells_the_submitter(office, mailoutbox, django_capture_on_commit_callbacks):
    item = office.publication("district", "submitted", title="待发布")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_approve(publication=item, user=office.reviewer_for("district"))
    (message,) = mailoutbox
    assert message.to == [office.user(Role.EDITOR, "district").email]
    assert "已发布：待发布" in message.subject
    assert "已审核通过并发布" in message.body
    assert "退回原因" not in message.body


def test_nothing_is_sent_before_the_commit(office, mailoutbox, django_capture_on_commit_callbacks):
    item = office.publication("township", "draft")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.publication_submit(publication=item, user=office.user(Role.EDITOR, "township"))
        assert mailoutbox == []
    assert len(callbacks) == 1
    assert mailoutbox == []


def test_a_rolled_back_transaction_queues_nothing(
    office, mailoutbox, django_capture_on_commit_callbacks
):
    item = office.publication("township", "draft")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.publication_submit(publication=item, user=office.user(Role.EDITOR, "township"))
        raise RuntimeError("something later in the same request failed")
    assert callbacks == []
    assert mailoutbox == []
    item.refresh_from_db()
    assert item.status == Publication.Status.DRAFT


@pytest.mark.parametrize(
    "refused",
    ["self_approval", "out_of_scope_approval", "return_without_reason", "submit_twice"],
)
def test_a_refused_action_sends_nothing(
    office, mailoutbox, django_capture_on_commit_callbacks, refused
):
    item = office.publication("township", "submitted")
    editor = office.user(Role.EDITOR, "township")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises((PermissionDenied, ValidationError)),
    ):
        if refused == "self_approval":
            services.publication_approve(publication=item, user=editor)
        elif refused == "out_of_scope_approval":
            services.publication_approve(
                publication=item, user=office.user(Role.REVIEWER, "cousin")
            )
        elif refused == "return_without_reason":
            services.publication_return(
                publication=item, user=office.reviewer_for("township"), reason="  "
            )
        else:
            services.publication_submit(publication=item, user=editor)
    assert callbacks == []
    assert mailoutbox == []


def test_running_a_task_twice_with_the_same_id_sends_once(office, mailoutbox):
    item = office.publication("township", "submitted")
    editor = office.user(Role.EDITOR, "township")
    cache.delete("notice-sent:fixed")
    first = notify_publication_submitted.apply(args=(item.pk, editor.pk), task_id="fixed")
    second = notify_publication_submitted.apply(args=(item.pk, editor.pk), task_id="fixed")
    assert first.get() == 2
    assert second.get() == 0
    assert len(mailoutbox) == 2
    # Another task id is another notice.
    cache.delete("notice-sent:other")
    assert notify_publication_submitted.apply(args=(item.pk, editor.pk), task_id="other").get()
    assert len(mailoutbox) == 4


def test_the_reviewed_task_twice_with_the_same_id_sends_once(office, mailoutbox):
    item = office.publication("township", "published")
    reviewer = office.reviewer_for("township")
    cache.delete("notice-sent:fixed-reviewed")
    for _ in range(2):
        notify_publication_reviewed.apply(args=(item.pk, reviewer.pk), task_id="fixed-reviewed")
    assert len(mailoutbox) == 1


def test_a_task_for_a_vanished_or_moved_on_item_sends_nothing(office, mailoutbox):
    item = office.publication("township", "published")
    # Already reviewed: the "waiting for you" notice is stale and is dropped.
    assert notify_publication_submitted.apply(args=(item.pk, None)).get() == 0
    assert notify_publication_submitted.apply(args=(999999, None)).get() == 0
    assert notify_publication_reviewed.apply(args=(999999, None)).get() == 0
    assert mailoutbox == []


def test_reviewers_without_an_email_address_are_skipped(
    office, mailoutbox, django_capture_on_commit_callbacks
):
    admin = office.user(Role.ADMINISTRATOR, "district")
    type(admin).objects.filter(pk=admin.pk).update(email="")
    item = office.publication("township", "draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_submit(publication=item, user=office.user(Role.EDITOR, "township"))
    assert addressees(mailoutbox) == emails(office, (Role.REVIEWER, "district"))


# ---------------------------------------------------------------------------------------------
# Catalog entries.


@pytest.fixture
def drafts(office) -> dict[str, list[CatalogEntry]]:
    """Three more city entries derived down to 芙蓉区 and 文艺路街道, as drafts there."""
    first = FirstLevelItem.objects.get(name="最低生活保障")
    city = office.divisions["430100"]
    for n in range(3):
        item = SecondLevelItem.objects.create(first_level=first, name=f"通知测试事项{n}")
        entry_create(
            division=city,
            item=item,
            values={"time_limit": "20个工作日", "subject": "市民政局"},
            user=None,
        )
    catalog_derive(division=office.divisions["430102"], user=None)
    catalog_derive(division=office.divisions["430102001"], user=None)
    found = {}
    for level, code in (("city", "430100"), ("district", "430102"), ("township", "430102001")):
        found[level] = list(
            CatalogEntry.objects.filter(
                division__code=code, item__name__startswith="通知测试事项"
            ).order_by("item__name")
        )
        assert len(found[level]) == 3
        assert all(e.status == "draft" for e in found[level])
    return found


@pytest.mark.parametrize("level", ["township", "district"])
def test_a_bulk_entry_submission_sends_one_email_per_reviewer(
    office, drafts, mailoutbox, django_capture_on_commit_callbacks, level
):
    editor = office.user(Role.EDITOR, level)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_review.entries_submit(entries=drafts[level], user=editor)
    assert addressees(mailoutbox) == emails(office, *REVIEWERS[level])
    for message in mailoutbox:
        assert "3个目录事项待您审核" in message.subject
        for n in range(3):
            assert f"· 通知测试事项{n}" in message.body
        assert editor.username in message.body


def test_returning_entries_tells_the_submitter_with_the_reason(
    office, drafts, mailoutbox, django_capture_on_commit_callbacks
):
    editor = office.user(Role.EDITOR, "township")
    catalog_review.entries_submit(entries=drafts["township"], user=editor)
    # A township entry is approved only once what it follows is public (the district's).
    catalog_review.catalog_publish_as_loaded(
        entry_ids=[e.pk for e in drafts["city"] + drafts["district"]]
    )
    with django_capture_on_commit_callbacks(execute=True):
        catalog_review.entries_return(
            entries=drafts["township"][:2],
            user=office.user(Role.REVIEWER, "district"),
            reason="公开依据写错了",
        )
        catalog_review.entries_approve(
            entries=drafts["township"][2:], user=office.user(Role.REVIEWER, "district")
        )
    assert addressees(mailoutbox) == [editor.email, editor.email]
    returned = next(m for m in mailoutbox if "被退回" in m.subject)
    assert "（2项被退回）" in returned.subject
    assert returned.body.count("退回原因：公开依据写错了") == 2
    approved = next(m for m in mailoutbox if m is not returned)
    assert "以下目录事项已审核通过并发布" in approved.body
    assert "通知测试事项2" in approved.body


def test_a_refused_entry_submission_sends_nothing(
    office, drafts, mailoutbox, django_capture_on_commit_callbacks
):
    # All or none: one entry out of scope refuses the whole batch, and nothing is queued.
    cousin_editor = office.user(Role.EDITOR, "cousin")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(PermissionDenied),
    ):
        catalog_review.entries_submit(entries=drafts["township"], user=cousin_editor)
    assert callbacks == []
    assert mailoutbox == []


def test_the_entries_task_twice_with_the_same_id_sends_once(office, drafts, mailoutbox):
    editor = office.user(Role.EDITOR, "township")
    catalog_review.entries_submit(entries=drafts["township"], user=editor)
    ids = [e.pk for e in drafts["township"]]
    cache.delete("notice-sent:fixed-entries")
    for _ in range(2):
        notify_entries_submitted.apply(args=(ids, editor.pk), task_id="fixed-entries")
    assert len(mailoutbox) == 2


# ---------------------------------------------------------------------------------------------
# The daily digest.


def submitted_on(items, day: dt.date) -> None:
    """Pretend ``items`` were submitted at 10:00 on ``day``."""
    model = type(items[0])
    model.objects.filter(pk__in=[i.pk for i in items]).update(
        submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    )


def digest(today: str, mailoutbox) -> dict[str, str]:
    cache.delete(f"notice-sent:review-digest:{today}")
    send_review_digest.apply(kwargs={"today": today}).get()
    return {message.to[0]: message.body for message in mailoutbox}


@pytest.fixture
def waiting(office):
    """Township submissions made on several days around the National Day break."""
    days = {
        "九月二十八日提交": dt.date(2026, 9, 28),
        "九月二十九日提交": dt.date(2026, 9, 29),
        "九月三十日提交": dt.date(2026, 9, 30),
        "十月七日提交": dt.date(2026, 10, 7),
        "十月八日提交": dt.date(2026, 10, 8),
    }
    for title, day in days.items():
        submitted_on([office.publication("township", "submitted", title=title)], day)
    return days


def test_the_digest_counts_working_days_across_national_day(office, waiting, mailoutbox):
    # On Friday 9 October only Thursday 8 October, 30 and 29 September are the last three
    # working days: what came before 29 September has waited more than three.
    bodies = digest("2026-10-09", mailoutbox)
    assert sorted(bodies) == emails(office, *REVIEWERS["township"])
    body = bodies[office.user(Role.REVIEWER, "district").email]
    assert "九月二十八日提交" in body
    # Nine calendar days, but only two working days: not yet in the digest.
    assert "九月三十日提交" not in body
    # Exactly three working days (30 Sep, 8 and 9 Oct) is not more than three.
    assert "九月二十九日提交" not in body
    assert "公开信息（1条）" in body
    assert "截至2026年10月9日" in body
    assert "等待审核超过3个工作日" in body


def test_the_digest_counts_the_make_up_saturday(office, waiting, mailoutbox):
    # Monday 12 October: Saturday 10 October was a working day, so the cut-off is 8 October.
    body = digest("2026-10-12", mailoutbox)[office.user(Role.REVIEWER, "district").email]
    for title in ("九月二十八日提交", "九月二十九日提交", "九月三十日提交", "十月七日提交"):
        assert title in body
    assert "十月八日提交" not in body
    assert "公开信息（4条）" in body


def test_the_holiday_does_not_count_as_waiting(office, waiting, mailoutbox):
    # On 5 October, a holiday, what came on 28 September has waited only the 29th and 30th:
    # by calendar days it is a week old, by working days it is not overdue for review.
    digest("2026-10-05", mailoutbox)
    assert mailoutbox == []


def test_nothing_old_enough_means_no_digest(office, waiting, mailoutbox):
    # 30 September: three working days back (29, 28 and, over the Mid-Autumn break, 24
    # September) reach before every submission.
    digest("2026-09-30", mailoutbox)
    assert mailoutbox == []


def test_the_digest_lists_catalog_entries_too(office, drafts, mailoutbox):
    catalog_review.entries_submit(
        entries=drafts["township"], user=office.user(Role.EDITOR, "township")
    )
    submitted_on(drafts["township"][:2], dt.date(2026, 9, 18))
    submitted_on(drafts["township"][2:], dt.date(2026, 10, 8))
    body = digest("2026-10-09", mailoutbox)[office.user(Role.REVIEWER, "district").email]
    assert "目录事项（2项）" in body
    assert "通知测试事项0" in body and "通知测试事项1" in body
    assert "通知测试事项2" not in body


def test_each_office_gets_only_its_own_items(office, mailoutbox):
    township = office.publication("township", "submitted", title="街道等待")
    district = office.publication("district", "submitted", title="区级等待")
    submitted_on([township, district], dt.date(2026, 9, 18))
    bodies = digest("2026-10-09", mailoutbox)
    assert sorted(bodies) == sorted(
        emails(office, *REVIEWERS["township"]) + emails(office, *REVIEWERS["district"])
    )
    district_reviewer = bodies[office.user(Role.REVIEWER, "district").email]
    city_reviewer = bodies[office.user(Role.REVIEWER, "city").email]
    assert "街道等待" in district_reviewer and "区级等待" not in district_reviewer
    assert "区级等待" in city_reviewer and "街道等待" not in city_reviewer


def test_the_digest_runs_once_per_day(office, waiting, mailoutbox):
    cache.delete("notice-sent:review-digest:2026-10-12")
    assert send_review_digest.apply(kwargs={"today": "2026-10-12"}).get() == 2
    assert send_review_digest.apply(kwargs={"today": "2026-10-12"}).get() == 0
    assert len(mailoutbox) == 2
