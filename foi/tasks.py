"""Celery tasks of foi: the applicant's e-mail at each step, and the daily overdue alerts."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from catalog.notifications import render_notice, send_once
from catalog.tasks import TASK_OPTIONS

from .models import InfoRequest, RequestEvent

log = logging.getLogger(__name__)


@shared_task(**TASK_OPTIONS)
def mail_applicant(self, request_id: int, step: str) -> int:
    """Tell the applicant of ``request_id`` what happened (``step``); return the e-mail count."""
    request = InfoRequest.objects.select_related("division").filter(pk=request_id).first()
    if request is None or not request.email:
        return 0
    labels = dict(RequestEvent.Kind.choices)
    subject, body = render_notice(
        "foi_step",
        {
            "request": request,
            "step": step,
            "step_label": labels.get(step, step),
            "status_url": settings.SITE_URL.rstrip("/")
            + reverse("foi:status", args=[request.division.slug]),
        },
    )
    message = (subject, body, settings.DEFAULT_FROM_EMAIL, [request.email])
    return send_once(self.request.id or f"foi:{request_id}:{step}", [message])


@shared_task(**TASK_OPTIONS)
def send_foi_alerts(self, day: str | None = None) -> int:
    """Mail each handling office its due-soon and overdue requests, and each office above its
    subordinates' overdue ones (codes and dates only, no personal data); return the e-mail count.

    Run daily by beat; ``day`` (ISO date) names the run, so a redelivered task mails no one twice.
    """
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalog.notifications import message_for
    from districts.models import Membership, Role

    from .admin import soon_date
    from .policies import requests as policy

    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    soon = soon_date(today)
    due = list(
        InfoRequest.objects.filter(state=InfoRequest.State.RUNNING, due_on__lte=soon)
        .select_related("division")
        .order_by("due_on", "pk")
    )
    by_division: dict[int, list[InfoRequest]] = {}
    for row in due:
        by_division.setdefault(row.division_id, []).append(row)
    User = get_user_model()
    mine: dict[int, list[InfoRequest]] = {}
    below: dict[int, list[InfoRequest]] = {}
    for rows in by_division.values():
        division = rows[0].division
        for user in policy.users_for("handle", rows[0]):
            mine.setdefault(user.pk, []).extend(rows)
        overdue = [r for r in rows if r.due_on < today]
        if overdue:
            supervisors = Membership.objects.filter(
                division__in=division.ancestors(),
                role=Role.ADMINISTRATOR,
                department__isnull=True,
                is_active=True,
                user__is_active=True,
            ).values_list("user_id", flat=True)
            for user_id in set(supervisors):
                below.setdefault(user_id, []).extend(overdue)
    users = User.objects.in_bulk(set(mine) | set(below))
    messages = [
        message_for(
            users[pk],
            "foi_alerts",
            {"mine": mine.get(pk, []), "below": below.get(pk, []), "today": today},
        )
        for pk in users
        if users[pk].email
    ]
    return send_once(self.request.id or f"foi-alerts:{today}", messages)


@shared_task(**TASK_OPTIONS)
def refresh_open_clocks(self, years: list[int] | None = None) -> int:
    """Recompute the stored state and due date of every open request (or of those whose
    clocks may touch ``years``); return how many changed.

    A stored state ages: a consultation's 15 working days run out, a provisional due date
    waits for next year's holidays. Beat runs this nightly, and a calendar change runs it for
    the years it touched.
    """
    from . import services

    rows = InfoRequest.objects.open().order_by("pk")
    if years:
        # A clock reaches at most about a year past its receipt.
        rows = rows.filter(received_on__year__gte=min(years) - 1, received_on__year__lte=max(years))
    changed = 0
    for row in rows.iterator(chunk_size=500):
        before = (row.state, row.due_on, row.due_provisional)
        try:
            services.refresh(row)
        except ValueError:
            # A history the clock cannot walk (a pause left open for years): keep the stored
            # values and go on; the request's page says what is wrong.
            log.exception("Clock of request %s not refreshed.", row.pk)
            continue
        changed += (row.state, row.due_on, row.due_provisional) != before
    return changed


def refresh_after_calendar_change(sender, years, **kwargs) -> None:
    """Queue refresh_open_clocks for the years the calendar change touched."""
    from outbox.services import enqueue

    enqueue(refresh_open_clocks, years=list(years))
