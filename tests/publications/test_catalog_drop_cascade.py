"""Drops and restores reach the public below only once the office above approves them."""

from catalog.models import CatalogEntry
from catalog.review import entries_approve, entries_submit
from catalog.services import entry_drop, entry_restore
from districts.models import Role


def _public(entry) -> bool:
    return CatalogEntry.objects.public().filter(pk=entry.pk).exists()


def test_an_approved_district_drop_hides_the_township_entry_and_a_restore_brings_it_back(office):
    district, township = office.entries["district"], office.entries["township"]
    editor, reviewer = office.user(Role.EDITOR, "district"), office.user(Role.REVIEWER, "city")

    entry_drop(entry=district, user=editor, confirm=True)
    # Dropped in the working copy, but nobody approved it yet: still public, both levels.
    assert _public(district) and _public(township)
    entries_submit(entries=[district], user=editor)
    entries_approve(entries=[district], user=reviewer)
    assert not _public(district) and not _public(township)

    district.refresh_from_db()
    entry_restore(entry=district, user=editor)
    assert not _public(township)
    entries_submit(entries=[district], user=editor)
    entries_approve(entries=[district], user=reviewer)
    assert _public(district) and _public(township)


def test_a_townships_own_pending_restore_stays_hidden_until_approved(office):
    township = office.entries["township"]
    editor, reviewer = office.user(Role.EDITOR, "township"), office.user(Role.REVIEWER, "district")
    entry_drop(entry=township, user=editor)
    entries_submit(entries=[township], user=editor)
    entries_approve(entries=[township], user=reviewer)
    assert not _public(township)
    township.refresh_from_db()
    entry_restore(entry=township, user=editor)
    # An unrelated approval upstream must not publish the township's own pending restore.
    city = office.entries["city"]
    from catalog.services import entry_update

    entry_update(entry=city, changes={"basis": "《社会救助暂行办法》"}, user=None)
    entries_submit(entries=[city], user=office.user(Role.EDITOR, "city"))
    entries_approve(entries=[city], user=office.user(Role.ADMINISTRATOR, "city"))
    assert not _public(township)
    township.refresh_from_db()
    assert township.published_values["basis"] == "《社会救助暂行办法》"
