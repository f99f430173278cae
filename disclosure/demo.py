"""Demo 政府信息公开指南 for the demo divisions: made-up contact details, labelled 演示数据."""

from districts.models import Division

from .models import GuideVersion
from .services import guide_version_create

# (division code, office, address, postcode, phone, fax): invented for the demo, not the
# real offices' details.
DEMO_GUIDES = [
    (
        "430100",
        "长沙市人民政府办公厅（市政务公开办）",
        "长沙市岳麓区示例路1号（演示地址）",
        "410000",
        "0731-00000001",
        "0731-00000002",
    ),
    (
        "430102",
        "芙蓉区人民政府办公室（区政务公开办）",
        "长沙市芙蓉区示例路2号（演示地址）",
        "410000",
        "0731-00000011",
        "",
    ),
    (
        "430102001",
        "文艺路街道党政综合办公室",
        "长沙市芙蓉区示例路3号（演示地址）",
        "410000",
        "0731-00000021",
        "",
    ),
]
HOURS = "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）"


def build_demo_guides() -> int:
    """Issue a first 指南 version for each demo division that has none; return how many."""
    made = 0
    divisions = {d.code: d for d in Division.objects.filter(code__in=[g[0] for g in DEMO_GUIDES])}
    for code, office, address, postcode, phone, fax in DEMO_GUIDES:
        division = divisions.get(code)
        if division is None or GuideVersion.objects.filter(division=division).exists():
            continue
        guide_version_create(
            division=division,
            data={
                "office_name": office,
                "address": address,
                "postcode": postcode,
                "hours": HOURS,
                "phone": phone,
                "fax": fax,
                "change_note": "首次发布（演示数据）",
            },
            user=None,
            is_demo=True,
        )
        made += 1
    return made
