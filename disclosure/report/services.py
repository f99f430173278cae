"""Write services of the annual report: draft, submit, approve, return, publish.

Each is one atomic action that checks the user's right through ``disclosure.policies``, locks
the report, moves it one step and returns it. Submitting computes the tables, runs the format's
checks and keeps the result as the report's snapshot: what is reviewed is what is published.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from disclosure import policies
from disclosure.models import AnnualReport
from districts.models import Department, Division
from portal.cache import bump_on_commit, division_gen
from portal.review_kernel import clean_reason, require_reviewer, require_status

from . import checks, compute, layout

Status = AnnualReport.Status
TEXT_FIELDS = ("overview", "problems", "other_matters")
CELLS = {cell.key: cell for cell in layout.TWO_CELLS}
# A typed figure above this is a typing error, not a year's work (and stays an exact JSON int).
MAX_FIGURE = 10**9


def clean_figures(data: dict[str, Any]) -> dict[str, Any]:
    """Return the typed-in figures of ``data`` normalised: counts as ints, the fee as a string
    of at most four decimals (万元); blank ones are left out. Raise ValidationError naming every
    bad one."""
    cleaned, errors = {}, []
    for key, raw in data.items():
        if key not in layout.FIGURE_KEYS:
            errors.append(f"未知的填报项“{key}”。")
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        cell = CELLS.get(key)
        name = _figure_name(key)
        if cell is not None and cell.decimal:
            try:
                value = Decimal(str(raw).strip())
            except InvalidOperation:
                errors.append(f"{name}：“{raw}”不是数字。")
                continue
            if not value.is_finite() or value < 0 or value >= 10**8:
                errors.append(f"{name}：应为0至一亿之间的数。")
                continue
            if value.as_tuple().exponent < -layout.FEE_DECIMALS:
                errors.append(f"{name}：最多保留{layout.FEE_DECIMALS}位小数（万元）。")
                continue
            cleaned[key] = str(value)
            continue
        text = str(raw).strip()
        if isinstance(raw, bool) or not (text.isascii() and text.isdigit()) or len(text) > 10:
            errors.append(f"{name}：应为非负整数，现为“{raw}”。")
            continue
        if int(text) > MAX_FIGURE:
            errors.append(f"{name}：数值过大。")
            continue
        cleaned[key] = int(text)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _figure_name(key: str) -> str:
    if key in CELLS:
        return f"表二 “{layout.TWO_BLOCK_OF[key]}”{CELLS[key].label}"
    groups, outcomes = dict(layout.GROUPS), dict(layout.OUTCOMES)
    for g in groups:
        if key.startswith(f"{g}_") and key[len(g) + 1 :] in outcomes:
            return f"表四 {groups[g]}“{outcomes[key[len(g) + 1 :]]}”"
    return key


def _lock(report: AnnualReport) -> AnnualReport:
    try:
        return (
            AnnualReport.objects.select_for_update(of=("self",))
            .select_related("division", "department")
            .get(pk=report.pk)
        )
    except AnnualReport.DoesNotExist as error:
        raise ValidationError("该年度报告已不存在，请刷新后重试。") from error


def _require(user, action: str, report: AnnualReport, doing: str) -> None:
    if not policies.reports.allows(user, action, report):
        raise PermissionDenied(f"您没有{report.publisher_name}年度报告的{doing}权限。")


def _status(report: AnnualReport, doing: str, *allowed: str) -> None:
    require_status(report, doing, *allowed, name=str(report))


def _save(report: AnnualReport, fields: list[str]) -> None:
    report.full_clean(validate_unique=False, validate_constraints=True)
    report.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def report_create(
    *,
    division: Division,
    department: Department | None = None,
    year: int,
    data: dict[str, Any] | None = None,
    user,
) -> AnnualReport:
    """Start the draft report of ``division`` (or its ``department``) on ``year`` and return it.

    ``data`` may carry the narrative texts and ``figures``. A department's staff start only
    their own department's report; the office starts any of its level's.
    """
    data = data or {}
    report = AnnualReport(
        division=division,
        department=department,
        year=year,
        created_by=user,
        figures=clean_figures(data.get("figures") or {}),
        **{name: (data.get(name) or "").strip() for name in TEXT_FIELDS},
    )
    if user is not None and not (
        policies.reports.allows(user, "add", division)
        and policies.reports.allows(user, "change", report)
    ):
        raise PermissionDenied(f"您无权编写{division.name}的政府信息公开工作年度报告。")
    if department is not None and (
        department.division_id != division.pk or not department.is_active
    ):
        raise ValidationError("所选部门不属于该区划或已停用。")
    if year > timezone.localdate().year:
        raise ValidationError(f"{year}年尚未开始，不能编写该年度报告。")
    report.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:
        raise ValidationError(f"{report.publisher_name}{year}年的年度报告已存在。") from error
    return report


@transaction.atomic
def report_update(*, report: AnnualReport, data: dict[str, Any], user) -> AnnualReport:
    """Change a draft's narrative texts and typed-in figures and return it."""
    report = _lock(report)
    _require(user, "change", report, "修改")
    _status(report, "修改", Status.DRAFT)
    fields = []
    for name in TEXT_FIELDS:
        if name in data:
            setattr(report, name, (data[name] or "").strip())
            fields.append(name)
    if "figures" in data:
        report.figures = clean_figures(data["figures"] or {})
        fields.append("figures")
    _save(report, fields)
    return report


