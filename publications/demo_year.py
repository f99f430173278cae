"""A year of demo publications for every column: the city, each district and each township.

Each division gets a plausible year of published information under its own catalog entries:
monthly 资金发放 reports, 名单公示, 部门预决算, policy documents with a 文号 (and the 解读 a
type that needs one carries), 招标公告, 行政处罚决定, 通知公告, 工作动态 … Titles name the
division and the entry's domain or items; the 公开主体 is the division's own body (its
department where the entry has one). Every row is demo data (``is_demo``), and its text says so.

The rows are written in bulk in their published state, as a load of what was published
elsewhere (like ``catalog_publish_as_loaded``): one event each, 索引号 from the division's
counters, no e-mail and no task per row; ``publications_loaded`` tells the search index and
the page cache afterwards.

Dates: the year ends the day before ``today`` (the local date by default). A fixed reference
date would leave the portal's "latest" lists a year stale after a year, or put publish times
in the future on a machine whose clock is behind it; so the demo always looks current, and the
output is deterministic per day: the random choices come from a constant seed and the
division's code, never from the clock, so the same day (or the same ``today``) gives the same
rows, and on another day the same rows shifted with it.

Idempotent per division: a division that has rows by the demo-year author is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from catalog.models import CatalogEntry
from districts.models import Division
from workcalendar.calendar import CalendarNotCovered, WorkingCalendar
from workcalendar.deadlines import parse_time_limit

from .models import (
    IndexSerial,
    InterpretationForm,
    Publication,
    PublicationEvent,
    PublicationType,
    Theme,
)
from .signals import publications_loaded

User = get_user_model()

SEED = "changsha-demo-year"
#: The demo accounts the rows name as 填报人/提交人 and 审核人 (inactive, no password).
AUTHOR, REVIEWER = "demo_year_editor", "demo_year_reviewer"
BATCH = 1000
EVENT_REASON = "载入时即为已发布的公开信息（演示数据：一年的公开信息），未经本平台审核。"
DEMO_NOTE = "<p>（演示数据，非正式公开信息。）</p>"

#: How many publications a division gets in its year, by level (解读 included).
VOLUME = {
    Division.Level.CITY: (150, 150),
    Division.Level.COUNTY: (140, 230),
    Division.Level.TOWNSHIP: (22, 45),
}

# ---------------------------------------------------------------------------------------------
# What a domain's publications talk about.

#: Subjects a domain's titles name when an item's own name is too generic to.
TOPICS = {
    "城乡规划": ["国土空间详细规划", "控制性详细规划", "建设工程规划许可", "村庄规划"],
    "重大建设项目": ["政府投资项目", "重点建设项目", "城市更新项目", "基础设施项目"],
    "公共资源交易": ["政府采购", "工程建设项目招标投标", "国有产权交易", "土地使用权出让"],
    "财政预决算": ["部门预算", "部门决算", "政府债务", "“三公”经费"],
    "安全生产": ["安全生产大检查", "危险化学品安全", "燃气安全", "消防安全"],
    "税收管理": ["减税降费", "小微企业税费优惠", "个人所得税汇算清缴", "纳税信用评价"],
    "征地补偿": ["土地征收补偿安置", "征地区片综合地价", "被征地农民社会保障"],
    "国有土地上房屋征收与补偿": ["房屋征收补偿", "棚户区改造", "征收补偿安置"],
    "生态环境": ["大气污染防治", "河长制", "建设项目环境影响评价", "生态环境保护督察"],
    "公共文化服务": ["公共文化场馆免费开放", "送戏下乡", "全民阅读", "群众文化活动"],
    "公共法律服务": ["法律援助", "人民调解", "法治宣传教育", "公共法律服务"],
    "扶贫": ["防止返贫监测帮扶", "脱贫人口小额信贷", "乡村振兴衔接资金", "消费帮扶"],
    "救灾": ["受灾人员冬春生活救助", "自然灾害救助", "防汛救灾", "灾害信息员队伍建设"],
    "食品药品监管": ["食品安全抽检", "校园食品安全", "药品零售企业监督检查", "食品生产许可"],
    "城市综合执法": ["市容环境整治", "违法建设治理", "渣土运输管理", "户外广告设置"],
    "就业": ["一次性创业补贴", "公益性岗位补贴", "职业技能培训补贴", "就业见习"],
    "社会保险": ["城乡居民基本养老保险", "城乡居民基本医疗保险", "工伤保险", "失业保险"],
    "社会救助": ["城乡最低生活保障", "特困人员救助供养", "临时救助", "低保边缘家庭救助"],
    "养老服务": ["高龄津贴", "养老服务补贴", "居家养老服务", "特殊困难老年人探访关爱"],
    "户籍管理": ["户口迁移", "居住证办理", "居民身份证办理", "人才落户"],
    "涉农补贴": ["耕地地力保护补贴", "农机购置补贴", "实际种粮农民一次性补贴", "稻谷补贴"],
    "义务教育": ["义务教育阶段招生入学", "学生资助", "课后服务", "控辍保学"],
    "卫生健康": ["计划生育家庭特别扶助", "基本公共卫生服务", "家庭医生签约服务", "疫苗接种"],
    "市政服务": ["城市道路维护", "路灯设施维护", "供水管网改造", "公共厕所提质"],
    "农村危房改造": ["农村低收入群体危房改造", "农房安全隐患排查", "农村危房改造补助"],
    "保障性住房": ["公共租赁住房", "保障性租赁住房", "住房租赁补贴", "共有产权住房"],
}
#: 主题分类 (fixtures/themes.csv) of a domain's publications.
DOMAIN_THEMES = {
    "城乡规划": "10.01",
    "重大建设项目": "03.01",
    "公共资源交易": "04.05",
    "财政预决算": "04.01",
    "安全生产": "09.03",
    "税收管理": "04.02",
    "征地补偿": "05.01",
    "国有土地上房屋征收与补偿": "10.02",
    "生态环境": "10.04",
    "公共文化服务": "12.01",
    "公共法律服务": "16.02",
    "扶贫": "17.03",
    "救灾": "17.02",
    "食品药品监管": "09.02",
    "城市综合执法": "10.05",
    "就业": "15.01",
    "社会保险": "15.02",
    "社会救助": "17.01",
    "养老服务": "17.01",
    "户籍管理": "16.01",
    "涉农补贴": "06.01",
    "义务教育": "11.02",
    "卫生健康": "13.01",
    "市政服务": "10.02",
    "农村危房改造": "10.02",
    "保障性住房": "10.02",
}
TYPE_THEMES = {"yujuesuan": "04.01", "renshi": "15.03", "tongji": "03.04", "yingji": "02.01"}
#: Projects a 招标公告 names.
PROJECTS = [
    "背街小巷提质改造",
    "老旧小区改造",
    "雨污分流改造",
    "社区综合服务中心改造",
    "公共厕所提质改造",
    "农村道路硬化",
    "政务服务中心物业管理服务",
    "城市绿化养护",
    "智慧社区平台建设",
    "应急物资储备库建设",
]
#: Cases a 行政处罚决定 is about (the party is named only as 某…, as a published one would be
#: after its personal information is removed).
CASES = [
    ("某餐饮店", "占道经营"),
    ("某建筑工地", "未采取扬尘防治措施"),
    ("某商户", "擅自设置户外广告"),
    ("某运输公司", "未按规定运输建筑垃圾"),
    ("某超市", "销售过期食品"),
    ("某公司", "未按规定处置一般工业固体废物"),
]
#: The 文号 abbreviation of a department, by its name after the level prefix.
DEPARTMENT_ABBR = {
    "民政局": "民",
    "人力资源和社会保障局": "人社",
    "城市管理和综合执法局": "城管",
    "卫生健康局": "卫健",
    "住房和城乡建设局": "住建",
    "财政局": "财",
}

# An item's names choose the types it is published as: (pattern, type slug), first match first.
TYPE_RULES = [
    (re.compile(r"规范性文件"), "guifanxing"),
    (re.compile(r"预算|决算"), "yujuesuan"),
    (re.compile(r"招标|采购|交易|出让"), "zhaobiao"),
    (re.compile(r"处罚|执法"), "chufa"),
    (re.compile(r"许可|审批|核准|备案|登记"), "xuke"),
    (re.compile(r"名单|对象|公示|认定"), "mingdan"),
    (re.compile(r"资金|补贴|补助|津贴|发放|救助"), "zijin"),
    (re.compile(r"规划|计划|方案"), "guihua"),
    (re.compile(r"统计|数据|监测"), "tongji"),
    (re.compile(r"应急|预案|灾"), "yingji"),
    (re.compile(r"法律|法规|政策|文件|制度|办法"), "zhengce"),
]
# Item names this generic say nothing in a title: the domain's topics stand in for them.
GENERIC = re.compile(
    r"法律|法规|政策|文件|指南|流程|清单|标准|信息|过程|结果|检查|综合|服务|办理|审批|核准|监督|其他|、"
)

# Title templates by type: (template, months it is published in or None for any).
# Fields: div (the division), org (公开主体), topic, l1, l2, domain, y (year), py (the year
# before), pm (the month reported on, "2026年10月"), q (the quarter reported on), project,
# party and act (a 行政处罚 case).
TITLES = {
    "zijin": [
        ("{div}{pm}{topic}资金发放情况", None),
        ("{div}{y}年第{q}季度{topic}资金发放情况公示", None),
        ("{div}{y}年{l2}资金分配结果", None),
    ],
    "mingdan": [
        ("关于{div}{y}年度{topic}对象的公示", None),
        ("{div}{pm}{topic}新增对象名单公示", None),
        ("{div}{y}年{l2}拟享受对象名单公示", None),
    ],
    "yujuesuan": [
        ("{div}{y}年部门预算公开", (1, 2, 3)),
        ("{div}{py}年部门决算公开", (7, 8, 9)),
        ("{org}{y}年部门预算", (2, 3)),
        ("{org}{py}年部门决算", (8, 9)),
    ],
    "zhengce": [
        ("{org}关于印发《{div}{topic}实施细则》的通知", None),
        ("{org}关于进一步做好{topic}工作的通知", None),
        ("{org}关于调整{div}{topic}标准的通知", None),
    ],
    "guifanxing": [
        ("{org}关于印发《{div}{topic}管理办法》的通知", None),
        ("{org}关于印发《{div}{topic}实施办法》的通知", None),
    ],
    "zhaobiao": [
        ("{div}{project}项目招标公告", None),
        ("{div}{project}项目竞争性磋商公告", None),
        ("{div}{project}项目中标结果公告", None),
    ],
    "chufa": [
        ("{org}关于对{party}{act}的行政处罚决定", None),
        ("{div}{pm}{domain}领域行政处罚结果公开", None),
    ],
    "xuke": [
        ("{div}{pm}{l2}结果公示", None),
        ("{div}{pm}{topic}审批结果公开", None),
    ],
    "tongzhi": [
        ("关于{div}{topic}有关事项的通知", None),
        ("关于开展{div}{y}年{topic}工作的通告", None),
        ("{div}关于{l2}相关事项的公告", None),
    ],
    "dongtai": [
        ("{div}召开{y}年{domain}工作推进会", None),
        ("{div}开展{topic}主题宣传", None),
        ("{div}扎实推进{l1}工作", None),
        ("{div}组织开展{topic}专项检查", None),
    ],
    "guihua": [
        ("{div}{y}年{domain}工作要点", (1, 2, 3)),
        ("{div}{topic}工作实施方案", None),
        ("{div}{y}年{l1}工作计划", (1, 2, 3, 4)),
    ],
    "tongji": [
        ("{div}{pm}{topic}统计数据", None),
        ("{div}{y}年第{q}季度{domain}主要指标", None),
    ],
    "yingji": [
        ("{div}{y}年{topic}应急演练情况", None),
        ("{div}{topic}应急预案（{y}年修订）", None),
    ],
}
# A 解读's title, from its policy's quoted name.
INTERPRETATION_TITLES = {
    InterpretationForm.TEXT: "《{name}》政策解读",
    InterpretationForm.QA: "《{name}》问答",
}

# Bodies: a few short paragraphs. What varies (the division, the numbers) is kept to one
# sentence; the rest repeats across divisions, so the search index segments little new text.
OPENING = "现将{div}{topic}有关情况公开如下。"
BODIES = {
    "zijin": [
        "{when}共为{n}户{people}人发放资金{amount}万元。",
        "资金已通过“一卡通”发放到户，发放明细在各村（社区）公示栏张贴，接受群众监督。",
    ],
    "mingdan": [
        "经申请、调查、评议和审核，拟将{n}户{people}人纳入保障范围（已隐去身份证号码等个人信息）。",
        "公示期为7日。对公示对象有异议的，可在公示期内书面反映。",
    ],
    "yujuesuan": [
        "公开内容包括收支总表、财政拨款收支表和“三公”经费支出表，“三公”经费{amount}万元。",
        "“三公”经费较上年有所下降，主要是严格落实过紧日子要求、压减一般性支出。",
    ],
    "zhengce": [
        "一、明确职责分工。{org}牵头负责，各相关单位按职责做好政策宣传、受理审核和监督检查。",
        "二、规范办理流程。严格执行申请、受理、审核、公示等环节的办理时限。",
        "三、加强监督管理。畅通投诉举报渠道。本通知自印发之日起施行。",
    ],
    "zhaobiao": [
        "项目预算{amount}万元，计划工期{days}日历天。",
        "投标人须具备相应资质和类似项目业绩，本项目不接受联合体投标。招标文件请在长沙公共资源交易电子服务平台下载。",
    ],
    "chufa": [
        "当事人：{party}（统一社会信用代码已按规定隐去）。经查，当事人存在{act}的行为，决定处罚款{fine}元。",
        "当事人如不服本决定，可依法申请行政复议或者提起行政诉讼。",
    ],
    "xuke": [
        "{when}共受理申请{n}件，办结{n}件。",
        "均在法定时限内办结；许可结果详见附表（涉及个人隐私的已依法处理）。",
    ],
    "tongzhi": [
        "申请人可到{office}或通过湖南省政务服务网在线办理。",
        "办理时间为法定工作日上午9:00至12:00、下午13:30至17:30。所需材料以办事指南为准。",
    ],
    "dongtai": [
        "今年以来，已组织开展相关活动{n}场，服务群众{people}人次。",
        "会议要求，各单位要压实工作责任，聚焦群众关心的热点难点问题，推动各项工作落地见效。",
    ],
    "guihua": [
        "一、主要目标。完成年度各项任务指标，群众满意度进一步提升。",
        "二、重点任务。细化工作清单，明确责任单位和完成时限。三、保障措施。加强组织领导和督促检查。",
    ],
    "tongji": [
        "{when}办理业务{n}件，惠及群众{people}人次，涉及资金{amount}万元。",
        "以上数据为快报数，最终以统计部门公布的数据为准。",
    ],
    "yingji": [
        "参演人员{people}人。",
        "演练检验了预案的可操作性和部门协同能力，针对发现的问题已制定整改措施。",
    ],
}
BODIES["guifanxing"] = BODIES["zhengce"]
INTERPRETATION_BODY = [
    "一、制定背景。为进一步规范{topic}工作，{org}起草了《{name}》。",
    "二、主要内容。文件明确了适用对象、办理条件和各环节时限。",
    "三、施行时间。本文件自印发之日起施行，有效期五年。",
]
QUOTED = re.compile(r"《(.+?)》")
# An item name that already says what the template adds: "低保资金发放" + "资金发放情况".
REPEATS = [
    (re.compile(r"(资金发放|资金|发放)资金发放"), "资金发放"),
    (re.compile(r"(资金)资金"), r"\1"),
    (re.compile(r"(公示|名单)(名单公示|对象的公示)"), r"\2"),
    (re.compile(r"(结果)(结果公示)"), r"\2"),
    (re.compile(r"(公告)公告"), r"\1"),
]


def _paragraphs(texts: list[str], fields: dict) -> str:
    """Return ``texts`` filled in from ``fields`` as indented paragraphs."""
    return "".join(f"<p>　　{text.format(**fields)}</p>" for text in texts)


def _tidy(title: str) -> str:
    for pattern, replacement in REPEATS:
        title = pattern.sub(replacement, title)
    return title[:300]


def _authors() -> tuple[User, User]:
    """Return the demo-year 填报人 and 审核人, created once (inactive: nobody logs in as them)."""
    users = []
    for username, name in ((AUTHOR, "演示填报员"), (REVIEWER, "演示审核员")):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": name, "is_active": False}
        )
        users.append(user)
    return users[0], users[1]


class _Year:
    """What planning needs that is the same for every division, read once."""

    def __init__(self, today: dt.date):
        self.today = today
        self.first = today - dt.timedelta(days=365)
        self.last = today - dt.timedelta(days=1)
        self.days = {None: [self.first + dt.timedelta(days=i) for i in range(365)]}
        types = list(PublicationType.objects.filter(is_active=True))
        self.types = {t.slug: t for t in types}
        self.interpretation = next((t for t in types if t.is_interpretation), None)
        self.fits: dict[int, set[int]] = defaultdict(set)
        for type_id, item_id in PublicationType.items.through.objects.values_list(
            "publicationtype_id", "secondlevelitem_id"
        ):
            self.fits[type_id].add(item_id)
        self.themes = dict(Theme.objects.values_list("code", "pk"))
        self.calendar = WorkingCalendar.for_range(self.first, today + dt.timedelta(days=60))
        self.rules: dict = {}
        self.root_name = Division.objects.root().name

    def fits_item(self, pub_type: PublicationType, item_id: int) -> bool:
        items = self.fits.get(pub_type.pk)
        return not items or item_id in items

    def is_working_day(self, day: dt.date) -> bool:
        try:
            return self.calendar.is_working_day(day)
        except CalendarNotCovered:
            # A year not entered yet: weekdays stand in for its working days.
            return day.weekday() < 5

    def due(self, time_limit: str, formed_on: dt.date) -> tuple[dt.date | None, str]:
        rule = self.rules.get(time_limit)
        if rule is None:
            rule = self.rules[time_limit] = parse_time_limit(time_limit)
        try:
            return rule.due_date(formed_on, calendar=self.calendar), rule.note[:300]
        except CalendarNotCovered:
            return None, ""


def _bodies(division: Division, root_name: str) -> dict[int | None, tuple[str, str]]:
    """Return the division's 公开主体 and 文号 abbreviation, by department id (None: its own)."""
    name = division.name
    if division.is_township:
        kind = division.kind
        own = f"{name}办事处" if kind == Division.Kind.STREET else f"{name}人民政府"
        stem = name.removesuffix(kind)
        abbr = stem[:1] + {"街道": "街办", "镇": "镇", "乡": "乡"}.get(kind, "")
        # A township's sections publish as the township.
        bodies = {None: (own, abbr)}
        for department in division.departments.all():
            bodies[department.pk] = (own, abbr)
        return bodies
    if division.is_root:
        full, abbr = name, name[:1]
    else:
        full = f"{root_name}{name}" if division.kind == Division.Kind.DISTRICT else name
        abbr = name[:1] + ("县" if division.kind == Division.Kind.COUNTY else "")
    bodies = {None: (f"{full}人民政府", f"{abbr}政")}
    for department in division.departments.all():
        # "区民政局" → "长沙市芙蓉区民政局", 文号 "芙民发".
        suffix = department.name[1:] if department.name[:1] in "市区县" else department.name
        bodies[department.pk] = (f"{full}{suffix}", abbr + DEPARTMENT_ABBR.get(suffix, "政"))
    return bodies


