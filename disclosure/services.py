"""Write services of the 政府信息公开 column: new versions of a division's 指南."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from districts.models import Division
from portal.cache import bump_on_commit, division_gen

from . import policies
from .models import GuideVersion

FIELDS = (
    "office_name",
    "address",
    "postcode",
    "hours",
    "phone",
    "fax",
    "email",
    "intro",
    "arrangement",
    "extra",
    "change_note",
)


@transaction.atomic
def guide_version_create(
    *, division: Division, data: dict, user, is_demo: bool = False
) -> GuideVersion:
    """Issue the next version of ``division``'s 指南 from ``data`` and return it.

    ``user`` None is the system (the demo loader). The division row is locked so that two
    administrators saving at once get versions n and n+1, never a duplicate.
    """
    if user is not None and not policies.guides.allows(user, "add", division):
        raise PermissionDenied(f"您无权修订{division.name}的政府信息公开指南。")
    Division.objects.select_for_update().filter(pk=division.pk).exists()
    latest = GuideVersion.objects.filter(division=division).aggregate(m=Max("version"))["m"] or 0
    guide = GuideVersion(
        division=division,
        version=latest + 1,
        created_by=user,
        is_demo=is_demo,
        **{name: data.get(name, "") or "" for name in FIELDS},
    )
    guide.full_clean(exclude=["version"])
    guide.save()
    bump_on_commit([division_gen(division.slug)])
    return guide
