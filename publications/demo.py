"""Demo publications: a few per demo office, in every state, so the working list has content.

They are written through the services (create, submit, approve, return), by the demo accounts,
so their histories read like real ones. Every one is marked as demo data.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from catalog.models import CatalogEntry
from districts.codes import demo_uscc
from districts.models import Division

from . import services
from .models import Publication, PublicationType, Theme

User = get_user_model()

# (division code, item name, title, doc no, days ago formed, outcome)
# outcome: published / submitted / returned / draft
DEMO = [
    (
        "430100",
        "政策法规文件",
        "长沙市最低生活保障实施细则（2026年修订）",
        "长民发〔2026〕12号",
        60,
        "published",
    ),
    ("430100", "政府预算", "长沙市2026年市级一般公共预算", "", 75, "published"),
    ("430100", "养老机构投资指南", "长沙市养老机构投资指南（2026年版）", "", 20, "submitted"),
    ("430100", "监督检查", "长沙市社会救助专项检查情况通报（第三季度）", "", 5, "draft"),
    ("430102", "政策法规文件", "芙蓉区城乡低保对象认定办法", "芙民发〔2026〕5号", 50, "published"),
    ("430102", "监督检查", "芙蓉区2026年社会救助资金专项审计整改情况", "", 15, "submitted"),
    ("430102", "农机购置补贴", "芙蓉区2026年农机购置补贴资金分配结果", "", 30, "returned"),
    ("430102", "公开环保工作动态", "芙蓉区11月生态环境工作动态", "", 3, "draft"),
    ("430102001", "监督检查", "文艺路街道2026年10月低保资金发放情况公示", "", 40, "published"),
    ("430102001", "政策法规文件", "文艺路街道临时救助办理流程告知", "", 12, "submitted"),
    ("430102001", "法律知识普及服务", "文艺路街道“宪法宣传周”活动安排", "", 35, "draft"),
    ("430102001", "公共文化机构免费开放信息", "文艺路街道综合文化站免费开放时间", "", 2, "draft"),
]

# Each demo title's type and 主题分类 (fixtures/publication_types.csv, fixtures/themes.csv).
ATTRIBUTES = {
    "长沙市最低生活保障实施细则（2026年修订）": ("zhengce", "17.01"),
    "长沙市2026年市级一般公共预算": ("yujuesuan", "04.01"),
    "长沙市养老机构投资指南（2026年版）": ("tongzhi", "17.01"),
    "长沙市社会救助专项检查情况通报（第三季度）": ("tongzhi", "17.01"),
    "芙蓉区城乡低保对象认定办法": ("zhengce", "17.01"),
    "芙蓉区2026年社会救助资金专项审计整改情况": ("tongzhi", "04.04"),
    "芙蓉区2026年农机购置补贴资金分配结果": ("zijin", "06.01"),
    "芙蓉区11月生态环境工作动态": ("dongtai", "10.04"),
    "文艺路街道2026年10月低保资金发放情况公示": ("zijin", "17.01"),
    "文艺路街道临时救助办理流程告知": ("tongzhi", "17.01"),
    "文艺路街道“宪法宣传周”活动安排": ("dongtai", "16.02"),
    "文艺路街道综合文化站免费开放时间": ("tongzhi", "12.01"),
}

BODY = (
    "<p>根据《中华人民共和国政府信息公开条例》和本级政务公开标准目录，现将有关信息公开如下。</p>"
    "<p>本条为<strong>演示数据</strong>，内容为示例，不是正式公开的政府信息。</p>"
    "<ul><li>公开主体：见上</li><li>咨询方式：见本级政务公开专栏</li></ul>"
)


def _users() -> dict[str, User]:
    names = [f"{p}_{r}" for p in ("city", "furong", "wenyilu") for r in ("editor", "reviewer")]
    return {u.username: u for u in User.objects.filter(username__in=names)}


@transaction.atomic
def build_demo_publications() -> int:
    """Create the demo publications once (none if any exist) and return how many were made."""
    if Publication.objects.filter(is_demo=True).exists():
        return 0
    users = _users()
    prefix = {"430100": "city", "430102": "furong", "430102001": "wenyilu"}
    # Who reviews whom: the office above, or the city office for the city itself.
    reviewer = {
        "430100": "city_reviewer",
        "430102": "city_reviewer",
        "430102001": "furong_reviewer",
    }
    today = timezone.localdate()
    # Made-up, checksum-valid organisation codes, so that the demo 索引号 read like real ones.
    for division in Division.objects.filter(code__in=prefix, org_code=""):
        division.org_code = demo_uscc(division.code)
        division.save(update_fields=["org_code"])
    types = {t.slug: t.pk for t in PublicationType.objects.all()}
    themes = {t.code: t.pk for t in Theme.objects.all()}
    made = 0
    for code, item_name, title, doc_no, days_ago, outcome in DEMO:
        entry = (
            CatalogEntry.objects.public()
            .filter(division__code=code, item__name=item_name, is_dropped=False)
            .select_related("division", "item")
            .order_by("pk")
            .first()
        )
        editor = users.get(f"{prefix[code]}_editor")
        if entry is None or editor is None:
            continue
        publication = services.publication_create(
            entry=entry,
            data={
                "title": title,
                "doc_no": doc_no,
                "body": BODY,
                "formed_on": today - dt.timedelta(days=days_ago),
                "pub_type": types.get(ATTRIBUTES[title][0]),
                "theme": themes.get(ATTRIBUTES[title][1]),
            },
            user=editor,
            is_demo=True,
        )
        if outcome != "draft":
            services.publication_submit(publication=publication, user=editor)
        if outcome == "published":
            services.publication_approve(publication=publication, user=users[reviewer[code]])
        elif outcome == "returned":
            services.publication_return(
                publication=publication,
                user=users[reviewer[code]],
                reason="请补充资金分配明细表（演示）。",
            )
        made += 1
    return made
