"""The working list (待办 / 待审 / 已发): who sees what, every filter, pages, query counts.

The counts come from one aggregate and the page from one query, so the number of queries
does not depend on how many publications exist: the same exact count is asserted for a few
publications and for 120 spread over the divisions. The admin change list is held to the same.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
from catalog.review import catalog_publish_as_loaded
from catalog.services import entry_create
from districts.models import Role
from publications import services, worklist
from publications.models import Publication

URL = reverse("admin:publications_publication_worklist")
CHANGELIST = reverse("admin:publications_publication_changelist")
FORMED = dt.date(2026, 11, 2)


def make(office, level: str, status: str, *, title: str = "", by=None, **data) -> Publication:
    """Create a publication at ``level`` (cousin included) and take it to ``status``."""
    editor = by or office.user(Role.EDITOR, level)
    reviewer = office.user(Role.REVIEWER, "cousin") if level == "cousin" else None
    reviewer = reviewer or office.reviewer_for(level)
    item = services.publication_create(
        entry=data.pop("entry", office.entries[level]),
        data={"title": title or f"{level}-{status}", "formed_on": FORMED, **data},
        user=editor,
    )
    if status in ("submitted", "published"):
        services.publication_submit(publication=item, user=editor)
    if status == "published":
        services.publication_approve(publication=item, user=reviewer)
    item.refresh_from_db()
    return item


def bulk(office, count: int) -> None:
    """Insert ``count`` publications spread over every level and state (load data)."""
    now = timezone.now()
    levels = ("city", "district", "township", "cousin")
    statuses = ("draft", "submitted", "published")
    rows = []
    for i in range(count):
        level, status = levels[i % 4], statuses[(i // 4) % 3]
        entry = office.entries[level]
        author = office.user(Role.EDITOR, level)
        rows.append(
            Publication(
                entry=entry,
                division_id=entry.division_id,
                title=f"批量{i}",
                formed_on=FORMED - dt.timedelta(days=i % 30),
                due_on=FORMED + dt.timedelta(days=i % 40),
                responsible_body="市民政局",
                created_by=author,
                status=status,
                submitted_by=author if status != "draft" else None,
                submitted_at=now if status != "draft" else None,
                published_at=now if status == "published" else None,
            )
        )
    Publication.objects.bulk_create(rows)


def get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def counts(client, user, **params) -> dict[str, int]:
    response = get(client, user, **params)
    return {key: count for key, _label, count, _url in response.context["tabs"]}


def titles(client, user, **params) -> list[str]:
    return [row.title for row in get(client, user, **params).context["rows"]]


# ---------------------------------------------------------------------------------------------
# Who sees what.


@pytest.fixture
def matrix(office):
    """One publication per level × state: city, district, township and the cousin township."""
    return {
        (level, status): make(office, level, status)
        for level in ("city", "district", "township", "cousin")
        for status in ("draft", "submitted", "published")
    }


TAB_COUNTS = [
    # Editors: drafts in their scope to do, their scope's submissions waiting, published.
    (
        Role.EDITOR,
        "township",
        {"todo": 1, "review": 1, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 1},
    ),
    (
        Role.EDITOR,
        "district",
        {"todo": 2, "review": 2, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 2},
    ),
    (
        Role.EDITOR,
        "city",
        {"todo": 4, "review": 4, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 4},
    ),
    (
        Role.EDITOR,
        "cousin",
        {"todo": 1, "review": 1, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 1},
    ),
    # Reviewers write nothing; they review what the offices below submit.
    (
        Role.REVIEWER,
        "township",
        {"todo": 0, "review": 0, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 1},
    ),
    (
        Role.REVIEWER,
        "district",
        {"todo": 0, "review": 1, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 2},
    ),
    (
        Role.REVIEWER,
        "cousin",
        {"todo": 0, "review": 1, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 1},
    ),
    (
        Role.REVIEWER,
        "city",
        {"todo": 0, "review": 4, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 4},
    ),
    # Administrators do both.
    (
        Role.ADMINISTRATOR,
        "township",
        {"todo": 1, "review": 0, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 1},
    ),
    (
        Role.ADMINISTRATOR,
        "district",
        {"todo": 2, "review": 1, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 2},
    ),
    (
        Role.ADMINISTRATOR,
        "city",
        {"todo": 4, "review": 4, "signoff": 0, "scheduled": 0, "urgent": 0, "published": 4},
    ),
]


def test_tab_counts_per_role_and_level(client, office, matrix):
    found = {
        (role, level): counts(client, office.user(role, level)) for role, level, _ in TAB_COUNTS
    }
    assert found == {(role, level): expected for role, level, expected in TAB_COUNTS}


def test_the_township_editor_sees_their_own_drafts_to_do(client, office, matrix):
    user = office.user(Role.EDITOR, "township")
    assert titles(client, user, tab="todo") == ["township-draft"]
    assert titles(client, user, tab="review") == ["township-submitted"]
    assert titles(client, user, tab="published") == ["township-published"]


def test_the_district_reviewer_sees_township_submissions_only(client, office, matrix):
    assert titles(client, office.user(Role.REVIEWER, "district"), tab="review") == [
        "township-submitted"
    ]


def test_the_city_reviewer_sees_district_and_city_submissions(client, office, matrix):
    waiting = titles(client, office.user(Role.REVIEWER, "city"), tab="review")
    assert "district-submitted" in waiting
    assert "city-submitted" in waiting
    # The city office may review anything below it (the fallback reviewer), so it lists it.
    assert set(waiting) == {
        "city-submitted",
        "district-submitted",
        "township-submitted",
        "cousin-submitted",
    }


def test_a_reviewer_does_not_see_what_they_submitted_themselves(client, office, matrix):
    # The district administrator both edits and reviews: what they submit waits for others.
    admin = office.user(Role.ADMINISTRATOR, "district")
    own = make(office, "township", "submitted", title="区管理员提交", by=admin)
    assert "区管理员提交" not in titles(client, admin, tab="review")
    assert counts(client, admin)["review"] == 1
    assert "区管理员提交" in titles(client, office.user(Role.REVIEWER, "district"), tab="review")
    assert own.submitted_by_id == admin.pk


def test_a_non_reviewer_sees_their_scope_waiting_for_review(client, office, matrix):
    editor = office.user(Role.EDITOR, "district")
    assert sorted(titles(client, editor, tab="review")) == [
        "district-submitted",
        "township-submitted",
    ]
    assert get(client, editor).context["is_reviewer"] is False


def test_a_returned_draft_is_back_in_todo_with_its_reason(client, office):
    item = make(office, "township", "submitted", title="被退回")
    services.publication_return(
        publication=item, user=office.reviewer_for("township"), reason="请补充附件"
    )
    response = get(client, office.user(Role.EDITOR, "township"), tab="todo")
    assert [row.title for row in response.context["rows"]] == ["被退回"]
    assert "退回：请补充附件" in response.content.decode()


def test_withdrawn_and_superseded_items_are_on_no_tab(client, office):
    office.publication("township", "withdrawn")
    office.publication("township", "superseded")
    # The superseded one's replacement is published.
    assert counts(client, office.user(Role.EDITOR, "township")) == {
        "todo": 0,
        "review": 0,
        "signoff": 0,
        "scheduled": 0,
        "urgent": 0,
        "published": 1,
    }


def test_an_unknown_tab_falls_back_to_todo(client, office, matrix):
    response = get(client, office.user(Role.EDITOR, "township"), tab="nonsense")
    assert response.context["tab"] == "todo"


def test_a_user_without_any_role_is_refused(client, office):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody", is_staff=True))
    assert client.get(URL).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------
# Filters.


@pytest.fixture
def other_domain_entry(office) -> CatalogEntry:
    """A published city entry in another domain than the fixture's 社会救助."""
    domain = Domain.objects.exclude(name="社会救助").order_by("pk").first()
    first, _ = FirstLevelItem.objects.get_or_create(domain=domain, name="其他一级事项")
    item, _ = SecondLevelItem.objects.get_or_create(first_level=first, name="其他二级事项")
    entry = entry_create(
        division=office.divisions["430100"],
        item=item,
        values={"time_limit": "20个工作日", "subject": "市某局"},
        user=None,
    )
    catalog_publish_as_loaded(entry_ids=[entry.pk])
    entry.refresh_from_db()
    return entry


