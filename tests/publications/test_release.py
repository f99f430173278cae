"""定时发布 and 紧急发布: scheduling on approval, the release job, urgent release and its review.

Adversaries considered: an editor moving a release time or publishing urgently (not theirs to
do); a district administrator publishing a township's item urgently (own division only); a
publisher reviewing their own urgent release; a second run of the release job (idempotent); a
release whose entry was dropped in the meantime (goes back to draft, never half-published); a
release time in the past or years ahead; a forged action name.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from districts.models import Role
from publications import release, services
from publications.models import Publication, PublicationEvent, PublicationType
from workcalendar.calendar import WorkingCalendar, add_office_hours

Status = Publication.Status
Action = PublicationEvent.Action
SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE, FIVE = dt.time(9), dt.time(17)


def scheduled(office, level="township", hours=2, **data) -> Publication:
    """Create, submit and approve an item with a release time ``hours`` ahead."""
    when = timezone.now() + dt.timedelta(hours=hours)
    item = office.publication(level, "submitted", release_at=when, **data)
    services.publication_approve(publication=item, user=office.reviewer_for(level))
    item.refresh_from_db()
    return item


# --- scheduling -------------------------------------------------------------------------------


def test_an_item_approved_with_a_release_time_waits_unpublished(office):
    item = scheduled(office)
    assert item.status == Status.SCHEDULED
    assert item.published_at is None and item.index_no == ""
    assert not Publication.objects.public().filter(pk=item.pk).exists()
    event = item.events.order_by("-id").first()
    assert event.action == Action.SCHEDULE and "定时发布" in event.reason


def test_the_release_job_publishes_what_is_due_once(office, client):
    item = scheduled(office, hours=1)
    url = item.get_absolute_url()
    assert client.get(url).status_code == 404
    assert release.publications_release_due() == 0  # not due yet
    later = timezone.now() + dt.timedelta(hours=2)
    assert release.publications_release_due(now=later) == 1
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.published_at is not None and item.index_no
    event = item.events.order_by("-id").first()
    assert event.action == Action.RELEASE and event.user is None
    assert "定时发布" in event.reason
    # Twice is once: a second run (or a second worker) finds nothing to do.
    assert release.publications_release_due(now=later) == 0
    assert item.events.filter(action=Action.RELEASE).count() == 1
    # The portal shows it at once: the caches were told.
    assert client.get(url).status_code == 200


def test_the_release_tells_the_submitter_and_names_who_approved(
    office, mailoutbox, django_capture_on_commit_callbacks
):
    # The release job has no reviewer of its own: the notice must still render (it once
    # failed in the worker on a missing reviewer) and name whoever approved the item.
    item = scheduled(office, hours=1)
    item.submitted_by.email = "editor@example.gov.cn"
    item.submitted_by.save(update_fields=["email"])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert release.publications_release_due(now=timezone.now() + dt.timedelta(hours=2)) == 1
    mails = [m for m in mailoutbox if item.title[:20] in m.subject]
    assert len(mails) == 1 and "已发布" in mails[0].subject
    approver = office.reviewer_for("township")
    name = approver.get_full_name() or approver.username
    assert f"审核人：{name}" in mails[0].body


def test_the_public_division_list_shows_a_released_item(office, client):
    item = scheduled(office, hours=1, title="定时发布的通知")
    page = reverse("portal:division_publications", kwargs={"slug": item.division.slug})
    assert "定时发布的通知" not in client.get(page).content.decode()
    release.publications_release_due(now=timezone.now() + dt.timedelta(hours=2))
    assert "定时发布的通知" in client.get(page).content.decode()


def test_a_release_whose_entry_was_dropped_goes_back_to_draft(office):
    item = scheduled(office, hours=1)
    entry = item.entry
    type(entry).objects.filter(pk=entry.pk).update(is_dropped=True, drop_reason="own")
    assert release.publications_release_due(now=timezone.now() + dt.timedelta(hours=2)) == 0
    item.refresh_from_db()
    assert item.status == Status.DRAFT
    assert item.return_reason.startswith("定时发布未完成")
    assert item.published_at is None and item.index_no == ""
    assert item.events.order_by("-id").first().action == Action.RELEASE_FAILED


def test_a_release_time_must_be_ahead_and_within_a_year(office):
    editor = office.user(Role.EDITOR, "township")
    for when, message in (
        (timezone.now() - dt.timedelta(minutes=5), "须晚于现在"),
        (timezone.now() + dt.timedelta(days=800), "一年以后"),
        ("明天上午", "不是有效时间"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.publication_create(
                entry=office.entries["township"],
                data={"title": "x", "formed_on": dt.date(2026, 11, 2), "release_at": when},
                user=editor,
            )
        assert message in str(caught.value)


def test_a_release_time_that_passed_before_approval_publishes_at_once(office):
    item = office.publication(
        "township", "submitted", release_at=timezone.now() + dt.timedelta(seconds=1)
    )
    Publication.objects.filter(pk=item.pk).update(release_at=timezone.now() - dt.timedelta(hours=1))
    item.refresh_from_db()
    services.publication_approve(publication=item, user=office.reviewer_for("township"))
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED


def test_the_reviewer_may_release_early_or_cancel_and_the_editor_may_not(office):
    item = scheduled(office)
    editor = office.user(Role.EDITOR, "township")
    with pytest.raises(PermissionDenied):
        release.publication_release_now(publication=item, user=editor)
    with pytest.raises(PermissionDenied):
        release.publication_unschedule(publication=item, user=editor, reason="改期")
    reviewer = office.reviewer_for("township")
    with pytest.raises(ValidationError, match="须填写原因"):
        release.publication_unschedule(publication=item, user=reviewer, reason="  ")
    release.publication_release_now(publication=item, user=reviewer)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED

    other = scheduled(office, title="另一条")
    release.publication_unschedule(publication=other, user=reviewer, reason="发布时间改为下周")
    other.refresh_from_db()
    assert other.status == Status.DRAFT and other.return_reason == "发布时间改为下周"


def test_a_cousin_reviewer_cannot_touch_a_schedule(office):
    item = scheduled(office)
    with pytest.raises(PermissionDenied):
        release.publication_release_now(publication=item, user=office.user(Role.REVIEWER, "cousin"))


def test_a_signed_item_with_a_release_time_is_scheduled(office):
    township = office.divisions["430102001"]
    township.signoff_required = True
    township.save(update_fields=["signoff_required"])
    from districts.services import membership_grant
    from tests.factories import UserFactory

    leader = UserFactory(username="township_leader", is_staff=True)
    membership_grant(user=leader, division=township, role=Role.LEADER)
    item = scheduled(office)
    assert item.status == Status.SIGNOFF
    services.publication_sign(publication=item, user=leader)
    item.refresh_from_db()
    assert item.status == Status.SCHEDULED and item.signed_by == leader


def test_a_policy_and_its_interpretation_are_released_together(office):
    normative = PublicationType.objects.get(slug="guifanxing")
    interpretation = PublicationType.objects.get(slug="jiedu")
    editor = office.user(Role.EDITOR, "township")
    when = timezone.now() + dt.timedelta(hours=3)
    policy_doc = office.publication("township", "draft", pub_type=normative.pk, release_at=when)
    guide = office.publication(
        "township", "draft", title="解读", pub_type=interpretation.pk, interprets=policy_doc.pk
    )
    services.publication_submit(publication=policy_doc, user=editor)
    services.publication_submit(publication=guide, user=editor)
    services.publication_approve(publication=policy_doc, user=office.reviewer_for("township"))
    guide.refresh_from_db()
    assert guide.status == Status.SCHEDULED and guide.release_at == when
    release.publications_release_due(now=when + dt.timedelta(seconds=1))
    policy_doc.refresh_from_db()
    guide.refresh_from_db()
    assert policy_doc.status == guide.status == Status.PUBLISHED


def test_a_revision_does_not_inherit_the_release_time(office):
    item = scheduled(office)
    release.publication_release_now(publication=item, user=office.reviewer_for("township"))
    draft = services.publication_revise(publication=item, user=office.user(Role.EDITOR, "township"))
    assert draft.release_at is None


def test_the_working_list_shows_what_is_scheduled(office, client):
    item = scheduled(office, title="下周一发布的公告")
    client.force_login(office.reviewer_for("township"))
    page = client.get(reverse("admin:publications_publication_worklist") + "?tab=scheduled")
    text = page.content.decode()
    assert "下周一发布的公告" in text
    assert timezone.localtime(item.release_at).strftime("%Y-%m-%d %H:%M") in text
    # The author's list shows it too.
    client.force_login(office.user(Role.EDITOR, "township"))
    text = client.get(reverse("admin:publications_publication_worklist") + "?tab=scheduled")
    assert "下周一发布的公告" in text.content.decode()


def test_the_admin_buttons_release_and_cancel(office, client):
    item = scheduled(office)
    client.force_login(office.reviewer_for("township"))
    base = reverse("admin:publications_publication_review", args=[item.pk, "x"])[:-2]
    page = client.get(reverse("admin:publications_publication_change", args=[item.pk]))
    assert "立即发布" in page.content.decode() and "自动发布" in page.content.decode()
    response = client.post(base + "unschedule/", {"unschedule_reason": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.SCHEDULED  # refused: no reason
    client.post(base + "release_now/")
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert client.post(base + "no_such_action/").status_code == 404


# --- office hours -----------------------------------------------------------------------------


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def test_office_hours_skip_evenings_weekends_and_holidays(calendar):
    cal = WorkingCalendar()
    # Friday 2026-11-27 16:00 + 8 office hours: 1 h on Friday, 7 h from Monday 09:00.
    friday = dt.date(2026, 11, 27)
    assert cal.add_working_hours(_at(friday, 16), 8, NINE, FIVE) == _at(dt.date(2026, 11, 30), 16)
    # Saturday evening counts from the next working morning.
    assert cal.add_working_hours(_at(dt.date(2026, 11, 28), 20), 2, NINE, FIVE) == _at(
        dt.date(2026, 11, 30), 11
    )
    # Across the National Day break the next working day comes from the calendar.
    before = dt.date(2026, 9, 30)
    after = cal.next_working_day(before)
    assert after > dt.date(2026, 10, 1)
    assert cal.add_working_hours(_at(before, 16), 2, NINE, FIVE) == _at(after, 10)
    # Within the day.
    assert cal.add_working_hours(_at(friday, 10, 30), 1.5, NINE, FIVE) == _at(friday, 12)


def test_office_hours_without_calendar_data_count_weekdays():
    monday = dt.date(2031, 6, 2)
    # Monday 16:00 + 9 h: 1 h on Monday, the whole of Tuesday; due at Tuesday's close.
    assert add_office_hours(lambda d: d.weekday() < 5, _at(monday, 16), 9, NINE, FIVE) == _at(
        monday + dt.timedelta(days=1), 17
    )
    friday = dt.date(2031, 6, 6)
    assert add_office_hours(lambda d: d.weekday() < 5, _at(friday, 16), 2, NINE, FIVE) == _at(
        friday + dt.timedelta(days=3), 10
    )


# --- urgent release ---------------------------------------------------------------------------


def test_the_office_administrator_publishes_urgently_and_review_is_due(
    office, mailoutbox, django_capture_on_commit_callbacks
):
    admin = office.user(Role.ADMINISTRATOR, "township")
    item = office.publication("township", "draft", title="暴雨红色预警转移安置通知")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        release.publication_publish_urgent(publication=item, user=admin, reason="暴雨红色预警")
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.index_no
    assert item.urgent_reason == "暴雨红色预警"
    assert item.urgent_review_due == release.urgent_review_due(item.published_at)
    assert item.urgent_review_due > before
    assert Publication.objects.public().filter(pk=item.pk).exists()
    event = item.events.order_by("-id").first()
    assert event.action == Action.URGENT and "补审" in event.reason
    # The office above is told.
    district_reviewer = office.reviewer_for("township")
    assert any(district_reviewer.email in m.to and "紧急发布" in m.subject for m in mailoutbox)


def test_urgent_release_needs_a_reason_and_the_own_office_administrator(office):
    item = office.publication("township", "draft")
    with pytest.raises(ValidationError, match="须填写原因"):
        release.publication_publish_urgent(
            publication=item, user=office.user(Role.ADMINISTRATOR, "township"), reason=""
        )
    for user in (
        office.user(Role.EDITOR, "township"),
        office.user(Role.REVIEWER, "township"),
        # The district's administrator: urgent release is the township office's own call.
        office.user(Role.ADMINISTRATOR, "district"),
        office.user(Role.ADMINISTRATOR, "cousin"),
    ):
        with pytest.raises(PermissionDenied):
            release.publication_publish_urgent(publication=item, user=user, reason="突发")
    item.refresh_from_db()
    assert item.status == Status.DRAFT


def test_a_normative_document_is_not_published_urgently(office):
    normative = PublicationType.objects.get(slug="guifanxing")
    item = office.publication("township", "draft", pub_type=normative.pk)
    with pytest.raises(ValidationError, match="不适用紧急发布"):
        release.publication_publish_urgent(
            publication=item, user=office.user(Role.ADMINISTRATOR, "township"), reason="突发"
        )


def test_urgent_release_with_personal_information_needs_confirmation(office):
    item = office.publication("township", "draft", body="<p>联系人电话 13812345678</p>")
    admin = office.user(Role.ADMINISTRATOR, "township")
    with pytest.raises(ValidationError, match="已核对个人信息"):
        release.publication_publish_urgent(publication=item, user=admin, reason="突发")
    release.publication_publish_urgent(
        publication=item, user=admin, reason="突发", privacy_confirmed=True
    )
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.privacy_confirmed_by == admin


def test_the_office_above_reviews_an_urgent_release_and_the_flag_clears(office, client):
    admin = office.user(Role.ADMINISTRATOR, "township")
    item = office.publication("township", "draft", title="紧急停水通知")
    release.publication_publish_urgent(publication=item, user=admin, reason="管道爆裂")
    reviewer = office.reviewer_for("township")
    client.force_login(reviewer)
    worklist = reverse("admin:publications_publication_worklist")
    assert "紧急停水通知" in client.get(worklist + "?tab=urgent").content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    assert "紧急发布待补审" in index
    # The publisher does not review their own release.
    with pytest.raises(PermissionDenied):
        release.publication_urgent_review(publication=item, user=admin)
    release.publication_urgent_review(publication=item, user=reviewer)
    item.refresh_from_db()
    assert item.urgent_reviewed_by == reviewer and item.reviewed_by == reviewer
    assert "紧急停水通知" not in client.get(worklist + "?tab=urgent").content.decode()
    with pytest.raises(ValidationError, match="不是待补审"):
        release.publication_urgent_review(publication=item, user=reviewer)


def test_an_overdue_urgent_review_is_marked(office, client):
    item = office.publication("township", "draft", title="逾期补审")
    release.publication_publish_urgent(
        publication=item, user=office.user(Role.ADMINISTRATOR, "township"), reason="突发"
    )
    Publication.objects.filter(pk=item.pk).update(
        urgent_review_due=timezone.now() - dt.timedelta(hours=1)
    )
    client.force_login(office.reviewer_for("township"))
    text = client.get(reverse("admin:publications_publication_worklist") + "?tab=urgent")
    assert "已超期" in text.content.decode()
    change = client.get(reverse("admin:publications_publication_change", args=[item.pk]))
    assert "已超过补审期限" in change.content.decode()


def test_the_admin_urgent_button(office, client):
    item = office.publication("township", "draft")
    client.force_login(office.user(Role.ADMINISTRATOR, "township"))
    page = client.get(reverse("admin:publications_publication_change", args=[item.pk]))
    assert "紧急发布（先发布，后补审）" in page.content.decode()
    base = reverse("admin:publications_publication_review", args=[item.pk, "x"])[:-2]
    client.post(base + "urgent/", {"urgent_reason": "疫情防控紧急通告"})
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.urgent_reason == "疫情防控紧急通告"
    # An editor is not offered the button.
    client.force_login(office.user(Role.EDITOR, "township"))
    other = office.publication("township", "draft", title="另一条")
    page = client.get(reverse("admin:publications_publication_change", args=[other.pk]))
    assert "紧急发布（先发布，后补审）" not in page.content.decode()
