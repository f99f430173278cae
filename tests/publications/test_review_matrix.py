"""The review chain for publications, through the services: who may do what, at which level.

The expected outcome of every cell is derived here from the rules of issue 4, independently of
``publications.policies``: editors and administrators write (create, edit, submit, recall,
revise) wherever their division covers the item; reviewers and administrators review (approve,
return) what the divisions below them submit, and the city office also reviews the city's own
items; an item can be withdrawn by its writers and by its reviewing office. A refusal raises,
changes no row and records no event; a success records who moved what from where to where.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
from catalog.review import catalog_publish_as_loaded
from catalog.services import catalog_derive, entry_create
from districts.models import Division, Role
from districts.services import membership_grant
from publications import services
from publications.models import Attachment, Publication, PublicationEvent
from tests.factories import UserFactory
from workcalendar.services import calendar_seed_from_package

from .conftest import (
    CITY,
    COUSIN_DISTRICT,
    COUSIN_TOWNSHIP,
    DISTRICT,
    FORMED,
    LEVEL_CODES,
    TOWNSHIP,
    Office,
)

Status = Publication.Status
Action = PublicationEvent.Action

LEVELS = ("city", "district", "township")
USER_LEVELS = ("city", "district", "township", "cousin")
ROLES = (Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR)
ACTORS = [(role, where) for where in USER_LEVELS for role in ROLES]
ACTIONS = ("create", "edit", "submit", "recall", "approve", "return", "withdraw", "revise")

# Which target levels a role held at each user level covers (its division and everything below;
# 天心区 covers none of 长沙市 / 芙蓉区 / 文艺路街道).
COVERS = {
    "city": {"city", "district", "township"},
    "district": {"district", "township"},
    "township": {"township"},
    "cousin": set(),
}
# Which target levels an office reviews: the level directly or further below; the city also
# reviews itself, nobody else reviews their own level.
REVIEWS = {
    "city": {"city", "district", "township"},
    "district": {"township"},
    "township": set(),
    "cousin": set(),
}
WRITERS = {Role.EDITOR, Role.ADMINISTRATOR}
REVIEWERS = {Role.REVIEWER, Role.ADMINISTRATOR}

# The state an item must be in before the action; ``None``: the action creates it.
STARTS = {
    "create": None,
    "edit": "draft",
    "submit": "draft",
    "recall": "submitted",
    "approve": "submitted",
    "return": "submitted",
    "withdraw": "published",
    "revise": "published",
}


# ---------------------------------------------------------------------------------------------
# One office per test module for the matrices.
#
# The matrices run several hundred cells; building the ``office`` fixture for each costs more
# than the cell itself. So they share one office, built like ``conftest.office`` inside a
# transaction that stays open for the module and is rolled back at its end; every test still
# runs in its own savepoint (pytest-django's ``db``), so nothing one cell writes reaches the
# next. Tests that change the catalog itself use the per-test ``office`` fixture instead.


def build_office() -> Office:
    """Build what ``conftest.office`` builds (see there), in the current transaction."""
    calendar_seed_from_package(years=[FORMED.year])
    codes = (CITY, DISTRICT, TOWNSHIP, COUSIN_DISTRICT, COUSIN_TOWNSHIP)
    divisions = {code: Division.objects.get(code=code) for code in codes}
    domain = Domain.objects.get(name="社会救助")
    first, _ = FirstLevelItem.objects.get_or_create(domain=domain, name="最低生活保障")
    item, _ = SecondLevelItem.objects.get_or_create(first_level=first, name="低保资金发放")
    entry_create(
        division=divisions[CITY],
        item=item,
        values={"time_limit": "制定或获取信息之日起10个工作日内", "subject": "市民政局"},
        user=None,
    )
    for code in (DISTRICT, TOWNSHIP, COUSIN_DISTRICT, COUSIN_TOWNSHIP):
        catalog_derive(division=divisions[code], user=None)
    entries = {
        level: CatalogEntry.objects.get(division__code=code, item=item)
        for level, code in {**LEVEL_CODES, "cousin": COUSIN_TOWNSHIP}.items()
    }
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))
    for entry in entries.values():
        entry.refresh_from_db()
    office = Office(divisions=divisions, entries=entries)
    for level, code in {**LEVEL_CODES, "cousin": COUSIN_DISTRICT}.items():
        for role in ROLES:
            user = UserFactory(
                username=f"{level}_{role}", email=f"{level}_{role}@example.test", is_staff=True
            )
            membership_grant(user=user, division=divisions[code], role=role)
            office.users[(role, level)] = user
    return office


def module_office(django_db_blocker):
    """Yield an office for a whole module; roll everything it wrote back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            office = build_office()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield office
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def shared_office(django_db_setup, django_db_blocker):
    yield from module_office(django_db_blocker)


