"""E-mail notices to staff: who is told, and the message. Sending happens in Celery tasks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string

from outbox.services import claim, release

User = get_user_model()


def reviewers_by_division(divisions: Iterable, policy) -> dict[int, list]:
    """Return, per division id, the users who review that division's submissions first.

    ``policy`` is the reviewed model's policy (catalog entries or publications).
    """
    found: dict[int, list] = {}
    for division in {d.pk: d for d in divisions}.values():
        found[division.pk] = [u for u in policy.users_for("review", division) if u.email]
    return found


def entries_by_reviewer(entries: Sequence, policy) -> dict:
    """Return {reviewer: [entries]}: whoever reviews each catalog entry next.

    That is the office above, or a city department by domain (``catalog.routing``); the policy
    is asked once per division and review stage. Entries should come with
    ``division`` and ``item__first_level`` selected.
    """
    from . import routing

    routes = routing.load_routes()
    reviewers: dict = {}
    grouped: dict = defaultdict(list)
    for entry in entries:
        route = routing.route_of(entry, routes)
        key = (entry.division_id, routing.stage_of(entry, route), route and route.department_id)
        if key not in reviewers:
            reviewers[key] = [u for u in policy.users_for("review", entry) if u.email]
        for user in reviewers[key]:
            grouped[user].append(entry)
    return grouped


def group_for_recipients(items: Sequence, reviewers: dict[int, list]) -> dict:
    """Return {user: [items]} so that each reviewer gets one message listing their items."""
    grouped: dict = defaultdict(list)
    for item in items:
        for user in reviewers.get(item.division_id, []):
            grouped[user].append(item)
    return grouped


def send_once(key: str, messages: list[tuple[str, str, str, list[str]]]) -> int:
    """Send ``messages`` unless ``key`` was already sent; return how many went out.

    Tasks are acknowledged late, so a worker that dies after sending gets the task again;
    the key (the task id) keeps a redelivered task from mailing everyone a second time.
    """
    if not messages:
        return 0
    # Claimed in the database, not the cache: a cache outage must neither lose nor repeat mail.
    if not claim(f"notice-sent:{key}"):
        return 0
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:
        release(f"notice-sent:{key}")
        raise


def render_notice(template: str, context: dict) -> tuple[str, str]:
    """Return (subject, body) rendered from ``notifications/<template>.txt``.

    The template's first line is the subject.
    """
    text = render_to_string(
        f"notifications/{template}.txt",
        {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context},
    ).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def message_for(user, template: str, context: dict) -> tuple[str, str, str, list[str]]:
    """Return one send_mass_mail tuple addressed to ``user``."""
    subject, body = render_notice(template, {"recipient": user, **context})
    return (subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
