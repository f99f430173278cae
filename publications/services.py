"""Every write to a publication: one function per action, each atomic, checked and recorded.

The review chain (draft → submitted → published, or back to draft with a reason; withdraw;
revise) lives here and nowhere else, so the admin, the load generator and the shell all pass
the same checks: the state, the user's scope, the reviewing office, and no self-approval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from catalog.models import CatalogEntry
from districts.policy import acting_department
from outbox.services import enqueue
from portal.review_kernel import clean_reason, require_reviewer, require_status
from workcalendar.calendar import CalendarNotCovered
from workcalendar.deadlines import parse_time_limit

from . import index_no, privacy, privacy_check, release
from .files import check_upload
from .models import (
    Attachment,
    InterpretationForm,
    Publication,
    PublicationEvent,
    PublicationSeries,
    PublicationType,
    Theme,
)
from .policies import publications as policy
from .sanitise import clean_html, clean_text
from .signals import publication_status_changed

Status = Publication.Status
Action = PublicationEvent.Action

# The fields staff write; everything else is set by the review chain.
EDITABLE = (
    "title",
    "doc_no",
    "body",
    "formed_on",
    "responsible_body",
    "expires_on",
    "pub_type",
    "theme",
    "disclosure",
    "withheld_reason",
    "interprets",
    "interpretation_form",
    "video_url",
    "release_at",
    "series",
    "series_date",
)
LIMITS = {"title": 300, "doc_no": 100, "responsible_body": 200, "video_url": 500}
LABELS = {f.name: str(f.verbose_name) for f in Publication._meta.get_fields() if f.concrete}


# ---------------------------------------------------------------------------------------------
# Values.


def _as_date(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValidationError(
            f"{label}：“{value}”不是有效日期，应为 2026-03-01 这样的格式。"
        ) from error


def clean_values(data: dict[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """Return ``data`` checked and normalised, or raise ValidationError naming each field."""
    today = today or timezone.localdate()
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"不能直接修改这些字段：{'、'.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in data.items():
        label = LABELS[name]
        try:
            if name == "body":
                values[name] = clean_html(str(raw or ""))
            elif name in ("formed_on", "expires_on", "series_date"):
                values[name] = _as_date(raw, label)
            elif name == "release_at":
                from .release import check_release_at

                values[name] = check_release_at(raw)
            elif name in REFERENCES:
                values[name] = _reference(name, raw)
            elif name in CHOICES:
                values[name] = _choice(name, raw)
            else:
                text = clean_text(str(raw or ""))
                if len(text) > LIMITS[name]:
                    raise ValidationError(
                        f"{label}：不能超过{LIMITS[name]}个字符（现有{len(text)}个）。"
                    )
                values[name] = text
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    for name in ("title", "responsible_body", "formed_on"):
        if name in values and not values[name]:
            errors.setdefault(name, []).append(f"{LABELS[name]}：必填。")
    formed = values.get("formed_on")
    if formed and formed > today:
        errors.setdefault("formed_on", []).append(
            f"{LABELS['formed_on']}：不能晚于今天（{today.isoformat()}）。"
        )
    pub_type = values.get("pub_type")
    if pub_type is not None and not pub_type.is_active:
        errors.setdefault("pub_type", []).append(
            f"{LABELS['pub_type']}：“{pub_type.name}”已停用，请另选。"
        )
    if "disclosure" in values or "withheld_reason" in values:
        disclosure = values.get("disclosure") or Publication.Disclosure.ACTIVE
        if disclosure == Publication.Disclosure.WITHHELD:
            if not values.get("withheld_reason"):
                errors.setdefault("withheld_reason", []).append(
                    "不予公开须选择《政府信息公开条例》第十四条至第十六条的理由。"
                )
        else:
            # A reason belongs to 不予公开 only; switching away drops it.
            values["withheld_reason"] = ""
    if "series" in values or "series_date" in values:
        if values.get("series") is None:
            # A date belongs to a series issue only.
            values["series_date"] = None
        elif not values.get("series_date"):
            errors.setdefault("series_date", []).append(
                f"{LABELS['series_date']}：连续发布的每一期须填写它对应的日期。"
            )
    expires = values.get("expires_on")
    if formed and expires and expires < formed:
        errors.setdefault("expires_on", []).append(
            f"{LABELS['expires_on']}：不能早于信息形成日期（{formed.isoformat()}）。"
        )
    if errors:
        raise ValidationError(errors)
    return values


REFERENCES = {
    "pub_type": PublicationType,
    "theme": Theme,
    "interprets": Publication,
    "series": PublicationSeries,
}
CHOICES = {
    "disclosure": Publication.Disclosure,
    "withheld_reason": Publication.WithheldReason,
    "interpretation_form": InterpretationForm,
}


def _reference(name: str, raw: Any):
    """Return the PublicationType or Theme that ``raw`` (an instance or an id) names, or None."""
    model = REFERENCES[name]
    if raw in (None, ""):
        return None
    if isinstance(raw, model):
        return raw
    try:
        if model is Publication:
            return Publication.objects.select_related("pub_type").get(pk=int(raw))
        return model.objects.get(pk=int(raw))
    except (TypeError, ValueError, model.DoesNotExist) as error:
        raise ValidationError(f"{LABELS[name]}：“{raw}”不存在，请从列表中选择。") from error


def _choice(name: str, raw: Any) -> str:
    choices = CHOICES[name]
    value = "" if raw is None else str(raw).strip()
    if value == "" and name in ("withheld_reason", "interpretation_form"):
        return ""
    if value not in choices.values:
        raise ValidationError(f"{LABELS[name]}：“{value}”不是可选的值。")
    return value


#: The states of a policy that a 解读 may be filed against.
INTERPRETABLE = (Status.DRAFT, Status.SUBMITTED, Status.SIGNOFF, Status.PUBLISHED)


def check_interpretation(
    pub_type: PublicationType | None, interprets: Publication | None, *, own_pk=None, user=None
) -> None:
    """Raise ValidationError (on ``interprets``) unless the 解读 link fits the type.

    A 政策解读 names the policy document it explains; nothing else names one.
    """
    label = LABELS["interprets"]
    if interprets is None:
        if pub_type is not None and pub_type.is_interpretation:
            raise ValidationError({"interprets": [f"{label}：政策解读须选择它解读的政策文件。"]})
        return
    if pub_type is None or not pub_type.is_interpretation:
        raise ValidationError({"interprets": [f"{label}：只有政策解读类信息关联被解读的文件。"]})
    if own_pk is not None and interprets.pk == own_pk:
        raise ValidationError({"interprets": [f"{label}：不能解读它自身。"]})
    if interprets.pub_type is None or not interprets.pub_type.is_policy:
        raise ValidationError(
            {"interprets": [f"{label}：“{interprets.title}”不是政策文件类信息，不能被解读。"]}
        )
    if interprets.status not in INTERPRETABLE:
        raise ValidationError(
            {
                "interprets": [
                    f"{label}：“{interprets.title}”当前为{interprets.get_status_display()}，"
                    "不能再关联解读。"
                ]
            }
        )
    if user is not None and not policy.allows(user, "view", interprets):
        raise ValidationError({"interprets": [f"{label}：不存在，请从列表中选择。"]})


def check_interpretation_form(pub_type: PublicationType | None, form: str, video_url: str) -> None:
    """Raise ValidationError unless the 解读 form and video address fit the type and each other.

    Only a 解读 has a form; a video 解读 names an https address, and only it does.
    """
    label, video = LABELS["interpretation_form"], LABELS["video_url"]
    is_reading = pub_type is not None and pub_type.is_interpretation
    if form and not is_reading:
        raise ValidationError(
            {"interpretation_form": [f"{label}：只有政策解读类信息选择解读形式。"]}
        )
    if form == InterpretationForm.VIDEO and not video_url:
        raise ValidationError({"video_url": [f"{video}：视频解读须填写视频发布处的地址。"]})
    if video_url and form != InterpretationForm.VIDEO:
        raise ValidationError({"video_url": [f"{video}：只有解读形式为“视频解读”时填写。"]})
    if video_url:
        try:
            URLValidator(schemes=["https"])(video_url)
        except ValidationError as error:
            raise ValidationError(
                {"video_url": [f"{video}：须是以 https:// 开头的完整网址。"]}
            ) from error


def check_series_fits(series: PublicationSeries | None, entry: CatalogEntry) -> None:
    """Raise ValidationError when ``series`` belongs to another catalog entry or has ended."""
    if series is None:
        return
    if series.entry_id != entry.pk:
        raise ValidationError(
            {"series": [f"连续发布系列“{series.name}”属于另一个目录事项，请选择本事项的系列。"]}
        )
    if not series.is_active:
        raise ValidationError(
            {"series": [f"连续发布系列“{series.name}”已停止，不能再添加新一期。"]}
        )


def check_type_fits(pub_type: PublicationType | None, entry: CatalogEntry) -> None:
    """Raise ValidationError when ``pub_type`` may not be filed under ``entry``'s item."""
    if pub_type is None:
        return
    allowed = list(pub_type.items.values_list("pk", flat=True))
    if allowed and entry.item_id not in allowed:
        raise ValidationError(
            {
                "pub_type": [
                    f"{LABELS['pub_type']}：“{pub_type.name}”不能归入目录事项"
                    f"“{entry.item.name}”，请另选信息类型或目录事项。"
                ]
            }
        )


