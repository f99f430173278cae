"""Generate synthetic 名单公示 and 资金发放 lists with known personal information, as real files.

Every document is a title, an introduction and closing lines full of decoys (文号, 索引号,
office phones, dates, amounts, 统一社会信用代码, order and serial numbers, office addresses,
18-digit numbers with a wrong check character, numbers already masked) and a table of people:
name, ID number, mobile, bank card, home address, amount. The people are invented: ID numbers
carry real Hunan address codes and a correct check character, cards pass the Luhn check, and
the formats vary as they do in real lists (``x`` for ``X``, grouped digits, ``+86``, a mobile
stored as a number in Excel).

:func:`generate` returns the documents with what a scan must find (``expected``) and the decoys
it must not; :func:`write_pdf`, :func:`write_docx` and :func:`write_xlsx` write them. Seeded:
the same seed gives the same documents.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from dataclasses import dataclass, field

from publications.privacy import id_check_char, luhn_ok

# Real address codes (GB/T 2260) of Hunan's districts and counties, with their names.
HUNAN = {
    "430102": ("长沙市", "芙蓉区"),
    "430103": ("长沙市", "天心区"),
    "430104": ("长沙市", "岳麓区"),
    "430105": ("长沙市", "开福区"),
    "430111": ("长沙市", "雨花区"),
    "430112": ("长沙市", "望城区"),
    "430121": ("长沙市", "长沙县"),
    "430181": ("长沙市", "浏阳市"),
    "430182": ("长沙市", "宁乡市"),
    "430202": ("株洲市", "荷塘区"),
    "430302": ("湘潭市", "雨湖区"),
    "430405": ("衡阳市", "珠晖区"),
    "430502": ("邵阳市", "双清区"),
    "430602": ("岳阳市", "岳阳楼区"),
    "430702": ("常德市", "武陵区"),
    "430802": ("张家界市", "永定区"),
    "430902": ("益阳市", "资阳区"),
    "431002": ("郴州市", "北湖区"),
    "431102": ("永州市", "零陵区"),
    "431202": ("怀化市", "鹤城区"),
    "431302": ("娄底市", "娄星区"),
    "433101": ("湘西土家族苗族自治州", "吉首市"),
}
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余"
    "叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段"
    "雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华玉兰志强海燕红梅春"
    "花德明小红金凤子涵浩然梓萱雨桐欣怡"
)
ROADS = ["五一大道", "韶山北路", "芙蓉中路二段", "解放西路", "人民东路", "车站北路", "万家丽路"]
ROADS += ["劳动西路", "湘府中路", "银盆南路", "麓山南路", "东二环一段", "曙光北路", "书院路"]
ESTATES = ["望月湖小区", "马王堆小区", "金色家园", "湘江世纪城", "芙蓉苑", "锦绣华庭小区"]
ESTATES += ["东方新村", "曙光新村", "财政局宿舍", "丽发新城", "枫林花园", "砂子塘小区"]
STREETS = ["文艺路街道", "东湖街道", "坡子街街道", "望月湖街道", "新河街道", "高桥街道"]
COMMUNITIES = ["东湖社区", "识字岭社区", "燕山社区", "白沙社区", "金汇社区", "枫树山社区"]
TOWNS = ["白箬铺镇", "星沙镇", "黄花镇", "永安镇", "花明楼镇", "乔口镇", "铜官镇"]
VILLAGES = ["光明村", "黄花村", "金塘村", "新桥村", "石门村", "荷叶村", "大湖村", "马家村"]
GROUP_NAMES = ["老屋组", "新屋组", "塘边组", "杨家组", "石桥组"]
CN_DIGITS = "一二三四五六七八九十"
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "138", "139", "150", "151", "152", "157"]
MOBILE_PREFIXES += ["158", "159", "166", "173", "177", "180", "181", "186", "187", "188", "199"]
# (issuer prefix, length): UnionPay debit cards of the big banks, two credit cards, and the old
# ICBC 9558 debit card.
CARD_PREFIXES = [
    ("622202", 19),
    ("621700", 19),
    ("622848", 19),
    ("621660", 19),
    ("623668", 19),
    ("622908", 16),
    ("625907", 16),
    ("955880", 19),
    ("436742", 16),
    ("524094", 16),
]
HEADINGS = ["序号", "姓名", "身份证号码", "联系电话", "银行卡号", "家庭住址", "发放金额（元）"]
COLUMN = {"id_card": 2, "mobile": 3, "bank_card": 4, "address": 5}  # 0-based, in HEADINGS


@dataclass(frozen=True)
class Expected:
    """A piece of personal information written in the document: kind, text as written, place."""

    kind: str
    text: str
    row: int  # 0-based data row of the table
    column: int  # 0-based column of the table
    form: str = ""  # an address's form, a key of ADDRESS_FORMS


@dataclass
class Document:
    """One synthetic list: its lines of prose, its table, and what a scan must and must not find."""

    title: str
    intro: list[str]
    rows: list[list[str | int]]
    closing: list[str]
    expected: list[Expected] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)


def valid_id(rng: random.Random, code: str | None = None, *, check_x: bool = False) -> str:
    """Return a checksum-valid ID number with a Hunan address code (one ending in X if asked)."""
    while True:
        born = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 88))
        first17 = (code or rng.choice(list(HUNAN))) + born.strftime("%Y%m%d")
        first17 += f"{rng.randrange(1000):03d}"
        check = id_check_char(first17)
        if not check_x or check == "X":
            return first17 + check


def wrong_check_id(rng: random.Random) -> str:
    """Return an 18-digit number shaped like an ID number whose check character is wrong."""
    number = valid_id(rng)
    wrong = rng.choice([c for c in "0123456789" if c != number[17]])
    return number[:17] + wrong


def bad_date_id(rng: random.Random) -> str:
    """Return an ID-shaped number with a correct check character but no such date (19990230)."""
    first17 = rng.choice(list(HUNAN)) + rng.choice(["19990230", "20010229", "19851301", "19900000"])
    first17 += f"{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def luhn_card(rng: random.Random, prefix: str, length: int) -> str:
    """Return a Luhn-valid card number of ``length`` digits beginning with ``prefix``."""
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _num(rng: random.Random, low: int, high: int, chinese: float = 0.0) -> str:
    n = rng.randint(low, high)
    if n <= 10 and rng.random() < chinese:
        return CN_DIGITS[n - 1]
    return str(n)


# The forms of home address in the lists, with their weights. house_on_street is what the
# detector misses on purpose: a road and a number only cannot be told from an office address
# (长沙市芙蓉区五一大道47号). It is kept, so that the recall measured is that of a list as
# written, not of the forms the detector was written for.
ADDRESS_FORMS = {
    "road_unit": 20,  # 芙蓉区五一大道47号3栋2单元501室
    "community_estate": 14,  # 东湖街道东湖社区马王堆小区3栋2单元501室
    "village_group": 14,  # 白箬铺镇光明村十组25号
    "village_named_group": 8,  # 白箬铺镇光明村老屋组25号
    "road_estate_bare": 12,  # 韶山北路128号望月湖小区5栋301
    "estate_dash": 10,  # 望月湖小区5-2-301
    "road_compound": 10,  # 五一大道47号院3号楼301室
    "house_on_street": 5,  # 星沙镇人民路12号 (a house: no building or room)
    "estate_building": 4,  # 望月湖小区5栋 (a building only)
    "spaced": 3,  # 长沙市芙蓉区 五一大道47号 3栋2单元501室
}
MISSED_ON_PURPOSE = frozenset({"house_on_street"})


def home_address(rng: random.Random, code: str) -> tuple[str, str]:
    """Return a home address down to the door and its form (a key of ADDRESS_FORMS)."""
    city, district = HUNAN[code]
    prefix = rng.choice(["", city]) + district
    room = f"{rng.randint(1, 32)}{rng.randint(1, 4):02d}"
    road, estate = rng.choice(ROADS), rng.choice(ESTATES)
    number, building, unit = rng.randint(1, 600), rng.randint(1, 30), rng.randint(1, 6)
    village = rng.choice(TOWNS) + rng.choice(VILLAGES)
    form = rng.choices(list(ADDRESS_FORMS), weights=list(ADDRESS_FORMS.values()))[0]
    text = {
        "road_unit": f"{prefix}{road}{number}号{building}栋{unit}单元{room}室",
        "community_estate": (
            f"{prefix}{rng.choice(STREETS)}{rng.choice(COMMUNITIES)}{estate}"
            f"{building}栋{unit}单元{room}室"
        ),
        "village_group": (
            f"{prefix}{village}{_num(rng, 1, 15, chinese=0.6)}组{rng.randint(1, 200)}号"
        ),
        "village_named_group": f"{prefix}{village}{rng.choice(GROUP_NAMES)}{rng.randint(1, 99)}号",
        "road_estate_bare": f"{prefix}{road}{number}号{estate}{building}栋{room}",
        "estate_dash": f"{prefix}{estate}{building}-{unit}-{room}",
        "road_compound": f"{prefix}{road}{number}号院{rng.randint(1, 12)}号楼{room}室",
        "house_on_street": f"{prefix}{rng.choice(TOWNS)}{road}{rng.randint(1, 200)}号",
        "estate_building": f"{prefix}{estate}{building}栋",
        "spaced": f"{city}{district} {road}{number}号 {building}栋{unit}单元{room}室",
    }[form]
    return text, form


def _id_as_written(rng: random.Random, number: str) -> str:
    roll = rng.random()
    if number.endswith("X") and roll < 0.3:
        return number[:17] + "x"
    if roll > 0.95:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    return number


def _mobile_as_written(rng: random.Random) -> str:
    number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    roll = rng.random()
    if roll < 0.7:
        return number
    if roll < 0.8:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if roll < 0.9:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    return "+86 " + number


def _card_as_written(rng: random.Random) -> str:
    prefix, length = rng.choice(CARD_PREFIXES)
    number = luhn_card(rng, prefix, length)
    if rng.random() < 0.3:
        return " ".join(number[i : i + 4] for i in range(0, length, 4))
    return number


def decoys(rng: random.Random) -> list[str]:
    """Return lines a government list carries that hold no personal information."""
    year = rng.choice([2025, 2026])
    masked_id = valid_id(rng)
    masked_card = luhn_card(rng, "622202", 19)
    glued = valid_id(rng)
    order_card = luhn_card(rng, "622848", 19)
    return [
        f"长政办发〔{year}〕{rng.randint(1, 60)}号",
        f"索引号：000014349/{year}-{rng.randint(1, 999):05d}",
        f"监督电话：0731-{rng.randint(80000000, 89999999)}",
        f"咨询电话：（0731）{rng.randint(80000000, 89999999)}，邮政编码 410011",
        f"发布日期：{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日（{year}-03-15）",
        f"本月共发放资金 {rng.randint(100, 9999)},{rng.randint(0, 999):03d}.00 元，"
        f"每人每月 {rng.randint(300, 900)} 元",
        f"作废号码（校验位错误）：{wrong_check_id(rng)}",
        f"出生日期无效的号码：{bad_date_id(rng)}",
        f"统一社会信用代码：11430100MB{rng.randint(1000000, 9999999)}X",
        f"统一社会信用代码：91430100MA4L{rng.randint(100000, 999999)}",
        f"订单号：{year}0315{rng.randint(10**7, 10**8 - 1)}",
        f"流水号：{order_card}",
        f"批次编号 DD{year}0315{rng.randint(100000, 999999)}",
        f"业务编码 1{glued}9",
        f"已脱敏示例：{masked_id[:3]}{'*' * 11}{masked_id[-4:]}，138****5678，"
        f"{'*' * 15}{masked_card[-4:]}",
        "办公地址：长沙市芙蓉区五一大道47号",
        f"受理地点：{rng.choice(['芙蓉区', '天心区'])}政务服务中心2楼3号窗口",
        "办公地址：长沙市岳麓区桐梓坡西路28号市民之家A座15楼1501室",
        f"会议地点：市政府{rng.randint(2, 9)}楼第一会议室",
        "项目位于长沙市开福区三一大道88号",
        f"已脱敏住址：长沙市芙蓉区五一大道{'**'}",
        f"第{rng.randint(1, 9)}组评审意见，共{rng.randint(2, 20)}户",
        # Offices and companies written as a home would be: the hardest decoys.
        f"承办单位：湖南{rng.choice(['星辰', '湘江', '麓谷'])}科技有限公司"
        f"（长沙市岳麓区麓谷大道{rng.randint(100, 999)}号麓谷信息港A栋{rng.randint(1, 20)}01室）",
        f"长沙市天心区{rng.choice(ROADS)}{rng.randint(1, 300)}号{rng.randint(1, 9)}栋"
        f" 区民政局办公楼",
        f"长沙市芙蓉区{rng.choice(ROADS)}{rng.randint(1, 300)}号华创国际广场"
        f"{rng.randint(10, 30)}01室",
        # Added after the detector was tuned, and not tuned for: a check on the figures.
        "项目建设地点：长沙县星沙街道开元东路1318号6栋",
        f"联系地址：长沙市雨花区万家丽中路二段{rng.randint(1, 99)}号雨花区政府3号楼502室",
        "经核查，申请人户籍在芙蓉区东湖街道，现居住在东湖社区",
        "湘江新区管理委员会（长沙市岳麓区含浦大道6号）",
        f"本次公示对象共 {rng.randint(20, 200)} 户 {rng.randint(50, 500)} 人，办理时间 08:30-17:30",
        "黄花村村民委员会：长沙县黄花镇黄花村5组",
        "意见请反馈至长沙市民政局（长沙市岳麓区岳麓大道218号市政府2栋）",
        f"服务网点：中国工商银行长沙五一路支行（芙蓉区五一大道{rng.randint(100, 300)}号"
        "湘域中央1栋101室）",
        f"开户银行：长沙银行芙蓉支行，账号：8000{rng.randint(10**13, 10**14 - 1)}",
        f"政务服务热线 12345，统计日期 {year}0315",
    ]


def generate(seed: int, *, documents: int = 6, rows: int = 60) -> list[Document]:
    """Return ``documents`` synthetic lists of ``rows`` people each, the same for the same seed."""
    rng = random.Random(seed)
    kinds = [
        ("城市最低生活保障金发放名单公示", "低保金"),
        ("农村特困人员救助供养金发放名单", "供养金"),
        ("耕地地力保护补贴资金发放名单公示", "补贴"),
        ("高龄津贴发放名单公示", "津贴"),
        ("临时救助对象名单公示", "救助金"),
    ]
    docs = []
    for number in range(documents):
        title, money = kinds[number % len(kinds)]
        lines = decoys(rng)
        rng.shuffle(lines)
        doc = Document(
            title=f"{rng.choice(['芙蓉区', '望城区', '长沙县', '岳麓区'])}{title}",
            intro=[
                f"根据《社会救助暂行办法》，现将本月{money}发放对象予以公示，公示期为 7 个工作日。",
                *lines[: len(lines) // 2],
            ],
            rows=[],
            closing=lines[len(lines) // 2 :],
            decoys=lines,
        )
        for row in range(rows):
            code = rng.choice(list(HUNAN))
            id_number = _id_as_written(rng, valid_id(rng, code, check_x=rng.random() < 0.15))
            mobile: str | int = _mobile_as_written(rng)
            card = _card_as_written(rng)
            address, form = home_address(rng, code)
            amount = f"{rng.randint(200, 3000)}.00"
            for kind, text in (
                ("id_card", id_number),
                ("mobile", mobile),
                ("bank_card", card),
                ("address", address),
            ):
                form_of = form if kind == "address" else ""
                doc.expected.append(Expected(kind, text, row, COLUMN[kind], form_of))
            if isinstance(mobile, str) and mobile.isdigit() and rng.random() < 0.3:
                mobile = int(mobile)  # as Excel keeps a number typed into a cell
            doc.rows.append([row + 1, _name(rng), id_number, mobile, card, address, amount])
        docs.append(doc)
    return docs


# --- writers -----------------------------------------------------------------------------------


def write_xlsx(doc: Document) -> bytes:
    """Return the document as a workbook: sheet 名单 (the table), sheet 说明 (the prose)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(HEADINGS)
    for row in doc.rows:
        sheet.append(row)
    notes = book.create_sheet("说明")
    for line in [doc.title, *doc.intro, *doc.closing]:
        notes.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_docx(doc: Document) -> bytes:
    """Return the document as Word: title, introduction, one table, closing lines."""
    import docx

    document = docx.Document()
    document.add_heading(doc.title, level=1)
    for line in doc.intro:
        document.add_paragraph(line)
    table = document.add_table(rows=1 + len(doc.rows), cols=len(HEADINGS))
    for column, heading in enumerate(HEADINGS):
        table.rows[0].cells[column].text = heading
    for r, row in enumerate(doc.rows, start=1):
        cells = table.rows[r].cells
        for column, value in enumerate(row):
            cells[column].text = str(value)
    for line in doc.closing:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


