"""City departments reviewing the districts' catalogs by domain (市直业务部门审核把关).

The city administrator assigns 市民政局 to 社会救助; a district's submitted 社会救助 entries then
wait for 市民政局's reviewers, either before the city office (which publishes what they pass on)
or instead of it. Townships stay with their district, and a department without a reviewer holds
nothing up. Checked in the services, the notices and through the admin's real URLs.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog import review
from catalog.models import (
    CatalogEntry,
    CatalogEvent,
    Domain,
    DomainReview,
    FirstLevelItem,
    ReviewStatus,
    SecondLevelItem,
)
from catalog.policies import entries as entry_policy
from catalog.services import catalog_derive, domain_review_save, entry_create, entry_update
from catalog.tasks import notify_entries_submitted
from districts.models import Department, Role
from districts.services import department_save, membership_grant
from outbox.models import OutboxMessage
from tests.factories import UserFactory
from tests.publications.conftest import calendar, office  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def city_depts(office):  # noqa: F811
    city_admin = office.user(Role.ADMINISTRATOR, "city")
    city = office.divisions["430100"]
    made = {
        name: department_save(department=Department(division=city, name=name), user=city_admin)
        for name in ("市民政局", "市卫生健康委")
    }
    made["district"] = department_save(
        department=Department(division=office.divisions["430102"], name="区民政局"),
        user=office.user(Role.ADMINISTRATOR, "district"),
    )
    return made


def staff(division, department, role=Role.REVIEWER, name="reviewer"):
    user = UserFactory(is_staff=True, email=f"{name}@example.test", username=name)
    membership_grant(user=user, division=division, role=role, department=department)
    return user


@pytest.fixture
def routed(office, city_depts):  # noqa: F811
    """社会救助 assigned to 市民政局 (mode "before"), with one reviewer there."""
    city = office.divisions["430100"]
    checker = staff(city, city_depts["市民政局"], name="minzheng_reviewer")
    route = domain_review_save(
        review=DomainReview(
            domain=Domain.objects.get(name="社会救助"),
            department=city_depts["市民政局"],
            mode=DomainReview.Mode.BEFORE,
        ),
        user=office.user(Role.ADMINISTRATOR, "city"),
    )
    return route, checker


def submitted(office, level="district"):  # noqa: F811
    """Change the entry at ``level`` and submit it; return it, fresh."""
    entry = office.entries[level]
    editor = office.user(Role.EDITOR, level)
    entry_update(entry=entry, changes={"time_limit": "信息形成之日起5个工作日内"}, user=editor)
    review.entries_submit(entries=[entry], user=editor)
    return CatalogEntry.objects.get(pk=entry.pk)


def _district_entry_in(office, domain_name):  # noqa: F811
    """Return 芙蓉区's entry of a new item in ``domain_name`` (derived from the city's)."""
    domain = Domain.objects.get(name=domain_name)
    first = FirstLevelItem.objects.create(domain=domain, name="测试一级事项")
    item = SecondLevelItem.objects.create(first_level=first, name="测试二级事项")
    entry_create(division=office.divisions["430100"], item=item, values={}, user=None)
    catalog_derive(division=office.divisions["430102"], user=None)
    return CatalogEntry.objects.get(division=office.divisions["430102"], item=item)


def fresh(user):
    """Return ``user`` without the per-request caches (memberships, routes)."""
    return type(user).objects.get(pk=user.pk)


def waiting_for(user):
    return set(
        entry_policy.instances_for(fresh(user), "review")
        .filter(status=ReviewStatus.SUBMITTED)
        .values_list("pk", flat=True)
    )


# -- "before": the department checks, then the city office publishes ---------------------------


def test_before_mode_department_checks_then_office_publishes(office, routed):  # noqa: F811
    _route, checker = routed
    office_reviewer = office.user(Role.REVIEWER, "city")
    entry = submitted(office)

    # It waits for 市民政局, not for the city office.
    assert waiting_for(checker) == {entry.pk}
    assert entry.pk not in waiting_for(office_reviewer)
    assert set(entry_policy.users_for("review", entry)) == {checker}
    with pytest.raises(PermissionDenied):
        review.entries_approve(entries=[entry], user=fresh(office_reviewer))
    # The department passes it on; it does not publish.
    with pytest.raises(ValidationError, match="须先经市民政局业务审核通过"):
        review.entries_approve(entries=[entry], user=fresh(checker))

    review.entries_check(entries=[entry], user=fresh(checker))
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED
    assert entry.checked_by == checker and entry.checked_at is not None
    event = entry.events.latest("pk")
    assert (event.action, event.user) == (CatalogEvent.Action.CHECK, checker)

    # Now it is the office's, and no longer the department's.
    assert entry.pk in waiting_for(office_reviewer)
    assert entry.pk not in waiting_for(checker)
    with pytest.raises(PermissionDenied):
        review.entries_approve(entries=[entry], user=fresh(checker))
    with pytest.raises(ValidationError, match="不需要或已经过"):
        review.entries_check(entries=[entry], user=fresh(checker))
    review.entries_approve(entries=[entry], user=fresh(office_reviewer))
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED
    assert entry.published_values["time_limit"] == "信息形成之日起5个工作日内"


def test_department_return_clears_the_check_and_resubmission_starts_over(office, routed):  # noqa: F811
    _route, checker = routed
    entry = submitted(office)
    review.entries_return(entries=[entry], user=fresh(checker), reason="依据未更新")
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.DRAFT and entry.return_reason == "依据未更新"

    review.entries_submit(entries=[entry], user=office.user(Role.EDITOR, "district"))
    review.entries_check(entries=[entry], user=fresh(checker))
    # The office returns after the check: the next submission goes to the department again.
    review.entries_return(
        entries=[entry], user=fresh(office.user(Role.REVIEWER, "city")), reason="时限不符"
    )
    entry.refresh_from_db()
    assert entry.checked_at is None and entry.checked_by is None
    review.entries_submit(entries=[entry], user=office.user(Role.EDITOR, "district"))
    assert entry.pk in waiting_for(checker)


# -- "instead": the department decides ---------------------------------------------------------


def test_instead_mode_department_publishes_and_office_cannot(office, routed):  # noqa: F811
    route, checker = routed
    route.mode = DomainReview.Mode.INSTEAD
    domain_review_save(review=route, user=office.user(Role.ADMINISTRATOR, "city"))
    entry = submitted(office)
    assert entry.pk not in waiting_for(office.user(Role.REVIEWER, "city"))
    with pytest.raises(PermissionDenied):
        review.entries_approve(entries=[entry], user=fresh(office.user(Role.ADMINISTRATOR, "city")))
    with pytest.raises(ValidationError, match="不需要或已经过"):
        review.entries_check(entries=[entry], user=fresh(checker))
    review.entries_approve(entries=[entry], user=fresh(checker))
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED and entry.reviewed_by == checker


# -- who is not the department -------------------------------------------------------------------


def test_other_departments_districts_and_editors_do_not_review(office, routed, city_depts):  # noqa: F811
    entry = submitted(office)
    city = office.divisions["430100"]
    outsiders = [
        staff(city, city_depts["市卫生健康委"], name="weijian_reviewer"),  # another city dept
        staff(office.divisions["430102"], city_depts["district"], name="qu_minzheng"),
        staff(city, city_depts["市民政局"], role=Role.EDITOR, name="minzheng_editor"),
        office.user(Role.REVIEWER, "district"),  # the district's own office
    ]
    for user in outsiders:
        assert entry.pk not in waiting_for(user), user.username
        for step in (review.entries_check, review.entries_approve):
            with pytest.raises((PermissionDenied, ValidationError)):
                step(entries=[entry], user=fresh(user))
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED and entry.checked_at is None


def test_townships_and_the_city_keep_their_usual_reviewers(office, routed):  # noqa: F811
    _route, checker = routed
    township = submitted(office, "township")
    city_entry = submitted(office, "city")
    assert waiting_for(checker) == set()
    assert township.pk in waiting_for(office.user(Role.REVIEWER, "district"))
    assert city_entry.pk in waiting_for(office.user(Role.REVIEWER, "city"))
    with pytest.raises(PermissionDenied):
        review.entries_approve(entries=[township], user=fresh(checker))


def test_a_department_without_reviewers_holds_nothing_up(office, routed):  # noqa: F811
    _route, checker = routed
    checker.is_active = False
    checker.save()
    entry = submitted(office)
    office_reviewer = office.user(Role.REVIEWER, "city")
    assert entry.pk in waiting_for(office_reviewer)
    review.entries_approve(entries=[entry], user=fresh(office_reviewer))
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED


# -- keeping the table ---------------------------------------------------------------------------


def test_only_city_administrators_assign_and_only_city_departments(office, city_depts):  # noqa: F811
    domain = Domain.objects.get(name="社会救助")
    for user in (
        office.user(Role.REVIEWER, "city"),
        office.user(Role.EDITOR, "city"),
        office.user(Role.ADMINISTRATOR, "district"),
    ):
        with pytest.raises(PermissionDenied):
            domain_review_save(
                review=DomainReview(domain=domain, department=city_depts["市民政局"]), user=user
            )
    with pytest.raises(ValidationError, match="不是市直部门"):
        domain_review_save(
            review=DomainReview(domain=domain, department=city_depts["district"]),
            user=office.user(Role.ADMINISTRATOR, "city"),
        )
    assert not DomainReview.objects.exists()


# -- notices -------------------------------------------------------------------------------------


def test_notices_go_to_the_department_then_to_the_office(office, routed, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _route, checker = routed
    entry = submitted(office)
    editor = office.user(Role.EDITOR, "district")
    mail.outbox.clear()
    notify_entries_submitted.apply(args=[[entry.pk], editor.pk])
    assert [m.to for m in mail.outbox] == [[checker.email]]

    review.entries_check(entries=[entry], user=fresh(checker))
    queued = OutboxMessage.objects.filter(task=notify_entries_submitted.name).latest("pk")
    assert queued.kwargs == {"checked": True}
    mail.outbox.clear()
    notify_entries_submitted.apply(args=[[entry.pk], checker.pk], kwargs={"checked": True})
    recipients = {m.to[0] for m in mail.outbox}
    assert checker.email not in recipients
    assert office.user(Role.REVIEWER, "city").email in recipients
    assert "已业务审核通过" in mail.outbox[0].body


# -- through the admin ---------------------------------------------------------------------------


def test_admin_department_reviewer_checks_through_the_change_page(client, office, routed):  # noqa: F811
    _route, checker = routed
    entry = submitted(office)
    client.force_login(checker)
    change = reverse("admin:catalog_catalogentry_change", args=[entry.pk])
    page = client.get(change)
    assert page.status_code == 200
    text = page.content.decode()
    assert "业务审核通过，转市政务公开办" in text and "review/check/" in text
    assert 'approve/"' not in text  # the department passes on; it does not publish
    assert "由市民政局业务审核，再由市政务公开办审核发布" in text
    # It may read, not edit, the district's entry.
    assert client.post(change, {"time_limit": "x"}).status_code == 403
    mine = client.get(reverse("admin:catalog_catalogentry_changelist") + "?status__exact=mine")
    assert entry.item.name in mine.content.decode()

    client.post(reverse("admin:catalog_catalogentry_review", args=[entry.pk, "check"]))
    entry.refresh_from_db()
    assert entry.checked_by == checker

    # Out of its domains, a district entry is as missing as any other.
    other = _district_entry_in(office, "卫生健康")
    assert (
        client.get(reverse("admin:catalog_catalogentry_change", args=[other.pk])).status_code == 404
    )

    client.force_login(office.user(Role.REVIEWER, "city"))
    page = client.get(change).content.decode()
    assert 'approve/"' in page
    assert "review/check/" not in page
    assert "业务审核通过，待市政务公开办审核发布" in page
    client.post(reverse("admin:catalog_catalogentry_review", args=[entry.pk, "approve"]))
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED


def test_admin_domain_review_table_for_city_administrators_only(client, office, city_depts):  # noqa: F811
    add = reverse("admin:catalog_domainreview_add")
    domain = Domain.objects.get(name="社会救助")
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    assert client.get(add).status_code == 403
    assert (
        client.post(
            add, {"domain": domain.pk, "department": city_depts["市民政局"].pk, "mode": "before"}
        ).status_code
        == 403
    )
    client.force_login(office.user(Role.ADMINISTRATOR, "city"))
    # A forged district department is refused on the field.
    page = client.post(
        add, {"domain": domain.pk, "department": city_depts["district"].pk, "mode": "before"}
    )
    assert page.status_code == 200 and "选择一个有效的选项" in page.content.decode()
    page = client.post(
        add,
        {"domain": domain.pk, "department": city_depts["市民政局"].pk, "mode": "instead"},
        follow=True,
    )
    assert page.status_code == 200
    assert "尚无审核人员" in page.content.decode()
    route = DomainReview.objects.get()
    assert (route.department, route.mode, route.updated_by) == (
        city_depts["市民政局"],
        "instead",
        office.user(Role.ADMINISTRATOR, "city"),
    )
    listing = client.get(reverse("admin:catalog_domainreview_changelist")).content.decode()
    assert "无（暂由市政务公开办审核）" in listing


def test_a_published_entry_is_saved_and_submitted_in_one_step(client, office):  # noqa: F811
    entry = office.entries["district"]
    client.force_login(office.user(Role.EDITOR, "district"))
    change = reverse("admin:catalog_catalogentry_change", args=[entry.pk])
    page = client.get(change)
    assert 'name="_submit_review"' in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "levels": form["levels"].value(),
            "channels": [c.pk for c in entry.channels.all()],
            "_submit_review": "1",
        }
    )
    # Nothing changed: said on the page, nothing submitted.
    unchanged = client.post(change, data)
    assert unchanged.status_code == 200
    assert "该事项已发布且没有修改，无需提交审核" in unchanged.content.decode()
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED
    data["time_limit"] = "信息形成之日起5个工作日内"
    assert client.post(change, data).status_code == 302
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED and entry.time_limit == data["time_limit"]


def _table(client):
    """Return the domain review table as {domain name: waiting count} and the query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:catalog_domainreview_changelist"))
    assert page.status_code == 200
    rows = page.context["cl"].result_list
    return {row.domain.name: row.waiting for row in rows}, len(queries)


