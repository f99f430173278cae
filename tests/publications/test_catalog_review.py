"""The review chain for catalog entries (``catalog.review``): who may move what, and what the
public sees meanwhile.

The matrix uses the same rules table as the publications' matrix (``test_review_matrix``). Then:
bulk transitions are all-or-nothing; a submitted entry is frozen; editing a published entry
takes it back to draft while the public keeps reading the approved snapshot; approving an entry
refreshes the snapshots of the entries derived from it, for what they follow and only for that.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog import review
from catalog.models import CatalogEntry, CatalogEvent, ReviewStatus
from catalog.services import entry_update
from districts.models import Role

from .test_review_matrix import ACTORS, LEVELS, actor_id, allowed, module_office

Act = CatalogEvent.Action

# The state an entry must be in before each review action.
STARTS = {"submit": "draft", "recall": "submitted", "approve": "submitted", "return": "submitted"}


@pytest.fixture(scope="module")
def shared_office(django_db_setup, django_db_blocker):
    yield from module_office(django_db_blocker)


@pytest.fixture
def office(db, shared_office):
    """Override ``conftest.office`` in this module: the shared one, in the test's savepoint."""
    return shared_office


def fresh(office, level: str) -> CatalogEntry:
    return CatalogEntry.objects.get(pk=office.entries[level].pk)


def entry_row(entry: CatalogEntry) -> dict:
    """Return every stored column of the entry, and its channels, as they are now."""
    now = CatalogEntry.objects.get(pk=entry.pk)
    values = {f.attname: getattr(now, f.attname) for f in CatalogEntry._meta.concrete_fields}
    values["channels"] = sorted(now.channels.values_list("pk", flat=True))
    return values


def entry_in(office, level: str, status: str, *, by=None, change: str | None = None):
    """Return the entry at ``level`` taken by its editor (or ``by``) to ``status``."""
    editor = by or office.user(Role.EDITOR, level)
    entry = fresh(office, level)
    if status in ("draft", "submitted"):
        entry_update(entry=entry, changes={"remarks": change or f"{level}的新备注"}, user=editor)
    if status == "submitted":
        review.entries_submit(entries=[entry], user=editor)
    return CatalogEntry.objects.get(pk=entry.pk)


def run(action: str, entries, user, reason: str = "请核实公开依据"):
    if action == "return":
        return review.entries_return(entries=entries, user=user, reason=reason)
    return getattr(review, f"entries_{action}")(entries=entries, user=user)


def last_event(entry: CatalogEntry) -> CatalogEvent:
    return CatalogEvent.objects.filter(entry_id=entry.pk).order_by("-id").first()


