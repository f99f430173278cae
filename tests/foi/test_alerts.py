"""Due-soon and overdue requests: the index card and the daily e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from districts.models import Role
from foi import services
from foi.tasks import send_foi_alerts
from tests.publications.conftest import TOWNSHIP

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(office, applicant):
    # Received 2 November 2026: due 30 November, overdue by the time this runs.
    return services.submit(
        division=office.divisions[TOWNSHIP],
        data=applicant,
        channel="post",
        received_on=dt.date(2026, 11, 2),
    )


def test_index_card_counts_what_the_office_owes_and_what_is_late_below(client, office, overdue):
    client.force_login(office.user(Role.EDITOR, "township"))
    cards = {c["key"]: c for c in client.get(reverse("admin:index")).context["pending"]}
    parts = {label: count for label, count, _url, _note in cards["foi"]["parts"]}
    assert parts["本机关未办结"] == 1 and parts["已逾期"] == 1
    assert "下级逾期" not in parts
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    cards = {c["key"]: c for c in client.get(reverse("admin:index")).context["pending"]}
    parts = {label: count for label, count, _url, _note in cards["foi"]["parts"]}
    assert parts["本机关未办结"] == 0 and parts["下级逾期"] == 1
    # The cousin district sees no card at all.
    client.force_login(office.user(Role.ADMINISTRATOR, "cousin"))
    cards = {c["key"] for c in client.get(reverse("admin:index")).context["pending"]}
    assert "foi" not in cards


def test_daily_alerts_reach_the_handlers_and_the_offices_above(office, overdue):
    sent = send_foi_alerts.apply(kwargs={"day": "2026-12-01"}, task_id="alerts-1").get()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sent == len(mail.outbox) > 0
    handler = by_address[office.user(Role.EDITOR, "township").email]
    assert overdue.code in handler.body and "已逾期" in handler.body
    supervisor = by_address[office.user(Role.ADMINISTRATOR, "district").email]
    assert overdue.code in supervisor.body and "请督促办理" in supervisor.body
    # No personal data in any alert; the cousin hears nothing.
    assert all("张三" not in m.body and "13812345678" not in m.body for m in mail.outbox)
    assert office.user(Role.ADMINISTRATOR, "cousin").email not in by_address
    # The same task delivered again sends nothing.
    assert send_foi_alerts.apply(kwargs={"day": "2026-12-01"}, task_id="alerts-1").get() == 0
    assert len(mail.outbox) == sent


def test_the_nightly_refresh_brings_aged_clocks_up_to_date(office, overdue):
    from foi.models import InfoRequest
    from foi.tasks import refresh_open_clocks

    editor = office.user(Role.EDITOR, "township")
    services.record(overdue, "consult_start", on=dt.date(2026, 11, 9), user=editor)
    # Stored as of the step's day, a consultation would look paused for ever.
    InfoRequest.objects.filter(pk=overdue.pk).update(state="consulting", due_on=None)
    assert refresh_open_clocks.apply().get() == 1
    overdue.refresh_from_db()
    # Its 15 working days ran out on 30 November: running, and overdue since.
    assert overdue.state == "running" and overdue.due_on == dt.date(2026, 12, 21)
    assert refresh_open_clocks.apply().get() == 0


def test_a_calendar_change_refreshes_the_clocks_it_touches(
    office, overdue, django_capture_on_commit_callbacks
):
    from foi.models import InfoRequest
    from workcalendar.models import CalendarYear, SpecialDay
    from workcalendar.services import special_day_save

    InfoRequest.objects.filter(pk=overdue.pk).update(due_on=dt.date(2026, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        special_day_save(
            calendar_year=CalendarYear.objects.get(year=2026),
            day=dt.date(2026, 11, 20),
            kind=SpecialDay.Kind.HOLIDAY,
            name="测试假日",
        )
    overdue.refresh_from_db()
    # 20 November off: the 20th working day after 2 November moves from 30 Nov to 1 Dec.
    assert overdue.due_on == dt.date(2026, 12, 1)


def test_the_handling_offices_leader_counts_its_requests_as_its_own(client, office, overdue):
    from districts.services import membership_grant
    from tests.factories import UserFactory

    leader = UserFactory(username="township_leader_card", is_staff=True)
    membership_grant(user=leader, division=office.divisions[TOWNSHIP], role=Role.LEADER)
    client.force_login(leader)
    cards = {c["key"]: c for c in client.get(reverse("admin:index")).context["pending"]}
    parts = {label: count for label, count, _url, _note in cards["foi"]["parts"]}
    assert parts["本机关未办结"] == 1 and parts["已逾期"] == 1 and "下级逾期" not in parts