def due_for(entry: CatalogEntry, formed_on: dt.date, calendar=None) -> tuple[dt.date | None, str]:
    """Return the publication's due date from the entry's 公开时限, and the note that explains it.

    When the working-day calendar does not cover the years the deadline falls in, return no
    date and the calendar's message: the date is computed again once the year is entered.
    """
    rule = parse_time_limit(entry.time_limit)
    try:
        return rule.due_date(formed_on, calendar=calendar), rule.note[:300]
    except CalendarNotCovered as error:
        return None, f"期限待定：{error}"[:300]


def deadline_state(publication: Publication, today: dt.date, soon: dt.date) -> str:
    """Return 'overdue', 'late', 'soon', 'ok' or '' (no due date) for list badges."""
    due = publication.due_on
    if due is None:
        return ""
    if publication.status in (Status.DRAFT, Status.SUBMITTED):
        if due < today:
            return "overdue"
        return "soon" if due <= soon else "ok"
    if publication.published_at and timezone.localdate(publication.published_at) > due:
        return "late"
    return "ok"


# ---------------------------------------------------------------------------------------------
# Checks.


def _lock(publication: Publication) -> Publication:
    try:
        return (
            Publication.objects.select_for_update(of=("self",))
            .select_related("division", "pub_type", "entry__item", "entry__division")
            .get(pk=publication.pk)
        )
    except Publication.DoesNotExist as error:
        raise ValidationError("该公开信息已不存在，请刷新后重试。") from error


