"""The derivation rules (一把尺) as the catalog services and the database triggers enforce them.

City → 芙蓉区/天心区 → 文艺路街道/朝阳街街道 (芙蓉区) and 坡子街街道 (天心区): the services derive,
propagate, flag, drop and restore; the triggers refuse what no write path may leave behind.
"""

from __future__ import annotations

import importlib
import threading
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction

from catalog.models import CatalogEntry, CatalogEvent, Channel, Element
from catalog.services import (
    DropNeedsConfirmation,
    catalog_derive,
    catalog_derive_tree,
    drop_preview,
    entry_accept_upstream,
    entry_create,
    entry_drop,
    entry_keep_own,
    entry_restore,
    entry_update,
    get_value,
)
from districts.models import Division, Role
from districts.services import membership_grant
from tests.factories import CityEntryFactory, SecondLevelItemFactory, UserFactory

Action = CatalogEvent.Action
UPSTREAM = CatalogEntry.DropReason.UPSTREAM
OWN = CatalogEntry.DropReason.OWN


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers.


@pytest.fixture
def user(reference_data):
    # The services check scope themselves: this editor works for the city office.
    user = UserFactory(username="city-editor")
    membership_grant(user=user, division=reference_data, role=Role.EDITOR)
    return user


@pytest.fixture
def other_user(reference_data):
    user = UserFactory(username="furong-editor")
    membership_grant(user=user, division=Division.objects.get(code="430102"), role=Role.EDITOR)
    return user


@pytest.fixture
def jiucaiyuan(reference_data):
    """A third township (韭菜园街道) of 芙蓉区, left underived unless a test derives it."""
    return Division.objects.get(code="430102003")


@pytest.fixture
def channels(reference_data):
    """The first five standard channels, in display order (政府网站 first)."""
    return list(Channel.objects.order_by("display_order")[:5])


@pytest.fixture
def city_entries(city):
    return CityEntryFactory.create_batch(3, division=city)


@pytest.fixture
def tree(city_entries, furong, tianxin, wenyilu, chaoyang, podzijie, user):
    """Derive 芙蓉区 and 天心区 from the city, then 文艺路/朝阳街 and 坡子街 from those."""
    for division in (furong, tianxin, wenyilu, chaoyang, podzijie):
        catalog_derive(division=division, user=user)
    return city_entries


def entry_of(division: Division, item) -> CatalogEntry:
    """Return the division's entry for ``item`` (an item or an entry of the same item), fresh."""
    item_id = item.item_id if isinstance(item, CatalogEntry) else item.pk
    return CatalogEntry.objects.get(division=division, item_id=item_id)


def state_of(entry: CatalogEntry) -> tuple:
    """Return everything a write could change on ``entry``, read from the database."""
    fresh = CatalogEntry.objects.get(pk=entry.pk)
    return (
        tuple(get_value(fresh, e) for e in Element),
        fresh.overridden,
        fresh.upstream_changed,
        fresh.is_dropped,
        fresh.drop_reason,
        fresh.source_id,
    )


def snapshot() -> dict[int, tuple]:
    return {e.pk: state_of(e) for e in CatalogEntry.objects.all()}


def events(action: str | None = None, **filters):
    qs = CatalogEvent.objects.filter(**filters)
    if action:
        qs = qs.filter(action=action)
    return qs


# ---------------------------------------------------------------------------------------------
# Deriving catalogs.


def test_derive_district_copies_every_active_city_entry(city, furong, channels, user):
    first, second, third = CityEntryFactory.create_batch(3, division=city)
    entry_update(
        entry=second,
        changes={
            "channels": [channels[1], channels[2]],
            "audience": [False, True],
            "mode": [True, True],
            "item_type": "service",
            "service_name": "最低生活保障审批",
        },
        user=user,
    )
    entry_drop(entry=third, user=user)

    result = catalog_derive(division=furong, user=user)

    assert result.created == 2
    assert result.division == furong
    derived = CatalogEntry.objects.filter(division=furong)
    assert derived.count() == 2
    assert not derived.filter(item=third.item).exists(), "a dropped city entry is not derived"
    for source in (first, CatalogEntry.objects.get(pk=second.pk)):
        copy = entry_of(furong, source)
        assert copy.source_id == source.pk
        assert copy.overridden == [] and copy.upstream_changed == []
        assert not copy.is_dropped and copy.drop_reason == ""
        assert copy.updated_by == user
        for element in Element:
            assert get_value(copy, element) == get_value(source, element), element
    copy = entry_of(furong, second)
    assert get_value(copy, "channels") == sorted([channels[1].pk, channels[2].pk])
    assert (copy.audience_all, copy.audience_specific) == (False, True)
    assert (copy.mode_active, copy.mode_on_request) == (True, True)
    assert copy.item_type == "service"
    event = events(Action.DERIVE, division=furong).get()
    assert event.user == user
    assert event.entry is None
    assert event.detail == {"from": "430100", "created": 2}


def test_derive_township_from_district(tree, furong, wenyilu, chaoyang, podzijie, tianxin):
    for township, district in ((wenyilu, furong), (chaoyang, furong), (podzijie, tianxin)):
        entries = CatalogEntry.objects.filter(division=township)
        assert entries.count() == 3
        for entry in entries.select_related("source"):
            assert entry.source.division_id == district.pk
            assert entry.source.item_id == entry.item_id
            assert entry.source.source.division.is_city
            assert get_value(entry, "content") == get_value(entry.source, "content")
    # The other townships of 芙蓉区 were not derived.
    assert CatalogEntry.objects.within(furong).count() == 3 * 3
    assert CatalogEntry.objects.count() == 3 * 6