def page(client, entry: CatalogEntry) -> str:
    response = client.get(f"/entry/{entry.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# The matrix: 3 levels × 12 users × 4 actions.


@pytest.mark.parametrize("action", list(STARTS))
@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
@pytest.mark.parametrize("level", LEVELS)
def test_catalog_review_matrix(office, level, actor, action):
    role, where = actor
    user = office.user(role, where)
    entry = entry_in(office, level, STARTS[action])
    before, events = entry_row(entry), CatalogEvent.objects.count()

    if not allowed(action, role, where, level):
        with pytest.raises(PermissionDenied):
            run(action, [entry], user)
        assert entry_row(entry) == before
        assert CatalogEvent.objects.count() == events
        return

    run(action, [entry], user)
    after = CatalogEntry.objects.get(pk=entry.pk)
    event = last_event(entry)
    assert CatalogEvent.objects.count() == events + 1
    expected = {
        "submit": (Act.SUBMIT, ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ""),
        "recall": (Act.RECALL, ReviewStatus.SUBMITTED, ReviewStatus.DRAFT, ""),
        "approve": (Act.APPROVE, ReviewStatus.SUBMITTED, ReviewStatus.PUBLISHED, ""),
        "return": (Act.RETURN, ReviewStatus.SUBMITTED, ReviewStatus.DRAFT, "请核实公开依据"),
    }[action]
    assert (event.action, event.from_status, event.to_status, event.reason, event.user) == (
        *expected,
        user,
    )
    assert after.status == expected[2]
    if action == "submit":
        assert after.submitted_by == user and after.submitted_at is not None
    if action == "approve":
        assert after.reviewed_by == user and after.published_at is not None
        assert after.published_values["remarks"] == f"{level}的新备注"
    else:
        # Only an approval changes what the public reads.
        assert after.published_values == before["published_values"]
    if action == "return":
        assert (after.return_reason, after.reviewed_by) == ("请核实公开依据", user)


# ---------------------------------------------------------------------------------------------
# Self-approval, scope, the level itself, reasons.


def assert_refused(call, entries, error=PermissionDenied):
    before = [entry_row(e) for e in entries]
    events = CatalogEvent.objects.count()
    with pytest.raises(error) as info:
        call()
    assert [entry_row(e) for e in entries] == before
    assert CatalogEvent.objects.count() == events
    return info.value


def test_a_city_administrator_cannot_approve_a_city_entry_they_submitted(office):
    admin = office.user(Role.ADMINISTRATOR, "city")
    entry = entry_in(office, "city", "submitted", by=admin)
    error = assert_refused(lambda: review.entries_approve(entries=[entry], user=admin), [entry])
    assert "本人" in str(error)
    review.entries_approve(entries=[entry], user=office.user(Role.REVIEWER, "city"))
    assert fresh(office, "city").status == ReviewStatus.PUBLISHED


def test_a_district_administrator_cannot_approve_a_township_entry_they_submitted(office):
    admin = office.user(Role.ADMINISTRATOR, "district")
    entry = entry_in(office, "township", "submitted", by=admin)
    assert_refused(lambda: review.entries_approve(entries=[entry], user=admin), [entry])
    assert_refused(
        lambda: review.entries_return(entries=[entry], user=admin, reason="自退"), [entry]
    )
    review.entries_approve(entries=[entry], user=office.user(Role.REVIEWER, "district"))
    assert fresh(office, "township").status == ReviewStatus.PUBLISHED


@pytest.mark.parametrize("level", ["district", "township"])
@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMINISTRATOR])
def test_tianxin_does_not_review_furong(office, level, role):
    entry = entry_in(office, level, "submitted")
    user = office.user(role, "cousin")
    assert_refused(lambda: review.entries_approve(entries=[entry], user=user), [entry])
    assert_refused(
        lambda: review.entries_return(entries=[entry], user=user, reason="越权"), [entry]
    )


def test_tianxin_reviews_its_own_township(office):
    entry = entry_in(office, "cousin", "submitted", by=office.user(Role.EDITOR, "cousin"))
    furong = office.user(Role.REVIEWER, "district")
    assert_refused(lambda: review.entries_approve(entries=[entry], user=furong), [entry])
    review.entries_approve(entries=[entry], user=office.user(Role.REVIEWER, "cousin"))
    assert fresh(office, "cousin").status == ReviewStatus.PUBLISHED


@pytest.mark.parametrize("level", ["district", "township"])
def test_an_office_does_not_review_its_own_level(office, level):
    entry = entry_in(office, level, "submitted")
    for role in (Role.REVIEWER, Role.ADMINISTRATOR):
        user = office.user(role, level)
        assert_refused(lambda u=user: review.entries_approve(entries=[entry], user=u), [entry])