def _require(user, action: str, publication: Publication, doing: str) -> None:
    if not policy.allows(user, action, publication):
        raise PermissionDenied(f"您没有{publication.division.name}公开信息的{doing}权限。")


def _require_status(publication: Publication, doing: str, *allowed: str) -> None:
    require_status(publication, doing, *allowed, name=publication.title)


def _require_reviewer(user, publication: Publication) -> None:
    require_reviewer(user, publication, allows=policy.allows, name=publication.title)


def _record(publication: Publication, action: str, user, **kwargs) -> PublicationEvent:
    return PublicationEvent.objects.create(
        publication=publication,
        division_id=publication.division_id,
        action=action,
        user=user,
        **kwargs,
    )


def _move(publication: Publication, to: str, action: str, user, reason: str = "", fields=()):
    before = publication.status
    publication.status = to
    publication.full_clean(validate_unique=False, validate_constraints=True)
    publication.save(update_fields=["status", "updated_at", *fields])
    publication_status_changed.send(
        Publication, publication=publication, from_status=before, to_status=to
    )
    return _record(publication, action, user, from_status=before, to_status=to, reason=reason)


def _shown(name: str, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, PublicationType | Theme | Publication | PublicationSeries):
        return str(value)
    if name in CHOICES and value:
        return str(CHOICES[name](value).label)
    return value


# ---------------------------------------------------------------------------------------------
# Writing.


@transaction.atomic
def publication_create(
    *,
    entry: CatalogEntry,
    data: dict[str, Any],
    user,
    uploads: Iterable = (),
    is_demo: bool = False,
) -> Publication:
    """Create a draft publication under ``entry`` and return it, with its attachments."""
    if not policy.allows(user, "add", entry.division):
        raise PermissionDenied(f"您没有{entry.division.name}公开信息的填报权限。")
    department = acting_department(user, entry.division)
    if department is not None and entry.department_id != department.pk:
        raise PermissionDenied(
            f"“{entry.item.name}”不由{department.name}承办，请在本部门承办的目录事项下填报。"
        )
    if entry.is_dropped:
        raise ValidationError(
            f"“{entry.item.name}”已从{entry.division.name}的目录中删减，不能再发布信息。"
        )
    data = {"responsible_body": entry.subject, **data}
    values = clean_values(data)
    for required in ("title", "formed_on", "responsible_body"):
        if not values.get(required):
            raise ValidationError({required: [f"{LABELS[required]}：必填。"]})
    publication = Publication(
        entry=entry,
        division_id=entry.division_id,
        # Owned by the department that owns the entry (the office's when it has none).
        department_id=entry.department_id,
        created_by=user,
        is_demo=is_demo,
        **values,
    )
    check_type_fits(publication.pub_type, entry)
    check_series_fits(publication.series, entry)
    check_interpretation(publication.pub_type, publication.interprets, user=user)
    check_interpretation_form(
        publication.pub_type, publication.interpretation_form, publication.video_url
    )
    publication.due_on, publication.due_note = due_for(entry, publication.formed_on)
    publication.full_clean()
    publication.save()
    _record(
        publication,
        Action.CREATE,
        user,
        to_status=Status.DRAFT,
        changes={k: [None, _shown(k, v)] for k, v in values.items()},
    )
    stored: list[Attachment] = []
    try:
        for upload in uploads:
            stored.append(attachment_add(publication=publication, upload=upload, user=user))
    except Exception:
        # The transaction rolls the rows back; the files already stored go with them.
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return publication