def test_township_derives_the_districts_personalised_values(
    city_entries, furong, wenyilu, channels, user
):
    catalog_derive(division=furong, user=user)
    district_entry = entry_of(furong, city_entries[0])
    entry_update(
        entry=district_entry,
        changes={"content": "芙蓉区的公开内容", "channels": [channels[3]]},
        user=user,
    )

    assert catalog_derive(division=wenyilu, user=user).created == 3

    township_entry = entry_of(wenyilu, city_entries[0])
    assert township_entry.source_id == district_entry.pk
    assert township_entry.content == "芙蓉区的公开内容"
    assert get_value(township_entry, "channels") == [channels[3].pk]
    assert township_entry.overridden == [], "a fresh copy follows its source in every element"


def test_rederive_is_idempotent_and_adds_only_new_entries(tree, city, furong, wenyilu, user):
    before = snapshot()
    assert catalog_derive(division=furong, user=user).created == 0
    assert catalog_derive(division=wenyilu, user=user).created == 0
    assert snapshot() == before
    assert events(Action.DERIVE, division=wenyilu).count() == 2

    # A township's own drop survives a re-derive: the dropped entry is not copied again.
    entry_drop(entry=entry_of(wenyilu, tree[0]), user=user)
    assert catalog_derive(division=wenyilu, user=user).created == 0
    assert entry_of(wenyilu, tree[0]).is_dropped

    # The city gains an entry: each re-derive adds exactly that one.
    item = SecondLevelItemFactory()
    new = entry_create(division=city, item=item, values={"content": "新增内容"}, user=user)
    assert catalog_derive(division=wenyilu, user=user).created == 0, "芙蓉区 lacks it yet"
    assert catalog_derive(division=furong, user=user).created == 1
    assert catalog_derive(division=wenyilu, user=user).created == 1
    assert entry_of(wenyilu, item).source == entry_of(furong, item)
    assert entry_of(furong, item).source == new
    assert entry_of(wenyilu, item).content == "新增内容"
    assert CatalogEntry.objects.filter(division=wenyilu).count() == 4


def test_township_derive_refused_while_district_catalog_missing(city_entries, wenyilu, user):
    with pytest.raises(ValidationError) as excinfo:
        catalog_derive(division=wenyilu, user=user)

    assert excinfo.value.messages == ["芙蓉区的目录尚未生成，请先生成上级目录。"]
    assert not CatalogEntry.objects.filter(division=wenyilu).exists()
    assert not events(Action.DERIVE).exists()


def test_city_derive_refused(city_entries, city, user):
    with pytest.raises(ValidationError) as excinfo:
        catalog_derive(division=city, user=user)

    assert excinfo.value.messages == ["市级参考目录是源头，不从其他目录生成。"]
    assert CatalogEntry.objects.count() == 3
    assert not events(Action.DERIVE).exists()


def test_township_rederive_when_district_dropped_everything(tree, furong, wenyilu, user):
    for city_entry in tree:
        entry_drop(entry=entry_of(furong, city_entry), user=user, confirm=True)

    result = catalog_derive(division=wenyilu, user=user)

    assert result.created == 0


# ---------------------------------------------------------------------------------------------
# Following the source.


def test_city_change_is_followed_down_two_levels(tree, city, wenyilu, user):
    city_entry = tree[0]
    old_content = city_entry.content

    entry_update(entry=city_entry, changes={"content": "  市级新内容 "}, user=user)

    city_entry.refresh_from_db()
    assert city_entry.content == "市级新内容", "text is stripped"
    assert city_entry.overridden == [], "the reference catalog has nothing to override"
    below = CatalogEntry.objects.filter(item=city_entry.item).exclude(division=city)
    assert below.count() == 5
    for entry in below:
        assert entry.content == "市级新内容", entry.division.name
        assert entry.overridden == [] and entry.upstream_changed == []
    follows = events(Action.FOLLOW, element="content")
    assert follows.count() == 5
    assert {e.entry_id for e in follows} == {e.pk for e in below}
    assert all(e.user == user for e in follows)
    assert all(e.new_value == "市级新内容" for e in follows)
    assert all(e.old_value == old_content for e in follows)
    personalise = events(Action.PERSONALISE, entry=city_entry).get()
    assert (personalise.element, personalise.new_value, personalise.user) == (
        "content",
        "市级新内容",
        user,
    )
    # Other entries of the catalogs are untouched.
    assert entry_of(wenyilu, tree[1]).content == tree[1].content


def test_unchanged_value_is_no_write(tree, user):
    city_entry = tree[0]
    before = snapshot()
    returned = entry_update(entry=city_entry, changes={"content": city_entry.content}, user=user)
    assert returned.pk == city_entry.pk
    assert snapshot() == before
    assert not events(Action.PERSONALISE).exists()


def test_overridden_element_stays_and_records_upstream_change(
    tree, furong, tianxin, wenyilu, chaoyang, podzijie, user, other_user
):
    city_entry = tree[0]
    district_entry = entry_of(furong, city_entry)

    entry_update(entry=district_entry, changes={"content": "芙蓉区内容"}, user=other_user)
    district_entry.refresh_from_db()
    assert district_entry.overridden == ["content"]
    assert district_entry.upstream_changed == []
    for township in (wenyilu, chaoyang):
        assert entry_of(township, city_entry).content == "芙蓉区内容"
        assert entry_of(township, city_entry).overridden == []

    entry_update(entry=city_entry, changes={"content": "市级第二版"}, user=user)

    district_entry.refresh_from_db()
    assert district_entry.content == "芙蓉区内容"
    assert district_entry.overridden == ["content"]
    assert district_entry.upstream_changed == ["content"]
    for township in (wenyilu, chaoyang):
        # They follow 芙蓉区, which did not change; the city's value does not skip a level.
        assert entry_of(township, city_entry).content == "芙蓉区内容"
        assert entry_of(township, city_entry).upstream_changed == []
    assert entry_of(tianxin, city_entry).content == "市级第二版"
    assert entry_of(podzijie, city_entry).content == "市级第二版"
    moved = events(Action.UPSTREAM_MOVED).get()
    assert (moved.entry_id, moved.element, moved.new_value, moved.user) == (
        district_entry.pk,
        "content",
        "市级第二版",
        user,
    )
    assert list(CatalogEntry.objects.needing_attention()) == [district_entry]

    # A second move upstream does not flag twice.
    entry_update(entry=city_entry, changes={"content": "市级第三版"}, user=user)
    district_entry.refresh_from_db()
    assert district_entry.upstream_changed == ["content"]
    assert district_entry.content == "芙蓉区内容"
    assert events(Action.UPSTREAM_MOVED).count() == 1


