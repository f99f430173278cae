"""Demonstration departments: the usual bodies of a district and a township, by their kinds.

Names follow the divisions' own kind (区民政局 in a 区, 县民政局 in a 县, 市民政局 in a 县级市;
街道社会事务办 in a 街道, 镇社会事务办 in a 镇), so that every column reads like a real one. Each
department lists the domains whose items it usually handles (社会救助 → 民政).
"""

from __future__ import annotations

from django.db import transaction

from districts.models import Department, Division

from .models import CatalogEntry

# (name after the level prefix, kind, the domains it owns items of)
COUNTY_DEPARTMENTS = [
    ("民政局", Department.Kind.BUREAU, ["社会救助", "养老服务"]),
    ("人力资源和社会保障局", Department.Kind.BUREAU, ["就业", "社会保险"]),
    ("城市管理和综合执法局", Department.Kind.BUREAU, ["城市综合执法", "市政服务"]),
    ("卫生健康局", Department.Kind.BUREAU, ["卫生健康"]),
    ("住房和城乡建设局", Department.Kind.BUREAU, ["保障性住房", "农村危房改造"]),
    ("财政局", Department.Kind.BUREAU, ["财政预决算"]),
]
TOWNSHIP_DEPARTMENTS = [
    ("社会事务办", Department.Kind.SECTION, ["社会救助", "养老服务", "就业", "社会保险"]),
    ("城市管理办", Department.Kind.SECTION, ["城市综合执法", "市政服务"]),
    ("社区卫生服务中心", Department.Kind.STATION, ["卫生健康"]),
    ("党政综合办", Department.Kind.SECTION, ["财政预决算"]),
]

COUNTY_PREFIX = {"区": "区", "县": "县", "县级市": "市"}
TOWNSHIP_PREFIX = {"街道": "街道", "镇": "镇", "乡": "乡"}


def department_plan(division: Division) -> list[tuple[str, str, list[str]]]:
    """Return the demo departments of ``division`` as (name, kind, domain names)."""
    if division.is_township:
        prefix, rows = TOWNSHIP_PREFIX.get(division.kind, ""), TOWNSHIP_DEPARTMENTS
    elif division.parent_id is not None:
        prefix, rows = COUNTY_PREFIX.get(division.kind, ""), COUNTY_DEPARTMENTS
    else:
        prefix, rows = "市", COUNTY_DEPARTMENTS
    return [(f"{prefix}{name}", kind, domains) for name, kind, domains in rows]


@transaction.atomic
def build_demo_departments(divisions) -> int:
    """Create the demo departments of ``divisions`` (idempotent) and give them their items.

    Return how many departments were created. Each department takes the division's catalog
    entries of its domains that no department owns yet.
    """
    created = 0
    for division in divisions:
        for order, (name, kind, domains) in enumerate(department_plan(division), start=1):
            department, made = Department.objects.get_or_create(
                division=division, name=name, defaults={"kind": kind, "display_order": order}
            )
            created += made
            CatalogEntry.objects.filter(
                division=division,
                department__isnull=True,
                item__first_level__domain__name__in=domains,
            ).update(department=department)
    return created