PDF_FONT = "STSong-Light"  # reportlab's built-in CID font for Simplified Chinese: no font file
PDF_COLUMNS = [24, 46, 92, 178, 248, 346, 740]  # x of each column, landscape A4 in points
PDF_ROW = 11  # points from one table row to the next
PDF_WRAP = 24  # characters of an address cell per line: a longer one wraps, as in a real table


def write_pdf(doc: Document) -> tuple[bytes, dict[int, int]]:
    """Return the document as PDF and the page number of each table row.

    Landscape A4; each table cell is drawn on its own, as Word and WPS export tables, and the
    headings are repeated on each page.
    """
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    out = io.BytesIO()
    width, height = landscape(A4)
    top, bottom = height - 40, 36
    pdf = canvas.Canvas(out, pagesize=(width, height), invariant=True)
    pages: dict[int, int] = {}
    page = 1

    def lines(texts: list[str], y: float, size: float = 9) -> float:
        pdf.setFont(PDF_FONT, size)
        for text in texts:
            pdf.drawString(40, y, text)
            y -= size + 5
        return y

    def headings(y: float) -> float:
        pdf.setFont(PDF_FONT, 7)
        for x, heading in zip(PDF_COLUMNS, HEADINGS, strict=True):
            pdf.drawString(x, y, heading)
        return y - PDF_ROW

    y = lines([doc.title], top, 14)
    y = headings(lines(doc.intro, y - 6) - 6)
    for index, row in enumerate(doc.rows):
        if y < bottom:
            pdf.showPage()
            page += 1
            y = headings(top)
        extra = 0
        for x, value in zip(PDF_COLUMNS, row, strict=True):
            text = str(value)
            if x == PDF_COLUMNS[5]:
                while len(text) > PDF_WRAP:
                    pdf.drawString(x, y - extra, text[:PDF_WRAP])
                    text, extra = text[PDF_WRAP:], extra + 8
            pdf.drawString(x, y - extra, text)
        pages[index] = page
        y -= PDF_ROW + extra
    pdf.showPage()
    lines(doc.closing, top)
    pdf.showPage()
    pdf.save()
    return out.getvalue(), pages