def test_accept_upstream_restores_following_and_propagates(
    tree, furong, wenyilu, chaoyang, user, other_user
):
    city_entry = tree[0]
    district_entry = entry_of(furong, city_entry)
    entry_update(entry=district_entry, changes={"content": "芙蓉区内容"}, user=other_user)
    # 朝阳街 keeps a value of its own; 文艺路 follows 芙蓉区.
    entry_update(
        entry=entry_of(chaoyang, city_entry), changes={"content": "朝阳街内容"}, user=other_user
    )
    entry_update(entry=city_entry, changes={"content": "市级新内容"}, user=user)

    returned = entry_accept_upstream(entry=district_entry, element="content", user=other_user)

    district_entry.refresh_from_db()
    assert returned.pk == district_entry.pk
    assert district_entry.content == "市级新内容"
    assert district_entry.overridden == []
    assert district_entry.upstream_changed == []
    assert district_entry.updated_by == other_user
    assert entry_of(wenyilu, city_entry).content == "市级新内容"
    chaoyang_entry = entry_of(chaoyang, city_entry)
    assert chaoyang_entry.content == "朝阳街内容"
    assert chaoyang_entry.upstream_changed == ["content"]
    accepted = events(Action.ACCEPT_UPSTREAM).get()
    assert (accepted.entry_id, accepted.old_value, accepted.new_value, accepted.user) == (
        district_entry.pk,
        "芙蓉区内容",
        "市级新内容",
        other_user,
    )

    # From now on 芙蓉区 follows the city again, and passes the change on.
    entry_update(entry=city_entry, changes={"content": "市级再改"}, user=user)
    assert entry_of(furong, city_entry).content == "市级再改"
    assert entry_of(wenyilu, city_entry).content == "市级再改"
    assert entry_of(chaoyang, city_entry).content == "朝阳街内容"


def test_accept_upstream_without_source_refused(tree, user):
    with pytest.raises(ValidationError) as excinfo:
        entry_accept_upstream(entry=tree[0], element="content", user=user)
    assert excinfo.value.messages == ["该事项没有上级来源。"]
    assert not events(Action.ACCEPT_UPSTREAM).exists()


def test_keep_own_clears_the_flag_and_keeps_the_value(tree, furong, wenyilu, user, other_user):
    city_entry = tree[0]
    district_entry = entry_of(furong, city_entry)
    entry_update(entry=district_entry, changes={"basis": "芙蓉区依据"}, user=other_user)
    entry_update(entry=city_entry, changes={"basis": "市级依据"}, user=user)

    entry_keep_own(entry=district_entry, element="basis", user=other_user)

    district_entry.refresh_from_db()
    assert district_entry.basis == "芙蓉区依据"
    assert district_entry.overridden == ["basis"]
    assert district_entry.upstream_changed == []
    assert entry_of(wenyilu, city_entry).basis == "芙蓉区依据"
    kept = events(Action.KEEP_OWN).get()
    assert (kept.entry_id, kept.element, kept.user) == (district_entry.pk, "basis", other_user)

    with pytest.raises(ValidationError) as excinfo:
        entry_keep_own(entry=district_entry, element="basis", user=other_user)
    assert excinfo.value.messages == ["该要素没有待处理的上级调整。"]
    assert events(Action.KEEP_OWN).count() == 1

    # Still personalised: the next city change flags it again.
    entry_update(entry=city_entry, changes={"basis": "市级依据二"}, user=user)
    district_entry.refresh_from_db()
    assert district_entry.upstream_changed == ["basis"]
    assert district_entry.basis == "芙蓉区依据"


def test_personalising_a_flagged_element_again_settles_it(tree, furong, user):
    city_entry = tree[0]
    district_entry = entry_of(furong, city_entry)
    entry_update(entry=district_entry, changes={"remarks": "区级备注"}, user=user)
    entry_update(entry=city_entry, changes={"remarks": "市级备注"}, user=user)
    assert entry_of(furong, city_entry).upstream_changed == ["remarks"]

    entry_update(entry=district_entry, changes={"remarks": "区级备注二"}, user=user)

    district_entry.refresh_from_db()
    assert district_entry.remarks == "区级备注二"
    assert district_entry.overridden == ["remarks"]
    assert district_entry.upstream_changed == []


