"""Ties between service-item entries and service guides: automatic by code or name, by hand."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.guide_links import (
    entries_without_guide,
    entry_service_values,
    guides_without_entry,
    link_clear,
    link_set,
    links_refresh,
)
from catalog.models import CatalogEntry, GuideLink
from catalog.review import catalog_publish_as_loaded
from catalog.services import catalog_derive, entry_update
from districts.models import Division, Role
from guides.models import Guide
from guides.normalise import name_key
from tests.factories import CityEntryFactory

SERVICE = CatalogEntry.ItemType.SERVICE
_ids = itertools.count(1)

# A 31-character 实施编码 and a 12-character 基本编码, as the platform writes them.
TASK_CODE = "11430102MB1234567X" + "4000117001000"
RIGHTS_CODE = "000117001000"


def make_guide(
    name: str,
    *,
    area: str = "430102",
    rights_code: str = "",
    task_code: str = "",
    withdrawn: bool = False,
) -> Guide:
    """Create a synced guide directly (the sync itself is tested in tests/guides)."""
    now = timezone.now()
    return Guide.objects.create(
        unify_id=f"test-guide-{next(_ids)}",
        name=name,
        name_key=name_key(name),
        area_code=area,
        division=Division.objects.filter(code=area).first(),
        rights_code=rights_code,
        task_code=task_code,
        content_hash="0" * 64,
        first_synced_at=now,
        changed_at=now,
        status=Guide.Status.WITHDRAWN if withdrawn else Guide.Status.ACTIVE,
        withdrawn_at=now if withdrawn else None,
    )


def service_entry(division, service_name: str, **kwargs) -> CatalogEntry:
    return CityEntryFactory(
        division=division, item_type=SERVICE, service_name=service_name, **kwargs
    )


def ties() -> list[tuple]:
    """Return every tie as plain values, to show that a refused write changed nothing."""
    return list(
        GuideLink.objects.order_by("entry_id").values_list(
            "entry_id", "guide_id", "method", "linked_by_id", "linked_at"
        )
    )


def tie_of(entry) -> GuideLink | None:
    return GuideLink.objects.filter(entry=entry).first()


def test_tie_by_name_ignores_width_brackets_and_spaces(furong):
    guide = make_guide("食品（含保健食品）生产许可")
    entry = service_entry(furong, " 食品(含保健食品) 生产许可 ")
    counts = links_refresh()
    link = tie_of(entry)
    assert link.guide == guide and link.method == GuideLink.Method.NAME
    assert link.linked_by is None
    assert (counts.created, counts.changed, counts.removed) == (1, 0, 0)
    # Running again changes nothing.
    again = links_refresh()
    assert (again.created, again.changed, again.removed, again.kept) == (0, 0, 0, 1)


def test_tie_by_task_code_in_the_service_name(furong):
    guide = make_guide("城乡居民基本养老保险参保登记", task_code=TASK_CODE)
    make_guide("另一个名称")
    entry = service_entry(furong, f"居民养老保险登记（{TASK_CODE}）")
    links_refresh()
    link = tie_of(entry)
    assert link.guide == guide and link.method == GuideLink.Method.CODE


def test_tie_by_rights_code_in_the_service_name_within_the_area(furong, tianxin):
    guide = make_guide("城乡居民基本养老保险参保登记", rights_code=RIGHTS_CODE)
    make_guide("城乡居民基本养老保险参保登记", area="430103", rights_code=RIGHTS_CODE)
    entry = service_entry(furong, f"养老保险参保 {RIGHTS_CODE}")
    links_refresh()
    link = tie_of(entry)
    assert link.guide == guide and link.method == GuideLink.Method.CODE


def test_a_code_that_is_part_of_a_longer_code_does_not_tie(furong):
    make_guide("某事项", rights_code=RIGHTS_CODE)
    entry = service_entry(furong, f"某某登记 X{RIGHTS_CODE}")
    links_refresh()
    assert tie_of(entry) is None


def test_a_name_that_two_guides_share_is_left_untied(furong):
    make_guide("食品经营许可")
    make_guide("食品经营许可 ")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    assert tie_of(entry) is None
    assert list(entries_without_guide()) == [entry]
    assert guides_without_entry().count() == 2


def test_guides_of_another_area_do_not_tie_by_name(furong, tianxin):
    make_guide("食品经营许可", area="430103")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    assert tie_of(entry) is None


def test_township_entries_tie_to_their_districts_guides(furong, wenyilu):
    guide = make_guide("最低生活保障审核确认")
    service_entry(furong, "最低生活保障审核确认")
    catalog_derive(division=wenyilu, user=None)
    township_entry = CatalogEntry.objects.get(division=wenyilu)
    links_refresh()
    assert tie_of(township_entry).guide == guide
    assert GuideLink.objects.filter(guide=guide).count() == 2
    assert not guides_without_entry().exists()


def test_refresh_keeps_a_hand_made_tie(furong, make_member):
    user = make_member(furong, Role.EDITOR)
    by_name = make_guide("食品经营许可")
    chosen = make_guide("食品经营许可（仅销售预包装食品）")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    assert tie_of(entry).guide == by_name
    link_set(entry=entry, guide=chosen, user=user)
    counts = links_refresh()
    link = tie_of(entry)
    assert link.guide == chosen and link.method == GuideLink.Method.MANUAL
    assert link.linked_by == user
    assert (counts.created, counts.changed, counts.removed, counts.kept) == (0, 0, 0, 1)


def test_a_withdrawn_guides_tie_is_kept_until_a_new_match(furong):
    old = make_guide("食品经营许可")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    now = timezone.now()
    Guide.objects.filter(pk=old.pk).update(status=Guide.Status.WITHDRAWN, withdrawn_at=now)
    counts = links_refresh()
    assert tie_of(entry).guide == old and counts.removed == 0
    assert entry not in entries_without_guide()
    new = make_guide("食品经营许可")
    counts = links_refresh()
    link = tie_of(entry)
    assert link.guide == new and link.method == GuideLink.Method.NAME
    assert counts.changed == 1


def test_an_active_guides_tie_goes_when_the_name_no_longer_matches(furong):
    make_guide("食品经营许可")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    entry_update(entry=entry, changes={"service_name": "药品经营许可"}, user=None)
    counts = links_refresh()
    assert tie_of(entry) is None and counts.removed == 1


def test_an_entry_that_stops_being_a_service_item_loses_its_automatic_tie(furong):
    guide = make_guide("食品经营许可")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    assert tie_of(entry).guide == guide
    # Even when its guide was withdrawn (a withdrawn guide's tie is otherwise kept).
    Guide.objects.filter(pk=guide.pk).update(
        status=Guide.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )
    entry_update(entry=entry, changes={"item_type": "non_service"}, user=None)
    counts = links_refresh()
    assert tie_of(entry) is None and counts.removed == 1
    assert entry not in entries_without_guide()


def test_published_values_win_over_the_working_copy(furong):
    published_guide = make_guide("食品经营许可")
    make_guide("药品经营许可")
    entry = service_entry(furong, "食品经营许可")
    catalog_publish_as_loaded(entry_ids=[entry.pk])
    entry_update(entry=entry, changes={"service_name": "药品经营许可"}, user=None)
    entry.refresh_from_db()
    assert entry_service_values(entry) == (SERVICE, "食品经营许可")
    links_refresh()
    assert tie_of(entry).guide == published_guide


def test_an_entry_published_as_a_non_service_item_is_not_tied(furong, make_member):
    guide = make_guide("食品经营许可")
    entry = CityEntryFactory(division=furong, service_name="食品经营许可")
    catalog_publish_as_loaded(entry_ids=[entry.pk])
    entry_update(entry=entry, changes={"item_type": SERVICE}, user=None)
    links_refresh()
    entry.refresh_from_db()
    assert tie_of(entry) is None
    with pytest.raises(ValidationError):
        link_set(entry=entry, guide=guide, user=make_member(furong, Role.EDITOR))
    assert ties() == []


def test_link_set_replaces_an_automatic_tie_and_link_clear_removes_it(furong, make_member):
    user = make_member(furong, Role.EDITOR)
    auto = make_guide("食品经营许可")
    other = make_guide("食品生产许可")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    link = link_set(entry=entry, guide=other, user=user)
    assert (link.guide, link.method, link.linked_by) == (other, GuideLink.Method.MANUAL, user)
    assert GuideLink.objects.count() == 1
    assert link_clear(entry=entry, user=user) is True
    assert tie_of(entry) is None
    assert link_clear(entry=entry, user=user) is False
    # Cleared, the entry is tied again by the next refresh.
    links_refresh()
    assert tie_of(entry).guide == auto


@pytest.fixture
def tied(furong):
    """An entry of 芙蓉区 tied automatically, and the existing ties' values."""
    make_guide("食品经营许可")
    entry = service_entry(furong, "食品经营许可")
    links_refresh()
    return entry, ties()