# --- scoring -----------------------------------------------------------------------------------


@dataclass
class Score:
    """What a scan found of a document's expected hits, and what it found besides."""

    expected: Counter = field(default_factory=Counter)  # kind -> count
    found: Counter = field(default_factory=Counter)  # kind -> expected hits found
    false: Counter = field(default_factory=Counter)  # kind -> hits matching nothing expected
    by_form: Counter = field(default_factory=Counter)  # (address form, found?) -> count
    missed: list[Expected] = field(default_factory=list)
    false_hits: list = field(default_factory=list)
    wrong_location: list = field(default_factory=list)

    def add(self, other: Score) -> None:
        """Add another document's score to this one."""
        for name in ("expected", "found", "false", "by_form"):
            getattr(self, name).update(getattr(other, name))
        self.missed += other.missed
        self.false_hits += other.false_hits
        self.wrong_location += other.wrong_location

    def recall(self, kind: str) -> float:
        """Return the share of expected hits of ``kind`` found."""
        return self.found[kind] / self.expected[kind] if self.expected[kind] else 1.0

    def precision(self, kind: str) -> float:
        """Return the share of hits of ``kind`` that were expected."""
        hits = self.found[kind] + self.false[kind]
        return self.found[kind] / hits if hits else 1.0


def _key(kind: str, text: str) -> str:
    text = str(text).translate(_FULL_WIDTH)
    if kind == "address":
        return "".join(text.split())
    return "".join(c for c in text if c.isalnum()).upper()