@pytest.fixture
def varied(office, other_domain_entry):
    """Drafts that differ in domain, entry, author and formation date (all city-visible)."""
    make(office, "city", "draft", title="其他领域", entry=other_domain_entry)
    make(office, "city", "draft", title="市-十月", formed_on=dt.date(2026, 10, 10))
    make(office, "district", "draft", title="区-十一月", formed_on=dt.date(2026, 11, 2))
    make(office, "township", "draft", title="街道-十一月二十", formed_on=dt.date(2026, 11, 20))
    return other_domain_entry


def test_filter_by_domain(client, office, varied):
    user = office.user(Role.EDITOR, "city")
    domain = varied.item.first_level.domain
    assert titles(client, user, domain=domain.pk) == ["其他领域"]
    social = Domain.objects.get(name="社会救助")
    assert sorted(titles(client, user, domain=social.pk)) == sorted(
        ["市-十月", "区-十一月", "街道-十一月二十"]
    )
    # The counts of every tab follow the filter.
    assert counts(client, user, domain=domain.pk) == {
        "todo": 1,
        "review": 0,
        "signoff": 0,
        "scheduled": 0,
        "urgent": 0,
        "published": 0,
    }


def test_filter_by_entry(client, office, varied):
    user = office.user(Role.EDITOR, "city")
    assert titles(client, user, entry=office.entries["district"].pk) == ["区-十一月"]
    assert titles(client, user, entry=varied.pk) == ["其他领域"]