def _types_for(year: _Year, division: Division, l1: str, l2: str, item_id: int):
    """Return (types, weights) an entry's publications are drawn from."""
    names = f"{l1} {l2}"
    slugs: list[tuple[str, int]] = []
    for pattern, slug in TYPE_RULES:
        if pattern.search(names):
            weight = 2 if slug in ("zhengce", "guifanxing") else 6
            slugs.append((slug, weight if not slugs else 2))
    slugs += [("tongzhi", 2), ("dongtai", 3)]
    chosen, weights = [], []
    for slug, weight in slugs:
        if slug == "guifanxing" and division.is_township:
            # Townships do not issue 规范性文件; theirs are notices.
            slug = "zhengce"
        pub_type = year.types.get(slug)
        if pub_type is None or slug not in TITLES or not year.fits_item(pub_type, item_id):
            continue
        if pub_type in chosen:
            continue
        chosen.append(pub_type)
        weights.append(weight)
    return chosen, weights


def _day_in(rng: random.Random, year: _Year, months) -> dt.date:
    """Return a day of the year, in one of ``months`` when given."""
    if months not in year.days:
        year.days[months] = [d for d in year.days[None] if d.month in months]
    return rng.choice(year.days[months])


def _released(rng: random.Random, year: _Year, formed: dt.date, due: dt.date | None):
    """Return when information formed on ``formed`` was published: a working day soon after,
    by its due date, within office hours, never after the year's last day."""
    day, lag = formed, rng.choice([0, 0, 1, 1, 2, 3])
    while not year.is_working_day(day) and day < year.last:
        day += dt.timedelta(days=1)
    for _ in range(lag):
        nxt = day + dt.timedelta(days=1)
        while not year.is_working_day(nxt):
            nxt += dt.timedelta(days=1)
        if nxt > year.last or (due is not None and nxt > due):
            break
        day = nxt
    moment = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(minutes=rng.randrange(540))
    return timezone.make_aware(moment)


