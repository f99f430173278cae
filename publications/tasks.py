"""Celery tasks of publications: review notices and the daily digest of overdue reviews.

Tasks take ids, re-read the rows and return quietly when they are gone; they are queued after
the transaction commits, retried with backoff on mail-server errors, and safe to run twice.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import CatalogEntry, ReviewStatus
from catalog.notifications import (
    entries_by_reviewer,
    group_for_recipients,
    message_for,
    reviewers_by_division,
    send_once,
)
from catalog.policies import entries as entry_policy
from catalog.tasks import TASK_OPTIONS

from .models import Publication
from .policies import publications as publication_policy

User = get_user_model()

DIGEST_WAITING_DAYS = 3


@shared_task(**TASK_OPTIONS)
def notify_publication_submitted(self, publication_id: int, submitter_id: int | None) -> int:
    """Tell the reviewing office that a publication waits for it; return the e-mail count."""
    publication = (
        Publication.objects.select_related("division", "entry__item")
        .filter(pk=publication_id, status=Publication.Status.SUBMITTED)
        .first()
    )
    if publication is None:
        return 0
    reviewers = reviewers_by_division([publication.division], publication_policy)
    messages = [
        message_for(
            user,
            "publication_submitted",
            {"publication": publication, "submitter": User.objects.filter(pk=submitter_id).first()},
        )
        for user in reviewers[publication.division_id]
        if user.pk != submitter_id
    ]
    return send_once(self.request.id or f"pub-submitted:{publication_id}", messages)


@shared_task(**TASK_OPTIONS)
def notify_publication_urgent(self, publication_id: int, publisher_id: int | None) -> int:
    """Tell the office above that an item went out urgently and needs its review; return the
    e-mail count."""
    publication = (
        Publication.objects.select_related("division", "entry__item")
        .filter(pk=publication_id, status=Publication.Status.PUBLISHED)
        .exclude(urgent_review_due=None)
        .first()
    )
    if publication is None:
        return 0
    reviewers = reviewers_by_division([publication.division], publication_policy)
    messages = [
        message_for(
            user,
            "publication_urgent",
            {"publication": publication, "publisher": User.objects.filter(pk=publisher_id).first()},
        )
        for user in reviewers[publication.division_id]
        if user.pk != publisher_id
    ]
    return send_once(self.request.id or f"pub-urgent:{publication_id}", messages)


@shared_task(**TASK_OPTIONS)
def release_scheduled(self) -> int:
    """Publish the scheduled publications that are due (定时发布); return how many went out."""
    from .release import publications_release_due

    return publications_release_due()


@shared_task(**TASK_OPTIONS)
def notify_publication_reviewed(self, publication_id: int, reviewer_id: int | None) -> int:
    """Tell the submitter that their publication was approved or returned; return the count."""
    publication = (
        Publication.objects.select_related("division", "entry__item", "submitted_by")
        .filter(pk=publication_id)
        .first()
    )
    if publication is None or publication.submitted_by is None:
        return 0
    submitter = publication.submitted_by
    if not submitter.email or not submitter.is_active:
        return 0
    message = message_for(
        submitter,
        "publication_reviewed",
        {
            "publication": publication,
            "returned": publication.status == Publication.Status.DRAFT,
            "scheduled": publication.status == Publication.Status.SCHEDULED,
            # The release job sends this with no reviewer: name whoever approved the item.
            "reviewer": User.objects.filter(pk=reviewer_id or publication.reviewed_by_id).first(),
        },
    )
    return send_once(self.request.id or f"pub-reviewed:{publication_id}", [message])


def waiting_too_long(today: dt.date, days: int = DIGEST_WAITING_DAYS):
    """Return (entries, publications) submitted more than ``days`` working days before today.

    The cut-off is today's date minus ``days`` working days on the statutory calendar.
    """
    from workcalendar.calendar import WorkingCalendar

    # Submitted before the cut-off day means more than ``days`` working days have passed.
    cutoff = WorkingCalendar().add_working_days(today, -days)
    start = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    entries = list(
        CatalogEntry.objects.filter(status=ReviewStatus.SUBMITTED, submitted_at__lt=start)
        .select_related("division", "item__first_level")
        .order_by("submitted_at")
    )
    publications = list(
        Publication.objects.filter(status=Publication.Status.SUBMITTED, submitted_at__lt=start)
        .select_related("division", "entry__item")
        .order_by("submitted_at")
    )
    return entries, publications


@shared_task(**TASK_OPTIONS)
def recompute_due_dates(self) -> int:
    """Compute unpublished publications' due dates again; return how many changed."""
    from .services import publications_recompute_due

    return publications_recompute_due()


def recompute_due_dates_after_calendar_change(sender, years, **kwargs) -> None:
    """Queue the recomputation when the calendar changed (the signal comes after commit)."""
    from outbox.services import enqueue

    enqueue(recompute_due_dates)


@shared_task(**TASK_OPTIONS)
def send_review_digest(self, today: str | None = None) -> int:
    """Mail each reviewing office what has waited more than 3 working days; return the count."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    entries, publications = waiting_too_long(day)
    pub_reviewers = reviewers_by_division([p.division for p in publications], publication_policy)
    entries_by_user = entries_by_reviewer(entries, entry_policy)
    pubs_by_user = group_for_recipients(publications, pub_reviewers)
    messages = [
        message_for(
            user,
            "review_digest",
            {
                "entries": entries_by_user.get(user, []),
                "publications": pubs_by_user.get(user, []),
                "total": len(entries_by_user.get(user, [])) + len(pubs_by_user.get(user, [])),
                "days": DIGEST_WAITING_DAYS,
                "today": day,
            },
        )
        for user in {*entries_by_user, *pubs_by_user}
    ]
    return send_once(f"review-digest:{day.isoformat()}", messages)
