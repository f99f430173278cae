"""The office's working list: per user, 待办 / 待审 / 已发 with counts, filters and deadlines.

The list is read-only; its queries are constant whatever the data (the counts come from one
aggregate, the page from one query), and tests assert them.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from catalog.models import Domain, ReviewStatus
from catalog.policies import entries as entry_policy
from districts import people

from . import series as series_module
from .models import Publication
from .policies import publications as policy
from .policies import series as series_policy
from .release import urgent_pending_q

Status = Publication.Status
PAGE_SIZE = 50
SOON_WORKING_DAYS = 3

TABS = {
    "todo": "待办",
    "review": "待审",
    "signoff": "待签",
    "scheduled": "定时",
    "urgent": "紧急待补审",
    "published": "已发",
}


def today_and_soon(request=None) -> tuple[dt.date, dt.date]:
    """Return today and the last day counted as 'due soon' (3 working days ahead).

    With a ``request``, the answer is kept on it, so a page reads the calendar once. Without
    calendar data for the coming days, fall back to calendar days: a badge should not fail a page.
    """
    from workcalendar.calendar import CalendarNotCovered, WorkingCalendar

    cached = getattr(request, "_deadline_bounds", None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    try:
        soon = WorkingCalendar().add_working_days(today, SOON_WORKING_DAYS)
    except CalendarNotCovered:
        soon = today + dt.timedelta(days=SOON_WORKING_DAYS)
    if request is not None:
        request._deadline_bounds = (today, soon)
    return today, soon


def filter_deadline(queryset, value: str | None, request=None):
    if value not in ("overdue", "soon", "late"):
        return queryset
    today, soon = today_and_soon(request)
    if value == "overdue":
        return queryset.filter(status__in=[Status.DRAFT, Status.SUBMITTED], due_on__lt=today)
    if value == "soon":
        return queryset.filter(
            status__in=[Status.DRAFT, Status.SUBMITTED], due_on__gte=today, due_on__lte=soon
        )
    if value == "late":
        return queryset.filter(
            status__in=[Status.PUBLISHED, Status.SUPERSEDED, Status.WITHDRAWN],
            published_at__date__gt=F("due_on"),
        )
    return queryset


def deadline_html(publication: Publication, today: dt.date, soon: dt.date) -> str:
    """Return the deadline cell: the date with an 逾期 / 即将到期 / 逾期发布 badge."""
    from .services import deadline_state

    state = deadline_state(publication, today, soon)
    if publication.due_on is None:
        return (
            format_html(
                '<span title="{}">{}</span>', publication.due_note, "无" if not state else ""
            )
            if "期限待定" not in publication.due_note
            else format_html(
                '<span class="badge badge-warn" title="{}">期限待定</span>', publication.due_note
            )
        )
    labels = {"overdue": "已逾期", "soon": "即将到期", "late": "逾期发布", "ok": ""}
    badge = labels.get(state, "")
    css = {"overdue": "badge-danger", "soon": "badge-warn", "late": "badge-danger"}.get(state, "")
    if badge:
        return format_html(
            '{} <span class="badge {}" title="{}">{}</span>',
            publication.due_on.isoformat(),
            css,
            publication.due_note,
            badge,
        )
    return format_html('<span title="{}">{}</span>', publication.due_note, publication.due_on)


def _is_reviewer(user) -> bool:
    return policy.allows(user, "review")


def tab_filters(user) -> dict[str, Q]:
    """Return, per tab, the Q that selects the user's rows (scope included)."""
    edit = policy.scope_q(user, "change")
    view = policy.scope_q(user, "view", "change")
    if _is_reviewer(user):
        waiting = (
            policy.scope_q(user, "review") & Q(status=Status.SUBMITTED) & ~Q(submitted_by=user)
        )
    else:
        # Someone who does not review sees what they sent up and still waits.
        waiting = edit & Q(status=Status.SUBMITTED)
    if policy.allows(user, "sign"):
        signing = policy.scope_q(user, "sign") & Q(status=Status.SIGNOFF)
    else:
        # Everyone else sees what their office approved and now waits for the leader.
        signing = view & Q(status=Status.SIGNOFF)
    reviewing = policy.scope_q(user, "review") if _is_reviewer(user) else Q(pk__in=[])
    return {
        "todo": edit & Q(status=Status.DRAFT),
        # What the user's office approved or wrote and the beat will release.
        "scheduled": (view | reviewing) & Q(status=Status.SCHEDULED),
        # Urgent releases until the office above has reviewed them: flagged to both.
        "urgent": (view | reviewing) & urgent_pending_q(),
        "review": waiting,
        "signoff": signing,
        "published": view & Q(status=Status.PUBLISHED),
    }