def test_channels_propagate_and_an_override_stays(
    tree, furong, tianxin, wenyilu, chaoyang, podzijie, channels, user
):
    city_entry = tree[0]
    entry_update(entry=city_entry, changes={"channels": channels[1:3]}, user=user)

    expected = sorted(c.pk for c in channels[1:3])
    for division in (furong, tianxin, wenyilu, chaoyang, podzijie):
        assert get_value(entry_of(division, city_entry), "channels") == expected, division.name
    follow = events(Action.FOLLOW, element="channels", entry=entry_of(wenyilu, city_entry)).get()
    assert follow.new_value == [channels[1].name, channels[2].name]
    assert follow.old_value == [channels[0].name]

    district_entry = entry_of(furong, city_entry)
    entry_update(entry=district_entry, changes={"channels": [channels[4].pk]}, user=user)
    entry_update(entry=city_entry, changes={"channels": [channels[0], channels[3]]}, user=user)

    assert get_value(entry_of(furong, city_entry), "channels") == [channels[4].pk]
    assert entry_of(furong, city_entry).upstream_changed == ["channels"]
    assert get_value(entry_of(wenyilu, city_entry), "channels") == [channels[4].pk]
    assert get_value(entry_of(chaoyang, city_entry), "channels") == [channels[4].pk]
    city_value = sorted([channels[0].pk, channels[3].pk])
    assert get_value(entry_of(tianxin, city_entry), "channels") == city_value
    assert get_value(entry_of(podzijie, city_entry), "channels") == city_value

    entry_accept_upstream(entry=district_entry, element="channels", user=user)
    assert get_value(entry_of(furong, city_entry), "channels") == city_value
    assert get_value(entry_of(wenyilu, city_entry), "channels") == city_value
    # The other entries keep their own links.
    assert get_value(entry_of(wenyilu, tree[1]), "channels") == [channels[0].pk]


def test_audience_and_mode_propagate(tree, furong, wenyilu, podzijie, user):
    city_entry = tree[0]
    entry_update(entry=city_entry, changes={"audience": [False, True], "mode": [1, 1]}, user=user)

    for division in (furong, wenyilu, podzijie):
        entry = entry_of(division, city_entry)
        assert (entry.audience_all, entry.audience_specific) == (False, True)
        assert (entry.mode_active, entry.mode_on_request) == (True, True)
        assert entry.audience_labels() == ["特定群体"]
        assert entry.mode_labels() == ["主动", "依申请"]
    assert events(Action.FOLLOW, element="audience").count() == 5
    assert events(Action.FOLLOW, element="mode").count() == 5

    # A township overrides the mode; the city's next mode change leaves it and flags it.
    township_entry = entry_of(wenyilu, city_entry)
    entry_update(entry=township_entry, changes={"mode": [False, True]}, user=user)
    entry_update(entry=city_entry, changes={"mode": [True, False]}, user=user)
    township_entry.refresh_from_db()
    assert (township_entry.mode_active, township_entry.mode_on_request) == (False, True)
    assert township_entry.upstream_changed == ["mode"]
    assert get_value(entry_of(furong, city_entry), "mode") == [True, False]
    assert get_value(township_entry, "audience") == [False, True], "audience still follows"


def test_levels_propagate(tree, furong, wenyilu, chaoyang, user):
    city_entry = tree[0]
    levels = [
        {"level": " 市级 ", "channels": ["政府网站", " 政府公报", ""]},
        {"level": "县级", "channels": []},
    ]
    entry_update(entry=city_entry, changes={"levels": levels}, user=user)

    normalised = [
        {"level": "市级", "channels": ["政府网站", "政府公报"]},
        {"level": "县级", "channels": []},
    ]
    city_entry.refresh_from_db()
    assert city_entry.levels == normalised
    for division in (furong, wenyilu, chaoyang):
        assert entry_of(division, city_entry).levels == normalised
    assert events(Action.FOLLOW, element="levels").count() == 5

    entry_update(
        entry=entry_of(furong, city_entry),
        changes={"levels": [{"level": "乡级", "channels": ["便民服务站"]}]},
        user=user,
    )
    assert entry_of(wenyilu, city_entry).levels == [{"level": "乡级", "channels": ["便民服务站"]}]
    entry_update(entry=city_entry, changes={"levels": []}, user=user)
    assert entry_of(furong, city_entry).upstream_changed == ["levels"]
    assert entry_of(chaoyang, city_entry).levels == [{"level": "乡级", "channels": ["便民服务站"]}]


def test_changes_reach_dropped_entries_so_a_restore_is_current(tree, furong, wenyilu, user):
    city_entry = tree[0]
    district_entry = entry_of(furong, city_entry)
    entry_drop(entry=district_entry, user=user, confirm=True)

    entry_update(entry=city_entry, changes={"subject": "市数据资源局"}, user=user)
    entry_restore(entry=district_entry, user=user)

    assert entry_of(furong, city_entry).subject == "市数据资源局"
    assert entry_of(wenyilu, city_entry).subject == "市数据资源局"
    assert not entry_of(wenyilu, city_entry).is_dropped


# ---------------------------------------------------------------------------------------------
# Dropping and restoring.


def test_drop_needs_confirmation_lists_exactly_the_affected_townships(
    tree, furong, wenyilu, chaoyang, jiucaiyuan, user
):
    city_entry = tree[0]
    catalog_derive(division=jiucaiyuan, user=user)
    entry_drop(entry=entry_of(jiucaiyuan, city_entry), user=user)  # dropped on its own
    district_entry = entry_of(furong, city_entry)
    before = snapshot()
    events_before = CatalogEvent.objects.count()

    with pytest.raises(DropNeedsConfirmation) as excinfo:
        entry_drop(entry=district_entry, user=user)

    exc = excinfo.value
    assert exc.entry.pk == district_entry.pk
    assert exc.affected_divisions == [wenyilu, chaoyang]
    assert [e.pk for e in exc.affected] == [
        entry_of(wenyilu, city_entry).pk,
        entry_of(chaoyang, city_entry).pk,
    ]
    assert str(exc) == (
        f"删减“{city_entry.item.name}”会同时删减下级目录中的同一事项（文艺路街道、朝阳街街道），"
        "请确认后再操作。"
    )
    assert [e.pk for e in drop_preview(district_entry)] == [e.pk for e in exc.affected]
    assert snapshot() == before
    assert CatalogEvent.objects.count() == events_before


def test_dropping_a_city_entry_lists_districts_then_townships(
    tree, furong, tianxin, wenyilu, chaoyang, podzijie, user
):
    with pytest.raises(DropNeedsConfirmation) as excinfo:
        entry_drop(entry=tree[1], user=user, confirm=False)

    assert excinfo.value.affected_divisions == [furong, tianxin, wenyilu, chaoyang, podzijie]
    assert not CatalogEntry.objects.filter(is_dropped=True).exists()
    assert not events(Action.DROP).exists()