def test_link_set_refuses_out_of_scope(tied, tianxin, make_member):
    entry, before = tied
    guide = make_guide("食品生产许可")
    with pytest.raises(PermissionDenied):
        link_set(entry=entry, guide=guide, user=make_member(tianxin, Role.EDITOR))
    with pytest.raises(PermissionDenied):
        link_clear(entry=entry, user=make_member(tianxin, Role.EDITOR))
    assert ties() == before


def test_link_set_refuses_a_reviewer(tied, furong, make_member):
    entry, before = tied
    guide = make_guide("食品生产许可")
    with pytest.raises(PermissionDenied):
        link_set(entry=entry, guide=guide, user=make_member(furong, Role.REVIEWER))
    assert ties() == before


def test_link_set_refuses_an_entry_that_is_not_a_service_item(tied, furong, make_member):
    _entry, before = tied
    plain = CityEntryFactory(division=furong, service_name="食品生产许可")
    guide = make_guide("食品生产许可")
    with pytest.raises(ValidationError, match="政务服务事项"):
        link_set(entry=plain, guide=guide, user=make_member(furong, Role.EDITOR))
    assert ties() == before


def test_link_set_refuses_a_withdrawn_guide(tied, furong, make_member):
    entry, before = tied
    guide = make_guide("食品生产许可", withdrawn=True)
    with pytest.raises(ValidationError, match="已在省平台取消"):
        link_set(entry=entry, guide=guide, user=make_member(furong, Role.EDITOR))
    assert ties() == before


