"""Recurring series (日报告、日发布): expected dates, missing issues on the working list, one
published issue per date, and who may keep a series.

Adversaries considered: a clerk filing an issue under another entry's series, or creating a
series on a cousin division's entry (refused as out of scope); a second published issue for a
date (refused with a message, never an IntegrityError); a series that ends or is stopped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from districts.models import Role
from publications import series as series_module
from publications import services
from publications.models import Publication, PublicationSeries

Cadence = PublicationSeries.Cadence
WORKLIST = reverse("admin:publications_publication_worklist")


def make_series(office, level="township", **fields) -> PublicationSeries:
    entry = office.entries[level]
    values = {
        "name": "疫情防控日报",
        "cadence": Cadence.DAILY,
        "due_time": dt.time(10, 0),
        "starts_on": timezone.localdate() - dt.timedelta(days=5),
        **fields,
    }
    return PublicationSeries.objects.create(
        entry=entry, division=entry.division, department=entry.department, **values
    )


def issue(office, series, day, status="published", level="township") -> Publication:
    return office.publication(
        level, status, title=f"{series.name}{day:%m月%d日}", series=series.pk, series_date=day
    )


def _dates(series, first, last):
    return list(series_module.expected_dates(series, first, last))


def test_expected_dates_follow_the_cadence():
    start = dt.date(2026, 1, 31)  # a Saturday, the 31st
    daily = PublicationSeries(cadence=Cadence.DAILY, starts_on=start)
    assert len(_dates(daily, dt.date(2026, 1, 1), dt.date(2026, 2, 9))) == 10
    weekly = PublicationSeries(cadence=Cadence.WEEKLY, starts_on=start)
    assert _dates(weekly, start, dt.date(2026, 2, 21)) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 7),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 21),
    ]
    # The 31st falls on each month's last day where the month is shorter.
    monthly = PublicationSeries(cadence=Cadence.MONTHLY, starts_on=start)
    assert _dates(monthly, start, dt.date(2026, 5, 31)) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
    ]
    workday = PublicationSeries(cadence=Cadence.WORKDAY, starts_on=start)
    assert _dates(workday, start, dt.date(2026, 2, 8)) == [
        dt.date(2026, 2, d) for d in (2, 3, 4, 5, 6)
    ]
    ended = PublicationSeries(cadence=Cadence.DAILY, starts_on=start, ends_on=dt.date(2026, 2, 2))
    assert _dates(ended, start, dt.date(2026, 3, 1))[-1] == dt.date(2026, 2, 2)


def test_workday_series_follow_the_statutory_calendar(calendar):
    from workcalendar.calendar import WorkingCalendar

    cal = WorkingCalendar()
    series = PublicationSeries(cadence=Cadence.WORKDAY, starts_on=dt.date(2026, 9, 28))
    got = list(
        series_module.expected_dates(
            series, dt.date(2026, 9, 28), dt.date(2026, 10, 12), cal.is_working_day
        )
    )
    assert got == [
        d
        for d in (dt.date(2026, 9, 28) + dt.timedelta(days=i) for i in range(15))
        if cal.is_working_day(d)
    ]
    assert dt.date(2026, 10, 1) not in got


def test_missing_issues_are_the_due_dates_without_a_published_issue(office):
    today = timezone.localdate()
    series = make_series(office, starts_on=today - dt.timedelta(days=3))
    issue(office, series, today - dt.timedelta(days=3))
    issue(office, series, today - dt.timedelta(days=1), status="submitted")
    now = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    missing = series_module.missing_issues(PublicationSeries.objects.all(), now)
    days = [(m.day, m.in_progress) for m in missing]
    # Today's is not due before 10:00; the day before yesterday's is missing; yesterday's is
    # written but not published.
    assert days == [(today - dt.timedelta(days=2), False), (today - dt.timedelta(days=1), True)]
    later = timezone.make_aware(dt.datetime.combine(today, dt.time(10, 1)))
    assert [m.day for m in series_module.missing_issues(PublicationSeries.objects.all(), later)][
        -1
    ] == today


def test_a_stopped_series_expects_nothing(office):
    make_series(office, is_active=False)
    assert series_module.missing_issues(PublicationSeries.objects.all()) == []


def test_the_owner_working_list_shows_the_missing_issue(office, client):
    today = timezone.localdate()
    series = make_series(office, starts_on=today - dt.timedelta(days=2))
    issue(office, series, today - dt.timedelta(days=2))
    client.force_login(office.user(Role.EDITOR, "township"))
    text = client.get(WORKLIST).content.decode()
    assert "连续发布缺期" in text and "疫情防控日报" in text
    missing_day = today - dt.timedelta(days=1)
    assert f"series_date={missing_day:%Y-%m-%d}" in text
    # A cousin township's clerk does not see it.
    client.force_login(office.user(Role.EDITOR, "cousin"))
    assert "疫情防控日报" not in client.get(WORKLIST).content.decode()


def test_one_published_issue_per_date(office):
    series = make_series(office)
    day = timezone.localdate() - dt.timedelta(days=1)
    issue(office, series, day)
    second = issue(office, series, day, status="submitted")
    with pytest.raises(ValidationError, match="这一期已经发布"):
        services.publication_approve(publication=second, user=office.reviewer_for("township"))
    second.refresh_from_db()
    assert second.status == Publication.Status.SUBMITTED


def test_a_revision_of_an_issue_replaces_it(office):
    series = make_series(office)
    day = timezone.localdate() - dt.timedelta(days=1)
    first = issue(office, series, day)
    editor = office.user(Role.EDITOR, "township")
    draft = services.publication_revise(publication=first, user=editor)
    assert draft.series == series and draft.series_date == day
    services.publication_submit(publication=draft, user=editor)
    services.publication_approve(publication=draft, user=office.reviewer_for("township"))
    draft.refresh_from_db()
    assert draft.status == Publication.Status.PUBLISHED


def test_an_issue_must_name_its_date_and_its_own_entry_series(office):
    series = make_series(office)
    with pytest.raises(ValidationError, match="期次日期"):
        office.publication("township", "draft", series=series.pk)
    elsewhere = make_series(office, level="district", name="区日报")
    with pytest.raises(ValidationError, match="属于另一个目录事项"):
        office.publication(
            "township", "draft", series=elsewhere.pk, series_date=timezone.localdate()
        )


def test_series_admin_keeps_to_scope(office, client):
    editor = office.user(Role.EDITOR, "township")
    client.force_login(editor)
    add = reverse("admin:publications_publicationseries_add")
    data = {
        "name": "每周防汛简报",
        "cadence": Cadence.WEEKLY,
        "due_time": "17:00",
        "starts_on": "2026-11-02",
        "is_active": "on",
    }
    response = client.post(add, {**data, "entry": office.entries["cousin"].pk})
    assert response.status_code == 200  # refused: the cousin's entry is not a choice
    assert not PublicationSeries.objects.exists()
    response = client.post(add, {**data, "entry": office.entries["township"].pk})
    assert response.status_code == 302
    created = PublicationSeries.objects.get()
    assert created.division == office.entries["township"].division
    assert created.created_by == editor
    response = client.post(
        add,
        {**data, "name": "倒序", "ends_on": "2026-10-01", "entry": office.entries["township"].pk},
    )
    assert response.status_code == 200 and "结束日期不能早于起始日期" in response.content.decode()
    # The cousin's clerk neither lists nor opens it.
    client.force_login(office.user(Role.EDITOR, "cousin"))
    change = reverse("admin:publications_publicationseries_change", args=[created.pk])
    assert client.get(change).status_code == 404


def _worklist_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(WORKLIST).status_code == 200
    return len(captured)


def test_the_missing_issue_block_costs_the_same_for_one_series_or_many(office, client):
    today = timezone.localdate()
    client.force_login(office.user(Role.EDITOR, "township"))
    first = make_series(office, starts_on=today - dt.timedelta(days=3))
    issue(office, first, today - dt.timedelta(days=3))
    few = _worklist_queries(client)
    for n in range(6):
        more = make_series(
            office, name=f"系列{n}", cadence=Cadence.WORKDAY, starts_on=today - dt.timedelta(days=9)
        )
        issue(office, more, today - dt.timedelta(days=2))
    # Seven series and their issues: still one query each for series and issues, plus one for
    # the working-day calendar that the 每个工作日 series need.
    assert _worklist_queries(client) == few + 1