def test_filter_by_author_and_me(client, office, varied):
    city_editor = office.user(Role.EDITOR, "city")
    assert titles(client, city_editor, author="township_editor") == ["街道-十一月二十"]
    assert sorted(titles(client, city_editor, author="me")) == sorted(["其他领域", "市-十月"])
    district_editor = office.user(Role.EDITOR, "district")
    assert titles(client, district_editor, author="me") == ["区-十一月"]
    # Someone else's name narrows within the scope; it never widens it.
    assert titles(client, district_editor, author="city_editor") == []
    assert titles(client, city_editor, author="no_such_user") == []


def test_filter_by_formation_dates(client, office, varied):
    user = office.user(Role.EDITOR, "city")
    between = titles(client, user, **{"from": "2026-11-01", "to": "2026-11-10"})
    assert sorted(between) == sorted(["区-十一月", "其他领域"])
    since = titles(client, user, **{"from": "2026-11-02"})
    assert sorted(since) == sorted(["区-十一月", "街道-十一月二十", "其他领域"])
    until = titles(client, user, to="2026-10-31")
    assert until == ["市-十月"]
    # Both ends are inclusive.
    assert titles(client, user, **{"from": "2026-11-20", "to": "2026-11-20"}) == ["街道-十一月二十"]


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "昨天", "<b>x</b>", "2026/11/02"])
def test_an_invalid_date_shows_a_note_and_is_ignored(client, office, varied, bad):
    user = office.user(Role.EDITOR, "city")
    response = get(client, user, **{"from": bad, "to": "2026-11-10"})
    assert response.context["notes"] == [
        f"起始日期“{bad}”无效，应为 2026-03-01 这样的格式；已忽略。"
    ]
    # The valid end still applies.
    assert sorted(row.title for row in response.context["rows"]) == sorted(
        ["市-十月", "区-十一月", "其他领域"]
    )
    response = get(client, user, to=bad)
    assert response.context["notes"] == [
        f"截止日期“{bad}”无效，应为 2026-03-01 这样的格式；已忽略。"
    ]
    assert response.context["count"] == 4


@pytest.mark.parametrize("param", ["domain", "entry", "page"])
def test_junk_in_numeric_parameters_is_ignored(client, office, param):
    client.force_login(office.user(Role.EDITOR, "city"))
    for bad in ("abc", "-1", "1.5", "", "99999999999999999999"):
        response = client.get(URL, {param: bad})
        assert response.status_code == 200, bad
        assert response.context["count"] == 0


def test_filters_survive_tab_switching(client, office, varied):
    response = get(client, office.user(Role.EDITOR, "city"), author="me", to="2026-10-31")
    for key, _label, _count, url in response.context["tabs"]:
        assert "author=me" in url
        assert "to=2026-10-31" in url
        assert f"tab={key}" in url


