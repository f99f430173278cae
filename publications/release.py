"""定时发布 and 紧急发布: when an approved publication goes public, and publishing before review.

- A publication approved (and signed, where the division asks for it) with a ``release_at``
  still ahead waits as SCHEDULED; ``publications_release_due`` — run by the beat every
  PUBLICATION_RELEASE_INTERVAL seconds — publishes what is due. It is safe to run twice or in
  two workers at once: each row is locked and its state checked again before it moves.
- The office administrator of a division may publish at once in an emergency, with a reason;
  the office above must then review it within URGENT_REVIEW_WORKING_HOURS office hours, and
  until it has, the item is flagged on both working lists.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import CatalogEntry
from portal.review_kernel import clean_reason

from . import privacy_check
from .models import Publication, PublicationEvent
from .policies import publications as policy

Status = Publication.Status
Action = PublicationEvent.Action

#: How far ahead a release may be set: a year, so that a typo (2062 for 2026) is caught.
MAX_AHEAD = dt.timedelta(days=366)
#: Rows one run releases at most; the rest wait for the next run (seconds later).
BATCH = 200


def check_release_at(value, now=None) -> dt.datetime | None:
    """Return ``value`` (a datetime or ISO text) as an aware datetime, or raise ValidationError.

    It must be in the future and not more than a year ahead.
    """
    if value in (None, ""):
        return None
    now = now or timezone.now()
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).strip())
        except ValueError as error:
            raise ValidationError(
                f"定时发布时间：“{value}”不是有效时间，应为 2026-03-01 09:00 这样的格式。"
            ) from error
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= now:
        raise ValidationError("定时发布时间：须晚于现在；要审核通过后立即发布请留空。")
    if value > now + MAX_AHEAD:
        raise ValidationError("定时发布时间：不能晚于一年以后，请检查年份。")
    return value


def office_hours() -> tuple[dt.time, dt.time]:
    """Return the office day's opening and closing times from the settings."""
    return (
        dt.time.fromisoformat(settings.OFFICE_HOURS_START),
        dt.time.fromisoformat(settings.OFFICE_HOURS_END),
    )


@checks.register(checks.Tags.compatibility)
def check_office_hours(app_configs=None, **kwargs):
    """Refuse to start with office hours that cannot be read or that close before they open."""
    try:
        opens, closes = office_hours()
    except ValueError:
        return [
            checks.Error(
                "OFFICE_HOURS_START / OFFICE_HOURS_END 应为 09:00 这样的时间。",
                id="publications.E002",
            )
        ]
    if opens >= closes:
        return [
            checks.Error("OFFICE_HOURS_END 须晚于 OFFICE_HOURS_START。", id="publications.E002")
        ]
    if settings.URGENT_REVIEW_WORKING_HOURS <= 0:
        return [checks.Error("URGENT_REVIEW_WORKING_HOURS 须大于 0。", id="publications.E002")]
    return []


def urgent_review_due(now: dt.datetime) -> dt.datetime:
    """Return when an urgent release made at ``now`` must have been reviewed.

    URGENT_REVIEW_WORKING_HOURS office hours on the working-day calendar; where the calendar
    does not record the coming year yet, weekdays count as working days.
    """
    from workcalendar.calendar import CalendarNotCovered, WorkingCalendar, add_office_hours

    opens, closes = office_hours()
    hours = settings.URGENT_REVIEW_WORKING_HOURS
    start = timezone.localtime(now)
    try:
        return WorkingCalendar().add_working_hours(start, hours, opens, closes)
    except CalendarNotCovered:
        return add_office_hours(lambda d: d.weekday() < 5, start, hours, opens, closes)


# ---------------------------------------------------------------------------------------------
# 定时发布.


def check_still_publishable(publication: Publication) -> None:
    """Raise ValidationError when the publication's catalog entry no longer takes it."""
    entry = CatalogEntry.objects.select_for_update(of=("self",)).get(pk=publication.entry_id)
    name, where = publication.entry.item.name, publication.entry.division.name
    if entry.published_values is None or entry.published_values.get("is_dropped"):
        raise ValidationError(
            f"所属目录事项“{name}”尚未在{where}的目录中发布，请先审核发布目录事项。"
        )
    if entry.is_dropped:
        # Dropped in the working copy, awaiting its own review: publishing under it now would
        # put up information the catalog is about to stop promising.
        raise ValidationError(
            f"所属目录事项“{name}”已被删减（待审核），不能发布该信息；"
            "请先处理目录事项的删减（审核退回或恢复事项）后再审核。"
        )