def test_drop_confirmation_message_names_ten_divisions_and_counts_the_rest(city, user):
    city_entry = CityEntryFactory(division=city)
    catalog_derive_tree(root=city, user=user)

    with pytest.raises(DropNeedsConfirmation) as excinfo:
        entry_drop(entry=city_entry, user=user)

    affected = excinfo.value.affected
    assert len(affected) == Division.objects.exclude(pk=city.pk).count() == 179
    names = "、".join(e.division.name for e in affected[:10])
    assert str(excinfo.value) == (
        f"删减“{city_entry.item.name}”会同时删减下级目录中的同一事项（{names}等179个），"
        "请确认后再操作。"
    )
    # Nearest level first: the 9 county-level catalogs, then every township.
    assert [e.division.level for e in affected] == ["county"] * 9 + ["township"] * 170
    assert not CatalogEntry.objects.filter(is_dropped=True).exists()


def test_confirmed_drop_cascades(tree, furong, tianxin, wenyilu, chaoyang, podzijie, user):
    city_entry = tree[0]
    district_entry = entry_of(furong, city_entry)

    affected = entry_drop(entry=district_entry, user=user, confirm=True)

    assert {e.pk for e in affected} == {
        entry_of(wenyilu, city_entry).pk,
        entry_of(chaoyang, city_entry).pk,
    }
    district_entry.refresh_from_db()
    assert (district_entry.is_dropped, district_entry.drop_reason) == (True, OWN)
    assert district_entry.updated_by == user
    for township in (wenyilu, chaoyang):
        entry = entry_of(township, city_entry)
        assert (entry.is_dropped, entry.drop_reason) == (True, UPSTREAM)
    for division in (tianxin, podzijie):
        assert not entry_of(division, city_entry).is_dropped
    assert not CatalogEntry.objects.get(pk=city_entry.pk).is_dropped
    assert CatalogEntry.objects.filter(is_dropped=True).count() == 3
    drops = events(Action.DROP)
    assert drops.count() == 3
    assert all(e.user == user for e in drops)
    assert drops.get(entry=district_entry).detail == {"cascade": 2}
    assert drops.get(entry=entry_of(wenyilu, city_entry)).detail == {"because": "430102"}


def test_drop_without_derived_entries_needs_no_confirmation(tree, wenyilu, user):
    township_entry = entry_of(wenyilu, tree[0])
    assert entry_drop(entry=township_entry, user=user) == []
    township_entry.refresh_from_db()
    assert (township_entry.is_dropped, township_entry.drop_reason) == (True, OWN)

    with pytest.raises(ValidationError) as excinfo:
        entry_drop(entry=township_entry, user=user)
    assert excinfo.value.messages == ["该事项已删减。"]
    assert events(Action.DROP).count() == 1


def test_dropped_entry_cannot_be_edited(tree, wenyilu, user):
    township_entry = entry_of(wenyilu, tree[0])
    entry_drop(entry=township_entry, user=user)

    with pytest.raises(ValidationError) as excinfo:
        entry_update(entry=township_entry, changes={"content": "改"}, user=user)

    assert excinfo.value.messages == ["该事项已删减，请先恢复再修改。"]
    assert entry_of(wenyilu, tree[0]).content == tree[0].content


def test_restore_cascades_only_upstream_dropped(tree, furong, wenyilu, chaoyang, user):
    city_entry = tree[0]
    own_township = entry_of(wenyilu, city_entry)
    entry_drop(entry=own_township, user=user)
    district_entry = entry_of(furong, city_entry)
    entry_drop(entry=district_entry, user=user, confirm=True)
    assert entry_of(chaoyang, city_entry).drop_reason == UPSTREAM

    restored = entry_restore(entry=district_entry, user=user)

    assert [e.pk for e in restored] == [entry_of(chaoyang, city_entry).pk]
    district_entry.refresh_from_db()
    assert (district_entry.is_dropped, district_entry.drop_reason) == (False, "")
    assert (
        entry_of(chaoyang, city_entry).is_dropped,
        entry_of(chaoyang, city_entry).drop_reason,
    ) == (False, "")
    own_township.refresh_from_db()
    assert (own_township.is_dropped, own_township.drop_reason) == (True, OWN)
    restores = events(Action.RESTORE)
    assert restores.count() == 2
    assert all(e.user == user for e in restores)
    assert restores.get(entry=district_entry).detail == {"cascade": 1}

    # The township's own drop is its own to undo.
    assert entry_restore(entry=own_township, user=user) == []
    assert not entry_of(wenyilu, city_entry).is_dropped


def test_city_drop_and_restore_cascade_two_levels_around_a_district_drop(
    tree, furong, tianxin, wenyilu, chaoyang, podzijie, user
):
    city_entry = tree[2]
    entry_drop(entry=entry_of(tianxin, city_entry), user=user, confirm=True)  # 天心区 drops itself
    assert entry_of(podzijie, city_entry).drop_reason == UPSTREAM

    affected = entry_drop(entry=city_entry, user=user, confirm=True)

    assert {e.division_id for e in affected} == {furong.pk, wenyilu.pk, chaoyang.pk}
    assert entry_of(tianxin, city_entry).drop_reason == OWN, "an own drop keeps its reason"

    restored = entry_restore(entry=city_entry, user=user)

    assert {e.division_id for e in restored} == {furong.pk, wenyilu.pk, chaoyang.pk}
    for division in (furong, wenyilu, chaoyang):
        assert not entry_of(division, city_entry).is_dropped
    assert entry_of(tianxin, city_entry).is_dropped
    assert entry_of(podzijie, city_entry).is_dropped, "its source is still dropped"
    assert entry_of(podzijie, city_entry).drop_reason == UPSTREAM


