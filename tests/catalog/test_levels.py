"""The canonical 公开层级 and the variant labels real catalogs use (catalog/levels.py)."""

import pytest

from catalog.levels import CANONICAL, canonical_levels, levels_from
from districts.models import Division

CASES = [
    ("市级", ("市级",)),
    ("市本级", ("市级",)),
    ("县级", ("县级",)),
    ("区级", ("县级",)),
    ("区县级", ("县级",)),
    ("县(市、区)级", ("县级",)),
    ("乡级", ("乡级",)),
    ("镇级", ("乡级",)),
    ("街道级", ("乡级",)),
    ("乡镇级", ("乡级",)),
    ("镇(街)级", ("乡级",)),
    ("乡镇（街道）级", ("乡级",)),
    ("乡、村级", ("乡级", "村级")),
    ("乡(村)级", ("乡级", "村级")),
    ("村级", ("村级",)),
    ("社区级", ("村级",)),
    ("村(社区)级", ("村级",)),
    ("县级、乡级", ("县级", "乡级")),
    ("乡镇人民政府", ("乡级",)),
    # Not a level of this portal, or not a level at all.
    ("省级", ()),
    ("国家级", ()),
    ("", ()),
    ("其他", ()),
    ("县级、其他", ()),
]


@pytest.mark.parametrize(("label", "expected"), CASES)
def test_variant_labels_map_to_canonical_levels(label, expected):
    assert canonical_levels(label) == expected


def test_every_canonical_level_maps_to_itself():
    for level in CANONICAL:
        assert canonical_levels(level) == (level,)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (Division.Level.CITY, CANONICAL),
        (Division.Level.COUNTY, ("县级", "乡级", "村级")),
        (Division.Level.TOWNSHIP, ("乡级", "村级")),
    ],
)
def test_levels_from_a_division_run_down_from_its_own(level, expected):
    assert levels_from(Division(level=level)) == expected


@pytest.mark.django_db
def test_stored_variant_levels_are_rewritten_canonically_in_working_copy_and_snapshot(city):
    """The data migration's work (0014): 区级 / 镇(街)级 / 乡、村级 stored before levels were
    canonical become 县级 / 乡级 / 村级, merged, in order, in the entry and its published
    snapshot; an entry with a label naming no level is left for a person to correct."""
    from catalog.levels import canonicalise_stored_levels
    from catalog.models import CatalogEntry
    from tests.factories import CityEntryFactory

    variant = [
        {"level": "乡、村级", "channels": ["公开查阅点"]},
        {"level": "区级", "channels": ["政府网站"]},
        {"level": "镇(街)级", "channels": ["政府网站", "公开查阅点"]},
    ]
    canonical = [
        {"level": "县级", "channels": ["政府网站"]},
        {"level": "乡级", "channels": ["公开查阅点", "政府网站"]},
        {"level": "村级", "channels": ["公开查阅点"]},
    ]
    old = CityEntryFactory(division=city, levels=variant)
    CatalogEntry.objects.filter(pk=old.pk).update(
        published_values={"content": "x", "levels": variant}
    )
    good = CityEntryFactory(division=city, levels=canonical)
    odd = CityEntryFactory(division=city, levels=[{"level": "省级", "channels": []}])

    assert canonicalise_stored_levels(CatalogEntry) == 1
    old.refresh_from_db()
    assert old.levels == canonical
    assert old.published_values == {"content": "x", "levels": canonical}
    for entry, expected in ((good, canonical), (odd, [{"level": "省级", "channels": []}])):
        entry.refresh_from_db()
        assert entry.levels == expected
    # Run again, nothing is left to change.
    assert canonicalise_stored_levels(CatalogEntry, batch_size=1) == 0
