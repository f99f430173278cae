"""Test data for the annual report: requests written straight into the table (the report reads
only the dates, the applicant kind and the reply), and policy documents published through the
publication services."""

from __future__ import annotations

import datetime as dt
import itertools

from foi.models import InfoRequest

_codes = itertools.count(1)


def make_request(
    division,
    kind: str,
    received: dt.date,
    closed: dt.date | None = None,
    category: str = "",
    reason: int = 0,
    department=None,
) -> InfoRequest:
    """Create one request of ``kind`` received and (when ``closed``) closed with a reply."""
    return InfoRequest.objects.create(
        division=division,
        department=department,
        code=f"T{next(_codes):08d}",
        applicant_kind=kind,
        name="申请人",
        id_type="resident",
        id_cipher="x",
        id_tail="0000",
        id_digest="d",
        phone="13800000000",
        description="所需信息",
        delivery="email",
        channel="online",
        received_on=received,
        state=InfoRequest.State.CLOSED if closed else InfoRequest.State.RUNNING,
        closed_on=closed,
        reply_category=category if closed else "",
        reply_reason=reason if closed else 0,
    )
