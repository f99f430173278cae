"""Build the demonstration city reference catalog from ``fixtures/reference_catalog/``.

One CSV per domain (``NN-<domain slug>.csv``): every line is a 一级事项 / 二级事项 with its
elements written in the city's own terms, and the 标准指引 or page it follows in ``source``
(fixtures/README.md lists the sources). Everything built here is flagged ``is_demo`` and
labelled as demo data in the UI.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from districts.models import Division

from .levels import CANONICAL, canonical_levels
from .models import CatalogEntry, CatalogEvent, Channel, Domain, FirstLevelItem, SecondLevelItem

DEFAULT_TIME_LIMIT = "信息形成（变更）之日起20个工作日内"


@dataclass(frozen=True, slots=True)
class Line:
    """One reference catalog line, as read from its domain's file."""

    domain: str  # the domain's slug
    first: str
    second: str
    row: dict


def read_reference_catalog(directory: Path) -> list[Line]:
    """Return every line of the domain files in ``directory``, in file and line order.

    Raise ValueError naming the file and line when a line lacks its items or names a level,
    channel, 公开对象 or 公开方式 the portal does not know: the fixtures are ours, so a bad
    line is a mistake to fix, not to skip.
    """
    channels = set(Channel.objects.values_list("name", flat=True))
    lines = []
    for path in sorted(directory.glob("*.csv")):
        slug = path.stem.split("-", 1)[-1]
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                where = f"{path.name} 第{number}行"
                first, second = row["item_l1"].strip(), row["item_l2"].strip()
                if not first or not second:
                    raise ValueError(f"{where}：缺少一级或二级事项。")
                unknown = [c for c in _split(row["channels"]) if c not in channels]
                levels = [
                    lv for label in row["levels"].split("|") for lv in canonical_levels(label)
                ]
                if unknown or not levels or row["audience"] not in ("全社会", "特定群体"):
                    raise ValueError(f"{where}：渠道、层级或公开对象不可识别。")
                if row["mode"] not in ("主动", "依申请"):
                    raise ValueError(f"{where}：公开方式应为“主动”或“依申请”。")
                lines.append(Line(slug, first, second, row))
    return lines


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("、") if part.strip()]


@transaction.atomic
def build_reference_catalog(*, city: Division, directory: Path, user=None) -> int:
    """Create the city's demo reference catalog from the domain files; return entries created.

    Items and entries that already exist are left alone, so running it twice changes nothing.
    A line repeating an item already read (same domain, 一级 and 二级事项) is skipped.
    """
    lines = read_reference_catalog(directory)
    domains = {d.slug: d for d in Domain.objects.all()}
    missing = sorted({line.domain for line in lines} - set(domains))
    if missing:
        raise ValueError(f"参考目录文件名中的领域不存在：{'、'.join(missing)}")
    firsts = {(f.domain_id, f.name): f for f in FirstLevelItem.objects.all()}
    new_firsts = []
    for line in lines:
        key = (domains[line.domain].pk, line.first)
        if key not in firsts:
            order = sum(1 for k in firsts if k[0] == key[0]) + 1
            firsts[key] = FirstLevelItem(domain_id=key[0], name=line.first, display_order=order)
            new_firsts.append(firsts[key])
    FirstLevelItem.objects.bulk_create(new_firsts)
    firsts = {(f.domain_id, f.name): f for f in FirstLevelItem.objects.all()}

    seconds = {(s.first_level_id, s.name): s for s in SecondLevelItem.objects.all()}
    counts: dict[int, int] = {}
    for first_id, _ in seconds:
        counts[first_id] = counts.get(first_id, 0) + 1
    new_seconds = []
    for line in lines:
        first = firsts[(domains[line.domain].pk, line.first)]
        if (first.pk, line.second) not in seconds:
            counts[first.pk] = counts.get(first.pk, 0) + 1
            item = SecondLevelItem(
                first_level=first, name=line.second, display_order=counts[first.pk]
            )
            seconds[(first.pk, line.second)] = item
            new_seconds.append(item)
    SecondLevelItem.objects.bulk_create(new_seconds)
    seconds = {(s.first_level_id, s.name): s for s in SecondLevelItem.objects.all()}

    channel_ids = dict(Channel.objects.values_list("name", "pk"))
    have = set(CatalogEntry.objects.filter(division=city).values_list("item_id", flat=True))
    entries, entry_channels = [], []
    for line in lines:
        first = firsts[(domains[line.domain].pk, line.first)]
        item = seconds[(first.pk, line.second)]
        if item.pk in have:
            continue
        have.add(item.pk)
        row = line.row
        names = _split(row["channels"]) or ["政府网站"]
        ticked = {lv for label in row["levels"].split("|") for lv in canonical_levels(label)}
        specific = row["audience"] == "特定群体"
        on_request = row["mode"] == "依申请"
        service = row["service_name"].strip()
        entries.append(
            CatalogEntry(
                division=city,
                item=item,
                content=row["content"].strip(),
                basis=row["basis"].strip(),
                time_limit=row["time_limit"].strip() or DEFAULT_TIME_LIMIT,
                subject=row["subject"].strip(),
                audience_all=not specific,
                audience_specific=specific,
                mode_active=not on_request,
                mode_on_request=on_request,
                levels=[{"level": n, "channels": names} for n in CANONICAL if n in ticked],
                item_type=CatalogEntry.ItemType.SERVICE
                if service
                else CatalogEntry.ItemType.NON_SERVICE,
                service_name=service,
                content_title=line.second if line.second.endswith("信息") else f"{line.second}信息",
                remarks=f"演示数据：按{row['source'].strip()}编写。",
                is_demo=True,
                updated_by=user,
            )
        )
        entry_channels.append([channel_ids[n] for n in names])
    CatalogEntry.objects.bulk_create(entries, batch_size=500)
    through = CatalogEntry.channels.through
    through.objects.bulk_create(
        [
            through(catalogentry_id=entry.pk, channel_id=channel)
            for entry, ids in zip(entries, entry_channels, strict=True)
            for channel in ids
        ],
        batch_size=2000,
    )
    if entries:
        CatalogEvent.objects.create(
            division=city,
            action=CatalogEvent.Action.CREATE,
            user=user,
            detail={"demo": True, "created": len(entries)},
        )
    return len(entries)