def tab_counts(base, filters: dict[str, Q], **extra: Q) -> dict[str, int]:
    """Return the number of ``base``'s rows under each tab (and each ``extra`` Q): one query."""
    return base.aggregate(
        **{name: Count("id", filter=q) for name, q in {**filters, **extra}.items()}
    )


def entries_waiting(user) -> int:
    """Return how many catalog entries wait for ``user``'s review (one query; 0 if none may)."""
    if not entry_policy.allows(user, "review"):
        return 0
    return (
        entry_policy.instances_for(user, "review")
        .filter(status=ReviewStatus.SUBMITTED)
        .exclude(submitted_by=user)
        .count()
    )


def pending(user) -> list[dict]:
    """Return what the admin index shows at the top: the user's 待办, 待审 and 待签.

    Each card has a label, a total and its parts, every part linking to the working list's
    tab or the filtered catalog list that shows exactly what it counts. The counts are the
    working list's own (one aggregate), plus one count of catalog entries for reviewers: at
    most two queries, whatever the data.
    """
    filters = tab_filters(user)
    counts = tab_counts(
        Publication.objects.all(),
        filters,
        returned=filters["todo"] & ~Q(return_reason=""),
    )
    waiting = entries_waiting(user)
    worklist = reverse("admin:publications_publication_worklist")
    cards = []
    if policy.allows(user, "change"):
        note = f"其中被退回 {counts['returned']} 条" if counts["returned"] else ""
        cards.append(
            {
                "key": "todo",
                "label": "待办",
                "total": counts["todo"],
                "parts": [("公开信息草稿", counts["todo"], f"{worklist}?tab=todo", note)],
            }
        )
    if _is_reviewer(user) or waiting:
        parts = []
        if _is_reviewer(user):
            parts.append(("公开信息", counts["review"], f"{worklist}?tab=review", ""))
            if counts["urgent"]:
                # Published before review (突发事件): the office above owes its review.
                parts.append(("紧急发布待补审", counts["urgent"], f"{worklist}?tab=urgent", ""))
        if entry_policy.allows(user, "review"):
            changelist = reverse("admin:catalog_catalogentry_changelist")
            parts.append(("目录事项", waiting, f"{changelist}?status__exact=mine", ""))
        cards.append(
            {
                "key": "review",
                "label": "待审",
                "total": sum(part[1] for part in parts),
                "parts": parts,
            }
        )
    if policy.allows(user, "sign"):
        cards.append(
            {
                "key": "signoff",
                "label": "待签",
                "total": counts["signoff"],
                "parts": [("公开信息", counts["signoff"], f"{worklist}?tab=signoff", "")],
            }
        )
    return cards


def default_tab(user) -> str:
    """Return the tab the list opens on: what the user must act on first."""
    if policy.allows(user, "sign") and not policy.allows(user, "change"):
        return "signoff"
    if _is_reviewer(user) and not policy.allows(user, "change"):
        return "review"
    return "todo"


# Ids beyond this are no row of ours; SQLite would overflow on them.
MAX_ID = 2**53