@pytest.mark.parametrize("reason", ["", "   ", "\n\t　", None])
def test_a_return_without_a_reason_is_refused(office, reason):
    entry = entry_in(office, "township", "submitted")
    reviewer = office.user(Role.REVIEWER, "district")
    assert_refused(
        lambda: review.entries_return(entries=[entry], user=reviewer, reason=reason),
        [entry],
        ValidationError,
    )


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("submit", "submitted"),
        ("submit", "published"),
        ("recall", "draft"),
        ("recall", "published"),
        ("approve", "draft"),
        ("approve", "published"),
        ("return", "draft"),
        ("return", "published"),
    ],
)
def test_an_action_in_the_wrong_state_is_refused(office, action, status):
    entry = entry_in(office, "township", status)
    admin = office.user(Role.ADMINISTRATOR, "city")
    assert_refused(lambda: run(action, [entry], admin), [entry], ValidationError)


# ---------------------------------------------------------------------------------------------
# Bulk: all or nothing.


def test_bulk_approve_with_one_entry_out_of_the_reviewers_reach_changes_nothing(office):
    township = entry_in(office, "township", "submitted")
    district = entry_in(office, "district", "submitted")
    reviewer = office.user(Role.REVIEWER, "district")  # reviews 文艺路, not 芙蓉区 itself
    assert_refused(
        lambda: review.entries_approve(entries=[township, district], user=reviewer),
        [township, district],
    )


def test_bulk_approve_with_one_self_submitted_entry_changes_nothing(office):
    admin = office.user(Role.ADMINISTRATOR, "city")
    mine = entry_in(office, "township", "submitted", by=admin)
    theirs = entry_in(office, "district", "submitted")
    assert_refused(
        lambda: review.entries_approve(entries=[theirs, mine], user=admin), [theirs, mine]
    )


def test_bulk_approve_with_one_entry_in_the_wrong_state_changes_nothing(office):
    submitted = entry_in(office, "township", "submitted")
    draft = entry_in(office, "district", "draft")
    assert_refused(
        lambda: review.entries_approve(
            entries=[submitted, draft], user=office.user(Role.REVIEWER, "city")
        ),
        [submitted, draft],
        ValidationError,
    )


def test_bulk_submit_with_one_entry_out_of_scope_changes_nothing(office):
    township = entry_in(office, "township", "draft")
    district = entry_in(office, "district", "draft")
    assert_refused(
        lambda: review.entries_submit(
            entries=[township, district], user=office.user(Role.EDITOR, "township")
        ),
        [township, district],
    )


def test_bulk_recall_and_return_are_all_or_nothing_too(office):
    township = entry_in(office, "township", "submitted")
    district = entry_in(office, "district", "submitted")
    assert_refused(
        lambda: review.entries_recall(
            entries=[township, district], user=office.user(Role.EDITOR, "township")
        ),
        [township, district],
    )
    assert_refused(
        lambda: review.entries_return(
            entries=[township, district], user=office.user(Role.REVIEWER, "district"), reason="x"
        ),
        [township, district],
    )


def test_bulk_approve_moves_every_entry_and_records_each(office):
    township = entry_in(office, "township", "submitted")
    district = entry_in(office, "district", "submitted")
    reviewer = office.user(Role.REVIEWER, "city")
    review.entries_approve(entries=[township, district], user=reviewer)
    for entry in (township, district):
        now = CatalogEntry.objects.get(pk=entry.pk)
        assert now.status == ReviewStatus.PUBLISHED
        event = last_event(entry)
        assert (event.action, event.from_status, event.to_status, event.user) == (
            Act.APPROVE,
            ReviewStatus.SUBMITTED,
            ReviewStatus.PUBLISHED,
            reviewer,
        )


# ---------------------------------------------------------------------------------------------
# Editing while in review, and what the public sees.


def test_a_submitted_entry_cannot_be_edited(office):
    entry = entry_in(office, "district", "submitted")
    below = fresh(office, "township")
    assert_refused(
        lambda: entry_update(
            entry=entry, changes={"subject": "审核中改"}, user=office.user(Role.EDITOR, "district")
        ),
        [entry, below],
        ValidationError,
    )


