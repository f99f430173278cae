"""The review chain's shared parts: 草稿 → 待审核 → 已发布, and back with a reason.

Catalog entries (``catalog``) and publications (``publications``) go through the same chain:
an editor submits, the office above reviews, nobody approves what they submitted. This module
holds, once, what both carry and check: the review fields of the record, the fields of its
event log, and the checks a transition makes. It imports no app code: each app passes in its
own policy (who may review what) and the names its messages use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: The longest reason (退回、撤销发布…) the chain records.
REASON_MAX_LENGTH = 2000

#: ``allows(user, action, obj)``: an app's policy check, e.g. ``policies.entries.allows``.
Allows = Callable[[Any, str, Any], bool]


# ---------------------------------------------------------------------------------------------
# Fields.


def _staff_link(verbose_name: str, on_delete: Callable) -> models.ForeignKey:
    """Return a link to the user who took a review step (no reverse accessor on the user)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name="+",
    )


class ReviewTrail(models.Model):
    """The review fields of a record that goes through the chain; it forgets deleted users.

    The concrete model declares ``status`` itself (its states and label differ per app) and
    adds ``submitted_at_constraint`` to its constraints.
    """

    submitted_by = _staff_link(_("提交人"), models.SET_NULL)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = _staff_link(_("审核人"), models.SET_NULL)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        abstract = True


class ProtectedReviewTrail(ReviewTrail):
    """The review fields of a record that keeps who submitted and reviewed it.

    A user who submitted or reviewed such a record cannot be deleted: the record must go on
    naming them (deactivate the account instead).
    """

    submitted_by = _staff_link(_("提交人"), models.PROTECT)
    reviewed_by = _staff_link(_("审核人"), models.PROTECT)

    class Meta:
        abstract = True


def submitted_at_constraint(name: str) -> models.CheckConstraint:
    """Return the check that a submitted record says when it was sent, named ``name``.

    Each model keeps its own constraint name: renaming one would rebuild the table on SQLite,
    which drops the triggers its app's migrations put on it.
    """
    return models.CheckConstraint(
        condition=~Q(status="submitted") | Q(submitted_at__isnull=False), name=name
    )


class ReviewEvent(models.Model):
    """The fields of one recorded step, common to every event log of the chain.

    The concrete model adds what the step concerns (the record) and ``action``,
    ``from_status`` and ``to_status`` with its own choices.
    """

    division = models.ForeignKey(
        "districts.Division", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("原因"), blank=True)
    user = _staff_link(_("操作人"), models.SET_NULL)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


# ---------------------------------------------------------------------------------------------
# Checks a transition makes.


def require_status(
    obj: models.Model, doing: str, *allowed: str, name: str, where: str = ""
) -> None:
    """Raise ValidationError unless ``obj`` is in one of the ``allowed`` states.

    The message names the record “``name``”, followed by （``where``） when given, and says
    that it cannot be ``doing`` (提交审核, 退回…) in its current state.
    """
    if obj.status not in allowed:
        place = f"（{where}）" if where else ""
        raise ValidationError(f"“{name}”{place}当前为{obj.get_status_display()}，不能{doing}。")


def require_reviewer(user, obj: models.Model, *, allows: Allows, name: str) -> None:
    """Raise PermissionDenied unless ``user`` may review ``obj`` and did not submit it.

    ``allows`` is the app's policy check, asked for the "review" action; ``name`` is how the
    messages name the record. ``obj`` has a ``division`` and a ``submitted_by``.
    """
    if not allows(user, "review", obj):
        raise PermissionDenied(f"“{name}”（{obj.division.name}）应由上级审核部门审核，您无权审核。")
    if obj.submitted_by_id is not None and obj.submitted_by_id == user.pk:
        raise PermissionDenied(f"“{name}”是您本人提交的，不能由本人审核。")


def clean_reason(reason: str | None, doing: str) -> str:
    """Return ``reason`` stripped; raise ValidationError when it is blank or too long.

    ``doing`` names the step that asks for it (退回, 撤销发布…) in the message.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(f"{doing}须填写原因。")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(f"{doing}原因不能超过{REASON_MAX_LENGTH}个字符。")
    return reason