@transaction.atomic
def publication_update(*, publication: Publication, data: dict[str, Any], user) -> Publication:
    """Change a draft's fields and return it; published text is changed through a revision."""
    publication = _lock(publication)
    _require(user, "change", publication, "修改")
    _require_status(publication, "直接修改（已发布的信息请“发起修订”）", Status.DRAFT)
    values = clean_values(data)
    changes = {}
    for name, value in values.items():
        old = getattr(publication, name)
        if old != value:
            changes[name] = [_shown(name, old), _shown(name, value)]
            setattr(publication, name, value)
    if not changes:
        return publication
    if "pub_type" in changes:
        check_type_fits(publication.pub_type, publication.entry)
    if "series" in changes:
        check_series_fits(publication.series, publication.entry)
    if "pub_type" in changes or "interprets" in changes:
        check_interpretation(
            publication.pub_type, publication.interprets, own_pk=publication.pk, user=user
        )
    if changes.keys() & {"pub_type", "interpretation_form", "video_url"}:
        check_interpretation_form(
            publication.pub_type, publication.interpretation_form, publication.video_url
        )
    fields = [*changes, "updated_at"]
    if "formed_on" in changes:
        publication.due_on, publication.due_note = due_for(publication.entry, publication.formed_on)
        fields += ["due_on", "due_note"]
    publication.full_clean()
    publication.save(update_fields=fields)
    _record(publication, Action.EDIT, user, changes=changes)
    return publication