@pytest.fixture
def office(db, shared_office):
    """Override ``conftest.office`` in this module: the shared one, in the test's savepoint."""
    return shared_office


def allowed(action: str, role: str, where: str, level: str) -> bool:
    writes = role in WRITERS and level in COVERS[where]
    reviews = role in REVIEWERS and level in REVIEWS[where]
    if action in ("approve", "return"):
        return reviews
    if action == "withdraw":
        return writes or reviews
    return writes


def actor_id(actor) -> str:
    role, where = actor
    return f"{where}-{role}"


def row(publication: Publication) -> dict:
    """Return every stored column of the publication as it is in the database now."""
    fresh = Publication.objects.get(pk=publication.pk)
    return {f.attname: getattr(fresh, f.attname) for f in Publication._meta.concrete_fields}


def counts() -> tuple[int, int, int]:
    return (
        Publication.objects.count(),
        PublicationEvent.objects.count(),
        Attachment.objects.count(),
    )


def perform(action: str, *, office, level: str, user, publication: Publication | None):
    if action == "create":
        return services.publication_create(
            entry=office.entries[level],
            data={"title": "新建的公开信息", "formed_on": FORMED},
            user=user,
        )
    if action == "edit":
        return services.publication_update(
            publication=publication, data={"title": "改过的标题"}, user=user
        )
    if action == "submit":
        return services.publication_submit(publication=publication, user=user)
    if action == "recall":
        return services.publication_recall(publication=publication, user=user)
    if action == "approve":
        return services.publication_approve(publication=publication, user=user)
    if action == "return":
        return services.publication_return(publication=publication, user=user, reason="请补充附件")
    if action == "withdraw":
        return services.publication_withdraw(publication=publication, user=user, reason="信息有误")
    return services.publication_revise(publication=publication, user=user)


def last_event(publication: Publication) -> PublicationEvent:
    return PublicationEvent.objects.filter(publication=publication).order_by("-id").first()


def assert_recorded(action: str, result: Publication, original: Publication | None, user) -> None:
    """Check the row moved as ``action`` says and the step was recorded with who and why."""
    if action == "create":
        assert result.status == Status.DRAFT
        assert result.created_by == user
        event = last_event(result)
        assert (event.action, event.from_status, event.to_status, event.user) == (
            Action.CREATE,
            "",
            Status.DRAFT,
            user,
        )
        return
    if action == "revise":
        result.refresh_from_db()
        assert (result.status, result.revision, result.replaces_id) == (
            Status.DRAFT,
            2,
            original.pk,
        )
        assert result.title == original.title and result.body == original.body
        assert row(original)["status"] == Status.PUBLISHED
        revise = last_event(original)
        assert (revise.action, revise.user) == (Action.REVISE, user)
        created = last_event(result)
        assert (created.action, created.to_status, created.user) == (
            Action.CREATE,
            Status.DRAFT,
            user,
        )
        return
    fresh = Publication.objects.get(pk=original.pk)
    event = last_event(original)
    assert event.user == user
    if action == "edit":
        assert fresh.title == "改过的标题"
        assert fresh.status == Status.DRAFT
        assert event.action == Action.EDIT
        assert event.changes == {"title": [original.title, "改过的标题"]}
        return
    expected = {
        "submit": (Action.SUBMIT, Status.DRAFT, Status.SUBMITTED, ""),
        "recall": (Action.RECALL, Status.SUBMITTED, Status.DRAFT, ""),
        "approve": (Action.APPROVE, Status.SUBMITTED, Status.PUBLISHED, ""),
        "return": (Action.RETURN, Status.SUBMITTED, Status.DRAFT, "请补充附件"),
        "withdraw": (Action.WITHDRAW, Status.PUBLISHED, Status.WITHDRAWN, "信息有误"),
    }[action]
    assert (event.action, event.from_status, event.to_status, event.reason) == expected
    assert fresh.status == expected[2]
    if action == "submit":
        assert (fresh.submitted_by, fresh.submitted_at is not None) == (user, True)
    if action == "approve":
        assert fresh.reviewed_by == user
        assert fresh.published_at is not None
    if action == "return":
        assert (fresh.reviewed_by, fresh.return_reason) == (user, "请补充附件")
    if action == "withdraw":
        assert fresh.withdraw_reason == "信息有误"