def test_domain_review_table_counts_what_waits_in_one_query(client, office, routed, city_depts):  # noqa: F811
    route, checker = routed
    client.force_login(office.user(Role.ADMINISTRATOR, "city"))
    entry = submitted(office)
    counts, one_row = _table(client)
    assert counts == {"社会救助": 1}
    # Checked by the department ("before"): it now waits at the office, not here.
    review.entries_check(entries=[entry], user=fresh(checker))
    assert _table(client)[0] == {"社会救助": 0}
    # "instead": the department decides even what it checked; so it counts again.
    route.mode = DomainReview.Mode.INSTEAD
    domain_review_save(review=route, user=office.user(Role.ADMINISTRATOR, "city"))
    assert _table(client)[0] == {"社会救助": 1}
    # A second row (a department with no reviewer counts nothing) costs no extra query.
    domain_review_save(
        review=DomainReview(
            domain=Domain.objects.get(name="卫生健康"), department=city_depts["市卫生健康委"]
        ),
        user=office.user(Role.ADMINISTRATOR, "city"),
    )
    _district_entry_in(office, "卫生健康")
    counts, two_rows = _table(client)
    assert counts == {"社会救助": 1, "卫生健康": 0}
    assert two_rows == one_row


def test_form_refuses_forged_mode_and_second_row(client, office, routed, city_depts):  # noqa: F811
    add = reverse("admin:catalog_domainreview_add")
    domain = Domain.objects.get(name="社会救助")
    client.force_login(office.user(Role.ADMINISTRATOR, "city"))
    forged = client.post(
        add, {"domain": domain.pk, "department": city_depts["市民政局"].pk, "mode": "sideways"}
    )
    assert forged.status_code == 200
    assert "选择一个有效的选项" in str(forged.context["adminform"].form.errors["mode"])
    again = client.post(
        add, {"domain": domain.pk, "department": city_depts["市卫生健康委"].pk, "mode": "before"}
    )
    assert again.status_code == 200
    assert "已存在" in str(again.context["adminform"].form.errors["domain"])
    # Neither post changed the route that exists.
    assert list(DomainReview.objects.values_list("department__name", "mode")) == [
        ("市民政局", "before")
    ]