@pytest.fixture
def deadlines(office):
    """Drafts overdue, due soon and due later, and a publication published after its due day."""
    today, soon = worklist.today_and_soon()
    rows = {
        "逾期": today - dt.timedelta(days=1),
        "今天到期": today,
        "即将到期": soon,
        "还早": soon + dt.timedelta(days=30),
    }
    for title, due in rows.items():
        item = make(office, "township", "draft", title=title)
        Publication.objects.filter(pk=item.pk).update(due_on=due)
    late = make(office, "township", "published", title="逾期发布")
    Publication.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=5))
    on_time = make(office, "township", "published", title="按时发布")
    Publication.objects.filter(pk=on_time.pk).update(due_on=today + dt.timedelta(days=5))
    submitted = make(office, "township", "submitted", title="待审逾期")
    Publication.objects.filter(pk=submitted.pk).update(due_on=today - dt.timedelta(days=2))
    return today, soon


def test_filter_overdue(client, office, deadlines):
    user = office.user(Role.EDITOR, "township")
    assert titles(client, user, deadline="overdue") == ["逾期"]
    assert titles(client, user, deadline="overdue", tab="review") == ["待审逾期"]
    assert counts(client, user, deadline="overdue") == {
        "todo": 1,
        "review": 1,
        "signoff": 0,
        "scheduled": 0,
        "urgent": 0,
        "published": 0,
    }


def test_filter_due_soon(client, office, deadlines):
    user = office.user(Role.EDITOR, "township")
    assert titles(client, user, deadline="soon") == ["今天到期", "即将到期"]


def test_filter_published_late(client, office, deadlines):
    user = office.user(Role.EDITOR, "township")
    assert titles(client, user, deadline="late", tab="published") == ["逾期发布"]
    assert counts(client, user, deadline="late") == {
        "todo": 0,
        "review": 0,
        "signoff": 0,
        "scheduled": 0,
        "urgent": 0,
        "published": 1,
    }


def test_an_unknown_deadline_value_filters_nothing(client, office, deadlines):
    user = office.user(Role.EDITOR, "township")
    assert counts(client, user, deadline="whenever") == counts(client, user)


def test_todo_is_ordered_by_due_date(client, office, deadlines):
    assert titles(client, office.user(Role.EDITOR, "township"), tab="todo") == [
        "逾期",
        "今天到期",
        "即将到期",
        "还早",
    ]


def test_deadline_badges_on_the_list(client, office, deadlines):
    html = get(client, office.user(Role.EDITOR, "township"), tab="todo").content.decode()
    assert html.count("已逾期</span>") == 1
    assert html.count("即将到期</span>") == 2
    html = get(client, office.user(Role.EDITOR, "township"), tab="published").content.decode()
    assert html.count("逾期发布</span>") == 1


# ---------------------------------------------------------------------------------------------
# Pages.


def test_pagination(client, office):
    bulk(office, 480)  # 120 drafts per level: the township has 40 of each state, etc.
    user = office.user(Role.EDITOR, "city")
    first = get(client, user, tab="todo")
    assert first.context["count"] == 160
    assert first.context["pages"] == 4
    assert len(first.context["rows"]) == 50
    assert first.context["prev_url"] == ""
    assert "page=2" in first.context["next_url"]
    last = get(client, user, tab="todo", page="4")
    assert len(last.context["rows"]) == 10
    assert last.context["next_url"] == ""
    assert "page=3" in last.context["prev_url"]
    # Every row appears exactly once across the pages.
    seen = []
    for page in range(1, 5):
        seen += [row.pk for row in get(client, user, tab="todo", page=str(page)).context["rows"]]
    assert len(seen) == len(set(seen)) == 160
    # Past the end: the last page; junk: the first.
    assert get(client, user, tab="todo", page="99").context["page"] == 4
    assert get(client, user, tab="todo", page="0").context["page"] == 1
    assert get(client, user, tab="todo", page="x").context["page"] == 1
    # Filters stay in the page links.
    response = get(client, user, tab="todo", author="city_editor")
    assert response.context["count"] == 40
    assert response.context["pages"] == 1


# ---------------------------------------------------------------------------------------------
# Query counts: exact, and the same for a few rows as for many.

LARGE = 120

