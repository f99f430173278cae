"""Property: whatever requests an office recorded, the computed table 三 passes the format's
checks (一 + 二 = 三（七） + 四, 总计 = the six columns, （七） = （一）+…+（六）), as long as every
closed request records a reply the table has a row for."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure.report import checks, compute, layout
from foi.models import ApplicantKind, InfoRequest

from .report_data import make_request

REPLIES = [("open", 1), ("open", 2), ("partial", 0)] + [
    (category, n)
    for category, reasons in layout.REASONS.items()
    for n in range(1, len(reasons) + 1)
]
DAY = st.dates(min_value=dt.date(2023, 6, 1), max_value=dt.date(2027, 3, 1))
REQUEST = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(ApplicantKind.values),
        "received": DAY,
        "days_open": st.none() | st.integers(min_value=0, max_value=500),
        "reply": st.sampled_from(REPLIES),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(requests=st.lists(REQUEST, max_size=25), year=st.integers(min_value=2023, max_value=2026))
def test_any_requests_give_a_table_that_passes_the_checks(furong, requests, year):
    InfoRequest.objects.all().delete()
    for r in requests:
        closed = None if r["days_open"] is None else r["received"] + dt.timedelta(r["days_open"])
        category, reason = r["reply"]
        make_request(furong, r["kind"], r["received"], closed, category, reason)
    scope = compute.Scope(furong.pk, None, year)
    three = compute.table_three(compute.fetch_request_groups(scope))
    assert checks.check_table_three(three) == []
    # And the table agrees with a plain count of the same requests.
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    new = sum(start <= r["received"] <= end for r in requests)
    assert three[layout.NEW][layout.TOTAL] == new
