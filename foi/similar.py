"""Requests that ask for the same information (条例 Art. 44): the office should then publish it.

Each request keeps its jieba keywords (services.keywords_of); two requests are similar when
their keyword sets overlap enough (Jaccard index). Candidates are the same division's requests
of the last year that share at least one keyword: one query, at most CANDIDATES rows.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Q

from .models import InfoRequest

CANDIDATES = 300
THRESHOLD = 0.3
# Art. 44: "多个申请人就相同政府信息" — from this many similar requests the office is prompted.
PROMPT_AT = 2


def similarity(a: set[str], b: set[str]) -> float:
    """Return the Jaccard index of two keyword sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar_requests(
    request: InfoRequest, limit: int = 5, user=None
) -> list[tuple[InfoRequest, float]]:
    """Return up to ``limit`` (request, score) pairs like ``request``, most similar first.

    With ``user``, only requests that user handles are candidates (a department's staff never
    see another department's requests).
    """
    words = set(request.keywords.split())
    if not words:
        return []
    since = request.received_on - dt.timedelta(days=365)
    candidates = (
        InfoRequest.objects.filter(division_id=request.division_id, received_on__gte=since)
        .exclude(pk=request.pk)
        .filter(reduce(or_, (Q(keywords__contains=word) for word in sorted(words)[:8])))
        .only("pk", "code", "received_on", "description", "keywords", "state", "reply_category")
        .order_by("-received_on")
    )
    if user is not None:
        from .policies import requests as policy

        candidates = policy.filter(candidates, user, "handle")
    candidates = candidates[:CANDIDATES]
    scored = [(other, similarity(words, set(other.keywords.split()))) for other in candidates]
    scored = [(other, score) for other, score in scored if score >= THRESHOLD]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].pk))
    return scored[:limit]
