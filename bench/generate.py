"""Generate a city reference catalog of city scale for benchmarks (1,542 second-level items)."""

from __future__ import annotations

import random

from catalog.models import CatalogEntry, Channel, Domain, FirstLevelItem, SecondLevelItem
from districts.models import Division

FIRST_LEVEL_TOTAL = 914
SECOND_LEVEL_TOTAL = 1542
CONTENT = (
    "1.办理事项、办理条件、申请材料、办理流程、办理时间、地点、联系方式；"
    "2.审批结果（项目名称、项目代码、批复文号、批复时间、审批部门）；3.相关政策法规文件"
)
BASIS = "《中华人民共和国政府信息公开条例》《企业投资项目核准和备案管理条例》《政府投资条例》"


SERVICE_TOTAL = 1252


def build_city_catalog(*, city: Division, seed: int = 2026, scale: float = 1.0) -> int:
    """Create 914 first-level and 1,542 second-level items (times ``scale``) and the city's
    entries, 1,252 of them service items; return how many entries."""
    rng = random.Random(seed)
    first_total = max(1, round(FIRST_LEVEL_TOTAL * scale))
    second_total = max(first_total, round(SECOND_LEVEL_TOTAL * scale))
    service_total = round(SERVICE_TOTAL * scale)
    domains = list(Domain.objects.order_by("display_order"))
    channels = list(Channel.objects.filter(is_standard=True))
    firsts = FirstLevelItem.objects.bulk_create(
        [
            FirstLevelItem(
                domain=domains[i % len(domains)], name=f"一级事项{i:04d}", display_order=i
            )
            for i in range(first_total)
        ]
    )
    # Every first-level item gets one second-level item, the rest are spread at random.
    owners = firsts + [rng.choice(firsts) for _ in range(second_total - first_total)]
    items = SecondLevelItem.objects.bulk_create(
        [
            SecondLevelItem(first_level=first, name=f"二级事项{i:04d}", display_order=i)
            for i, first in enumerate(owners)
        ]
    )
    entries = CatalogEntry.objects.bulk_create(
        [
            CatalogEntry(
                division=city,
                item=item,
                content=CONTENT,
                basis=BASIS,
                time_limit="信息形成（变更）之日起20个工作日内",
                subject="市发展改革委、各区县(市)人民政府",
                audience_all=True,
                audience_specific=rng.random() < 0.3,
                mode_active=True,
                mode_on_request=rng.random() < 0.2,
                levels=[
                    {"level": "县级", "channels": ["政府网站", "政务服务中心"]},
                    {"level": "乡级", "channels": ["政府网站", "便民服务站"]},
                ],
                item_type=(
                    CatalogEntry.ItemType.SERVICE
                    if i < service_total
                    else CatalogEntry.ItemType.NON_SERVICE
                ),
                service_name=f"二级事项{i:04d}" if i < service_total else "",
                content_title=f"二级事项{i:04d}信息",
            )
            for i, item in enumerate(items)
        ],
        batch_size=1000,
    )
    link = CatalogEntry.channels.through
    link.objects.bulk_create(
        [
            link(catalogentry_id=entry.pk, channel_id=channel.pk)
            for entry in entries
            for channel in rng.sample(channels, 3)
        ],
        batch_size=5000,
    )
    return len(entries)


GUIDES_PER_AREA = 132


def build_guides(*, seed: int = 2026) -> int:
    """Create 132 active guides in each county-level area, as a sync leaves them; return count.

    About a third of them carry the name of a service entry (二级事项NNNN), so that ties are
    made by name, as in the demo; the rest match nothing.
    """
    from django.utils import timezone

    from guides.models import Guide
    from guides.normalise import name_key

    rng = random.Random(seed)
    now = timezone.now()
    guides = []
    for county in Division.objects.counties():
        for n in range(GUIDES_PER_AREA):
            name = (
                f"二级事项{rng.randrange(SERVICE_TOTAL):04d}" if n % 3 == 0 else f"其他事项{n:03d}"
            )
            guides.append(
                Guide(
                    unify_id=f"{county.code}-{n:04d}",
                    name=name,
                    name_key=name_key(name),
                    area_code=county.code,
                    division=county,
                    content_hash="0" * 64,
                    first_synced_at=now,
                    changed_at=now,
                )
            )
    Guide.objects.bulk_create(guides, batch_size=1000)
    return len(guides)