# ---------------------------------------------------------------------------------------------
# The matrix: 3 target levels × 12 users × 8 actions.


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", ACTORS, ids=actor_id)
@pytest.mark.parametrize("level", LEVELS)
def test_review_matrix(office, level, actor, action):
    role, where = actor
    user = office.user(role, where)
    start = STARTS[action]
    publication = office.publication(level, start) if start else None
    before_row = row(publication) if publication else None
    before_counts = counts()

    if allowed(action, role, where, level):
        result = perform(action, office=office, level=level, user=user, publication=publication)
        assert_recorded(action, result, publication, user)
        return

    with pytest.raises(PermissionDenied):
        perform(action, office=office, level=level, user=user, publication=publication)
    assert counts() == before_counts
    if publication is not None:
        assert row(publication) == before_row


def test_the_matrix_has_both_outcomes_for_every_action():
    # Guard against a rules table that allows or refuses everything.
    for action in ACTIONS:
        outcomes = {allowed(action, r, w, lvl) for r, w in ACTORS for lvl in LEVELS}
        assert outcomes == {True, False}, action


# ---------------------------------------------------------------------------------------------
# The rules the issue names, one by one.


def assert_refused(call, publication: Publication, error=PermissionDenied):
    before_row, before_counts = row(publication), counts()
    with pytest.raises(error) as info:
        call()
    assert row(publication) == before_row
    assert counts() == before_counts
    return info.value


def test_a_city_administrator_cannot_approve_what_they_submitted(office):
    admin = office.user(Role.ADMINISTRATOR, "city")
    item = services.publication_create(
        entry=office.entries["city"], data={"title": "市级自审", "formed_on": FORMED}, user=admin
    )
    services.publication_submit(publication=item, user=admin)
    error = assert_refused(lambda: services.publication_approve(publication=item, user=admin), item)
    assert "本人" in str(error)
    # Another member of the city office may.
    services.publication_approve(publication=item, user=office.user(Role.REVIEWER, "city"))
    assert row(item)["status"] == Status.PUBLISHED


def test_a_district_administrator_cannot_approve_a_township_item_they_submitted(office):
    admin = office.user(Role.ADMINISTRATOR, "district")
    item = office.publication("township", "draft")
    services.publication_submit(publication=item, user=admin)
    assert_refused(lambda: services.publication_approve(publication=item, user=admin), item)
    services.publication_approve(publication=item, user=office.user(Role.REVIEWER, "district"))
    assert row(item)["status"] == Status.PUBLISHED


def test_the_submitter_cannot_return_their_own_submission_either(office):
    # Deciding on one's own submission is the reviewer's job either way; the submitter recalls.
    admin = office.user(Role.ADMINISTRATOR, "district")
    item = office.publication("township", "draft")
    services.publication_submit(publication=item, user=admin)
    assert_refused(
        lambda: services.publication_return(publication=item, user=admin, reason="自己退回"), item
    )


@pytest.mark.parametrize("level", ["district", "township"])
@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMINISTRATOR])
def test_out_of_scope_review_is_refused(office, level, role):
    tianxin = office.user(role, "cousin")
    item = office.publication(level, "submitted")
    assert_refused(lambda: services.publication_approve(publication=item, user=tianxin), item)
    assert_refused(
        lambda: services.publication_return(publication=item, user=tianxin, reason="越权退回"),
        item,
    )