def plan_division(
    division: Division, entries: list[tuple], year: _Year, author: User, reviewer: User
) -> list[Publication]:
    """Return the division's year of publications, unsaved, 解读 after their policies.

    ``entries`` are the division's public entries as (pk, item id, 二级事项, 一级事项, 领域,
    department id, 公开时限). The same division, entries and day give the same rows.
    """
    if not entries:
        return []
    rng = random.Random(f"{SEED}:{division.code}")
    low, high = VOLUME[division.level]
    target = rng.randint(low, high)
    bodies = _bodies(division, year.root_name)
    div = division.name
    rows: list[Publication] = []
    serials: dict[tuple[str, int], list[Publication]] = defaultdict(list)
    choices = {}
    while len(rows) < target:
        entry_id, item_id, l2, l1, domain, department_id, time_limit = rng.choice(entries)
        if entry_id not in choices:
            choices[entry_id] = _types_for(year, division, l1, l2, item_id)
        types, weights = choices[entry_id]
        if not types:
            continue
        pub_type = rng.choices(types, weights)[0]
        pair = pub_type.needs_interpretation and year.interpretation is not None
        if pair and (len(rows) + 2 > target or not year.fits_item(year.interpretation, item_id)):
            continue
        template, months = rng.choice(TITLES[pub_type.slug])
        formed = _day_in(rng, year, months)
        reported = formed.replace(day=1) - dt.timedelta(days=1)
        org, abbr = bodies.get(department_id, bodies[None])
        topics = TOPICS.get(domain) or [domain]
        generic = GENERIC.search(l2) is not None or len(l2) > 14
        topic = rng.choice(topics) if generic else rng.choice([l2, *topics])
        party, act = rng.choice(CASES)
        fields = {
            "div": div,
            "org": org,
            "topic": topic,
            "l1": domain if GENERIC.search(l1) or len(l1) > 10 else l1,
            "l2": topic if generic else l2,
            "domain": domain,
            "y": formed.year,
            "py": formed.year - 1,
            "pm": f"{reported.year}年{reported.month}月",
            "q": (reported.month - 1) // 3 + 1,
            "project": rng.choice(PROJECTS),
            "party": party,
            "act": act,
            "when": f"{reported.year}年{reported.month}月",
            "n": rng.randint(3, 60) if division.is_township else rng.randint(20, 600),
            "people": rng.randint(5, 120) if division.is_township else rng.randint(50, 3000),
            "amount": f"{rng.uniform(2, 40 if division.is_township else 900):.2f}",
            "days": rng.choice([60, 90, 120, 180]),
            "fine": rng.choice([500, 1000, 2000, 5000, 10000]),
            "office": f"{div}政务服务中心" if not division.is_township else f"{div}便民服务中心",
            "tag": "部门预算" if "预算" in template else "部门决算",
        }
        title = _tidy(template.format(**fields))
        body = _paragraphs([OPENING, *BODIES[pub_type.slug]], fields)
        due, note = year.due(time_limit, formed)
        published = _released(rng, year, formed, due)
        item = Publication(
            entry_id=entry_id,
            division_id=division.pk,
            department_id=department_id,
            title=title,
            body=body + DEMO_NOTE,
            formed_on=formed,
            responsible_body=org,
            pub_type=pub_type,
            theme_id=year.themes.get(
                TYPE_THEMES.get(pub_type.slug) or DOMAIN_THEMES.get(domain, "02.04")
            ),
            validity=Publication.Validity.CURRENT if pub_type.is_policy else "",
            due_on=due,
            due_note=note,
            status=Publication.Status.PUBLISHED,
            created_by=author,
            submitted_by=author,
            submitted_at=published - dt.timedelta(hours=rng.randint(2, 30)),
            reviewed_by=reviewer,
            reviewed_at=published,
            published_at=published,
            is_demo=True,
        )
        if pub_type.slug == "chufa":
            serials[(f"{abbr}罚决字", formed.year)].append(item)
        elif pub_type.is_policy:
            serials[(f"{abbr}发", formed.year)].append(item)
        rows.append(item)
        if pair:
            quoted = QUOTED.search(title)
            name = quoted.group(1) if quoted else title
            form = rng.choice([InterpretationForm.TEXT, InterpretationForm.QA])
            fields["name"] = name
            rows.append(
                Publication(
                    entry_id=entry_id,
                    division_id=division.pk,
                    department_id=department_id,
                    title=INTERPRETATION_TITLES[form].format(name=name)[:300],
                    body=_paragraphs(INTERPRETATION_BODY, fields) + DEMO_NOTE,
                    formed_on=formed,
                    responsible_body=org,
                    pub_type=year.interpretation,
                    theme_id=item.theme_id,
                    interprets=item,
                    interpretation_form=form,
                    due_on=due,
                    due_note=note,
                    status=Publication.Status.PUBLISHED,
                    created_by=author,
                    submitted_by=author,
                    submitted_at=item.submitted_at,
                    reviewed_by=reviewer,
                    reviewed_at=published,
                    published_at=published,
                    is_demo=True,
                )
            )
    # 文号 count up through the year per issuer: 芙民发〔2026〕3号, 〔2026〕7号 …
    for (prefix, doc_year), items in sorted(serials.items()):
        number = rng.randint(1, 4)
        for item in sorted(items, key=lambda p: (p.formed_on, p.title)):
            if prefix.endswith("罚决字"):
                item.doc_no = f"{prefix}〔{doc_year}〕第{number:03d}号"
            else:
                item.doc_no = f"{prefix}〔{doc_year}〕{number}号"
            number += rng.randint(1, 5)
    return rows


