"""Celery tasks of foi: the applicant's e-mail at each step, and the daily overdue alerts."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from catalog.notifications import render_notice, send_once
from catalog.tasks import TASK_OPTIONS

from .models import InfoRequest, RequestEvent


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
