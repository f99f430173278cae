"""The division tree, its reference data, and membership scope."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.policies import entries as entry_policy
from districts.models import Division, Membership, Role
from districts.policies import divisions as division_policy
from districts.policies import memberships as membership_policy
from districts.services import divisions_load, membership_grant
from tests.factories import UserFactory


def test_reference_data_has_changsha_1_9_170(reference_data):
    city = reference_data
    assert city.name == "长沙市" and city.is_city and city.parent is None
    assert Division.objects.counties().count() == 9
    assert Division.objects.townships().count() == 170
    assert Division.objects.count() == 180
    assert Division.objects.filter(level="township", kind="街道").count() == 96
    assert Division.objects.filter(level="township", kind="镇").count() == 69
    assert Division.objects.filter(level="township", kind="乡").count() == 5
    kinds = dict(Division.objects.counties().values_list("name", "kind"))
    assert kinds["长沙县"] == "县" and kinds["浏阳市"] == "县级市" and kinds["芙蓉区"] == "区"


def test_every_township_sits_under_the_county_its_code_names(reference_data):
    for township in Division.objects.townships().select_related("parent"):
        assert len(township.code) == 9
        assert township.parent.code == township.code[:6]
        assert township.parent.is_county


def test_loading_twice_changes_nothing(reference_data):
    before = list(Division.objects.order_by("code").values())
    report = divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 180)
    assert list(Division.objects.order_by("code").values()) == before


def test_loading_updates_a_changed_name(reference_data, tmp_path):
    source = (settings.FIXTURES_DIR / "divisions.csv").read_text(encoding="utf-8")
    changed = tmp_path / "divisions.csv"
    changed.write_text(source.replace(",文艺路街道,", ",文艺路街道办,"), encoding="utf-8")
    report = divisions_load(path=changed)
    assert report.updated == 1 and report.changed_codes == ["430102001"]
    assert Division.objects.get(code="430102001").name == "文艺路街道办"


def test_tree_queries(city, furong, wenyilu, podzijie):
    assert wenyilu.is_within(furong) and wenyilu.is_within(city) and wenyilu.is_within(wenyilu)
    assert not wenyilu.is_within(podzijie.parent)
    assert not furong.is_within(wenyilu)
    assert list(wenyilu.ancestors()) == [city, furong]
    assert list(wenyilu.ancestors(include_self=True)) == [city, furong, wenyilu]
    assert furong.descendants().count() == 13
    assert set(Division.objects.within(furong)) == {furong, *furong.descendants()}
    assert Division.objects.within(city).count() == 180
    assert Division.objects.within_any([wenyilu, podzijie]).count() == 2
    assert Division.objects.root() == city
    assert [c.code for c in furong.children_in_order()][:2] == ["430102001", "430102002"]


def test_code_format_is_validated(city):
    bad = Division(code="43010", name="错码", parent=city, level="county", kind="区", slug="bad")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "区划代码" in str(error.value) or "6位" in str(error.value)


def test_level_and_kind_must_agree(city):
    with pytest.raises(IntegrityError), transaction.atomic():
        Division.objects.create(
            code="430199", name="某镇", parent=city, level="county", kind="镇", slug="mouzhen"
        )


def test_membership_scope_covers_everything_below(furong, wenyilu, podzijie):
    user = UserFactory()
    membership_grant(user=user, division=furong, role=Role.EDITOR)
    assert user.is_staff
    visible = set(division_policy.instances_for(user, "view"))
    assert furong in visible and wenyilu in visible and podzijie not in visible
    assert entry_policy.allows(user, "change", wenyilu)
    assert not entry_policy.allows(user, "change", podzijie)
    assert not membership_policy.allows(user, "add", wenyilu)
    assert division_policy.instances_for(user, "view").count() == 14


def test_role_permissions_differ(furong, wenyilu):
    reviewer, township_editor, admin = UserFactory(), UserFactory(), UserFactory()
    membership_grant(user=reviewer, division=furong, role=Role.REVIEWER)
    membership_grant(user=township_editor, division=wenyilu, role=Role.EDITOR)
    membership_grant(user=admin, division=furong, role=Role.ADMINISTRATOR)
    assert reviewer.has_perm("catalog.view_catalogentry")
    assert not reviewer.has_perm("catalog.change_catalogentry")
    # Townships subtract only: no adding entries.
    assert township_editor.has_perm("catalog.change_catalogentry")
    assert not township_editor.has_perm("catalog.add_catalogentry")
    assert admin.has_perm("catalog.add_catalogentry")
    assert admin.has_perm("districts.add_membership", Membership(division=wenyilu))
    # The shared reference data is the city office's.
    assert not admin.has_perm("catalog.change_domain")


def test_grant_is_idempotent(furong):
    user = UserFactory()
    first = membership_grant(user=user, division=furong, role=Role.EDITOR)
    again = membership_grant(user=user, division=furong, role=Role.EDITOR)
    assert first.pk == again.pk and Membership.objects.filter(user=user).count() == 1


def test_inactive_membership_grants_nothing(furong, wenyilu):
    user = UserFactory()
    membership = membership_grant(user=user, division=furong, role=Role.EDITOR)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    fresh = type(user).objects.get(pk=user.pk)
    assert not fresh.has_perm("catalog.view_catalogentry")
    assert not entry_policy.allows(fresh, "view", wenyilu)


def test_division_update_changes_descriptive_fields_only(wenyilu):
    from districts.services import division_update

    division_update(division=wenyilu, changes={"display_order": 99, "name": "文艺路街道"})
    wenyilu.refresh_from_db()
    assert wenyilu.display_order == 99
    with pytest.raises(ValidationError) as error:
        division_update(division=wenyilu, changes={"code": "430102999"})
    assert "不能在此修改" in error.value.messages[0]
    with pytest.raises(ValidationError):
        division_update(division=wenyilu, changes={"slug": "furong"})  # taken by 芙蓉区
    assert Division.objects.get(pk=wenyilu.pk).slug == "wenyilu"


def test_membership_update_switches_role_and_activity(furong):
    from districts.services import membership_update

    user = UserFactory()
    membership = membership_grant(user=user, division=furong, role=Role.EDITOR)
    membership_update(membership=membership, role=Role.REVIEWER, is_active=False)
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (Role.REVIEWER, False)
    with pytest.raises(ValidationError):
        membership_update(membership=membership, role="boss", is_active=True)