def _parse_id(value: str | None) -> int | None:
    value = (value or "").strip()
    if value.isdigit() and len(value) < 17 and 0 < int(value) < MAX_ID:
        return int(value)
    return None


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def build(request) -> dict:
    """Return the template context of the working list for ``request``'s user and filters."""
    user = request.user
    params = request.GET
    tab = params.get("tab") if params.get("tab") in TABS else default_tab(user)
    filters = tab_filters(user)

    narrow = Q()
    notes = []
    domain_id = params.get("domain", "")
    if _parse_id(domain_id) is not None:
        narrow &= Q(entry__item__first_level__domain_id=_parse_id(domain_id))
    elif domain_id:
        notes.append(f"领域“{domain_id[:20]}”无效，已忽略。")
    entry_id = params.get("entry", "")
    if _parse_id(entry_id) is not None:
        narrow &= Q(entry_id=_parse_id(entry_id))
    elif entry_id:
        notes.append(f"目录事项编号“{entry_id[:20]}”无效，应为数字；已忽略。")
    author = params.get("author", "").strip()
    if author == "me":
        narrow &= Q(created_by=user)
    elif author:
        # 姓名 ("王芳", 姓 then 名 as districts.people writes it) or the user name.
        named = (
            get_user_model()
            .objects.annotate(full=Concat("last_name", "first_name"))
            .filter(full=author)
            .values("pk")
        )
        narrow &= Q(created_by__username=author) | Q(created_by__in=named)
    date_from, date_to = _parse_date(params.get("from")), _parse_date(params.get("to"))
    for raw, parsed, label in (
        (params.get("from"), date_from, "起始"),
        (params.get("to"), date_to, "截止"),
    ):
        if raw and parsed is None:
            notes.append(f"{label}日期“{raw}”无效，应为 2026-03-01 这样的格式；已忽略。")
    if date_from:
        narrow &= Q(formed_on__gte=date_from)
    if date_to:
        narrow &= Q(formed_on__lte=date_to)

    base = Publication.objects.filter(narrow)
    deadline = params.get("deadline", "")
    if deadline in ("overdue", "soon", "late"):
        base = filter_deadline(base, deadline, request)
    counts = tab_counts(base, filters)

    order = {
        "todo": [F("due_on").asc(nulls_last=True), "-updated_at"],
        "review": ["submitted_at", "id"],
        "signoff": ["reviewed_at", "id"],
        "scheduled": ["release_at", "id"],
        "urgent": ["urgent_review_due", "id"],
        "published": ["-published_at", "-id"],
    }[tab]
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, -(-counts[tab] // PAGE_SIZE))
    page = min(page, pages)
    rows = list(
        base.filter(filters[tab])
        .with_list_bundle()
        .order_by(*order)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    today, soon = today_and_soon(request)
    now = timezone.now()
    for row in rows:
        row.deadline_cell = deadline_html(row, today, soon)
        row.review_overdue = row.urgent_review_due is not None and row.urgent_review_due < now
    # The 填报人 column names each author with the department they act for: one query.
    people.prime_rows(rows, "created_by")

    keep = {k: v for k, v in params.items() if k not in ("tab", "page")}
    return {
        "tab": tab,
        "tabs": [
            (key, label, counts[key], "?" + urlencode({**keep, "tab": key}))
            for key, label in TABS.items()
        ],
        "rows": rows,
        "count": counts[tab],
        "page": page,
        "pages": pages,
        "prev_url": "?" + urlencode({**keep, "tab": tab, "page": page - 1}) if page > 1 else "",
        "next_url": "?" + urlencode({**keep, "tab": tab, "page": page + 1}) if page < pages else "",
        "domains": Domain.objects.only("id", "name"),
        "selected": {
            "domain": domain_id,
            "entry": entry_id,
            "author": author,
            "from": params.get("from", ""),
            "to": params.get("to", ""),
            "deadline": deadline,
        },
        "notes": notes,
        "entries_waiting": entries_waiting(user),
        # Issues of the user's recurring series whose due time passed unpublished.
        "missing_issues": series_module.missing_issues(
            series_policy.instances_for(user, "change"), now
        )
        if series_policy.allows(user, "change")
        else [],
        "is_reviewer": _is_reviewer(user),
        "today": today,
    }