def test_restore_refused_while_source_dropped(tree, furong, wenyilu, chaoyang, user):
    city_entry = tree[0]
    entry_drop(entry=entry_of(wenyilu, city_entry), user=user)
    entry_drop(entry=entry_of(furong, city_entry), user=user, confirm=True)
    before = snapshot()

    for township in (wenyilu, chaoyang):
        with pytest.raises(ValidationError) as excinfo:
            entry_restore(entry=entry_of(township, city_entry), user=user)
        assert excinfo.value.messages == ["上级目录（芙蓉区）已删减该事项，须先在上级目录中恢复。"]

    assert snapshot() == before
    assert not events(Action.RESTORE).exists()


def test_restore_of_an_active_entry_refused(tree, furong, user):
    with pytest.raises(ValidationError) as excinfo:
        entry_restore(entry=entry_of(furong, tree[0]), user=user)
    assert excinfo.value.messages == ["该事项未被删减。"]


# ---------------------------------------------------------------------------------------------
# Creating entries.


def test_township_cannot_create_entries(tree, wenyilu, user):
    item = SecondLevelItemFactory()

    with pytest.raises(ValidationError) as excinfo:
        entry_create(division=wenyilu, item=item, values={"content": "乡镇新增"}, user=user)

    assert excinfo.value.messages == [
        "乡镇(街道)目录只能从所属区县目录中删减和调整要素，不能新增事项。"
    ]
    assert not CatalogEntry.objects.filter(item=item).exists()
    assert not events(Action.CREATE).exists()


def test_district_creates_its_own_entry_and_townships_derive_it(
    tree, furong, wenyilu, channels, user, other_user
):
    item = SecondLevelItemFactory()
    entry = entry_create(
        division=furong,
        item=item,
        values={"content": "区级新增", "channels": [channels[2].pk], "audience": [True, True]},
        user=other_user,
    )

    assert entry.source is None
    assert entry.content == "区级新增"
    assert get_value(entry, "channels") == [channels[2].pk]
    assert get_value(entry, "audience") == [True, True]
    created = events(Action.CREATE).get()
    assert (created.entry_id, created.user, created.new_value) == (
        entry.pk,
        other_user,
        {"item": item.name},
    )
    assert catalog_derive(division=wenyilu, user=user).created == 1
    assert entry_of(wenyilu, item).source_id == entry.pk

    # A change of a division's own entry (no source) is not "personalised", and is followed.
    entry_update(entry=entry, changes={"content": "区级新增二"}, user=other_user)
    assert CatalogEntry.objects.get(pk=entry.pk).overridden == []
    assert entry_of(wenyilu, item).content == "区级新增二"

    with pytest.raises(ValidationError) as excinfo:
        entry_create(division=furong, item=item, values={}, user=other_user)
    assert excinfo.value.messages == [f"芙蓉区的目录中已有“{item.name}”。"]
    assert CatalogEntry.objects.filter(division=furong, item=item).count() == 1


# ---------------------------------------------------------------------------------------------
# Validation.

INVALID = [
    pytest.param(
        "item_type", "bad", "事项类型：应为“政务服务事项”或“非政务服务事项”。", id="item_type"
    ),
    pytest.param(
        "audience", [False, False], "公开对象：至少选择全社会或特定群体之一。", id="audience"
    ),
    pytest.param("mode", [0, 0], "公开方式：至少选择主动或依申请之一。", id="mode"),
    pytest.param(
        "audience", [True], "公开对象：应给出两项勾选（全社会、特定群体）。", id="audience-short"
    ),
    pytest.param(
        "time_limit", "时" * 201, "公开时限：不能超过200个字符（现有201个）。", id="time_limit"
    ),
    pytest.param("subject", "主" * 501, "公开主体：不能超过500个字符（现有501个）。", id="subject"),
    pytest.param("channels", [999999], "公开渠道和载体：含有不存在的渠道。", id="channels"),
    pytest.param(
        "levels", [{"channels": ["政府网站"]}], "公开层级：第1个层级缺少名称。", id="levels"
    ),
]


@pytest.mark.parametrize(("element", "value", "message"), INVALID)
def test_invalid_value_refused_with_chinese_message_and_no_change(
    tree, furong, element, value, message, user
):
    district_entry = entry_of(furong, tree[0])
    before = snapshot()
    events_before = CatalogEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        # Valid changes alongside the invalid one are not applied either.
        entry_update(
            entry=district_entry,
            changes={"content": "本应不保存", element: value},
            user=user,
        )

    assert excinfo.value.messages == [message]
    assert snapshot() == before
    assert CatalogEvent.objects.count() == events_before


def test_text_at_the_limit_is_accepted(tree, furong, user):
    district_entry = entry_of(furong, tree[0])
    entry_update(entry=district_entry, changes={"time_limit": "时" * 200}, user=user)
    assert entry_of(furong, tree[0]).time_limit == "时" * 200


@pytest.mark.parametrize(("element", "value", "message"), INVALID)
def test_invalid_value_refused_on_create(city, element, value, message, user):
    item = SecondLevelItemFactory()

    with pytest.raises(ValidationError) as excinfo:
        entry_create(division=city, item=item, values={element: value}, user=user)

    assert excinfo.value.messages == [message]
    assert not CatalogEntry.objects.exists()
    assert not CatalogEvent.objects.exists()


# ---------------------------------------------------------------------------------------------
# The event log.