def publish_or_schedule(
    publication: Publication, user, now, action: str, fields: list[str], reason: str = ""
) -> None:
    """Publish ``publication`` (locked, approved) now, or hold it until its release time."""
    from .services import _move, _publish

    if publication.release_at is not None and publication.release_at > now:
        when = timezone.localtime(publication.release_at).strftime("%Y-%m-%d %H:%M")
        _move(
            publication,
            Status.SCHEDULED,
            Action.SCHEDULE,
            user,
            reason=f"将于 {when} 定时发布" + (f"；{reason}" if reason else ""),
            fields=fields,
        )
        return
    _publish(publication, user, now, action, fields=fields, reason=reason)


def publications_release_due(now: dt.datetime | None = None) -> int:
    """Publish every scheduled publication whose time has come; return how many went out.

    Each row is released in its own transaction under a row lock (taken with SKIP LOCKED, so a
    second run at the same moment passes over it), and its state is read again under the lock:
    running twice, or in two workers, publishes each row once. A row that can no longer be
    published (its entry was dropped, the version it replaces was withdrawn) goes back to
    draft with the reason, for its owner to see.
    """
    from .services import _move, _notify, _publish

    now = now or timezone.now()
    due = list(
        Publication.objects.filter(status=Status.SCHEDULED, release_at__lte=now)
        .order_by("release_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    released = 0
    for pk in due:
        with transaction.atomic():
            publication = (
                Publication.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("division", "pub_type", "entry__item", "entry__division")
                .filter(pk=pk, status=Status.SCHEDULED, release_at__lte=now)
                .first()
            )
            if publication is None:
                continue
            planned = timezone.localtime(publication.release_at).strftime("%Y-%m-%d %H:%M")
            try:
                with transaction.atomic():
                    check_still_publishable(publication)
                    _publish(
                        publication,
                        None,
                        timezone.now(),
                        Action.RELEASE,
                        fields=[],
                        reason=f"定时发布（预定 {planned}）",
                    )
            except ValidationError as error:
                publication.refresh_from_db()
                reason = f"定时发布未完成：{'；'.join(error.messages)}"
                publication.return_reason = reason[:2000]
                _move(
                    publication,
                    Status.DRAFT,
                    Action.RELEASE_FAILED,
                    None,
                    reason=reason,
                    fields=["return_reason"],
                )
            else:
                released += 1
            _notify("reviewed", publication, None)
    return released


def _require_release_manager(user, publication: Publication, doing: str) -> None:
    # Who approved or signs it may move its time: the reviewing office, or the signing leader.
    if not (policy.allows(user, "review", publication) or policy.allows(user, "sign", publication)):
        raise PermissionDenied(f"{doing}须由审核或签发“{publication.title}”的部门操作。")


@transaction.atomic
def publication_release_now(*, publication: Publication, user) -> Publication:
    """Publish a scheduled publication at once, ahead of its time; return it."""
    from .services import _lock, _publish, _require_status

    publication = _lock(publication)
    _require_release_manager(user, publication, "提前发布")
    _require_status(publication, "提前发布", Status.SCHEDULED)
    check_still_publishable(publication)
    planned = timezone.localtime(publication.release_at).strftime("%Y-%m-%d %H:%M")
    _publish(
        publication,
        user,
        timezone.now(),
        Action.RELEASE,
        fields=[],
        reason=f"提前发布（原定 {planned}）",
    )
    return publication


@transaction.atomic
def publication_unschedule(*, publication: Publication, user, reason: str) -> Publication:
    """Take a scheduled publication back to draft with ``reason``; return it."""
    from .services import _lock, _move, _notify, _require_status

    reason = clean_reason(reason, "取消定时发布")
    publication = _lock(publication)
    _require_release_manager(user, publication, "取消定时发布")
    _require_status(publication, "取消定时发布", Status.SCHEDULED)
    publication.return_reason = reason
    _move(
        publication,
        Status.DRAFT,
        Action.UNSCHEDULE,
        user,
        reason=reason,
        fields=["return_reason"],
    )
    _notify("reviewed", publication, user)
    return publication


# ---------------------------------------------------------------------------------------------
# 紧急发布.


def urgent_pending_q():
    """Return the Q of urgent releases still waiting for their later review."""
    from django.db.models import Q

    return (
        Q(status=Status.PUBLISHED)
        & Q(urgent_review_due__isnull=False)
        & Q(urgent_reviewed_at__isnull=True)
    )


@transaction.atomic
def publication_publish_urgent(
    *, publication: Publication, user, reason: str, privacy_confirmed: bool = False
) -> Publication:
    """Publish a draft or submission at once (突发事件) with ``reason``; return it.

    Only the division's own office administrator may. The personal-information check still
    runs, and hits need ``privacy_confirmed``. A 规范性文件 (it needs its 解读) and a 解读 of a
    policy not yet public take the normal review. The office above is told, and the item is
    flagged until it has reviewed it.
    """
    from .services import PRIVACY_FIELDS, _lock, _notify, _privacy, _publish, _require_status

    reason = clean_reason(reason, "紧急发布")
    publication = _lock(publication)
    if not policy.allows(user, "urgent", publication):
        raise PermissionDenied(
            f"紧急发布须由{publication.division.name}政务公开办的管理员操作，您无权紧急发布。"
        )
    _require_status(publication, "紧急发布", Status.DRAFT, Status.SUBMITTED)
    check_still_publishable(publication)
    if publication.pub_type_id and publication.pub_type.needs_interpretation:
        raise ValidationError(
            f"“{publication.pub_type.name}”须与其解读一并审核发布，不适用紧急发布。"
        )
    if publication.interprets_id and publication.interprets.status != Status.PUBLISHED:
        raise ValidationError("所解读的政策文件尚未发布，解读不能先行紧急发布。")
    report = privacy_check.run(publication)
    needs = privacy_check.needs_confirmation(report)
    if needs and not privacy_confirmed:
        raise ValidationError(
            f"个人信息检查：{report['summary']}请逐条核对（需要脱敏的请先遮盖），"
            "确认后勾选“已核对个人信息”再紧急发布。"
        )
    now = timezone.now()
    _privacy(publication, user, "紧急发布时", report=report, confirmed_at=now if needs else None)
    if publication.submitted_by_id is None or publication.status == Status.DRAFT:
        publication.submitted_by, publication.submitted_at = user, now
    publication.urgent_reason = reason
    publication.urgent_review_due = urgent_review_due(now)
    publication.release_at = None
    due = timezone.localtime(publication.urgent_review_due).strftime("%Y-%m-%d %H:%M")
    _publish(
        publication,
        user,
        now,
        Action.URGENT,
        fields=[
            "submitted_by",
            "submitted_at",
            "urgent_reason",
            "urgent_review_due",
            "release_at",
            *PRIVACY_FIELDS,
        ],
        reason=f"{reason}（须于 {due} 前由上级补审）",
    )
    _notify("urgent", publication, user)
    return publication


@transaction.atomic
def publication_urgent_review(
    *, publication: Publication, user, privacy_confirmed: bool = False
) -> Publication:
    """Record the office above's later review of an urgent release; return the publication.

    The reviewer who finds it should not be public withdraws it instead (撤销发布).
    """
    from .services import PRIVACY_FIELDS, _lock, _privacy, _record, _require_reviewer

    publication = _lock(publication)
    _require_reviewer(user, publication)
    if not Publication.objects.filter(urgent_pending_q(), pk=publication.pk).exists():
        raise ValidationError("该信息不是待补审的紧急发布信息。")
    report = privacy_check.run(publication)
    needs = privacy_check.needs_confirmation(report)
    if needs and not privacy_confirmed:
        raise ValidationError(
            f"个人信息检查：{report['summary']}请逐条核对，确认后勾选“已核对个人信息”；"
            "不应公开的请撤销发布。"
        )
    now = timezone.now()
    _privacy(publication, user, "补审时", report=report, confirmed_at=now if needs else None)
    publication.urgent_reviewed_by, publication.urgent_reviewed_at = user, now
    publication.reviewed_by, publication.reviewed_at = user, now
    publication.save(
        update_fields=[
            "urgent_reviewed_by",
            "urgent_reviewed_at",
            "reviewed_by",
            "reviewed_at",
            *PRIVACY_FIELDS,
            "updated_at",
        ]
    )
    late = now > publication.urgent_review_due
    _record(
        publication,
        Action.URGENT_REVIEW,
        user,
        reason="紧急发布补审通过" + ("（已超过补审期限）" if late else ""),
    )
    return publication