def test_editing_a_published_entry_keeps_the_public_snapshot_until_approved(office, client):
    editor = office.user(Role.EDITOR, "district")
    entry = fresh(office, "district")
    published = dict(entry.published_values)
    assert "市民政局" in page(client, entry)

    entry_update(entry=entry, changes={"subject": "芙蓉区民政局"}, user=editor)
    now = fresh(office, "district")
    assert (now.status, now.subject) == (ReviewStatus.DRAFT, "芙蓉区民政局")
    assert now.published_values == published
    assert CatalogEvent.objects.filter(
        entry=now, from_status=ReviewStatus.PUBLISHED, to_status=ReviewStatus.DRAFT, user=editor
    ).exists()
    html = page(client, now)
    assert "市民政局" in html and "芙蓉区民政局" not in html

    review.entries_submit(entries=[now], user=editor)
    assert "芙蓉区民政局" not in page(client, now)
    review.entries_approve(entries=[now], user=office.user(Role.REVIEWER, "city"))
    assert fresh(office, "district").published_values["subject"] == "芙蓉区民政局"
    assert "芙蓉区民政局" in page(client, now)


def test_a_returned_entry_keeps_the_public_snapshot(office, client):
    entry = entry_in(office, "township", "submitted", change="退回前的备注")
    published = entry.published_values
    review.entries_return(
        entries=[entry], user=office.user(Role.REVIEWER, "district"), reason="再查"
    )
    now = fresh(office, "township")
    assert (now.status, now.return_reason) == (ReviewStatus.DRAFT, "再查")
    assert now.published_values == published
    assert "退回前的备注" not in page(client, now)


# ---------------------------------------------------------------------------------------------
# Cascade of an approval to the entries derived from the approved one.


def test_approving_a_city_change_refreshes_what_derived_entries_follow(office, client):
    city_editor = office.user(Role.EDITOR, "city")
    # 芙蓉区 personalises the basis and has that approved, then personalises the content and
    # waits: its own content is not public yet.
    district = fresh(office, "district")
    entry_update(
        entry=district, changes={"basis": "区级依据"}, user=office.user(Role.EDITOR, "district")
    )
    review.entries_submit(entries=[district], user=office.user(Role.EDITOR, "district"))
    review.entries_approve(entries=[district], user=office.user(Role.REVIEWER, "city"))
    district_published = fresh(office, "district").published_values
    assert district_published["basis"] == "区级依据"

    city = fresh(office, "city")
    entry_update(
        entry=city, changes={"time_limit": "20个工作日内", "basis": "市级新依据"}, user=city_editor
    )
    # Before approval nobody's public page moves.
    for level in ("district", "township"):
        assert (
            fresh(office, level).published_values["time_limit"]
            == "制定或获取信息之日起10个工作日内"
        )
        assert "20个工作日内" not in page(client, fresh(office, level))
    review.entries_submit(entries=[city], user=city_editor)
    review.entries_approve(entries=[city], user=office.user(Role.REVIEWER, "city"))

    district, township = fresh(office, "district"), fresh(office, "township")
    # What they follow: the new time limit, at once.
    assert district.published_values["time_limit"] == "20个工作日内"
    assert township.published_values["time_limit"] == "20个工作日内"
    assert "20个工作日内" in page(client, township)
    # What 芙蓉区 personalised stays its own, and 文艺路 follows 芙蓉区, not the city.
    assert district.published_values["basis"] == "区级依据"
    assert township.published_values["basis"] == "区级依据"
    assert "市级新依据" not in page(client, township)
    # The derived entries were not approved by this: their review state did not change.
    assert (district.status, township.status) == (ReviewStatus.PUBLISHED, ReviewStatus.PUBLISHED)


