"""The tree's shape is the city's: one root, levels that follow parents, city powers from the root.

The database refuses what no form should ever produce (a second root, a "city" below the root, a
township under a township), so that no path, however it writes, can re-shape the tree; the
services refuse anyone but the city's administrators.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from catalog.services import catalog_derive
from districts.models import Division, Membership, Role
from districts.policy import Where, grants, holds_city_role, permissions_for
from districts.services import (
    division_create,
    division_move,
    division_update,
    membership_grant,
    membership_update,
)
from tests.factories import UserFactory


def new_division(parent: Division | None, code: str, level: str, kind: str) -> Division:
    return Division(
        code=code, name=f"测试{code}", parent=parent, level=level, kind=kind, slug=f"t-{code}"
    )


def refused_by_database(division: Division) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        division.save()


# -- the database --------------------------------------------------------------------------------


def test_database_refuses_a_second_root(city):
    refused_by_database(new_division(None, "430200", "city", "地级市"))
    assert Division.objects.filter(parent__isnull=True).count() == 1


def test_database_refuses_a_root_that_is_not_the_city(city):
    refused_by_database(new_division(None, "430199", "county", "区"))


@pytest.mark.parametrize(
    ("parent_code", "level", "kind"),
    [
        ("430102", "city", "地级市"),  # a "city" inside a district
        ("430102001", "city", "地级市"),  # a "city" inside a township (the reported escalation)
        ("430102001", "township", "街道"),  # anything under a township
        ("430100", "township", "街道"),  # a township straight under the city
        ("430102", "county", "区"),  # a county under a county
    ],
)
def test_database_refuses_a_level_that_does_not_follow_the_parent(
    reference_data, parent_code, level, kind
):
    parent = Division.objects.get(code=parent_code)
    refused_by_database(new_division(parent, "430102990", level, kind))


def test_database_refuses_re_levelling_a_division(furong, wenyilu):
    for division, level, kind in ((wenyilu, "county", "区"), (furong, "township", "街道")):
        division.level, division.kind = level, kind
        refused_by_database(division)


def test_database_refuses_moving_a_township_under_a_township(wenyilu, podzijie):
    # Moved through the tree library, the row still reaches the trigger.
    wenyilu.parent = podzijie
    refused_by_database(wenyilu)


# -- the services --------------------------------------------------------------------------------


@pytest.fixture
def admins(make_member, city, furong, wenyilu):
    return {
        "city": make_member(city, Role.ADMINISTRATOR),
        "district": make_member(furong, Role.ADMINISTRATOR),
        "township": make_member(wenyilu, Role.ADMINISTRATOR),
        "city_editor": make_member(city, Role.EDITOR),
    }


@pytest.mark.parametrize("who", ["district", "township", "city_editor"])
def test_only_city_administrators_create_divisions(admins, furong, who):
    with pytest.raises(PermissionDenied):
        division_create(
            division=new_division(furong, "430102990", "township", "街道"), user=admins[who]
        )
    assert not Division.objects.filter(code="430102990").exists()


def test_created_division_takes_the_level_its_parent_gives(admins, furong):
    # Whatever level the caller set, the parent decides.
    made = division_create(
        division=new_division(furong, "430102990", "city", "街道"), user=admins["city"]
    )
    assert made.level == Division.Level.TOWNSHIP and made.parent == furong


def test_no_second_root_through_the_service(admins):
    with pytest.raises(ValidationError) as error:
        division_create(
            division=new_division(None, "430200", "city", "地级市"), user=admins["city"]
        )
    assert "只有一个市级区划" in str(error.value)


def test_city_administrator_moves_a_new_township_between_districts(admins, furong, tianxin):
    made = division_create(
        division=new_division(furong, "430102990", "township", "街道"), user=None
    )
    moved = division_move(division=made, parent=tianxin, user=admins["city"])
    assert moved.parent == tianxin and moved.level == Division.Level.TOWNSHIP
    assert moved.is_within(tianxin) and not moved.is_within(furong)


@pytest.mark.parametrize("who", ["district", "township"])
def test_only_city_administrators_move_divisions(admins, wenyilu, tianxin, who):
    with pytest.raises(PermissionDenied):
        division_move(division=wenyilu, parent=tianxin, user=admins[who])
    wenyilu.refresh_from_db()
    assert wenyilu.parent.code == "430102"


def test_a_division_with_a_catalog_does_not_move(admins, city, furong, wenyilu, tianxin):
    from catalog.models import CatalogEntry
    from tests.factories import SecondLevelItemFactory

    CatalogEntry.objects.create(division=city, item=SecondLevelItemFactory())
    catalog_derive(division=furong, user=None)
    catalog_derive(division=wenyilu, user=None)
    with pytest.raises(ValidationError) as error:
        division_move(division=wenyilu, parent=tianxin, user=admins["city"])
    assert "已有目录事项" in str(error.value)


def test_a_division_does_not_move_under_itself_or_change_level_with_children(
    admins, furong, wenyilu
):
    with pytest.raises(ValidationError):
        division_move(division=furong, parent=wenyilu, user=admins["city"])
    with pytest.raises(ValidationError):
        division_move(
            division=furong, parent=Division.objects.get(code="430103"), user=admins["city"]
        )


def test_division_update_checks_the_user(admins, furong, wenyilu):
    with pytest.raises(PermissionDenied):
        division_update(division=furong, changes={"name": "改名"}, user=admins["township"])
    division_update(division=wenyilu, changes={"display_order": 7}, user=admins["township"])
    assert Division.objects.get(pk=wenyilu.pk).display_order == 7


# -- city powers come from the root membership --------------------------------------------------


def test_city_powers_follow_the_root_membership_not_a_level(admins, wenyilu):
    township_admin = admins["township"]
    membership = Membership.objects.get(user=township_admin)
    # Even if a division read "city" (the forged level of the report), no city power follows.
    membership.division.level = Division.Level.CITY
    city_only = {
        g.permission for g in grants() if g.role == Role.ADMINISTRATOR and g.where is Where.AT_CITY
    }
    assert city_only and not permissions_for(membership) & city_only
    assert not holds_city_role(township_admin, Role.ADMINISTRATOR)
    assert holds_city_role(admins["city"], Role.ADMINISTRATOR)
    assert not holds_city_role(admins["city_editor"], Role.ADMINISTRATOR)


def test_memberships_are_granted_only_within_the_granters_scope(admins, city, furong, wenyilu):
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        membership_grant(
            user=user, division=furong, role=Role.ADMINISTRATOR, granted_by=admins["township"]
        )
    with pytest.raises(PermissionDenied):
        membership_grant(user=user, division=city, role=Role.EDITOR, granted_by=admins["district"])
    granted = membership_grant(
        user=user, division=wenyilu, role=Role.EDITOR, granted_by=admins["district"]
    )
    own = Membership.objects.get(user=admins["township"])
    # A township administrator cannot re-point their own role upwards, only change it in place.
    with pytest.raises(PermissionDenied):
        membership_update(
            membership=Membership.objects.get(user=admins["district"]),
            role=Role.EDITOR,
            is_active=False,
            changed_by=admins["township"],
        )
    membership_update(
        membership=granted, role=Role.REVIEWER, is_active=True, changed_by=admins["township"]
    )
    assert own.division == wenyilu
