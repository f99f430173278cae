"""Celery tasks of the catalog: notices about entries under review.

Tasks take ids, re-read the rows and return quietly when they are gone (house style).
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from .models import CatalogEntry, ReviewStatus
from .notifications import entries_by_reviewer, message_for, send_once
from .policies import entries as entry_policy

User = get_user_model()

# A notice is a few e-mails: two minutes means the mail server hangs, and the retry with backoff
# is better than a worker held for the app-wide half hour.
TASK_OPTIONS = {
    "bind": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "soft_time_limit": 120,
    "time_limit": 180,
}


@shared_task(**TASK_OPTIONS)
def notify_entries_submitted(
    self, entry_ids: list[int], submitter_id: int | None, checked: bool = False
) -> int:
    """Tell whoever reviews the entries next that they wait; return the number of e-mails.

    That is the office above, or the city department that reviews the entry's domain
    (``catalog.routing``); ``checked`` says a department passed them on to the city office.
    """
    entries = list(
        CatalogEntry.objects.filter(pk__in=entry_ids, status=ReviewStatus.SUBMITTED)
        .select_related("division", "item__first_level")
        .order_by("division_id", "pk")
    )
    if not entries:
        return 0
    submitter = User.objects.filter(pk=submitter_id).first()
    grouped = entries_by_reviewer(entries, entry_policy)
    messages = [
        message_for(
            user,
            "entries_submitted",
            {"entries": items, "count": len(items), "submitter": submitter, "checked": checked},
        )
        for user, items in grouped.items()
        if user.pk != submitter_id
    ]
    return send_once(self.request.id or f"entries-submitted:{entry_ids}", messages)


@shared_task(**TASK_OPTIONS)
def notify_entries_reviewed(self, entry_ids: list[int], reviewer_id: int | None) -> int:
    """Tell submitters that their entries were approved or returned; return the e-mail count."""
    entries = list(
        CatalogEntry.objects.filter(pk__in=entry_ids, submitted_by__isnull=False)
        .select_related("division", "item", "submitted_by")
        .order_by("division_id", "pk")
    )
    by_submitter: dict = {}
    for entry in entries:
        if entry.submitted_by.email and entry.submitted_by.is_active:
            by_submitter.setdefault(entry.submitted_by, []).append(entry)
    reviewer = User.objects.filter(pk=reviewer_id).first()
    messages = [
        message_for(
            user,
            "entries_reviewed",
            {
                "returned": [e for e in items if e.status == ReviewStatus.DRAFT],
                "approved": [e for e in items if e.status == ReviewStatus.PUBLISHED],
                "reviewer": reviewer,
            },
        )
        for user, items in by_submitter.items()
    ]
    return send_once(self.request.id or f"entries-reviewed:{entry_ids}", messages)


# Tying a whole city's service entries to their guides reads every entry and guide in scope:
# minutes, not seconds.
@shared_task(soft_time_limit=600, time_limit=660, ignore_result=True)
def refresh_guide_links(
    divisions: list[int] | None = None,
    item_ids: list[int] | None = None,
    entry_ids: list[int] | None = None,
) -> dict:
    """Tie the service entries in scope (see ``links_refresh``) to their guides; return counts."""
    from dataclasses import asdict

    from .guide_links import links_refresh

    return asdict(links_refresh(divisions=divisions, item_ids=item_ids, entry_ids=entry_ids))


# A city-wide workbook import, or a derivation down to 170 townships, runs for many minutes;
# the soft limit leaves the job time to record its failure and remove its uploaded file.
@shared_task(soft_time_limit=25 * 60, time_limit=30 * 60, ignore_result=True)
def run_catalog_job(job_id: int) -> str:
    """Run a catalog job (workbook preview or import, derivation); return its final status."""
    from .jobs import run

    return run(job_id)


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def sweep_catalog_jobs() -> dict:
    """Remove expired, abandoned and orphaned uploaded workbooks; return what went."""
    from .jobs import sweep

    return sweep()