# (user, params, queries). The queries: session, user, the user's and groups' model
# permissions (admin_view's has_permission), the memberships, [the calendar when filtering by
# deadline], the tab counts, the page, the calendar for the badges, the page's authors'
# memberships (填报人 names each with the department they act for), the domains for the
# filter [, for a reviewer: the domain routes (catalog.routing) and the catalog entries waiting]
# [, for someone who files: their recurring series (their issues too, when there is a series)].
WORKLIST_CASES = [
    (Role.EDITOR, "township", {"tab": "todo"}, 11),
    (Role.EDITOR, "city", {"tab": "published"}, 11),
    (Role.EDITOR, "district", {"tab": "review", "deadline": "overdue"}, 11),
    (Role.REVIEWER, "district", {"tab": "review"}, 12),
    (Role.REVIEWER, "city", {"tab": "review"}, 12),
    (Role.REVIEWER, "city", {"tab": "published", "deadline": "late"}, 12),
    (Role.EDITOR, "city", {"tab": "todo", "author": "me", "to": "2026-12-31"}, 11),
    (
        Role.ADMINISTRATOR,
        "district",
        {"tab": "todo", "from": "2026-01-01", "domain": "社会救助"},
        13,
    ),
]


def seed(office) -> None:
    """A few publications through the services (the large case adds 120, bulk-inserted).

    Every case's page shows rows in the small case too (the city's 批量 draft is the search's
    and "me"'s): a page without rows names nobody and skips the 填报人 query.
    """
    make(office, "township", "draft")
    make(office, "township", "submitted")
    make(office, "district", "published")
    make(office, "city", "draft", title="批量前的草稿")


@pytest.mark.parametrize("role, level, params, queries", WORKLIST_CASES)
def test_worklist_query_count_is_exact_and_constant(
    client, office, django_assert_num_queries, role, level, params, queries
):
    seed(office)
    if "domain" in params:
        params = {**params, "domain": Domain.objects.get(name=params["domain"]).pk}
    client.force_login(office.user(role, level))
    with django_assert_num_queries(queries):
        small = client.get(URL, params)
    bulk(office, LARGE)
    with django_assert_num_queries(queries):
        large = client.get(URL, params)
    assert small.status_code == large.status_code == 200
    assert large.context["count"] > small.context["count"]


# The queries: session, user, model permissions (2), memberships, the calendar three times
# (see test_a_page_reads_the_calendar_once), the division filter's choices, the domain
# filter's choices, the row count, the page, the page's authors' memberships (填报人).
CHANGELIST_CASES = [
    (Role.EDITOR, "township", {}, 11),
    (Role.EDITOR, "city", {}, 11),
    (Role.REVIEWER, "district", {}, 11),
    (Role.EDITOR, "city", {"status__exact": "draft"}, 11),
    (Role.EDITOR, "city", {"deadline": "overdue"}, 11),
    (Role.EDITOR, "city", {"q": "批量"}, 11),
]


@pytest.mark.parametrize("role, level, params, queries", CHANGELIST_CASES)
def test_changelist_query_count_is_exact_and_constant(
    client, office, django_assert_num_queries, role, level, params, queries
):
    seed(office)
    client.force_login(office.user(role, level))
    with django_assert_num_queries(queries):
        small = client.get(CHANGELIST, params)
    bulk(office, LARGE)
    with django_assert_num_queries(queries):
        large = client.get(CHANGELIST, params)
    assert small.status_code == large.status_code == 200
    assert len(large.context["cl"].result_list) > len(small.context["cl"].result_list)


@pytest.mark.parametrize(
    "url, params",
    [
        (CHANGELIST, {}),
        (CHANGELIST, {"deadline": "soon"}),
        (URL, {"tab": "todo"}),
        (URL, {"tab": "todo", "deadline": "soon"}),
    ],
    ids=["changelist", "changelist-deadline", "worklist", "worklist-deadline"],
)
def test_a_page_reads_the_calendar_once(client, office, url, params):
    """The "due soon" bound needs the calendar: one read per page is enough."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed(office)
    client.force_login(office.user(Role.EDITOR, "city"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    reads = [q for q in captured.captured_queries if "workcalendar_calendaryear" in q["sql"]]
    assert len(reads) == 1