@pytest.mark.parametrize("level", ["district", "township"])
def test_an_office_does_not_review_its_own_level(office, level):
    reviewer = office.user(Role.REVIEWER, level)
    item = office.publication(level, "submitted")
    assert_refused(lambda: services.publication_approve(publication=item, user=reviewer), item)
    assert_refused(
        lambda: services.publication_return(publication=item, user=reviewer, reason="同级退回"),
        item,
    )


def test_the_cousin_township_is_not_reviewed_by_furong(office):
    # 坡子街街道 belongs to 天心区: 芙蓉区's office has nothing to say about it.
    editor = office.user(Role.EDITOR, "city")
    item = services.publication_create(
        entry=office.entries["cousin"], data={"title": "坡子街", "formed_on": FORMED}, user=editor
    )
    services.publication_submit(publication=item, user=editor)
    for role in (Role.REVIEWER, Role.ADMINISTRATOR):
        furong = office.user(role, "district")
        assert_refused(
            lambda u=furong: services.publication_approve(publication=item, user=u), item
        )
    services.publication_approve(publication=item, user=office.user(Role.REVIEWER, "cousin"))
    assert row(item)["status"] == Status.PUBLISHED


@pytest.mark.parametrize("reason", ["", "   ", "\n\t　", None])
def test_a_return_without_a_reason_is_refused(office, reason):
    item = office.publication("township", "submitted")
    reviewer = office.reviewer_for("township")
    assert_refused(
        lambda: services.publication_return(publication=item, user=reviewer, reason=reason),
        item,
        ValidationError,
    )


def test_a_return_reason_is_stored_trimmed_and_cleared_on_resubmission(office):
    item = office.publication("township", "submitted")
    reviewer = office.reviewer_for("township")
    services.publication_return(publication=item, user=reviewer, reason="  缺少文号  ")
    assert row(item)["return_reason"] == "缺少文号"
    assert last_event(item).reason == "缺少文号"
    services.publication_submit(publication=item, user=office.user(Role.EDITOR, "township"))
    assert row(item)["return_reason"] == ""


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_a_withdrawal_without_a_reason_is_refused(office, reason):
    item = office.publication("district", "published")
    assert_refused(
        lambda: services.publication_withdraw(
            publication=item, user=office.user(Role.EDITOR, "district"), reason=reason
        ),
        item,
        ValidationError,
    )


def test_an_overlong_reason_is_refused(office):
    item = office.publication("township", "submitted")
    assert_refused(
        lambda: services.publication_return(
            publication=item, user=office.reviewer_for("township"), reason="理" * 2001
        ),
        item,
        ValidationError,
    )


@pytest.mark.parametrize("status", ["submitted", "published", "withdrawn", "superseded"])
def test_only_a_draft_can_be_edited(office, status):
    item = office.publication("township", status)
    editor = office.user(Role.EDITOR, "township")
    assert_refused(
        lambda: services.publication_update(
            publication=item, data={"title": "就地改", "body": "<p>改</p>"}, user=editor
        ),
        item,
        ValidationError,
    )


@pytest.mark.parametrize("status", ["submitted", "published"])
def test_attachments_are_added_to_drafts_only(office, status):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = office.publication("township", status)
    upload = SimpleUploadedFile("通知.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert_refused(
        lambda: services.attachment_add(
            publication=item, upload=upload, user=office.user(Role.EDITOR, "township")
        ),
        item,
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
        ("approve", "withdrawn"),
        ("return", "draft"),
        ("return", "published"),
        ("withdraw", "draft"),
        ("withdraw", "submitted"),
        ("withdraw", "withdrawn"),
        ("withdraw", "superseded"),
        ("revise", "draft"),
        ("revise", "submitted"),
        ("revise", "withdrawn"),
        ("revise", "superseded"),
    ],
)
def test_an_action_in_the_wrong_state_is_refused(office, action, status):
    # The city administrator may do everything to a township item; only the state stands in
    # the way (the item was submitted by the township editor, so approving is not self-review).
    item = office.publication("township", status)
    admin = office.user(Role.ADMINISTRATOR, "city")
    assert_refused(
        lambda: perform(action, office=office, level="township", user=admin, publication=item),
        item,
        ValidationError,
    )