@transaction.atomic
def attachment_add(*, publication: Publication, upload, user) -> Attachment:
    """Check ``upload`` by its content, store it through the storage API and return it."""
    publication = _lock(publication)
    _require(user, "change", publication, "修改")
    _require_status(publication, "添加附件", Status.DRAFT)
    checked = check_upload(upload)
    attachment = Attachment(
        publication=publication,
        name=checked.name,
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    # The stored name is ours; the person's file name is only shown, never used as a path.
    attachment.file.save(f"{checked.sha256[:16]}.{checked.kind}", upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    _record(publication, Action.ATTACH, user, changes={"attachments": [None, checked.name]})
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user) -> None:
    """Remove an attachment from a draft (the stored file stays if an earlier revision uses it)."""
    publication = _lock(attachment.publication)
    _require(user, "change", publication, "修改")
    _require_status(publication, "删除附件", Status.DRAFT)
    name, stored = attachment.name, attachment.file.name
    attachment.delete()
    if not Attachment.objects.filter(file=stored).exists():
        storage = attachment.file.storage
        transaction.on_commit(lambda: storage.delete(stored))
    _record(publication, Action.DETACH, user, changes={"attachments": [name, None]})


# ---------------------------------------------------------------------------------------------
# The review chain.


@transaction.atomic
def publication_submit(*, publication: Publication, user) -> Publication:
    """Send a draft to the reviewing office and return it."""
    publication = _lock(publication)
    _require(user, "change", publication, "提交")
    _require_status(publication, "提交审核", Status.DRAFT)
    if publication.entry.is_dropped:
        raise ValidationError(f"所属目录事项“{publication.entry.item.name}”已删减，不能提交。")
    if (
        publication.interpretation_form == InterpretationForm.GRAPHIC
        and not publication.attachments.filter(
            kind__in=[Attachment.Kind.JPEG, Attachment.Kind.PNG]
        ).exists()
    ):
        raise ValidationError("图解须上传至少一张JPEG或PNG图片作为附件，才能提交审核。")
    publication.submitted_by, publication.submitted_at = user, timezone.now()
    publication.return_reason = ""
    _privacy(publication, user, "提交时")
    _move(
        publication,
        Status.SUBMITTED,
        Action.SUBMIT,
        user,
        fields=["submitted_by", "submitted_at", "return_reason", *PRIVACY_FIELDS],
    )
    _notify("submitted", publication, user)
    return publication


PRIVACY_FIELDS = ["privacy_report", "privacy_confirmed_by", "privacy_confirmed_at"]


def _privacy(
    publication: Publication, user, when: str, report: dict | None = None, confirmed_at=None
) -> dict:
    """Check ``publication`` for personal information (or take ``report``), keep and record it;
    return the report.

    ``confirmed_at`` records the reviewer's 已核对个人信息; without it a new check clears an
    earlier confirmation, as what was confirmed may have changed.
    """
    report = report if report is not None else privacy_check.run(publication)
    publication.privacy_report = report
    publication.privacy_confirmed_by = user if confirmed_at else None
    publication.privacy_confirmed_at = confirmed_at
    _record(
        publication,
        Action.PRIVACY,
        user,
        reason=f"{when}检查：{report['summary']}"
        + ("审核人已核对个人信息。" if confirmed_at else ""),
        changes={"counts": report["counts"], "notices": len(report["notices"])},
    )
    return report


@transaction.atomic
def publication_privacy_check(*, publication: Publication, user) -> dict:
    """Check a draft (or a submission, for its reviewer) now, keep the report and return it."""
    publication = _lock(publication)
    if not (
        policy.allows(user, "change", publication) or policy.allows(user, "review", publication)
    ):
        raise PermissionDenied(f"您没有检查{publication.division.name}公开信息的权限。")
    _require_status(publication, "检查个人信息", Status.DRAFT, Status.SUBMITTED)
    _privacy(publication, user, "手动")
    publication.save(update_fields=[*PRIVACY_FIELDS, "updated_at"])
    return publication.privacy_report


@transaction.atomic
def publication_mask(*, publication: Publication, user) -> int:
    """Mask the personal information in a draft's title and body; return how many were masked.

    Attachments are not rewritten: a file with hits is replaced by a masked one by its owner.
    """
    publication = _lock(publication)
    _require(user, "change", publication, "修改")
    _require_status(publication, "遮盖个人信息", Status.DRAFT)
    title, in_title = privacy.mask(publication.title)
    body, in_body = privacy.mask_html(publication.body or "")
    count = in_title + in_body
    if not count:
        return 0
    changes = {}
    if in_title:
        changes["title"] = [publication.title, title]
        publication.title = title
    if in_body:
        changes["body"] = [publication.body, clean_html(body)]
        publication.body = clean_html(body)
    publication.full_clean()
    publication.save(update_fields=[*changes, "updated_at"])
    _record(publication, Action.MASK, user, reason=f"一键遮盖个人信息 {count} 处", changes=changes)
    return count


@transaction.atomic
def publication_recall(*, publication: Publication, user) -> Publication:
    """Take a submitted publication back to draft before it is reviewed and return it."""
    publication = _lock(publication)
    _require(user, "change", publication, "撤回")
    _require_status(publication, "撤回提交", Status.SUBMITTED)
    _move(publication, Status.DRAFT, Action.RECALL, user)
    return publication


@transaction.atomic
def publication_approve(
    *,
    publication: Publication,
    user,
    privacy_confirmed: bool = False,
    interpretation_waiver: str = "",
) -> Publication:
    """Approve and publish a submitted publication and return it; it replaces its predecessor.

    The personal-information check runs again first; an item with hits is approved only with
    ``privacy_confirmed`` (已核对个人信息). A 规范性文件 is approved together with the 解读
    submitted with it (both or neither), or alone with the reviewer's ``interpretation_waiver``;
    a 解读 of a policy still under review waits for that policy.
    """
    publication = _lock(publication)
    _require_reviewer(user, publication)
    _require_status(publication, "审核通过", Status.SUBMITTED)
    target = publication.interprets
    if target is not None and target.status != Status.PUBLISHED:
        raise ValidationError(
            f"该解读须与“{target.title}”一并审核：请在该政策文件上审核通过，解读随之发布。"
        )
    companions: list[Publication] = []
    waiver = ""
    if publication.pub_type_id and publication.pub_type.needs_interpretation:
        companions = list(
            Publication.objects.select_for_update(of=("self",))
            .select_related("division", "pub_type", "entry__item", "entry__division")
            .filter(interprets=publication, status=Status.SUBMITTED)
            .order_by("pk")
        )
        if not companions:
            waiver = (interpretation_waiver or "").strip()
            if not waiver:
                raise ValidationError(
                    f"“{publication.pub_type.name}”须随附政策解读（谁起草、谁解读）：请将解读与它"
                    "一并提交，或由审核人填写未附解读的理由后再审核通过。"
                )
            if len(waiver) > 2000:
                raise ValidationError("未附解读的理由不能超过2000个字符。")
    now = timezone.now()
    _approve_one(publication, user, privacy_confirmed, now, waiver=waiver)
    for companion in companions:
        try:
            _require_reviewer(user, companion)
            # Released with its policy: at once, or at the policy's release time.
            companion.release_at = publication.release_at
            _approve_one(companion, user, privacy_confirmed, now)
        except ValidationError as error:
            # One action approves both or neither: the transaction rolls the policy back too.
            raise ValidationError(
                f"随附的解读“{companion.title}”未能一并审核通过：{'；'.join(error.messages)}"
            ) from error
    return publication


def _approve_one(publication: Publication, user, privacy_confirmed: bool, now, waiver=""):
    """Approve one locked, submitted publication: checks, privacy, then publish, schedule
    (定时发布) or 送签."""
    # Locked: a concurrent drop of the entry waits for this approval, or this for the drop.
    release.check_still_publishable(publication)
    report = privacy_check.run(publication)
    if privacy_check.needs_confirmation(report) and not privacy_confirmed:
        raise ValidationError(
            f"个人信息检查：{report['summary']}"
            + (f"另有{len(report['notices'])}个附件须人工核对。" if report["notices"] else "")
            + "请逐条核对（需要脱敏的请退回修改），确认后勾选“已核对个人信息”再审核通过。"
        )
    confirmed = now if privacy_check.needs_confirmation(report) else None
    _privacy(publication, user, "审核时", report=report, confirmed_at=confirmed)
    publication.reviewed_by, publication.reviewed_at = user, now
    publication.interpretation_waiver = waiver
    fields = [
        "reviewed_by",
        "reviewed_at",
        "interpretation_waiver",
        "release_at",
        *PRIVACY_FIELDS,
    ]
    if publication.division.signoff_required:
        # The division asks its leader to sign off what its office approved (送签).
        _move(
            publication,
            Status.SIGNOFF,
            Action.SEND_SIGNOFF,
            user,
            reason=f"未附解读：{waiver}" if waiver else "",
            fields=fields,
        )
        return
    release.publish_or_schedule(
        publication,
        user,
        now,
        Action.APPROVE,
        fields=fields,
        reason=f"未附解读：{waiver}" if waiver else "",
    )
    _notify("reviewed", publication, user)


def _publish(
    publication: Publication, user, now, action: str, fields: list[str], reason: str = ""
) -> None:
    """Publish ``publication`` (locked, approved) now; it replaces its predecessor."""
    predecessor = publication.replaces
    if predecessor is not None:
        predecessor = Publication.objects.select_for_update().get(pk=predecessor.pk)
        if predecessor.status != Status.PUBLISHED:
            raise ValidationError(
                f"被替代的版本当前为{predecessor.get_status_display()}，不能再被替代；请重新发起修订。"
            )
        _move(
            predecessor,
            Status.SUPERSEDED,
            Action.SUPERSEDE,
            user,
            reason=f"由第{publication.revision}版替代",
        )
    if publication.series_id is not None:
        taken = Publication.objects.filter(
            series_id=publication.series_id,
            series_date=publication.series_date,
            status=Status.PUBLISHED,
        ).exclude(pk=publication.pk)
        if taken.exists():
            raise ValidationError(
                f"“{publication.series.name}”{publication.series_date:%Y-%m-%d}这一期已经发布；"
                "要更正请在已发布的那一期上发起修订。"
            )
    publication.published_at = now
    extra = ["published_at"]
    if not publication.index_no:
        publication.index_no = index_no.assign(publication, timezone.localdate(now).year)
        extra.append("index_no")
    if publication.pub_type_id and publication.pub_type.is_policy and not publication.validity:
        publication.validity = Publication.Validity.CURRENT
        extra.append("validity")
    _move(publication, Status.PUBLISHED, action, user, reason=reason, fields=[*fields, *extra])


def _require_signer(user, publication: Publication) -> None:
    if not policy.allows(user, "sign", publication):
        raise PermissionDenied(
            f"“{publication.title}”须由{publication.division.name}的签发领导签发，您无权签发。"
        )


@transaction.atomic
def publication_sign(*, publication: Publication, user) -> Publication:
    """Sign off (签发) an approved publication and publish it; return it."""
    publication = _lock(publication)
    _require_signer(user, publication)
    _require_status(publication, "签发", Status.SIGNOFF)
    target = publication.interprets
    if target is not None and target.status != Status.PUBLISHED:
        raise ValidationError(f"该解读随“{target.title}”一并签发：请签发该政策文件。")
    now = timezone.now()
    _sign_one(publication, user, now)
    # The 解读 approved with it is signed with it.
    for companion in (
        Publication.objects.select_for_update(of=("self",))
        .select_related("division", "entry__item")
        .filter(interprets=publication, status=Status.SIGNOFF)
        .order_by("pk")
    ):
        _require_signer(user, companion)
        _sign_one(companion, user, now)
    return publication


def _sign_one(publication: Publication, user, now) -> None:
    # The same test as approval and release: the entry must still be published and not dropped.
    release.check_still_publishable(publication)
    publication.signed_by, publication.signed_at = user, now
    release.publish_or_schedule(
        publication, user, now, Action.SIGN, fields=["signed_by", "signed_at"]
    )
    _notify("reviewed", publication, user)


@transaction.atomic
def publication_sign_return(*, publication: Publication, user, reason: str) -> Publication:
    """Send a publication awaiting sign-off back to draft with ``reason``; return it."""
    reason = clean_reason(reason, "签发退回")
    publication = _lock(publication)
    _require_signer(user, publication)
    _require_status(publication, "签发退回", Status.SIGNOFF)
    publication.return_reason = reason
    _move(
        publication,
        Status.DRAFT,
        Action.SIGN_RETURN,
        user,
        reason=reason,
        fields=["return_reason"],
    )
    _notify("reviewed", publication, user)
    return publication


@transaction.atomic
def publication_return(*, publication: Publication, user, reason: str) -> Publication:
    """Send a submitted publication back to draft with ``reason`` and return it."""
    reason = clean_reason(reason, "退回")
    publication = _lock(publication)
    _require_reviewer(user, publication)
    _require_status(publication, "退回", Status.SUBMITTED)
    publication.return_reason = reason
    publication.reviewed_by, publication.reviewed_at = user, timezone.now()
    _move(
        publication,
        Status.DRAFT,
        Action.RETURN,
        user,
        reason=reason,
        fields=["return_reason", "reviewed_by", "reviewed_at"],
    )
    _notify("reviewed", publication, user)
    return publication


@transaction.atomic
def publication_set_validity(
    *, publication: Publication, validity: str, user, by: Publication | None = None, note: str = ""
) -> Publication:
    """Mark a published policy document 现行有效, 已修改 or 已废止 and return it.

    An amended or repealed policy names what changed it: a publication on the portal (``by``)
    or, for a document published elsewhere, a note. It stays public, under a banner.
    """
    publication = _lock(publication)
    if not (
        policy.allows(user, "change", publication) or policy.allows(user, "review", publication)
    ):
        raise PermissionDenied(f"您没有标注{publication.division.name}公开信息有效性的权限。")
    _require_status(publication, "标注有效性", Status.PUBLISHED)
    if publication.pub_type is None or not publication.pub_type.is_policy:
        raise ValidationError("只有政策文件类信息标注有效性。")
    if validity not in Publication.Validity.values:
        raise ValidationError(f"有效性：“{validity}”不是可选的值。")
    note = clean_text(note or "")
    if len(note) > 300:
        raise ValidationError(f"有效性说明：不能超过300个字符（现有{len(note)}个）。")
    if validity == Publication.Validity.CURRENT:
        by, note = None, ""
    else:
        if by is None and not note:
            raise ValidationError(
                "已修改或已废止的文件须注明修改或废止它的文件：选择本平台上的文件，或填写说明。"
            )
        if by is not None:
            if by.pk == publication.pk or by.replaces_id == publication.pk:
                raise ValidationError("不能以文件自身（或其修订版本）修改或废止它。")
            if by.status != Status.PUBLISHED:
                raise ValidationError(f"“{by.title}”尚未发布，不能作为修改或废止它的文件。")
    before = (publication.validity, publication.changed_by_document_id, publication.validity_note)
    after = (validity, by.pk if by else None, note)
    if before == after:
        return publication
    publication.validity = validity
    publication.changed_by_document = by
    publication.validity_note = note
    publication.full_clean(validate_unique=False, validate_constraints=True)
    publication.save(
        update_fields=["validity", "changed_by_document", "validity_note", "updated_at"]
    )
    labels = dict(Publication.Validity.choices)
    _record(
        publication,
        Action.VALIDITY,
        user,
        reason=note or (f"依据“{by.title}”" if by else ""),
        changes={
            "validity": [str(labels.get(before[0], "")), str(labels[validity])],
            "changed_by_document": [before[1], after[1]],
        },
    )
    return publication


@transaction.atomic
def publication_withdraw(*, publication: Publication, user, reason: str) -> Publication:
    """Take a published publication off the portal with ``reason`` and return it.

    Its owners (editors in scope) and its reviewing office may withdraw it.
    """
    reason = clean_reason(reason, "撤销发布")
    publication = _lock(publication)
    if not (
        policy.allows(user, "change", publication) or policy.allows(user, "review", publication)
    ):
        raise PermissionDenied(f"您没有撤销{publication.division.name}公开信息的权限。")
    _require_status(publication, "撤销发布", Status.PUBLISHED)
    if Publication.objects.filter(replaces=publication).exists():
        raise ValidationError("该信息有尚未发布的修订版本，请先处理修订版本。")
    publication.withdraw_reason = reason
    _move(
        publication,
        Status.WITHDRAWN,
        Action.WITHDRAW,
        user,
        reason=reason,
        fields=["withdraw_reason"],
    )
    return publication


@transaction.atomic
def publication_revise(*, publication: Publication, user) -> Publication:
    """Start a new draft revision of a published publication and return the draft.

    The published version stays on the portal, unchanged, until the revision is approved.
    """
    publication = _lock(publication)
    _require(user, "change", publication, "修订")
    _require_status(publication, "发起修订", Status.PUBLISHED)
    existing = Publication.objects.filter(replaces=publication).first()
    if existing is not None:
        raise ValidationError(f"该信息已有修订中的第{existing.revision}版，请继续编辑该版本。")
    draft = Publication(
        entry_id=publication.entry_id,
        division_id=publication.division_id,
        # The revision stays with the department that owns the item: its staff keep it.
        department_id=publication.department_id,
        created_by=user,
        replaces=publication,
        revision=publication.revision + 1,
        due_on=publication.due_on,
        due_note=publication.due_note,
        is_demo=publication.is_demo,
        # The same document in a new version: it keeps its 索引号 and 有效性.
        index_no=publication.index_no,
        validity=publication.validity,
        validity_note=publication.validity_note,
        changed_by_document=publication.changed_by_document,
        **{name: getattr(publication, name) for name in EDITABLE if name != "release_at"},
    )
    draft.full_clean()
    draft.save()
    Attachment.objects.bulk_create(
        [
            Attachment(
                publication=draft,
                file=a.file.name,
                name=a.name,
                kind=a.kind,
                size=a.size,
                sha256=a.sha256,
                uploaded_by=a.uploaded_by,
            )
            for a in publication.attachments.all()
        ]
    )
    _record(
        publication,
        Action.REVISE,
        user,
        reason=f"发起第{draft.revision}版修订",
        changes={"revision": [publication.revision, draft.revision]},
    )
    _record(
        draft,
        Action.CREATE,
        user,
        to_status=Status.DRAFT,
        reason=f"修订自第{publication.revision}版",
    )
    return draft


@transaction.atomic
def publications_recompute_due(*, publications=None) -> int:
    """Compute due dates again (after a calendar year was entered); return how many changed."""
    from workcalendar.calendar import WorkingCalendar

    qs = publications if publications is not None else Publication.objects.unpublished()
    qs = qs.select_related("entry")
    changed = []
    calendar = WorkingCalendar()  # loads each year once, as the dates need it
    for publication in qs.iterator(chunk_size=2000):
        due, note = due_for(publication.entry, publication.formed_on, calendar=calendar)
        if (due, note) != (publication.due_on, publication.due_note):
            publication.due_on, publication.due_note = due, note
            changed.append(publication)
    Publication.objects.bulk_update(changed, ["due_on", "due_note"], batch_size=1000)
    PublicationEvent.objects.bulk_create(
        [
            PublicationEvent(
                publication=p, division_id=p.division_id, action=Action.DUE, reason=p.due_note
            )
            for p in changed
        ],
        batch_size=2000,
    )
    return len(changed)


def _notify(kind: str, publication: Publication, user) -> None:
    from . import tasks

    task = {
        "submitted": tasks.notify_publication_submitted,
        "urgent": tasks.notify_publication_urgent,
    }.get(kind, tasks.notify_publication_reviewed)
    # Recorded with the commit (outbox): a broker outage delays the e-mail, never loses it.
    enqueue(task, publication.pk, getattr(user, "pk", None))