def _entries(divisions: list[Division]) -> dict[int, list[tuple]]:
    """Return the divisions' public, undropped entries by division, in a stable order."""
    rows = (
        CatalogEntry.objects.public()
        .filter(division__in=divisions, is_dropped=False)
        .order_by(
            "division_id",
            "item__first_level__domain__name",
            "item__first_level__name",
            "item__name",
            "pk",
        )
        .values_list(
            "division_id",
            "pk",
            "item_id",
            "item__name",
            "item__first_level__name",
            "item__first_level__domain__name",
            "department_id",
            "time_limit",
        )
    )
    by_division: dict[int, list[tuple]] = defaultdict(list)
    for division_id, *entry in rows:
        by_division[division_id].append(tuple(entry))
    return by_division


def _assign_index_numbers(rows: list[Publication], divisions: dict[int, Division]) -> None:
    """Give every row its 索引号 from its division's counters, in publish order, and move
    the counters on so that later approvals never issue the same number."""
    wanted: dict[tuple[str, int], list[Publication]] = defaultdict(list)
    for item in rows:
        division = divisions[item.division_id]
        year = timezone.localtime(item.published_at).year
        wanted[(division.org_code or division.code, year)].append(item)
    prefixes = {prefix for prefix, _ in wanted}
    counters = {(c.prefix, c.year): c for c in IndexSerial.objects.filter(prefix__in=prefixes)}
    new, changed = [], []
    for key, items in sorted(wanted.items()):
        counter = counters.get(key)
        if counter is None:
            counter = IndexSerial(prefix=key[0], year=key[1], last=0)
            new.append(counter)
        else:
            changed.append(counter)
        for item in sorted(items, key=lambda p: (p.published_at, p.title)):
            counter.last += 1
            item.index_no = settings.PUBLICATION_INDEX_FORMAT.format(
                org=key[0], year=key[1], serial=counter.last
            )
    IndexSerial.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        IndexSerial.objects.bulk_update(changed, ["last"], batch_size=BATCH)


