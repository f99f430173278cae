"""The working-calendar admin: every staff role may look, only the city's administrators (and
superusers) change it, only superusers forget a year, and every change goes through the services.

The role grants are the app's own (workcalendar/policies.py); ``test_the_grants_are_declared``
pins them.
"""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from districts.models import Division, Role
from districts.policy import Where, grants
from tests.factories import UserFactory
from workcalendar import calendar as wc
from workcalendar import services
from workcalendar.models import CalendarYear, SpecialDay

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

D = date.fromisoformat

# What workcalendar.policies grants: every role may view, the city administrator edits.
CALENDAR_VIEW = {"workcalendar.view_calendaryear", "workcalendar.view_specialday"}
CALENDAR_EDIT_AT_CITY = {
    "workcalendar.add_calendaryear",
    "workcalendar.change_calendaryear",
    "workcalendar.add_specialday",
    "workcalendar.change_specialday",
    "workcalendar.delete_specialday",
}

YEARS = reverse("admin:workcalendar_calendaryear_changelist")
ADD_YEAR = reverse("admin:workcalendar_calendaryear_add")
DAYS = reverse("admin:workcalendar_specialday_changelist")


def change_url(year: int) -> str:
    return reverse("admin:workcalendar_calendaryear_change", args=[year])


def test_the_grants_are_declared():
    granted = {(g.role, g.where, g.permission) for g in grants()}
    for role in Role.values:
        for perm in CALENDAR_VIEW:
            assert (role, Where.EVERYWHERE, perm) in granted
    for perm in CALENDAR_EDIT_AT_CITY:
        assert (Role.ADMINISTRATOR, Where.AT_CITY, perm) in granted
        assert not any(p == perm and w is not Where.AT_CITY for _r, w, p in granted)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def division(request, reference_data):
    return Division.objects.get(code=request.param)


def year_2027_form(**extra) -> dict:
    data = {
        "year": "2027",
        "source": "国务院办公厅关于2027年部分节假日安排的通知（示例）",
        "note": "手工补录",
        "special_days-TOTAL_FORMS": "2",
        "special_days-INITIAL_FORMS": "0",
        "special_days-MIN_NUM_FORMS": "0",
        "special_days-MAX_NUM_FORMS": "1000",
        "special_days-0-date": "2027-01-01",
        "special_days-0-kind": SpecialDay.Kind.HOLIDAY,
        "special_days-0-name": "元旦",
        "special_days-1-date": "2027-02-06",  # a Saturday
        "special_days-1-kind": SpecialDay.Kind.MAKEUP_WORKDAY,
        "special_days-1-name": "春节",
    }
    data.update(extra)
    return data


def year_change_form(year: int, edit=None) -> dict:
    """Return the change form of ``year`` as the page posts it; ``edit(i, day, row)`` tweaks."""
    days = list(SpecialDay.objects.filter(calendar_year=year).order_by("date"))
    data = {
        "source": CalendarYear.objects.get(year=year).source,
        "note": "",
        "special_days-TOTAL_FORMS": str(len(days)),
        "special_days-INITIAL_FORMS": str(len(days)),
        "special_days-MIN_NUM_FORMS": "0",
        "special_days-MAX_NUM_FORMS": "1000",
    }
    for i, day in enumerate(days):
        row = {
            "id": str(day.pk),
            "calendar_year": str(year),
            "date": day.date.isoformat(),
            "kind": day.kind,
            "name": day.name,
        }
        if edit:
            edit(i, day, row)
        data |= {f"special_days-{i}-{k}": v for k, v in row.items()}
    return data


VIEWERS = [
    pytest.param(code, role, id=f"{role}-{code}")
    for code in ("430100", "430102", "430102001")
    for role in (Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR)
    if not (code == "430100" and role == Role.ADMINISTRATOR)
]


@pytest.mark.parametrize(("division", "role"), VIEWERS, indirect=["division"])
def test_staff_may_view_but_not_change(seeded, make_member, division, role):
    client = client_for(make_member(division, role))
    assert client.get(YEARS).status_code == 200
    assert (
        client.get(DAYS + "?kind=makeup_workday&calendar_year__year__exact=2026").status_code == 200
    )
    page = client.get(change_url(2026))
    assert page.status_code == 200
    assert "春节" in page.content.decode()
    assert client.get(ADD_YEAR).status_code == 403
    with mock.patch.object(services, "calendar_year_save") as save:
        assert client.post(ADD_YEAR, year_2027_form()).status_code == 403
        assert client.post(change_url(2026), year_change_form(2026)).status_code == 403
    save.assert_not_called()
    assert not CalendarYear.objects.filter(year=2027).exists()
    day = SpecialDay.objects.get(date=D("2026-02-14"))
    delete_day = reverse("admin:workcalendar_specialday_delete", args=[day.pk])
    assert client.post(delete_day, {"post": "yes"}).status_code == 403
    assert SpecialDay.objects.filter(pk=day.pk).exists()