def test_published_text_is_never_changed_in_place(office):
    editor = office.user(Role.EDITOR, "district")
    reviewer = office.reviewer_for("district")
    original = office.publication("district", "published", title="原标题", body="<p>原正文</p>")
    published = row(original)

    draft = services.publication_revise(publication=original, user=editor)
    services.publication_update(
        publication=draft, data={"title": "新标题", "body": "<p>新正文</p>"}, user=editor
    )
    # While the revision is worked on, the public version is untouched.
    assert row(original) == published
    services.publication_submit(publication=draft, user=editor)
    services.publication_approve(publication=draft, user=reviewer)

    old, new = row(original), row(draft)
    assert old["status"] == Status.SUPERSEDED
    assert (old["title"], old["body"]) == ("原标题", "<p>原正文</p>")
    assert old["published_at"] == published["published_at"]
    assert {k: v for k, v in old.items() if k not in ("status", "updated_at")} == {
        k: v for k, v in published.items() if k not in ("status", "updated_at")
    }
    assert (new["status"], new["title"], new["body"]) == (
        Status.PUBLISHED,
        "新标题",
        "<p>新正文</p>",
    )
    assert (new["revision"], new["replaces_id"]) == (2, original.pk)
    supersede = last_event(original)
    assert (supersede.action, supersede.from_status, supersede.to_status, supersede.user) == (
        Action.SUPERSEDE,
        Status.PUBLISHED,
        Status.SUPERSEDED,
        reviewer,
    )
    # Exactly one version is public.
    assert list(Publication.objects.published().filter(entry=office.entries["district"])) == [draft]


@pytest.mark.parametrize("pending", ["draft", "submitted"])
def test_only_one_revision_is_open_at_a_time(office, pending):
    editor = office.user(Role.EDITOR, "township")
    original = office.publication("township", "published")
    draft = services.publication_revise(publication=original, user=editor)
    if pending == "submitted":
        services.publication_submit(publication=draft, user=editor)
    for user in (editor, office.user(Role.ADMINISTRATOR, "city")):
        assert_refused(
            lambda u=user: services.publication_revise(publication=original, user=u),
            original,
            ValidationError,
        )
    assert Publication.objects.filter(replaces=original).count() == 1


def test_the_next_revision_starts_from_the_published_one(office):
    editor = office.user(Role.EDITOR, "township")
    original = office.publication("township", "superseded")
    current = original.replaced_by
    third = services.publication_revise(publication=current, user=editor)
    assert (third.revision, third.replaces_id) == (3, current.pk)


@pytest.mark.parametrize("pending", ["draft", "submitted"])
def test_withdrawing_a_published_item_with_a_pending_revision_is_refused(office, pending):
    editor = office.user(Role.EDITOR, "township")
    original = office.publication("township", "published")
    draft = services.publication_revise(publication=original, user=editor)
    if pending == "submitted":
        services.publication_submit(publication=draft, user=editor)
    for user in (editor, office.reviewer_for("township")):
        assert_refused(
            lambda u=user: services.publication_withdraw(
                publication=original, user=u, reason="信息有误"
            ),
            original,
            ValidationError,
        )


def test_approving_a_revision_whose_predecessor_was_withdrawn_meanwhile_is_refused(office):
    # Guard of the predecessor: the service refuses withdrawing it while a revision is open,
    # so this only checks the approve-side guard by forcing the state in the database.
    editor = office.user(Role.EDITOR, "township")
    original = office.publication("township", "published")
    draft = services.publication_revise(publication=original, user=editor)
    services.publication_submit(publication=draft, user=editor)
    Publication.objects.filter(pk=original.pk).update(
        status=Status.WITHDRAWN, withdraw_reason="旁路撤销"
    )
    assert_refused(
        lambda: services.publication_approve(
            publication=draft, user=office.reviewer_for("township")
        ),
        draft,
        ValidationError,
    )


