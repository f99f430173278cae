"""Writes to the division tree and to staff membership."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .models import Department, Division, Membership, Role
from .people import split_name
from .policies import departments as department_policy
from .policies import divisions as division_policy
from .policies import memberships as membership_policy

DIVISION_FIELDS = ("name", "level", "kind", "slug", "display_order", "nbs_code")


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_codes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"


@transaction.atomic
def divisions_load(*, path: Path) -> LoadReport:
    """Create or update divisions from the fixture CSV; return what changed.

    Rows are matched by official code, so running it again changes nothing. Parents come
    before children in the file.
    """
    report = LoadReport()
    existing = {d.code: d for d in Division.objects.all()}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        values = {
            "name": row["name"],
            "level": row["level"],
            "kind": row["kind"],
            "slug": row["slug"],
            "display_order": int(row["display_order"]),
            "nbs_code": row.get("nbs_code_12", ""),
        }
        parent = existing.get(row["parent_code"]) if row["parent_code"] else None
        if row["parent_code"] and parent is None:
            raise ValidationError(f"区划 {row['code']} 的上级 {row['parent_code']} 不存在。")
        division = existing.get(row["code"])
        if division is None:
            division = Division(code=row["code"], parent=parent, **values)
            division.full_clean()
            division.save()
            existing[division.code] = division
            report.created += 1
            continue
        changed = [k for k, v in values.items() if getattr(division, k) != v]
        if division.parent_id != (parent.pk if parent else None):
            division.parent = parent
            changed.append("parent")
        if changed:
            for key in changed:
                if key != "parent":
                    setattr(division, key, values[key])
            division.full_clean()
            division.save()
            report.updated += 1
            report.changed_codes.append(division.code)
        else:
            report.unchanged += 1
    return report


def _require_membership_admin(acting, division: Division) -> None:
    """Refuse ``acting`` unless they administer ``division`` (None: the system itself)."""
    if acting is not None and not membership_policy.allows(acting, "add", division):
        raise PermissionDenied(f"您无权管理{division.name}的人员角色。")


#: The roles a department's staff may hold; administering and signing off are the office's.
DEPARTMENT_ROLES = (Role.EDITOR, Role.REVIEWER)


def check_department(division: Division, role: str, department: Department | None) -> None:
    """Refuse a department that is not ``division``'s, is switched off, or cannot hold ``role``."""
    if department is None:
        return
    if department.division_id != division.pk:
        raise ValidationError({"department": f"“{department.name}”不是{division.name}的部门。"})
    if not department.is_active:
        raise ValidationError({"department": f"“{department.name}”已停用，不能再加入人员。"})
    if role not in DEPARTMENT_ROLES:
        raise ValidationError(
            {"department": "部门人员只能担任填报或审核角色；管理与签发属于本级政务公开办和领导。"}
        )


