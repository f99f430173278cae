"""The review kernel (``portal.review_kernel``): one set of review fields and checks, shared.

Catalog entries and publications take their review fields and event fields from the kernel's
abstract models, and both apps' transitions run through its checks, with the messages staff
already know.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from catalog import review
from catalog.models import CatalogEntry, CatalogEvent, ReviewStatus
from catalog.services import entry_update
from districts.models import Role
from portal.review_kernel import (
    REASON_MAX_LENGTH,
    ProtectedReviewTrail,
    ReviewEvent,
    ReviewTrail,
    clean_reason,
    require_reviewer,
    require_status,
)
from publications import services
from publications.models import Publication, PublicationEvent

TRAIL_FIELDS = (
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "return_reason",
    "published_at",
)
EVENT_FIELDS = ("division", "reason", "user", "created_at")


def _declared_in(model: type[models.Model], name: str, base: type[models.Model]) -> bool:
    """Return True when ``model``'s field ``name`` is the copy of the one ``base`` declares."""
    # Django copies an abstract base's fields into each child, keeping their creation counter.
    return model._meta.get_field(name).creation_counter == (
        base._meta.get_field(name).creation_counter
    )


# ---------------------------------------------------------------------------------------------
# The models share the kernel's fields.


@pytest.mark.parametrize(
    ("model", "base"), [(CatalogEntry, ReviewTrail), (Publication, ProtectedReviewTrail)]
)
@pytest.mark.parametrize("name", TRAIL_FIELDS)
def test_review_fields_come_from_the_kernel(model, base, name):
    assert issubclass(model, base) and base._meta.abstract
    assert _declared_in(model, name, base)


@pytest.mark.parametrize("model", [CatalogEvent, PublicationEvent])
@pytest.mark.parametrize("name", EVENT_FIELDS)
def test_event_fields_come_from_the_kernel(model, name):
    assert issubclass(model, ReviewEvent) and ReviewEvent._meta.abstract
    assert _declared_in(model, name, ReviewEvent)
    assert model._meta.ordering == ["-created_at", "-id"]


def test_who_reviewed_is_forgotten_for_an_entry_and_kept_for_a_publication():
    for name in ("submitted_by", "reviewed_by"):
        entry_field = CatalogEntry._meta.get_field(name)
        publication_field = Publication._meta.get_field(name)
        assert entry_field.remote_field.on_delete is models.SET_NULL
        assert publication_field.remote_field.on_delete is models.PROTECT
        assert str(entry_field.verbose_name) == str(publication_field.verbose_name)


@pytest.mark.parametrize(
    ("model", "name"),
    [(CatalogEntry, "entry_submitted_at"), (Publication, "publication_submitted_at")],
)
def test_submitted_at_check_is_shared_and_keeps_its_name(model, name):
    (constraint,) = [c for c in model._meta.constraints if c.name == name]
    assert str(constraint.condition) == str(
        ~models.Q(status="submitted") | models.Q(submitted_at__isnull=False)
    )


# ---------------------------------------------------------------------------------------------
# The checks.


def test_clean_reason_strips_and_refuses_blank_or_long_reasons():
    assert clean_reason("  请补充附件 \n", "退回") == "请补充附件"
    assert clean_reason("因" * REASON_MAX_LENGTH, "退回") == "因" * REASON_MAX_LENGTH
    for blank in ("", "   \n", None):
        with pytest.raises(ValidationError) as error:
            clean_reason(blank, "撤销发布")
        assert error.value.messages == ["撤销发布须填写原因。"]
    with pytest.raises(ValidationError) as error:
        clean_reason("因" * (REASON_MAX_LENGTH + 1), "退回")
    assert error.value.messages == ["退回原因不能超过2000个字符。"]


def test_require_status_names_the_record_and_its_state():
    publication = Publication(title="低保名单", status=Publication.Status.PUBLISHED)
    require_status(publication, "撤销发布", Publication.Status.PUBLISHED, name="低保名单")
    with pytest.raises(ValidationError) as error:
        require_status(
            publication,
            "提交审核",
            Publication.Status.DRAFT,
            Publication.Status.SUBMITTED,
            name="低保名单",
        )
    assert error.value.messages == ["“低保名单”当前为已发布，不能提交审核。"]

    entry = CatalogEntry(status=ReviewStatus.DRAFT)
    with pytest.raises(ValidationError) as error:
        require_status(entry, "退回", ReviewStatus.SUBMITTED, name="低保资金发放", where="芙蓉区")
    assert error.value.messages == ["“低保资金发放”（芙蓉区）当前为草稿，不能退回。"]