def test_staff_without_a_role_see_nothing(seeded):
    client = client_for(UserFactory(is_staff=True))
    assert client.get(YEARS).status_code == 403
    assert client.get(change_url(2026)).status_code == 403


def test_city_admin_adds_2027_through_the_services(seeded, make_member, city):
    client = client_for(make_member(city, Role.ADMINISTRATOR))
    assert client.get(ADD_YEAR).status_code == 200
    with pytest.raises(wc.CalendarNotCovered):
        wc.add_working_days(D("2026-12-31"), 1)
    with (
        mock.patch.object(services, "calendar_year_save", wraps=services.calendar_year_save) as y,
        mock.patch.object(services, "special_day_save", wraps=services.special_day_save) as d,
    ):
        response = client.post(ADD_YEAR, year_2027_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    y.assert_called_once_with(
        year=2027, source="国务院办公厅关于2027年部分节假日安排的通知（示例）", note="手工补录"
    )
    assert d.call_count == 2
    assert list(SpecialDay.objects.filter(calendar_year=2027).values_list("date", "kind")) == [
        (D("2027-01-01"), SpecialDay.Kind.HOLIDAY),
        (D("2027-02-06"), SpecialDay.Kind.MAKEUP_WORKDAY),
    ]
    assert wc.add_working_days(D("2026-12-31"), 1) == D("2027-01-04")
    assert wc.is_working_day(D("2027-02-06"))


def test_a_bad_day_keeps_the_whole_year_out(seeded, make_member, city):
    client = client_for(make_member(city, Role.ADMINISTRATOR))
    # 2027-02-03 is a Wednesday: not a make-up working day.
    response = client.post(ADD_YEAR, year_2027_form(**{"special_days-1-date": "2027-02-03"}))
    assert response.status_code == 200
    assert "周六或周日" in response.content.decode()
    response = client.post(ADD_YEAR, year_2027_form(**{"special_days-1-date": "2028-02-05"}))
    assert "2027年内" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not SpecialDay.objects.filter(date__year__gte=2027).exists()


def test_city_admin_changes_and_deletes_days_through_the_services(seeded, make_member, city):
    client = client_for(make_member(city, Role.ADMINISTRATOR))
    dropped = SpecialDay.objects.get(date=D("2026-02-28"))

    def edit(i, day, row):
        if day.date == D("2026-02-14"):
            row["name"] = "春节（调休）"
        if day.pk == dropped.pk:
            row["DELETE"] = "on"

    with (
        mock.patch.object(services, "special_day_save", wraps=services.special_day_save) as save,
        mock.patch.object(services, "special_day_delete", wraps=services.special_day_delete) as rm,
    ):
        response = client.post(change_url(2026), year_change_form(2026, edit))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert save.call_count == 1
    assert rm.call_count == 1
    assert SpecialDay.objects.get(date=D("2026-02-14")).name == "春节（调休）"
    assert not SpecialDay.objects.filter(pk=dropped.pk).exists()
    assert not wc.is_working_day(D("2026-02-28"))  # an ordinary Saturday again


def test_only_superusers_forget_a_year(seeded, make_member, city):
    delete_year = reverse("admin:workcalendar_calendaryear_delete", args=[2026])
    city_admin = client_for(make_member(city, Role.ADMINISTRATOR))
    assert city_admin.post(delete_year, {"post": "yes"}).status_code == 403
    superuser = client_for(UserFactory(is_superuser=True))
    with mock.patch.object(
        services, "calendar_year_delete", wraps=services.calendar_year_delete
    ) as rm:
        assert superuser.post(delete_year, {"post": "yes"}).status_code == 302
    rm.assert_called_once()
    assert not CalendarYear.objects.filter(year=2026).exists()
    with pytest.raises(wc.CalendarNotCovered, match="2026年"):
        wc.add_working_days(D("2026-03-02"), 1)


def test_special_day_admin_edits_through_the_services(seeded, make_member, city):
    client = client_for(make_member(city, Role.ADMINISTRATOR))
    day = SpecialDay.objects.get(date=D("2026-10-10"))
    url = reverse("admin:workcalendar_specialday_change", args=[day.pk])
    data = {"calendar_year": "2026", "date": "2026-10-10", "kind": day.kind, "name": "国庆"}
    with mock.patch.object(services, "special_day_save", wraps=services.special_day_save) as save:
        assert client.post(url, data).status_code == 302
    save.assert_called_once()
    assert SpecialDay.objects.get(pk=day.pk).name == "国庆"


# Session, user, memberships, count, rows, filters' choices: the same however many rows.
QUERIES = {YEARS: 8, DAYS: 12}


@pytest.mark.parametrize(
    "url", [YEARS, DAYS, DAYS + "?kind=holiday&q=春节", YEARS + "?source=package"]
)
def test_list_query_counts_do_not_grow_with_rows(
    seeded, make_member, city, url, django_assert_num_queries
):
    client = client_for(make_member(city, Role.REVIEWER))
    expected = QUERIES[url.split("?")[0]]
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    CalendarYear.objects.filter(year__lt=2020).delete()
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
