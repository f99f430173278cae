"""Random sequences of catalog writes never break the derivation rules (一把尺).

A Hypothesis state machine starts from a small city catalog derived to 芙蓉区 and two of its
townships (文艺路, 朝阳街), and to 天心区 and its 坡子街; each step is one service call at any level
(personalise, drop with or without confirmation, restore, accept upstream, keep own, re-derive,
create). Each step checks the service's own promise; after every step the invariants hold:

- every active derived entry has an active source of the same item in its parent division, and
  every active township entry has one (a township never holds an entry its district lacks);
- every element a derived entry has not overridden equals its source's value;
- ``upstream_changed`` ⊆ ``overridden``;
- an entry dropped for reason "upstream" sits under a dropped source.

The machine also reviews (submit, recall, approve, return) with the real reviewing offices, and
after every step, edits that are never submitted included, checks what the public reads: every
value in a published snapshot was approved by the office that owns it. An element the snapshot
follows equals its source's published value (approved by the source's office); an element the
snapshot holds as its own is a value this entry had when its own office approved it; a drop is
public only when approved here or public above.

Each run of the machine works inside a savepoint that is rolled back at its end, so every
example starts from the same state built once by the fixture.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from catalog import review
from catalog.models import CatalogEntry, Channel, Element, ReviewStatus
from catalog.services import (
    DropNeedsConfirmation,
    catalog_derive,
    drop_preview,
    entry_accept_upstream,
    entry_create,
    entry_drop,
    entry_keep_own,
    entry_restore,
    entry_update,
    get_value,
    normalise_value,
)
from districts.models import Division, Role
from districts.services import membership_grant
from tests.factories import CityEntryFactory, SecondLevelItemFactory, UserFactory

ELEMENTS = [e.value for e in Element]
# The elements the machine edits: one of each kind of storage (the other text elements are
# stored like content). The invariants still compare every element.
EDITED = ["content", "channels", "audience", "mode", "levels", "item_type", "service_name"]
LEVEL_CHOICES = [
    [],
    [{"level": "县级", "channels": ["政府网站"]}],
    [{"level": "市级", "channels": ["政府网站", "政府公报"]}, {"level": "乡级", "channels": []}],
]


def values_for(element: str, channel_pks: list[int]) -> st.SearchStrategy:
    """A small pool of values per element, so that values often coincide across levels."""
    if element == Element.CHANNELS:
        return st.lists(st.sampled_from(channel_pks), max_size=3, unique=True)
    if element in (Element.AUDIENCE, Element.MODE):
        return st.lists(st.booleans(), min_size=2, max_size=2)  # [False, False] is invalid
    if element == Element.LEVELS:
        return st.sampled_from(LEVEL_CHOICES)
    if element == Element.ITEM_TYPE:
        return st.sampled_from(["service", "non_service", "bad"])
    if element == Element.SERVICE_NAME:
        return st.sampled_from(["", "办理一", "x" * 301])  # over the 300-character limit
    return st.sampled_from(["", "甲", "乙", " 乙 "])


def is_invalid(element: str, value) -> bool:
    if element in (Element.AUDIENCE, Element.MODE):
        return not any(value)
    if element == Element.ITEM_TYPE:
        return value not in CatalogEntry.ItemType.values
    if element == Element.SERVICE_NAME:
        return len(value.strip()) > 300
    return False


def frozen(entry: CatalogEntry) -> bool:
    """Return True when the entry waits for review: its owner cannot change it."""
    return entry.status == ReviewStatus.SUBMITTED


def fresh(pk: int) -> CatalogEntry:
    return CatalogEntry.objects.select_related("source", "division").get(pk=pk)


def check_invariants() -> None:
    entries = CatalogEntry.objects.select_related(
        "division", "source__division", "item"
    ).prefetch_related("channels", "source__channels")
    for entry in entries:
        where = f"{entry.division.name} · {entry.item.name}"
        if entry.division.is_township:
            assert entry.source is not None, f"{where}: township entry without source"
        source = entry.source
        if source is not None:
            assert source.division_id == entry.division.parent_id, where
            assert source.item_id == entry.item_id, where
            if not entry.is_dropped:
                assert not source.is_dropped, f"{where}: active under a dropped source"
            for element in ELEMENTS:
                if element not in entry.overridden:
                    assert get_value(entry, element) == get_value(source, element), (
                        f"{where}: {element} follows its source but differs"
                    )
        assert set(entry.upstream_changed) <= set(entry.overridden), where
        assert len(set(entry.overridden)) == len(entry.overridden), where
        if entry.is_dropped and entry.drop_reason == CatalogEntry.DropReason.UPSTREAM:
            assert source is not None and source.is_dropped, f"{where}: upstream drop, live source"
        if source is None:
            assert entry.overridden == [] and entry.upstream_changed == [], where


def approval_key(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def check_public_values(approved: dict[tuple[int, str], set[str]]) -> None:
    """Assert that every value the public reads was approved by the office that owns it.

    ``approved`` holds, per (entry id, element), the values the entry's own office approved
    (and ``dropped_here``: whether it approved a drop).
    """
    published = dict(
        CatalogEntry.objects.filter(published_values__isnull=False).values_list(
            "pk", "published_values"
        )
    )
    for entry in CatalogEntry.objects.filter(pk__in=published).select_related("division", "item"):
        where = f"{entry.division.name} · {entry.item.name}"
        values = published[entry.pk]
        source = published.get(entry.source_id) if entry.source_id else None
        if entry.source_id:
            assert source is not None, f"{where}: public, but its source never was"
        own = values["overridden"] if entry.source_id else ELEMENTS
        for element in ELEMENTS:
            if element in own:
                assert approval_key(values[element]) in approved[(entry.pk, element)], (
                    f"{where}: {element}={values[element]!r} was never approved by its office"
                )
            else:
                assert values[element] == source[element], (
                    f"{where}: {element} follows its source but the public reads "
                    f"{values[element]!r}, the source published {source[element]!r}"
                )
        if values["dropped_here"]:
            assert approval_key(True) in approved[(entry.pk, "dropped_here")], where
        above = bool(source and source["is_dropped"])
        assert values["is_dropped"] == (values["dropped_here"] or above), where


class DerivationMachine(RuleBasedStateMachine):
    """The world (divisions, items, channels, users) is set on a subclass by the test."""

    world: dict

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.user = self.world["user"]
        self.divisions = self.world["divisions"]
        self.channel_pks = self.world["channel_pks"]
        self.reviewers = self.world["reviewers"]
        # What each entry's own office approved: the catalog loaded as published, to begin with.
        self.approved: dict[tuple[int, str], set[str]] = {}
        for pk, values in CatalogEntry.objects.filter(published_values__isnull=False).values_list(
            "pk", "published_values"
        ):
            self._record(pk, values)

    def _record(self, pk: int, values: dict) -> None:
        for element in [*ELEMENTS, "dropped_here"]:
            self.approved.setdefault((pk, element), set()).add(approval_key(values[element]))

    def reviewer_of(self, entry: CatalogEntry):
        """Return a reviewer of the office that reviews ``entry`` (the city reviews itself)."""
        office = entry.division.parent_id or entry.division_id
        return self.reviewers[office]

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # Helpers.

    def draw_entry(self, data, qs=None) -> CatalogEntry:
        qs = CatalogEntry.objects.all() if qs is None else qs
        pks = list(qs.order_by("pk").values_list("pk", flat=True))
        entry = fresh(data.draw(st.sampled_from(pks), label="entry"))
        note(f"entry {entry.pk} = {entry} (dropped={entry.is_dropped})")
        return entry

    def draw_change(self, data) -> tuple[str, object]:
        element = data.draw(st.sampled_from(EDITED), label="element")
        return element, data.draw(values_for(element, self.channel_pks), label="value")

    # Rules.

    def draw_valid_value(self, data, element: str):
        strategy = values_for(element, self.channel_pks).filter(
            lambda v: not is_invalid(element, v)
        )
        return data.draw(strategy, label="value")

    @initialize(data=st.data())
    def override_and_move(self, data):
        """Start each run with a personalised element, its source moved after it or not."""
        entry = self.draw_entry(
            data, CatalogEntry.objects.filter(source__isnull=False, is_dropped=False)
        )
        element = data.draw(st.sampled_from(EDITED), label="element")
        entry_update(
            entry=entry, changes={element: self.draw_valid_value(data, element)}, user=self.user
        )
        if data.draw(st.booleans(), label="move source"):
            entry_update(
                entry=entry.source,
                changes={element: self.draw_valid_value(data, element)},
                user=self.user,
            )

    # Hypothesis orders rules by argument count, then name, and leans towards the first ones:
    # the names put dropping and editing first.

    @rule(data=st.data())
    def edit_element(self, data):
        # Half the time an entry of the city or a district, so that the change has followers.
        upper = data.draw(st.booleans(), label="upper")
        qs = CatalogEntry.objects.exclude(division__level="township") if upper else None
        entry = self.draw_entry(data, qs)
        element, value = self.draw_change(data)
        # Under review an entry refuses any change (a write of the same value changes nothing).
        refused_frozen = (
            frozen(entry)
            and not is_invalid(element, value)
            and normalise_value(element, value) != get_value(entry, element)
        )
        if entry.is_dropped or is_invalid(element, value) or refused_frozen:
            with pytest.raises(ValidationError):
                entry_update(entry=entry, changes={element: value}, user=self.user)
            return
        old = get_value(entry, element)
        entry_update(entry=entry, changes={element: value}, user=self.user)
        after = fresh(entry.pk)
        expected = normalise_value(element, value)
        assert get_value(after, element) == expected
        if entry.source_id and old != expected:
            assert element in after.overridden
            assert element not in after.upstream_changed

    @rule(data=st.data())
    def drop(self, data):
        entry = self.draw_entry(data)
        confirm = data.draw(st.booleans(), label="confirm")
        if entry.is_dropped or frozen(entry):
            with pytest.raises(ValidationError):
                entry_drop(entry=entry, user=self.user, confirm=confirm)
            return
        preview = [e.pk for e in drop_preview(entry)]
        if preview and not confirm:
            with pytest.raises(DropNeedsConfirmation) as excinfo:
                entry_drop(entry=entry, user=self.user, confirm=False)
            assert [e.pk for e in excinfo.value.affected] == preview
            assert not CatalogEntry.objects.filter(pk__in=[entry.pk, *preview], is_dropped=True)
            return
        affected = entry_drop(entry=entry, user=self.user, confirm=confirm)
        assert sorted(e.pk for e in affected) == sorted(preview)
        assert fresh(entry.pk).drop_reason == CatalogEntry.DropReason.OWN
        assert not CatalogEntry.objects.filter(pk__in=preview, is_dropped=False).exists()
        assert not CatalogEntry.objects.filter(pk__in=preview).exclude(
            drop_reason=CatalogEntry.DropReason.UPSTREAM
        )

    @precondition(lambda self: CatalogEntry.objects.filter(is_dropped=True).exists())
    @rule(data=st.data())
    def restore(self, data):
        entry = self.draw_entry(data, CatalogEntry.objects.filter(is_dropped=True))
        if (entry.source is not None and entry.source.is_dropped) or frozen(entry):
            with pytest.raises(ValidationError):
                entry_restore(entry=entry, user=self.user)
            return
        own_drops_below = set(
            CatalogEntry.objects.filter(
                is_dropped=True, drop_reason=CatalogEntry.DropReason.OWN
            ).values_list("pk", flat=True)
        ) - {entry.pk}
        restored = entry_restore(entry=entry, user=self.user)
        assert not fresh(entry.pk).is_dropped
        assert not CatalogEntry.objects.filter(
            pk__in=[e.pk for e in restored], is_dropped=True
        ).exists()
        # Entries a level dropped on its own stay dropped.
        assert CatalogEntry.objects.filter(pk__in=own_drops_below, is_dropped=True).count() == len(
            own_drops_below
        )

    @precondition(lambda self: CatalogEntry.objects.filter(source__isnull=False).exists())
    @rule(data=st.data())
    def upstream_accept(self, data):
        entry = self.draw_entry(data, CatalogEntry.objects.filter(source__isnull=False))
        element = data.draw(st.sampled_from(entry.overridden or EDITED), label="element")
        if frozen(entry):
            with pytest.raises(ValidationError):
                entry_accept_upstream(entry=entry, element=element, user=self.user)
            return
        entry_accept_upstream(entry=entry, element=element, user=self.user)
        after = fresh(entry.pk)
        assert element not in after.overridden
        assert element not in after.upstream_changed
        assert get_value(after, element) == get_value(after.source, element)

    @precondition(lambda self: CatalogEntry.objects.needing_attention().exists())
    @rule(data=st.data())
    def upstream_keep_own(self, data):
        entry = self.draw_entry(data, CatalogEntry.objects.needing_attention())
        element = data.draw(st.sampled_from(entry.upstream_changed), label="element")
        value = get_value(entry, element)
        entry_keep_own(entry=entry, element=element, user=self.user)
        after = fresh(entry.pk)
        assert element not in after.upstream_changed
        assert element in after.overridden
        assert get_value(after, element) == value
        with pytest.raises(ValidationError):
            entry_keep_own(entry=after, element=element, user=self.user)

    @rule(data=st.data())
    def rederive(self, data):
        division = data.draw(st.sampled_from(self.divisions), label="division")
        if division.parent_id is None:
            with pytest.raises(ValidationError):
                catalog_derive(division=division, user=self.user)
            return
        parent_items = set(
            CatalogEntry.objects.active()
            .filter(division_id=division.parent_id)
            .values_list("item_id", flat=True)
        )
        if not parent_items and division.is_township:
            with pytest.raises(ValidationError):
                catalog_derive(division=division, user=self.user)
            return
        held = set(CatalogEntry.objects.filter(division=division).values_list("item_id", flat=True))
        result = catalog_derive(division=division, user=self.user)
        assert result.created == len(parent_items - held)
        now = set(CatalogEntry.objects.filter(division=division).values_list("item_id", flat=True))
        assert parent_items <= now

    @precondition(
        lambda self: (
            CatalogEntry.objects.filter(source__isnull=False).exclude(overridden=[]).exists()
        )
    )
    @rule(data=st.data())
    def upstream_moves(self, data):
        """Change, at the source, an element that a derived entry overrides."""
        entry = self.draw_entry(
            data, CatalogEntry.objects.filter(source__isnull=False).exclude(overridden=[])
        )
        element = data.draw(st.sampled_from(entry.overridden), label="element")
        source = entry.source
        value = self.draw_valid_value(data, element)
        moving = normalise_value(element, value) != get_value(source, element)
        if source.is_dropped or (frozen(source) and moving):
            with pytest.raises(ValidationError):
                entry_update(entry=source, changes={element: value}, user=self.user)
            return
        own = get_value(entry, element)
        source_before = get_value(source, element)
        flagged_before = element in entry.upstream_changed
        entry_update(entry=source, changes={element: value}, user=self.user)
        after = fresh(entry.pk)
        assert get_value(after, element) == own, "an overridden element stays"
        moved = source_before != normalise_value(element, value)
        assert (element in after.upstream_changed) == (flagged_before or moved)

    @rule(data=st.data())
    def new_entry(self, data):
        division = data.draw(st.sampled_from(self.divisions), label="division")
        item = data.draw(st.sampled_from(self.world["spare_items"]), label="item")
        exists = CatalogEntry.objects.filter(division=division, item=item).exists()
        if division.is_township or exists:
            with pytest.raises(ValidationError):
                entry_create(division=division, item=item, values={"content": "新"}, user=self.user)
            return
        entry = entry_create(division=division, item=item, values={"content": "新"}, user=self.user)
        assert entry.source_id is None

    # Review: the editor submits, the office above approves or returns.

    @rule(data=st.data())
    def review_submit(self, data):
        entry = self.draw_entry(data)
        if entry.status != ReviewStatus.DRAFT:
            with pytest.raises(ValidationError):
                review.entries_submit(entries=[entry], user=self.user)
            return
        review.entries_submit(entries=[entry], user=self.user)
        assert fresh(entry.pk).status == ReviewStatus.SUBMITTED

    @precondition(lambda self: CatalogEntry.objects.awaiting_review().exists())
    @rule(data=st.data())
    def review_approve(self, data):
        entry = self.draw_entry(data, CatalogEntry.objects.awaiting_review())
        reviewer = self.reviewer_of(entry)
        source_public = entry.source is None or entry.source.published_values is not None
        working = review.entries_snapshot([fresh(entry.pk)])[entry.pk]
        if not source_public:
            with pytest.raises(ValidationError):
                review.entries_approve(entries=[entry], user=reviewer)
            return
        review.entries_approve(entries=[entry], user=reviewer)
        # What this office approved is the working copy it looked at (its own elements).
        self._record(entry.pk, working)
        assert fresh(entry.pk).status == ReviewStatus.PUBLISHED

    @precondition(lambda self: CatalogEntry.objects.awaiting_review().exists())
    @rule(data=st.data())
    def review_return_or_recall(self, data):
        entry = self.draw_entry(data, CatalogEntry.objects.awaiting_review())
        before = fresh(entry.pk).published_values
        if data.draw(st.booleans(), label="recall"):
            review.entries_recall(entries=[entry], user=self.user)
        else:
            review.entries_return(entries=[entry], user=self.reviewer_of(entry), reason="请修改")
        after = fresh(entry.pk)
        assert after.status == ReviewStatus.DRAFT
        assert after.published_values == before, "going back to draft publishes nothing"

    @invariant()
    def derivation_rules_hold(self):
        check_invariants()

    @invariant()
    def the_public_reads_only_approved_values(self):
        check_public_values(self.approved)


@pytest.fixture
def world(city, furong, tianxin, wenyilu, chaoyang, podzijie):
    user = UserFactory(username="property-editor")
    membership_grant(user=user, division=Division.objects.root(), role=Role.EDITOR)
    reviewers = {}
    for office in (city, furong, tianxin):
        reviewers[office.pk] = UserFactory(username=f"property-reviewer-{office.code}")
        membership_grant(user=reviewers[office.pk], division=office, role=Role.REVIEWER)
    channels = list(Channel.objects.order_by("display_order")[:4])
    CityEntryFactory(division=city)
    CityEntryFactory(division=city, channels=channels[1:3], audience_specific=True)
    CityEntryFactory(division=city, item_type="service", mode_on_request=True, levels=[])
    for division in (furong, tianxin, wenyilu, chaoyang, podzijie):
        catalog_derive(division=division, user=user)
    # The catalog starts as published (as the demo loads it): the machine then edits and reviews.
    review.catalog_publish_as_loaded(
        entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True))
    )
    check_invariants()
    return {
        "user": user,
        "reviewers": reviewers,
        "divisions": [city, furong, tianxin, wenyilu, chaoyang, podzijie],
        "channel_pks": [c.pk for c in channels],
        "spare_items": SecondLevelItemFactory.create_batch(2),
    }


def test_random_writes_keep_the_derivation_rules(world):
    machine = type("Machine", (DerivationMachine,), {"world": world})
    start = CatalogEntry.objects.count()

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=35,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )

    # Every example rolled back its own writes.
    assert CatalogEntry.objects.count() == start == 3 * 6
