"""The 依申请公开 card on the staff index (工作台): what the user's office owes, and what is
overdue below it."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from .admin import soon_date
from .models import InfoRequest, Letter
from .policies import letters as letter_policy
from .policies import requests as policy


def card(user) -> dict | None:
    """Return the index card of requests (one aggregate query), or None when the user has none.

    Parts: the open requests the user's office handles, those due within DUE_SOON_DAYS working
    days, the overdue ones, the letters waiting for signature, and the overdue requests of the
    divisions below (which the office supervises but does not handle).
    """
    if not policy.allows(user, "view"):
        return None
    today = timezone.localdate()
    # The handling office: who acts on its requests, and its 签发 leader (who signs its letters).
    handled = policy.scope_q(user, "handle") | Q(
        division__in=letter_policy.divisions_for(user, "approve_letter", "signoff_letter")
    )
    running = Q(state=InfoRequest.State.RUNNING)
    counts = policy.filter(InfoRequest.objects.open(), user, "view").aggregate(
        mine=Count("pk", filter=handled, distinct=True),
        soon=Count(
            "pk",
            filter=handled & running & Q(due_on__gte=today, due_on__lte=soon_date(today)),
            distinct=True,
        ),
        overdue=Count("pk", filter=handled & running & Q(due_on__lt=today), distinct=True),
        unsigned=Count(
            "pk",
            filter=handled & Q(letters__status__in=[Letter.Status.DRAFT, Letter.Status.REVIEWED]),
            distinct=True,
        ),
        below=Count("pk", filter=~handled & running & Q(due_on__lt=today), distinct=True),
    )
    if not any(counts.values()):
        return None
    url = reverse("admin:foi_inforequest_changelist")
    parts = [
        ("本机关未办结", counts["mine"], f"{url}?deadline=open", ""),
        ("即将到期", counts["soon"], f"{url}?deadline=soon", ""),
        ("已逾期", counts["overdue"], f"{url}?deadline=overdue", ""),
        ("文书待签发", counts["unsigned"], f"{url}?deadline=open", ""),
    ]
    if counts["below"]:
        parts.append(("下级逾期", counts["below"], f"{url}?deadline=overdue", "请督促办理"))
    return {
        "key": "foi",
        "label": "依申请公开",
        "total": counts["mine"],
        "parts": parts,
    }