def test_the_cascade_keeps_a_draft_entrys_own_unapproved_changes_private(office, client):
    district = fresh(office, "district")
    entry_update(
        entry=district,
        changes={"subject": "区民政局（待审）"},
        user=office.user(Role.EDITOR, "district"),
    )
    city = fresh(office, "city")
    city_editor = office.user(Role.EDITOR, "city")
    entry_update(entry=city, changes={"content": "新的公开内容"}, user=city_editor)
    review.entries_submit(entries=[city], user=city_editor)
    review.entries_approve(entries=[city], user=office.user(Role.REVIEWER, "city"))

    district = fresh(office, "district")
    assert district.status == ReviewStatus.DRAFT
    assert district.published_values["content"] == "新的公开内容"
    assert district.published_values["subject"] == "市民政局"
    assert "区民政局（待审）" not in page(client, district)


def test_the_cascade_does_not_publish_a_sources_unapproved_change_below_it(office, client):
    # 芙蓉区 changes its subject and has not had it approved. 文艺路 follows 芙蓉区, so its
    # working copy takes the new subject; but when the city approves something else, what the
    # public reads for 文艺路 must not include 芙蓉区's unapproved subject.
    entry_update(
        entry=fresh(office, "district"),
        changes={"subject": "区民政局（待审）"},
        user=office.user(Role.EDITOR, "district"),
    )
    city = fresh(office, "city")
    city_editor = office.user(Role.EDITOR, "city")
    entry_update(entry=city, changes={"content": "新的公开内容"}, user=city_editor)
    review.entries_submit(entries=[city], user=city_editor)
    review.entries_approve(entries=[city], user=office.user(Role.REVIEWER, "city"))

    township = fresh(office, "township")
    assert township.published_values["content"] == "新的公开内容"
    assert township.published_values["subject"] == "市民政局"
    assert "区民政局（待审）" not in page(client, township)


def test_approving_the_district_then_publishes_its_change_below(office, client):
    editor = office.user(Role.EDITOR, "district")
    district = fresh(office, "district")
    entry_update(entry=district, changes={"subject": "芙蓉区民政局"}, user=editor)
    review.entries_submit(entries=[district], user=editor)
    review.entries_approve(entries=[district], user=office.user(Role.REVIEWER, "city"))
    township = fresh(office, "township")
    assert township.published_values["subject"] == "芙蓉区民政局"
    assert "芙蓉区民政局" in page(client, township)
    # The cousin branch derives from the city, not from 芙蓉区.
    assert fresh(office, "cousin").published_values["subject"] == "市民政局"


# ---------------------------------------------------------------------------------------------
# Approval never publishes what nobody approved (the reported case and its neighbours)


def test_approving_a_district_entry_does_not_publish_the_citys_unapproved_draft(office, client):
    """The city's draft change reaches the district's working copy at once (it follows), but
    approving the district's own, different change publishes the city's *approved* value."""
    city_editor, district_editor = (
        office.user(Role.EDITOR, "city"),
        office.user(Role.EDITOR, "district"),
    )
    approved_limit = fresh(office, "city").published_values["time_limit"]
    entry_update(
        entry=fresh(office, "city"), changes={"time_limit": "即时公开（草稿）"}, user=city_editor
    )
    district = fresh(office, "district")
    assert district.time_limit == "即时公开（草稿）"  # the working copy follows
    entry_update(entry=district, changes={"subject": "芙蓉区民政局"}, user=district_editor)
    review.entries_submit(entries=[fresh(office, "district")], user=district_editor)
    review.entries_approve(
        entries=[fresh(office, "district")], user=office.user(Role.REVIEWER, "city")
    )

    district, township = fresh(office, "district"), fresh(office, "township")
    assert district.published_values["subject"] == "芙蓉区民政局"
    assert district.published_values["time_limit"] == approved_limit
    assert township.published_values["time_limit"] == approved_limit
    assert "即时公开（草稿）" not in page(client, district)
    assert "即时公开（草稿）" not in page(client, township)
    assert fresh(office, "city").published_values["time_limit"] == approved_limit

    # Once the city's change is approved, both follow it.
    review.entries_submit(entries=[fresh(office, "city")], user=city_editor)
    review.entries_approve(entries=[fresh(office, "city")], user=office.user(Role.REVIEWER, "city"))
    assert fresh(office, "district").published_values["time_limit"] == "即时公开（草稿）"
    assert fresh(office, "township").published_values["time_limit"] == "即时公开（草稿）"


