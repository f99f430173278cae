"""Build the demonstration city reference catalog from real published catalog lines.

``fixtures/catalog_rows.csv`` holds lines from real county and township catalogs, each with its
source page. The demo catalog takes the first line of every (domain, first-level, second-level)
item, so the figures differ from any one county's published catalog. Everything built here is
flagged ``is_demo`` and labelled as demo data in the UI.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.db import transaction

from districts.models import Division

from .models import CatalogEntry, CatalogEvent, Channel, Domain, FirstLevelItem, SecondLevelItem

CHANNEL_ALIASES = {
    "发布会听证会": "发布会/听证会",
    "政府服务中心": "政务服务中心",
    "社区/企事业单位/村公示栏": "社区/企事业单位/村公示栏(电子屏)",
}
SERVICE_HINTS = ("办事指南", "审批", "许可", "核发")
# The service item (对应本级政务服务事项名称) each demo service entry names, where the
# second-level item is not itself the item's name ("办事指南" under 最低生活保障 is the guide of
# 最低生活保障对象认定). The provincial simulator carries these names in every area, so the demo
# entries tie to guides.
SERVICE_NAMES = {
    ("社会救助", "最低生活保障", "办事指南"): "最低生活保障对象认定",
    ("重大建设项目", "批准服务信息", "办事指南"): "企业投资项目核准",
    ("公共资源交易", "工程建设项目招标投标信息", "审批核准信息"): "招标事项审批核准",
    ("食品药品监管", "行政审批", "食品(含保健食品)生产许可服务指南"): "食品生产许可",
    ("食品药品监管", "行政审批", "食品(含保健食品)生产许可基本信息"): "食品生产许可",
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")


def parse_channels(text: str, known: dict[str, Channel]) -> list[Channel]:
    """Return the channels selected in a free-text channel cell (■ marks, lists or plain names)."""
    text = _norm(text)
    if "■" in text:
        # Only what follows a ■ is selected; anything after a □ or inside a note is not.
        tokens = [re.split(r"[□(\[]", part)[0] for part in text.split("■")[1:]]
    else:
        tokens = re.split(r"[,，、;；]|\d+\.", text)
    found: list[Channel] = []
    for token in tokens:
        token = CHANNEL_ALIASES.get(token, token)
        channel = known.get(token)
        if channel is None and token.startswith("社区/企事业单位/村公示栏"):
            channel = known.get("社区/企事业单位/村公示栏(电子屏)")
        if channel is not None and channel not in found:
            found.append(channel)
    return found


@transaction.atomic
def build_reference_catalog(*, city: Division, path: Path, user=None) -> int:
    """Create the city's demo reference catalog from the real lines; return entries created.

    Items and entries that already exist are left alone, so running it twice changes nothing.
    """
    known = {_norm(c.name): c for c in Channel.objects.all()}
    domains = {d.name: d for d in Domain.objects.all()}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen: set[tuple[str, str, str]] = set()
    created = 0
    for row in rows:
        domain = domains.get(row["domain"])
        first_name = (row["item_l1"] or row["catalog_l0"] or "综合信息").strip()
        second_name = row["item_l2"].strip()
        key = (row["domain"], first_name, second_name)
        if domain is None or not second_name or key in seen:
            continue
        seen.add(key)
        first, _ = FirstLevelItem.objects.get_or_create(
            domain=domain,
            name=first_name,
            defaults={"display_order": FirstLevelItem.objects.filter(domain=domain).count() + 1},
        )
        item, _ = SecondLevelItem.objects.get_or_create(
            first_level=first,
            name=second_name,
            defaults={
                "display_order": SecondLevelItem.objects.filter(first_level=first).count() + 1
            },
        )
        if CatalogEntry.objects.filter(division=city, item=item).exists():
            continue
        channels = parse_channels(row["channels_selected"], known) or [known["政府网站"]]
        marks = [
            row["audience_all"],
            row["audience_specific"],
            row["mode_active"],
            row["mode_on_request"],
        ]
        has_marks = any(m.strip() for m in marks)
        is_service = any(hint in second_name for hint in SERVICE_HINTS)
        entry = CatalogEntry.objects.create(
            division=city,
            item=item,
            content=row["content"].strip(),
            basis=row["basis"].strip(),
            time_limit=row["time_limit"].strip() or "信息形成（变更）之日起20个工作日内",
            subject=row["subject"].strip(),
            # A line whose marks name neither choice still discloses to someone: by default
            # 全社会 and 主动, as the standard guidelines presume.
            audience_all=bool(row["audience_all"].strip())
            or not has_marks
            or not row["audience_specific"].strip(),
            audience_specific=bool(row["audience_specific"].strip()),
            mode_active=bool(row["mode_active"].strip())
            or not has_marks
            or not row["mode_on_request"].strip(),
            mode_on_request=bool(row["mode_on_request"].strip()),
            levels=[
                {"level": level.strip(), "channels": [c.name for c in channels]}
                for level in row["level_headers"].split("|")
                if level.strip()
            ],
            item_type=CatalogEntry.ItemType.SERVICE
            if is_service
            else CatalogEntry.ItemType.NON_SERVICE,
            service_name=SERVICE_NAMES.get(key, second_name) if is_service else "",
            content_title=f"{second_name}信息" if not second_name.endswith("信息") else second_name,
            remarks=f"演示数据：取自{row['publisher']}公开的目录（{row['source_url']}）。",
            is_demo=True,
            updated_by=user,
        )
        entry.channels.set(channels)
        created += 1
    if created:
        CatalogEvent.objects.create(
            division=city,
            action=CatalogEvent.Action.CREATE,
            user=user,
            detail={"demo": True, "created": created},
        )
    return created
