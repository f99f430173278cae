"""Writes to the division tree and to staff membership."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Division, Membership, Role

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


@transaction.atomic
def membership_grant(*, user, division: Division, role: str, granted_by=None) -> Membership:
    """Give ``user`` ``role`` in ``division`` (idempotent) and make them staff; return it."""
    if role not in Role.values:
        raise ValidationError(f"未知角色：{role}")
    membership, created = Membership.objects.get_or_create(
        user=user, division=division, role=role, defaults={"is_active": True}
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


def demo_user(*, username: str, full_name: str, password: str):
    """Create or reset a demonstration account and return it."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.first_name = full_name
    # A reserved domain (RFC 2606): the demo's notices show on the console, and go nowhere else.
    user.email = f"{username}@demo.invalid"
    user.is_staff = True
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def division_create(*, division: Division) -> Division:
    """Validate and save a new division (e.g. a township the register added); return it."""
    division.full_clean()
    division.save()
    return division


@transaction.atomic
def division_update(*, division: Division, changes: dict, user=None) -> Division:
    """Change a division's descriptive fields (name, slug, kind, order, NBS code); return it.

    The official code, the parent and the level come from the national register and are
    changed only by loading the reference data again.
    """
    allowed = {"name", "slug", "kind", "display_order", "nbs_code"}
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


@transaction.atomic
def membership_update(*, membership: Membership, role: str, is_active: bool) -> Membership:
    """Change a membership's role or switch it on or off; return it."""
    if role not in Role.values:
        raise ValidationError(f"未知角色：{role}")
    membership.role, membership.is_active = role, is_active
    membership.full_clean()
    membership.save(update_fields=["role", "is_active"])
    return membership