def test_approving_under_an_entry_that_was_never_published_is_refused(office):
    city = office.divisions["430100"]
    item = SecondLevelItem.objects.create(
        first_level=office.entries["city"].item.first_level, name="尚未发布的事项"
    )
    entry = entry_create(
        division=city,
        item=item,
        values={"time_limit": "10个工作日", "subject": "市民政局"},
        user=None,
    )
    assert CatalogEntry.objects.get(pk=entry.pk).published_values is None
    editor = office.user(Role.EDITOR, "city")
    publication = services.publication_create(
        entry=entry, data={"title": "未发布事项下的信息", "formed_on": FORMED}, user=editor
    )
    services.publication_submit(publication=publication, user=editor)
    assert_refused(
        lambda: services.publication_approve(
            publication=publication, user=office.user(Role.REVIEWER, "city")
        ),
        publication,
        ValidationError,
    )


def test_approving_under_an_entry_whose_drop_was_published_is_refused(office):
    from catalog.review import entries_approve, entries_submit
    from catalog.services import entry_drop

    publication = office.publication("township", "submitted")
    editor = office.user(Role.EDITOR, "township")
    entry = CatalogEntry.objects.get(pk=office.entries["township"].pk)
    entry_drop(entry=entry, user=editor)
    entries_submit(entries=[entry], user=editor)
    entries_approve(entries=[entry], user=office.user(Role.REVIEWER, "district"))
    assert CatalogEntry.objects.get(pk=entry.pk).published_values["is_dropped"] is True
    assert_refused(
        lambda: services.publication_approve(
            publication=publication, user=office.reviewer_for("township")
        ),
        publication,
        ValidationError,
    )


def test_a_returned_item_goes_back_to_its_writers_and_round_trips(office):
    item = office.publication("township", "returned")
    assert (item.status, item.return_reason) == (Status.DRAFT, "请补充附件")
    events = list(
        item.events.exclude(action="privacy")
        .order_by("id")
        .values_list("action", "from_status", "to_status")
    )
    assert events == [
        (Action.CREATE, "", Status.DRAFT),
        (Action.SUBMIT, Status.DRAFT, Status.SUBMITTED),
        (Action.RETURN, Status.SUBMITTED, Status.DRAFT),
    ]
    editor = office.user(Role.EDITOR, "township")
    services.publication_update(publication=item, data={"title": "补充后的标题"}, user=editor)
    services.publication_submit(publication=item, user=editor)
    services.publication_approve(publication=item, user=office.reviewer_for("township"))
    assert row(item)["status"] == Status.PUBLISHED


def test_the_whole_life_is_recorded_in_order(office):
    item = office.publication("district", "withdrawn")
    events = list(
        item.events.exclude(action="privacy")
        .order_by("id")
        .values_list("action", "from_status", "to_status", "reason", "user__username")
    )
    assert events == [
        (Action.CREATE, "", Status.DRAFT, "", "district_editor"),
        (Action.SUBMIT, Status.DRAFT, Status.SUBMITTED, "", "district_editor"),
        (Action.APPROVE, Status.SUBMITTED, Status.PUBLISHED, "", "city_reviewer"),
        (Action.WITHDRAW, Status.PUBLISHED, Status.WITHDRAWN, "信息有误", "district_editor"),
    ]
    assert all(e.division_id == item.division_id for e in item.events.all())


def test_a_refused_edit_leaves_the_draft_and_records_nothing(office):
    item = office.publication("township", "draft")
    editor = office.user(Role.EDITOR, "township")
    assert_refused(
        lambda: services.publication_update(
            publication=item, data={"title": "", "formed_on": FORMED}, user=editor
        ),
        item,
        ValidationError,
    )
    assert_refused(
        lambda: services.publication_update(
            publication=item, data={"status": Status.PUBLISHED}, user=editor
        ),
        item,
        ValidationError,
    )
    assert_refused(
        lambda: services.publication_update(
            publication=item,
            data={"formed_on": dt.date.today() + dt.timedelta(days=3)},
            user=editor,
        ),
        item,
        ValidationError,
    )