def test_every_write_is_recorded_with_its_user(tree, furong, wenyilu, user, other_user):
    township_user = UserFactory(username="wenyilu-editor")
    membership_grant(user=township_user, division=wenyilu, role=Role.EDITOR)
    city_entry = tree[0]
    district_entry = entry_of(furong, city_entry)
    CatalogEvent.objects.all().delete()

    entry_update(entry=district_entry, changes={"content": "区"}, user=other_user)
    entry_update(entry=city_entry, changes={"content": "市"}, user=user)
    entry_keep_own(entry=district_entry, element="content", user=other_user)
    entry_accept_upstream(entry=district_entry, element="content", user=other_user)
    entry_drop(entry=entry_of(wenyilu, city_entry), user=township_user)
    entry_restore(entry=entry_of(wenyilu, city_entry), user=township_user)

    # Within one level of a propagation the order of the events is not defined: compare sorted.
    log = sorted(
        CatalogEvent.objects.values_list("division__code", "action", "element", "user__username")
    )
    assert log == sorted(
        [
            ("430102", Action.PERSONALISE, "content", "furong-editor"),
            ("430102001", Action.FOLLOW, "content", "furong-editor"),
            ("430102002", Action.FOLLOW, "content", "furong-editor"),
            ("430100", Action.PERSONALISE, "content", "city-editor"),
            ("430103", Action.FOLLOW, "content", "city-editor"),
            ("430102", Action.UPSTREAM_MOVED, "content", "city-editor"),
            ("430103002", Action.FOLLOW, "content", "city-editor"),
            ("430102", Action.KEEP_OWN, "content", "furong-editor"),
            ("430102", Action.ACCEPT_UPSTREAM, "content", "furong-editor"),
            ("430102001", Action.FOLLOW, "content", "furong-editor"),
            ("430102002", Action.FOLLOW, "content", "furong-editor"),
            ("430102001", Action.DROP, "", "wenyilu-editor"),
            ("430102001", Action.RESTORE, "", "wenyilu-editor"),
        ]
    )
    assert entry_of(furong, city_entry).updated_by == other_user
    assert entry_of(wenyilu, city_entry).updated_by == township_user


# ---------------------------------------------------------------------------------------------
# The database triggers, written to directly (no service in between).


def assert_refused(write) -> None:
    with pytest.raises(IntegrityError, match="derivation rule"), transaction.atomic():
        write()


def test_trigger_refuses_township_entry_without_source(tree, wenyilu, jiucaiyuan):
    item = SecondLevelItemFactory()
    assert_refused(lambda: CatalogEntry.objects.create(division=jiucaiyuan, item=item))
    assert not CatalogEntry.objects.filter(division=jiucaiyuan).exists()

    township_entry = entry_of(wenyilu, tree[0])
    assert_refused(lambda: CatalogEntry.objects.filter(pk=township_entry.pk).update(source=None))
    assert entry_of(wenyilu, tree[0]).source_id is not None


def test_trigger_refuses_source_outside_the_parent_division(
    tree, city, furong, tianxin, wenyilu, jiucaiyuan
):
    item = tree[0].item
    tianxin_entry = entry_of(tianxin, item)
    # A source in another district.
    assert_refused(
        lambda: CatalogEntry.objects.create(division=jiucaiyuan, item=item, source=tianxin_entry)
    )
    # A source two levels up (the city, skipping the district).
    assert_refused(
        lambda: CatalogEntry.objects.create(division=jiucaiyuan, item=item, source=tree[0])
    )
    # The reference catalog has no source at all.
    other = SecondLevelItemFactory()
    assert_refused(
        lambda: CatalogEntry.objects.create(
            division=city, item=other, source=entry_of(furong, item)
        )
    )
    # Re-pointing an existing township entry to another district's entry.
    township_entry = entry_of(wenyilu, item)
    assert_refused(
        lambda: CatalogEntry.objects.filter(pk=township_entry.pk).update(source=tianxin_entry)
    )
    assert entry_of(wenyilu, item).source == entry_of(furong, item)
    assert not CatalogEntry.objects.filter(division=jiucaiyuan).exists()
    assert not CatalogEntry.objects.filter(division=city, item=other).exists()


def test_trigger_refuses_source_of_another_item(tree, furong, wenyilu, jiucaiyuan):
    first, second = tree[0].item, tree[1].item
    assert_refused(
        lambda: CatalogEntry.objects.create(
            division=jiucaiyuan, item=first, source=entry_of(furong, second)
        )
    )
    township_entry = entry_of(wenyilu, first)
    assert_refused(
        lambda: CatalogEntry.objects.filter(pk=township_entry.pk).update(
            source=entry_of(furong, second)
        )
    )
    assert entry_of(wenyilu, first).source == entry_of(furong, first)


def test_trigger_allows_valid_rows(tree, furong, jiucaiyuan):
    """The positive controls: the same writes with a valid source go through."""
    item = tree[0].item
    created = CatalogEntry.objects.create(
        division=jiucaiyuan, item=item, source=entry_of(furong, item)
    )
    assert created.pk and created.source.division == furong
    own = CatalogEntry.objects.create(division=furong, item=SecondLevelItemFactory())
    assert own.source is None, "a district may hold entries of its own"


def test_trigger_refuses_active_entry_under_dropped_source(
    tree, furong, wenyilu, chaoyang, jiucaiyuan, user
):
    item = tree[0].item
    district_entry = entry_of(furong, item)
    entry_drop(entry=district_entry, user=user, confirm=True)

    assert_refused(
        lambda: CatalogEntry.objects.create(division=jiucaiyuan, item=item, source=district_entry)
    )
    township_entry = entry_of(chaoyang, item)
    assert_refused(
        lambda: CatalogEntry.objects.filter(pk=township_entry.pk).update(
            is_dropped=False, drop_reason=""
        )
    )
    assert entry_of(chaoyang, item).is_dropped
    # A dropped copy under a dropped source is consistent and allowed.
    copy = CatalogEntry.objects.create(
        division=jiucaiyuan,
        item=item,
        source=district_entry,
        is_dropped=True,
        drop_reason=UPSTREAM,
    )
    assert copy.pk