@transaction.atomic
def build_demo_year(
    *,
    divisions: Iterable[Division] | None = None,
    today: dt.date | None = None,
    notify: bool = True,
) -> int:
    """Publish a year of demo publications for ``divisions`` (default: all) and return how
    many were made; divisions that have them already are skipped.

    ``notify=False`` leaves out ``publications_loaded`` (which re-indexes every publication)
    for a caller that rebuilds the search index itself right after, as load_demo_data does.
    """
    today = today or timezone.localdate()
    author, reviewer = _authors()
    if divisions is None:
        divisions = Division.objects.order_by("tree_id", "lft")
    done = set(
        Publication.objects.filter(created_by=author, is_demo=True)
        .values_list("division_id", flat=True)
        .distinct()
    )
    todo = [d for d in divisions if d.pk not in done]
    if not todo:
        return 0
    todo = list(
        Division.objects.filter(pk__in=[d.pk for d in todo]).prefetch_related("departments")
    )
    todo.sort(key=lambda d: (d.tree_id, d.lft))
    year = _Year(today)
    entries = _entries(todo)
    rows: list[Publication] = []
    for division in todo:
        rows += plan_division(division, entries.get(division.pk, []), year, author, reviewer)
    if not rows:
        return 0
    _assign_index_numbers(rows, {d.pk: d for d in todo})
    # Policies first: their 解读 point at them, so they need their ids.
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        Publication.objects.bulk_create([p for p in chunk if p.interprets is None])
        Publication.objects.bulk_create([p for p in chunk if p.interprets is not None])
    PublicationEvent.objects.bulk_create(
        [
            PublicationEvent(
                publication=p,
                division_id=p.division_id,
                user=reviewer,
                action=PublicationEvent.Action.APPROVE,
                from_status=Publication.Status.SUBMITTED,
                to_status=Publication.Status.PUBLISHED,
                reason=EVENT_REASON,
            )
            for p in rows
        ],
        batch_size=BATCH,
    )
    # The times the rows were written are the times they stand for, not this load's.
    made = Publication.objects.filter(created_by=author, division__in=todo)
    made.update(created_at=F("submitted_at"), updated_at=F("published_at"))
    PublicationEvent.objects.filter(reason=EVENT_REASON, publication__in=made.values("pk")).update(
        created_at=Subquery(
            Publication.objects.filter(pk=OuterRef("publication_id")).values("published_at")[:1]
        )
    )
    if notify:
        transaction.on_commit(lambda: publications_loaded.send(Publication))
    return len(rows)