_FULL_WIDTH = str.maketrans({chr(0xFF10 + n): str(n) for n in range(10)})


def expected_location(kind: str, item: Expected, pages: dict[int, int] | None = None) -> str:
    """Return where an expected hit is in a file of ``kind`` written by this module."""
    if kind == "xlsx":
        return f"名单!{'ABCDEFG'[item.column]}{item.row + 2}"
    if kind == "docx":
        return f"表格1 第{item.row + 2}行第{item.column + 1}列"
    return f"第{(pages or {})[item.row]}页"


def score(doc: Document, hits: list, kind: str, pages: dict[int, int] | None = None) -> Score:
    """Return how ``hits`` (a scan of ``doc`` written as ``kind``) compare with what it holds.

    A number matches when its digits are the expected ones. An address matches when its text,
    spaces aside, is the expected one or a part of it of six characters or more (a PDF cell that
    wraps splits an address over two lines, and the part before the break is what a scan sees).
    """
    result = Score()
    open_items: dict[str, list[Expected]] = {}
    for item in doc.expected:
        result.expected[item.kind] += 1
        open_items.setdefault(item.kind, []).append(item)
    for hit in hits:
        key = _key(hit.kind, hit.text)
        match = None
        for item in open_items.get(hit.kind, []):
            expected = _key(item.kind, item.text)
            if key == expected or (hit.kind == "address" and len(key) >= 6 and key in expected):
                match = item
                break
        if match is None:
            result.false[hit.kind] += 1
            result.false_hits.append(hit)
            continue
        open_items[hit.kind].remove(match)
        result.found[hit.kind] += 1
        if hit.location != expected_location(kind, match, pages):
            result.wrong_location.append((hit, match))
    for items in open_items.values():
        result.missed += items
    for item in doc.expected:
        if item.kind == "address":
            result.by_form[item.form, item not in result.missed] += 1
    return result