def test_trigger_refuses_dropping_an_entry_with_active_derived_entries(
    tree, furong, wenyilu, chaoyang
):
    item = tree[0].item
    district_entry = entry_of(furong, item)

    assert_refused(
        lambda: CatalogEntry.objects.filter(pk=district_entry.pk).update(
            is_dropped=True, drop_reason="own"
        )
    )
    assert not entry_of(furong, item).is_dropped

    # Dropping one township is not enough while the other is still active.
    CatalogEntry.objects.filter(division=wenyilu, item=item).update(
        is_dropped=True, drop_reason="own"
    )
    assert_refused(
        lambda: CatalogEntry.objects.filter(pk=district_entry.pk).update(
            is_dropped=True, drop_reason="own"
        )
    )
    # Once nothing below is active, the drop goes through.
    CatalogEntry.objects.filter(division=chaoyang, item=item).update(
        is_dropped=True, drop_reason="own"
    )
    assert (
        CatalogEntry.objects.filter(pk=district_entry.pk).update(is_dropped=True, drop_reason="own")
        == 1
    )
    assert entry_of(furong, item).is_dropped


def test_trigger_refuses_dropping_a_city_entry_with_active_district_entries(tree, city):
    assert_refused(
        lambda: CatalogEntry.objects.filter(pk=tree[0].pk).update(
            is_dropped=True, drop_reason="own"
        )
    )
    assert not CatalogEntry.objects.filter(division=city, is_dropped=True).exists()


def test_trigger_refuses_changing_the_item_under_derived_entries(tree, furong, wenyilu):
    city_entry = tree[0]
    other = SecondLevelItemFactory()

    # A city entry has no source, so only its derived entries can object.
    assert_refused(lambda: CatalogEntry.objects.filter(pk=city_entry.pk).update(item=other))
    assert CatalogEntry.objects.get(pk=city_entry.pk).item_id == city_entry.item_id


def test_trigger_refuses_moving_an_entry_away_from_its_derived_entries(
    tree, furong, tianxin, wenyilu, jiucaiyuan
):
    # 韭菜园's catalog is not derived: 芙蓉区's own entry can be moved to another district
    # without breaking the unique (division, item) key; its 文艺路 copy then points elsewhere.
    item = SecondLevelItemFactory()
    own = entry_create(division=furong, item=item, values={}, user=None)
    catalog_derive(division=wenyilu, user=None)
    assert entry_of(wenyilu, item).source_id == own.pk

    assert_refused(lambda: CatalogEntry.objects.filter(pk=own.pk).update(division=tianxin))


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_drop_and_derive_cannot_leave_an_active_entry_under_a_dropped_source(
    city, furong, wenyilu
):
    city_entry = CityEntryFactory(division=city)
    catalog_derive(division=furong, user=None)
    district_entry = entry_of(furong, city_entry)
    dropped, derived = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def drop():  # 芙蓉区 drops the entry (its townships hold none yet), commits a bit later
        try:
            with transaction.atomic():
                entry_drop(entry=district_entry, user=None)
                dropped.set()
                derived.wait(3)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            dropped.set()
            connections.close_all()

    def derive():  # meanwhile 文艺路 derives its catalog
        try:
            dropped.wait(3)
            catalog_derive(division=wenyilu, user=None)
        except (ValidationError, IntegrityError):
            pass  # a refusal is a correct outcome
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            derived.set()
            connections.close_all()

    threads = [threading.Thread(target=drop), threading.Thread(target=derive)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    district_entry.refresh_from_db()
    active_below = CatalogEntry.objects.filter(source=district_entry, is_dropped=False)
    assert not (district_entry.is_dropped and active_below.exists()), (
        "an active 文艺路 entry under a dropped 芙蓉区 entry"
    )


def test_postgresql_trigger_migration_survives_client_side_parameter_merging():
    """Run the PostgreSQL branch of the trigger migration against a stand-in schema editor.

    A regression guard: forward() once called ``schema_editor.execute(sql)`` with the default
    ``params=()``, and psycopg read the ``%ROWTYPE`` of the function body as a placeholder, so
    ``migrate`` failed on PostgreSQL with IndexError.

    Django's PostgreSQL schema editor merges ``params`` into the SQL on the client unless they
    are None (``DatabaseSchemaEditor.execute``); psycopg's placeholders are %-style, so the
    stand-in merges with Python's % operator, which fails on the same lone ``%`` signs.
    """
    migration = importlib.import_module("catalog.migrations.0002_entry_source_triggers")
    executed: list[str] = []

    class PostgresLikeEditor:
        connection = SimpleNamespace(vendor="postgresql")

        def execute(self, sql, params=()):
            if params is not None:
                sql = str(sql) % tuple(params)
            executed.append(sql)

    migration.forward(None, PostgresLikeEditor())

    assert len(executed) == len(migration.POSTGRES_FORWARD) == 2
    assert "catalog_catalogentry%ROWTYPE" in executed[0]


def test_the_services_refuse_a_user_outside_the_entrys_scope(tree, furong, tianxin):
    """No path can edit another division's catalog: the services check scope themselves."""
    stranger = UserFactory(username="tianxin-editor")
    membership_grant(user=stranger, division=tianxin, role=Role.EDITOR)
    entry = entry_of(furong, tree[0])
    before = (entry.content, CatalogEvent.objects.count())
    for write in (
        lambda: entry_update(entry=entry, changes={"content": "越权"}, user=stranger),
        lambda: entry_drop(entry=entry, user=stranger, confirm=True),
        lambda: catalog_derive(division=furong, user=stranger),
    ):
        with pytest.raises(PermissionDenied, match="芙蓉区目录的修改权限"):
            write()
    entry.refresh_from_db()
    assert (entry.content, CatalogEvent.objects.count()) == before
