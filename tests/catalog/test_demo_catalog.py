"""The demo city's reference catalog (fixtures/reference_catalog/): every domain, written in
the city's own terms, read whole and loaded once."""

from __future__ import annotations

import csv

import pytest
from django.conf import settings

from catalog.demo import build_reference_catalog, read_reference_catalog
from catalog.levels import CANONICAL
from catalog.models import CatalogEntry, Domain, FirstLevelItem

DIRECTORY = settings.FIXTURES_DIR / "reference_catalog"
# Names a line copied from another city's catalog would carry.
FOREIGN = ("武汉", "武昌", "上海", "北京市", "重庆", "渝北", "深圳", "成都", "广州", "杭州", "同上")


@pytest.mark.django_db
def test_every_domain_file_reads_and_names_a_domain(reference_data):
    lines = read_reference_catalog(DIRECTORY)
    slugs = set(Domain.objects.values_list("slug", flat=True))
    assert {line.domain for line in lines} == slugs and len(slugs) == 26
    keys = [(line.domain, line.first, line.second) for line in lines]
    assert len(keys) == len(set(keys)), "an item appears twice"
    assert len(lines) >= 850
    for line in lines:
        row = line.row
        assert row["source"].strip(), (line.first, line.second)
        text = " ".join((row["subject"], row["basis"], row["content"], row["time_limit"]))
        assert not [w for w in FOREIGN if w in text], (line.first, line.second, text)


@pytest.mark.django_db
def test_a_bad_line_is_named_with_its_file_and_line(reference_data, tmp_path):
    source = next(DIRECTORY.glob("18-*.csv"))
    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    rows[1]["levels"] = "省级"
    with (tmp_path / source.name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match=f"{source.name} 第3行"):
        read_reference_catalog(tmp_path)


@pytest.mark.django_db
def test_the_city_catalog_is_built_once_with_canonical_levels(city):
    created = build_reference_catalog(city=city, directory=DIRECTORY)
    assert build_reference_catalog(city=city, directory=DIRECTORY) == 0

    entries = CatalogEntry.objects.filter(division=city)
    assert entries.count() == created >= 850
    assert FirstLevelItem.objects.filter(second_level_items__entries__division=city).distinct()
    assert set(entries.values_list("item__first_level__domain", flat=True).distinct()) == set(
        Domain.objects.values_list("pk", flat=True)
    )
    services = entries.filter(item_type=CatalogEntry.ItemType.SERVICE)
    assert services.count() >= 150 and not services.filter(service_name="").exists()
    for levels in entries.values_list("levels", flat=True):
        names = [level["level"] for level in levels]
        assert names and names == [n for n in CANONICAL if n in names]
    assert not entries.filter(is_demo=False).exists()
    assert not entries.exclude(remarks__startswith="演示数据").exists()