@transaction.atomic
def membership_grant(
    *, user, division: Division, role: str, granted_by=None, department: Department | None = None
) -> Membership:
    """Give ``user`` ``role`` in ``division`` (idempotent) and make them staff; return it.

    ``granted_by`` is the administrator acting (None: the system, e.g. the demo loader); they
    must administer ``division``, so nobody grants a role above their own scope. With
    ``department`` the user works in that department of ``division`` (editors and reviewers).
    """
    if role not in Role.values:
        raise ValidationError(f"未知角色：{role}")
    _require_membership_admin(granted_by, division)
    check_department(division, role, department)
    membership, created = Membership.objects.get_or_create(
        user=user,
        division=division,
        role=role,
        defaults={"is_active": True, "department": department},
    )
    if not created and (
        not membership.is_active
        or membership.department_id != (department.pk if department else None)
    ):
        membership.is_active = True
        membership.department = department
        membership.save(update_fields=["is_active", "department"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


def demo_user(*, username: str, full_name: str, password: str):
    """Create or reset a demonstration account and return it.

    ``full_name`` is a 姓名 ("王芳"): stored as 姓 (``last_name``) and 名 (``first_name``).
    """
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.last_name, user.first_name = split_name(full_name)
    # A reserved domain (RFC 2606): the demo's notices show on the console, and go nowhere else.
    user.email = f"{username}@demo.invalid"
    user.is_staff = True
    user.set_password(password)
    user.save()
    return user


def level_under(parent: Division | None) -> str:
    """Return the level a division takes under ``parent``, or raise ValidationError.

    The level is never chosen on a form: city → county → township, nothing below a township,
    and only the first division (the city itself) has no parent.
    """
    if parent is None:
        if Division.objects.exists():
            raise ValidationError(
                {"parent": "请选择上级区划：平台只有一个市级区划，新区划须设在其下。"}
            )
        return Division.Level.CITY
    level = Division.CHILD_LEVEL.get(parent.level)
    if level is None:
        raise ValidationError({"parent": f"{parent.name}是乡镇(街道)，其下不能再设区划。"})
    return level


def _require_city_administrator(user, doing: str) -> None:
    # The tree's shape is one power (add, move, re-level), granted to the city's administrators.
    if user is not None and not division_policy.allows(user, "add"):
        raise PermissionDenied(f"{doing}是市级管理员的权限。")


@transaction.atomic
def division_create(*, division: Division, user=None) -> Division:
    """Validate and save a new division (e.g. a township the register added); return it.

    Only the city's administrators (or the system, ``user=None``) shape the tree; the level
    follows from the parent.
    """
    _require_city_administrator(user, "新增区划")
    if division.parent_id is not None:
        # Read the parent afresh: its level decides, not whatever the caller holds.
        division.parent = Division.objects.select_for_update().get(pk=division.parent_id)
    division.level = level_under(division.parent)
    division.full_clean()
    division.save()
    return division


def move_level(division: Division, parent: Division) -> str:
    """Return the level ``division`` would take under ``parent``, or raise ValidationError.

    A division moves only while it and everything below it hold no catalog entries (its
    catalog derives from its parent's), never under itself, and never to another level when
    it has children.
    """
    if division.parent_id is None:
        raise ValidationError({"parent": "市级区划是树的根，不能设上级。"})
    if parent.is_within(division):
        raise ValidationError({"parent": "不能把区划移到它自己或其下级之下。"})
    level = level_under(parent)
    subtree = division.descendants(include_self=True)
    if level != division.level and subtree.exclude(pk=division.pk).exists():
        raise ValidationError({"parent": f"{division.name}有下级区划，不能改变层级。"})
    if subtree.filter(catalog_entries__isnull=False).exists():
        raise ValidationError(
            {"parent": f"{division.name}已有目录事项（派生自原上级目录），不能调整上级。"}
        )
    return level


@transaction.atomic
def division_move(*, division: Division, parent: Division, user) -> Division:
    """Put ``division`` under ``parent`` and return it; its level follows the new parent.

    Only the city's administrators move divisions; see ``move_level`` for what is refused.
    """
    _require_city_administrator(user, "调整区划的上级")
    division = Division.objects.select_for_update().get(pk=division.pk)
    parent = Division.objects.get(pk=parent.pk)
    if parent.pk == division.parent_id:
        return division
    division.parent, division.level = parent, move_level(division, parent)
    division.full_clean()
    division.save()
    return division


@transaction.atomic
def division_update(*, division: Division, changes: dict, user=None) -> Division:
    """Change a division's descriptive fields (name, slug, kind, order, NBS and organisation
    codes, sign-off); return it.

    The official code, the parent and the level come from the national register and are
    changed only by loading the reference data again.
    """
    if user is not None and not division_policy.allows(user, "change", division):
        raise PermissionDenied(f"您无权修改{division.name}。")
    allowed = {"name", "slug", "kind", "display_order", "nbs_code", "org_code", "signoff_required"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"不能在此修改：{'、'.join(sorted(unknown))}")
    changed = [k for k, v in changes.items() if getattr(division, k) != v]
    if not changed:
        return division
    for key in changed:
        setattr(division, key, changes[key])
    division.full_clean()
    division.save(update_fields=changed)
    return division


_KEEP = object()


@transaction.atomic
def membership_update(
    *, membership: Membership, role: str, is_active: bool, changed_by=None, department=_KEEP
) -> Membership:
    """Change a membership's role or department, or switch it on or off; return it.

    ``changed_by`` must administer the membership's division (None: the system).
    """
    if role not in Role.values:
        raise ValidationError(f"未知角色：{role}")
    _require_membership_admin(changed_by, membership.division)
    if department is not _KEEP:
        membership.department = department
    check_department(membership.division, role, membership.department)
    membership.role, membership.is_active = role, is_active
    membership.full_clean()
    membership.save(update_fields=["role", "is_active", "department"])
    return membership


@transaction.atomic
def department_save(*, department: Department, user=None) -> Department:
    """Create or change a department of a division and return it.

    The division's administrators (or those above) keep its departments; the division of an
    existing department never changes (its items and staff belong there).
    """
    if user is not None and not department_policy.allows(
        user, "change" if department.pk else "add", department.division
    ):
        raise PermissionDenied(f"您无权管理{department.division.name}的部门。")
    if department.pk:
        before = Department.objects.select_for_update().get(pk=department.pk)
        if before.division_id != department.division_id:
            raise ValidationError({"division": "部门的所属区划不能更改。"})
    department.name = (department.name or "").strip()
    if not department.name:
        raise ValidationError({"name": "请填写部门名称。"})
    department.full_clean()
    department.save()
    return department