def test_require_reviewer_asks_the_policy_and_refuses_self_review():
    user = SimpleNamespace(pk=7)
    record = SimpleNamespace(division=SimpleNamespace(name="芙蓉区"), submitted_by_id=8)
    asked = []

    def allows(who, action, obj):
        asked.append((who, action, obj))
        return who is user

    require_reviewer(user, record, allows=allows, name="低保名单")
    assert asked == [(user, "review", record)]

    with pytest.raises(PermissionDenied) as error:
        require_reviewer(SimpleNamespace(pk=9), record, allows=allows, name="低保名单")
    assert str(error.value) == "“低保名单”（芙蓉区）应由上级审核部门审核，您无权审核。"

    record.submitted_by_id = user.pk
    with pytest.raises(PermissionDenied) as error:
        require_reviewer(user, record, allows=allows, name="低保名单")
    assert str(error.value) == "“低保名单”是您本人提交的，不能由本人审核。"

    # Nobody submitted it (loaded as published): no one is its submitter.
    record.submitted_by_id = None
    require_reviewer(SimpleNamespace(pk=None), record, allows=lambda *a: True, name="低保名单")


# ---------------------------------------------------------------------------------------------
# Real transitions, through the kernel's checks (``office``: tests/publications/conftest.py).


def test_catalog_entry_review_goes_through_the_kernel(office):
    admin = office.user(Role.ADMINISTRATOR, "city")
    entry = CatalogEntry.objects.get(pk=office.entries["city"].pk)
    entry_update(entry=entry, changes={"remarks": "市级的新备注"}, user=admin)
    review.entries_submit(entries=[entry], user=admin)

    with pytest.raises(ValidationError) as error:
        review.entries_submit(entries=[entry], user=admin)
    assert error.value.messages == [f"“{entry.item.name}”（长沙市）当前为待审核，不能提交审核。"]
    with pytest.raises(PermissionDenied) as error:
        review.entries_approve(entries=[entry], user=admin)
    assert str(error.value) == f"“{entry.item.name}”是您本人提交的，不能由本人审核。"
    reviewer = office.user(Role.REVIEWER, "city")
    with pytest.raises(ValidationError) as error:
        review.entries_return(entries=[entry], user=reviewer, reason="  ")
    assert error.value.messages == ["退回须填写原因。"]

    review.entries_approve(entries=[entry], user=reviewer)
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED
    assert (entry.submitted_by, entry.reviewed_by) == (admin, reviewer)
    assert entry.published_at is not None and entry.published_values["remarks"] == "市级的新备注"
    event = CatalogEvent.objects.filter(entry=entry).order_by("-id").first()
    assert (event.action, event.user, event.division_id) == (
        CatalogEvent.Action.APPROVE,
        reviewer,
        entry.division_id,
    )


def test_publication_review_goes_through_the_kernel(office):
    item = office.publication("district", "submitted", title="低保名单")
    editor = office.user(Role.EDITOR, "district")
    reviewer = office.reviewer_for("district")

    with pytest.raises(PermissionDenied) as error:
        services.publication_approve(publication=item, user=editor)
    assert str(error.value) == "“低保名单”（芙蓉区）应由上级审核部门审核，您无权审核。"
    with pytest.raises(ValidationError) as error:
        services.publication_return(publication=item, user=reviewer, reason="")
    assert error.value.messages == ["退回须填写原因。"]

    services.publication_return(publication=item, user=reviewer, reason=" 请补充附件 ")
    item.refresh_from_db()
    assert (item.status, item.return_reason, item.reviewed_by) == (
        Publication.Status.DRAFT,
        "请补充附件",
        reviewer,
    )
    event = PublicationEvent.objects.filter(publication=item).order_by("-id").first()
    assert (event.action, event.reason, event.user) == (
        PublicationEvent.Action.RETURN,
        "请补充附件",
        reviewer,
    )

    services.publication_submit(publication=item, user=editor)
    services.publication_approve(publication=item, user=reviewer)
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED and item.published_at is not None
    with pytest.raises(ValidationError) as error:
        services.publication_approve(publication=item, user=reviewer)
    assert error.value.messages == ["“低保名单”当前为已发布，不能审核通过。"]