def test_an_unapproved_personalisation_does_not_stop_the_public_copy_following(office):
    """A district's own change that waits for review must not freeze what its public copy
    follows: the public keeps reading the city's approved values until the change is approved."""
    district_editor = office.user(Role.EDITOR, "district")
    city_editor = office.user(Role.EDITOR, "city")
    entry_update(
        entry=fresh(office, "district"), changes={"basis": "区级依据（草稿）"}, user=district_editor
    )
    entry_update(entry=fresh(office, "city"), changes={"basis": "市级新依据"}, user=city_editor)
    review.entries_submit(entries=[fresh(office, "city")], user=city_editor)
    review.entries_approve(entries=[fresh(office, "city")], user=office.user(Role.REVIEWER, "city"))
    district = fresh(office, "district")
    assert district.basis == "区级依据（草稿）"  # the owner's draft is kept
    assert district.published_values["basis"] == "市级新依据"  # the public follows the city


def test_a_drop_that_came_from_an_unapproved_drop_above_is_not_published(office):
    city_editor, district_editor = (
        office.user(Role.EDITOR, "city"),
        office.user(Role.EDITOR, "district"),
    )
    from catalog.services import entry_drop

    district_entry = fresh(office, "district")
    entry_update(entry=district_entry, changes={"remarks": "区级备注"}, user=district_editor)
    review.entries_submit(entries=[fresh(office, "district")], user=district_editor)
    # The city drops the item (a draft): the district's working copy is dropped with it.
    entry_drop(entry=fresh(office, "city"), user=city_editor, confirm=True)
    assert fresh(office, "district").is_dropped
    review.entries_approve(
        entries=[fresh(office, "district")], user=office.user(Role.REVIEWER, "city")
    )
    published = fresh(office, "district").published_values
    assert published["is_dropped"] is False and published["remarks"] == "区级备注"


def test_a_derived_entry_cannot_be_approved_before_its_source_is_published(office):
    from catalog.services import catalog_derive, entry_create
    from tests.factories import SecondLevelItemFactory

    city = office.divisions["430100"]
    entry_create(division=city, item=SecondLevelItemFactory(), values={}, user=None)
    catalog_derive(division=office.divisions["430102"], user=None)
    new = CatalogEntry.objects.filter(
        division=office.divisions["430102"], published_values__isnull=True
    ).get()
    editor = office.user(Role.EDITOR, "district")
    review.entries_submit(entries=[new], user=editor)
    with pytest.raises(ValidationError) as error:
        review.entries_approve(entries=[new], user=office.user(Role.REVIEWER, "city"))
    assert "尚未在长沙市的目录中审核发布" in str(error.value)
    assert CatalogEntry.objects.get(pk=new.pk).status == ReviewStatus.SUBMITTED


def test_a_publication_under_an_entry_with_a_pending_drop_is_not_approved(office):
    from catalog.services import entry_drop
    from publications import services as publishing
    from publications.models import Publication

    item = office.publication("township", "submitted")
    entry_drop(entry=fresh(office, "township"), user=office.user(Role.EDITOR, "township"))
    entry = fresh(office, "township")
    assert entry.is_dropped and not entry.published_values["is_dropped"]  # awaiting review
    with pytest.raises(ValidationError) as error:
        publishing.publication_approve(
            publication=item, user=office.user(Role.REVIEWER, "district")
        )
    assert "已被删减（待审核）" in str(error.value)
    assert Publication.objects.get(pk=item.pk).status == Publication.Status.SUBMITTED
