"""Query counts of the staff admin pages: fixed, whatever the number of rows.

Each test measures a page for a city administrator at a small size (2 city entries derived to
every division; or 2 memberships, events, ...), grows the data (6 city entries, derived again;
more memberships, events, domains, ...) and measures again. Both counts must equal the recorded
one: a count that grows with the rows is an N+1 query.

Every measurement follows a warm-up request to the same URL, so per-process caches (content
types) do not count. The counts include the session, the user, the ModelBackend's two
permission queries and the user's memberships (4-5 queries on every admin page). Change pages
look the object up in the user's scope once more before Django's own lookup, so that an
out-of-scope id answers 404 before any permission check (ScopedAdminMixin). GET requests of
change pages open no transaction in Django 5.2, so no savepoint is counted. The numbers are
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from import_export.formats import base_formats

from catalog import services
from catalog.models import CatalogEntry, CatalogEvent, Domain, SecondLevelItem
from districts.models import Division, Membership, Role
from tests.factories import CityEntryFactory, DomainFactory, SecondLevelItemFactory

pytestmark = [
    pytest.mark.django_db,
    # WhiteNoise warns once per request that collectstatic has not run; irrelevant here.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

SMALL, LARGE = 2, 6
FURONG, WENYILU = "430102", "430102001"

# Recorded for a city administrator (Django 5.2, SQLite and PostgreSQL alike).
EXPECTED = {
    "entry_changelist": 10,
    "entry_changelist_within": 11,  # + the ScopedDivisionFilter looking up the division
    "division_changelist": 8,
    "membership_changelist": 9,
    # + the memberships of the page's users, read together: the 操作人 column names each with
    # the department they act for (districts.people).
    "event_changelist": 12,
    "domain_changelist": 8,
    "secondlevelitem_changelist": 9,
    "tree": 10,
    # The change page includes ScopedAdminMixin's 404 pre-check (one lookup of the entry), the
    # 承办部门 choices (one query for the departments in scope), and the memberships of the
    # people it names (submitter, reviewer, the events' users: one query for all of them), and
    # the domain routes that say who reviews the entry (catalog.routing: one query).
    "entry_change_city": 22,
    # A derived entry shows its source's published values (stored on the source row, read with
    # the entry): one more query than the city's, for the source's division.
    "entry_change_derived": 23,
    # The export permission is the policy's answer (no ModelBackend lookup of user and group
    # permissions, which staff never hold: 2 queries fewer than the stock has_perm).
    "entry_export_within": 9,
}


@pytest.fixture
def client():
    """A test client arriving over HTTPS through the proxy (SECURE_SSL_REDIRECT is on)."""
    return Client(HTTP_X_FORWARDED_PROTO="https")


@pytest.fixture
def city_admin(client, city, make_member):
    user = make_member(city, Role.ADMINISTRATOR)
    client.force_login(user)
    return user


def grow_catalog(city, n: int) -> None:
    """Add ``n`` city entries and derive them to every division."""
    CityEntryFactory.create_batch(n, division=city)
    services.catalog_derive_tree(root=city, user=None)


def count_queries(client, url: str, method: str = "get", data=None):
    """Return (number of queries, response) for ``url`` after a warm-up request."""
    send = getattr(client, method)
    assert send(url, data or {}).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = send(url, data or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def assert_queries(django_assert_num_queries, client, url: str, expected: int, **kwargs):
    """Assert the exact count with pytest-django (which lists the queries when it fails)."""
    send = getattr(client, kwargs.get("method", "get"))
    data = kwargs.get("data") or {}
    assert send(url, data).status_code == 200
    with django_assert_num_queries(expected):
        response = send(url, data)
    assert response.status_code == 200
    return response


def shown_rows(response) -> int:
    return len(response.context["cl"].result_list)


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "key", "rows"),
    [
        # Filtered to the city's own catalog: the page shows 2, then 6 rows.
        ("?division__level__exact=city", "entry_changelist", (SMALL, LARGE)),
        # Filtered to one township's catalog with the ScopedDivisionFilter.
        (f"?within={WENYILU}", "entry_changelist_within", (SMALL, LARGE)),
        # Searched: every entry matches the factory's item names (one full page, 50 rows).
        ("?q=二级事项", "entry_changelist", (50, 50)),
        # Unfiltered: 360, then 1080 entries; a full page of 50 rows both times.
        ("", "entry_changelist", (50, 50)),
    ],
    ids=["city-level", "within-township", "search", "all"],
)
def test_entry_changelist(client, city, city_admin, django_assert_num_queries, query, key, rows):
    url = "/admin/catalog/catalogentry/" + query
    grow_catalog(city, SMALL)
    small, response = count_queries(client, url)
    assert shown_rows(response) == rows[0]
    before = response.context["cl"].result_count
    assert small == EXPECTED[key]

    grow_catalog(city, LARGE - SMALL)
    response = assert_queries(django_assert_num_queries, client, url, EXPECTED[key])
    assert shown_rows(response) == rows[1]
    assert response.context["cl"].result_count > before


@pytest.mark.parametrize(
    ("query", "rows"),
    [("?level__exact=city", 1), ("?level__exact=county", None), ("", None)],
    ids=["city", "counties", "all"],
)
def test_division_changelist(client, city, city_admin, django_assert_num_queries, query, rows):
    """One query whatever the rows: 1 city, the counties, all 180 divisions (one page)."""
    url = "/admin/districts/division/" + query
    grow_catalog(city, SMALL)
    small, response = count_queries(client, url)
    assert small == EXPECTED["division_changelist"]
    expected_rows = rows or response.context["cl"].result_count
    assert shown_rows(response) == expected_rows
    counts = {d.code: d.n_entries for d in response.context["cl"].result_list}
    assert set(counts.values()) == {SMALL}

    grow_catalog(city, LARGE - SMALL)
    response = assert_queries(
        django_assert_num_queries, client, url, EXPECTED["division_changelist"]
    )
    assert shown_rows(response) == expected_rows
    counts = {d.code: d.n_entries for d in response.context["cl"].result_list}
    assert set(counts.values()) == {LARGE}


def test_division_changelist_same_count_for_1_and_180_rows(client, city, city_admin):
    grow_catalog(city, SMALL)
    one, response = count_queries(client, "/admin/districts/division/?level__exact=city")
    assert shown_rows(response) == 1
    everything, response = count_queries(client, "/admin/districts/division/")
    assert shown_rows(response) == Division.objects.count() == 180
    assert one == everything == EXPECTED["division_changelist"]


def test_membership_changelist(client, city, city_admin, make_member, django_assert_num_queries):
    url = "/admin/districts/membership/"
    furong = Division.objects.get(code=FURONG)
    for _ in range(SMALL):
        make_member(furong, Role.EDITOR, first_name="张三")
    small, response = count_queries(client, url)
    assert shown_rows(response) == SMALL + 1  # and the administrator's own
    assert small == EXPECTED["membership_changelist"]

    for _ in range(LARGE - SMALL):
        make_member(furong, Role.REVIEWER, first_name="李四")
    response = assert_queries(
        django_assert_num_queries, client, url, EXPECTED["membership_changelist"]
    )
    assert shown_rows(response) == Membership.objects.count() == LARGE + 1


def create_city_entries(city, user, n: int) -> None:
    """Create ``n`` city entries through the service, which records a 'create' event each."""
    for _ in range(n):
        services.entry_create(division=city, item=SecondLevelItemFactory(), values={}, user=user)


def test_event_changelist(client, city, city_admin, django_assert_num_queries):
    """Rows with an entry, an item and a user (create) and without an entry (derive)."""
    url = "/admin/catalog/catalogevent/"
    furong = Division.objects.get(code=FURONG)
    create_city_entries(city, city_admin, SMALL)
    services.catalog_derive(division=furong, user=city_admin)
    small, response = count_queries(client, url)
    assert shown_rows(response) == SMALL + 1
    assert small == EXPECTED["event_changelist"]

    create_city_entries(city, city_admin, LARGE - SMALL)
    services.catalog_derive(division=furong, user=city_admin)
    response = assert_queries(django_assert_num_queries, client, url, EXPECTED["event_changelist"])
    assert shown_rows(response) == CatalogEvent.objects.count() == LARGE + 2


def test_domain_changelist(client, city, city_admin, django_assert_num_queries):
    url = "/admin/catalog/domain/"
    grow_catalog(city, SMALL)
    small, response = count_queries(client, url)
    rows = shown_rows(response)
    assert rows == Domain.objects.count()
    assert small == EXPECTED["domain_changelist"]

    DomainFactory.create_batch(LARGE - SMALL)
    grow_catalog(city, LARGE - SMALL)
    response = assert_queries(django_assert_num_queries, client, url, EXPECTED["domain_changelist"])
    assert shown_rows(response) == Domain.objects.count() == rows + 2 * (LARGE - SMALL)


def test_secondlevelitem_changelist(client, city, city_admin, django_assert_num_queries):
    url = "/admin/catalog/secondlevelitem/"
    grow_catalog(city, SMALL)
    small, response = count_queries(client, url)
    assert shown_rows(response) == SMALL
    assert small == EXPECTED["secondlevelitem_changelist"]

    grow_catalog(city, LARGE - SMALL)
    response = assert_queries(
        django_assert_num_queries, client, url, EXPECTED["secondlevelitem_changelist"]
    )
    assert shown_rows(response) == SecondLevelItem.objects.count() == LARGE


@pytest.mark.parametrize("within", ["", FURONG, WENYILU])
def test_tree_view(client, city, city_admin, django_assert_num_queries, within):
    url = "/admin/catalog/catalogentry/tree/" + (f"?within={within}" if within else "")
    grow_catalog(city, SMALL)
    small, response = count_queries(client, url)
    assert sum(len(f["items"]) for n in response.context["tree"] for f in n["firsts"]) == SMALL
    assert small == EXPECTED["tree"]

    grow_catalog(city, LARGE - SMALL)
    response = assert_queries(django_assert_num_queries, client, url, EXPECTED["tree"])
    tree = response.context["tree"]
    assert sum(len(f["items"]) for n in tree for f in n["firsts"]) == LARGE
    division = response.context["division"]
    assert sum(n["entries"] for n in tree) == CatalogEntry.objects.within(division).count()


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("430100", "entry_change_city"),
        (FURONG, "entry_change_derived"),
        (WENYILU, "entry_change_derived"),
    ],
)
def test_entry_change_page(client, city, city_admin, django_assert_num_queries, code, key):
    """The same count with 2 or 6 entries per catalog and with more events on the entry."""
    grow_catalog(city, SMALL)
    entry = CatalogEntry.objects.filter(division__code=code).order_by("pk").first()
    url = f"/admin/catalog/catalogentry/{entry.pk}/change/"
    # A person's edit already: the page names the people in it (one query for all of them).
    services.entry_update(entry=entry, changes={"remarks": "本级备注"}, user=city_admin)
    small, response = count_queries(client, url)
    events_before = len(response.context["events"])
    assert small == EXPECTED[key]

    grow_catalog(city, LARGE - SMALL)
    if entry.source_id:
        # Personalise two elements, then let the source move one of them.
        services.entry_update(
            entry=entry, changes={"time_limit": "本级时限", "subject": "本级主体"}, user=city_admin
        )
        services.entry_update(entry=entry.source, changes={"time_limit": "上级新时限"}, user=None)
    else:
        services.entry_update(entry=entry, changes={"time_limit": "新时限"}, user=city_admin)
    response = assert_queries(django_assert_num_queries, client, url, EXPECTED[key])
    assert len(response.context["events"]) > events_before
    if entry.source_id:
        moved = [row for row in response.context["derivation_rows"] if row["moved"]]
        assert [row["element"] for row in moved] == ["time_limit"]


def test_entry_export_within_one_chunk(client, city, city_admin, django_assert_num_queries):
    """CSV export of one township's catalog: 2, then 6 rows, with the same queries.

    import_export pages a prefetching queryset in chunks (100 rows by default), so a large
    export costs 2 queries per chunk: that is by design, not per row.
    """
    url = f"/admin/catalog/catalogentry/export/?within={WENYILU}"
    formats = django_admin.site.get_model_admin(CatalogEntry).get_export_formats()
    csv_index = next(i for i, f in enumerate(formats) if f is base_formats.CSV)
    data = {
        "format": str(csv_index),
        "resource": "0",
        "catalogentryresource_division_code": "on",
        "catalogentryresource_second_level": "on",
        "catalogentryresource_channels": "on",
        "catalogentryresource_domain": "on",
    }
    grow_catalog(city, SMALL)
    small, response = count_queries(client, url, method="post", data=data)
    assert response.content.decode("utf-8-sig").count(WENYILU) == SMALL
    assert small == EXPECTED["entry_export_within"]

    grow_catalog(city, LARGE - SMALL)
    response = assert_queries(
        django_assert_num_queries,
        client,
        url,
        EXPECTED["entry_export_within"],
        method="post",
        data=data,
    )
    assert response.content.decode("utf-8-sig").count(WENYILU) == LARGE