def report_preview(report: AnnualReport) -> tuple[dict[str, Any], list[str]]:
    """Return the snapshot ``report`` would have now and the checks' messages on it.

    A submitted or later report returns the snapshot it keeps.
    """
    snapshot = report.snapshot if report.status != Status.DRAFT else compute.compute(report)
    return snapshot, checks.problems(snapshot)


@transaction.atomic
def report_submit(*, report: AnnualReport, user) -> AnnualReport:
    """Compute the tables, check them and send the report for review; return it.

    Refused with every check's message while any check fails; also refused for a year that
    has not ended (its figures are not complete).
    """
    report = _lock(report)
    _require(user, "change", report, "提交")
    _status(report, "提交审核", Status.DRAFT)
    if report.year >= timezone.localdate().year:
        raise ValidationError(f"{report.year}年尚未结束，年度报告须在次年编报。")
    if not report.overview.strip():
        raise ValidationError("“一、总体情况”不能为空。")
    snapshot = compute.compute(report)
    found = checks.problems(snapshot)
    if found:
        raise ValidationError(found)
    report.snapshot = snapshot
    report.status = Status.SUBMITTED
    report.submitted_by, report.submitted_at = user, timezone.now()
    report.return_reason = ""
    _save(report, ["snapshot", "status", "submitted_by", "submitted_at", "return_reason"])
    return report


def _require_reviewer(user, report: AnnualReport) -> None:
    require_reviewer(
        user,
        report,
        allows=lambda u, _action, r: policies.may_review_report(u, r),
        name=str(report),
    )


@transaction.atomic
def report_approve(*, report: AnnualReport, user) -> AnnualReport:
    """Approve a submitted report (its snapshot as submitted) and return it."""
    report = _lock(report)
    _require_reviewer(user, report)
    _status(report, "审核通过", Status.SUBMITTED)
    report.status = Status.APPROVED
    report.reviewed_by, report.reviewed_at = user, timezone.now()
    _save(report, ["status", "reviewed_by", "reviewed_at"])
    return report


@transaction.atomic
def report_return(*, report: AnnualReport, user, reason: str) -> AnnualReport:
    """Send a submitted (or approved, not yet published) report back to draft with ``reason``."""
    reason = clean_reason(reason, "退回")
    report = _lock(report)
    _require_reviewer(user, report)
    _status(report, "退回", Status.SUBMITTED, Status.APPROVED)
    report.status = Status.DRAFT
    report.return_reason = reason
    report.reviewed_by, report.reviewed_at = user, timezone.now()
    _save(report, ["status", "return_reason", "reviewed_by", "reviewed_at"])
    return report


@transaction.atomic
def report_publish(*, report: AnnualReport, user) -> AnnualReport:
    """Publish an approved report on its division's 政府信息公开年报 page and return it."""
    report = _lock(report)
    _require(user, "publish", report, "发布")
    _status(report, "发布", Status.APPROVED)
    report.status = Status.PUBLISHED
    report.published_by, report.published_at = user, timezone.now()
    _save(report, ["status", "published_by", "published_at"])
    bump_on_commit([division_gen(report.division.slug)])
    return report