def test_link_set_refuses_a_guide_of_another_area(tied, furong, tianxin, make_member):
    entry, before = tied
    guide = make_guide("食品生产许可", area="430103")
    with pytest.raises(ValidationError, match="不一致"):
        link_set(entry=entry, guide=guide, user=make_member(furong, Role.EDITOR))
    assert ties() == before


def test_a_district_editor_ties_a_township_entry_to_the_districts_guide(
    furong, wenyilu, make_member
):
    service_entry(furong, "某项服务")
    catalog_derive(division=wenyilu, user=None)
    entry = CatalogEntry.objects.get(division=wenyilu)
    guide = make_guide("另一项服务")
    link = link_set(entry=entry, guide=guide, user=make_member(furong, Role.EDITOR))
    assert link.guide == guide and link.entry == entry


def test_link_set_refuses_a_dropped_entry(tied, furong, make_member):
    _entry, before = tied
    dropped = service_entry(furong, "食品生产许可", is_dropped=True, drop_reason="own")
    guide = make_guide("食品生产许可")
    with pytest.raises(ValidationError, match="已删减"):
        link_set(entry=dropped, guide=guide, user=make_member(furong, Role.EDITOR))
    assert ties() == before


def test_entries_without_guide_follow_the_published_item_type(furong):
    make_guide("某项服务")
    draft = service_entry(furong, "无对应指南的服务")
    published_plain = service_entry(furong, "另一项")
    catalog_publish_as_loaded(entry_ids=[published_plain.pk])
    # The working copy becomes a service item; the public still reads a non-service item.
    published_plain.refresh_from_db()
    CatalogEntry.objects.filter(pk=published_plain.pk).update(
        published_values={**published_plain.published_values, "item_type": "non_service"}
    )

    untied = set(entries_without_guide().values_list("pk", flat=True))

    assert draft.pk in untied
    assert published_plain.pk not in untied


# -- what a refresh touches: only what changed, once per operation -----------------------------


def test_a_scoped_refresh_leaves_other_catalogs_alone(furong, tianxin):
    make_guide("最低生活保障审核确认")
    make_guide("最低生活保障审核确认", area="430103")
    here = service_entry(furong, "最低生活保障审核确认")
    there = service_entry(tianxin, "最低生活保障审核确认")
    counts = links_refresh(divisions=[furong.pk])
    assert (counts.created, tie_of(here) is not None, tie_of(there)) == (1, True, None)
    links_refresh(item_ids=[there.item_id])
    assert tie_of(there) is not None


def test_deriving_ties_the_new_entries_after_the_commit(
    furong, wenyilu, django_capture_on_commit_callbacks
):
    from outbox.models import OutboxMessage

    guide = make_guide("最低生活保障审核确认")
    service_entry(furong, "最低生活保障审核确认")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_derive(division=wenyilu, user=None)
    [message] = OutboxMessage.objects.filter(task="catalog.tasks.refresh_guide_links")
    assert message.kwargs["divisions"] == [wenyilu.pk]
    assert tie_of(CatalogEntry.objects.get(division=wenyilu)).guide == guide


def test_deriving_a_tree_refreshes_the_ties_once_for_all_of_it(
    city, furong, django_capture_on_commit_callbacks
):
    from catalog.services import catalog_derive_tree
    from outbox.models import OutboxMessage

    make_guide("最低生活保障审核确认")
    service_entry(city, "最低生活保障审核确认")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_derive_tree(root=furong.parent, user=None)
    [message] = OutboxMessage.objects.filter(task="catalog.tasks.refresh_guide_links")
    assert len(message.kwargs["divisions"]) == Division.objects.count() - 1
    # 芙蓉区 and its 13 townships share the district's guides.
    assert GuideLink.objects.filter(entry__division__code__startswith="430102").count() == 14
