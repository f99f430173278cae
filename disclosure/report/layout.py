"""The annual report's tables as 国办公开办函〔2021〕30号 lays them out: rows, columns, labels and
the keys the computation, the checks, the page and the exports share.

The labels of table 三's reply rows are those of fixtures/foi_replies.csv (a test holds them
equal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from foi.models import ApplicantKind, ReplyCategory

# -- Table 二: 主动公开政府信息情况 ---------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    key: str  # the key in ``AnnualReport.figures`` and in the snapshot
    label: str  # the column it stands in
    source: str | None  # the publication type the portal counts it from; None: typed in only
    measure: str = ""  # how the portal counts it: issued, repealed, in_force, decisions
    decimal: bool = False


@dataclass(frozen=True)
class Block:
    title: str  # the sub-table's first column
    cells: tuple[Cell, ...]


# Types the portal has today: 规范性文件, 行政许可结果, 行政处罚结果. 规章 and 行政强制 are
# counted as soon as the city adds a type with these slugs; until then they are typed in.
RULES_TYPE, NORMATIVE_TYPE = "guizhang", "guifanxing"
LICENCE_TYPE, PENALTY_TYPE, COERCION_TYPE = "xuke", "chufa", "qiangzhi"

TABLE_TWO: tuple[tuple[str, tuple[str, ...], tuple[Block, ...]], ...] = (
    (
        "第二十条第（一）项",
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        (
            Block(
                "规章",
                (
                    Cell("rules_issued", "本年制发件数", RULES_TYPE, "issued"),
                    Cell("rules_repealed", "本年废止件数", RULES_TYPE, "repealed"),
                    Cell("rules_in_force", "现行有效件数", RULES_TYPE, "in_force"),
                ),
            ),
            Block(
                "行政规范性文件",
                (
                    Cell("normative_issued", "本年制发件数", NORMATIVE_TYPE, "issued"),
                    Cell("normative_repealed", "本年废止件数", NORMATIVE_TYPE, "repealed"),
                    Cell("normative_in_force", "现行有效件数", NORMATIVE_TYPE, "in_force"),
                ),
            ),
        ),
    ),
    (
        "第二十条第（五）项",
        ("信息内容", "本年处理决定数量"),
        (Block("行政许可", (Cell("licence", "本年处理决定数量", LICENCE_TYPE, "decisions"),)),),
    ),
    (
        "第二十条第（六）项",
        ("信息内容", "本年处理决定数量"),
        (
            Block("行政处罚", (Cell("penalty", "本年处理决定数量", PENALTY_TYPE, "decisions"),)),
            Block("行政强制", (Cell("coercion", "本年处理决定数量", COERCION_TYPE, "decisions"),)),
        ),
    ),
    (
        "第二十条第（八）项",
        ("信息内容", "本年收费金额（万元）"),
        (Block("行政事业性收费", (Cell("fee", "本年收费金额（万元）", None, decimal=True),)),),
    ),
)
TWO_CELLS: tuple[Cell, ...] = tuple(
    cell for _t, _h, blocks in TABLE_TWO for block in blocks for cell in block.cells
)
TWO_BLOCK_OF: dict[str, str] = {
    cell.key: block.title
    for _t, _h, blocks in TABLE_TWO
    for block in blocks
    for cell in block.cells
}
SOURCE_TYPES = tuple(sorted({c.source for c in TWO_CELLS if c.source}))
# The fee is in 万元 with at most four decimals (one yuan); a report's fees stay far below this.
FEE_MAX_DIGITS, FEE_DECIMALS = 12, 4

# -- Table 三: 收到和处理政府信息公开申请情况 -----------------------------------------------------

TOTAL = "total"
COLUMNS: tuple[tuple[str, str], ...] = (
    *((kind.value, str(kind.label)) for kind in ApplicantKind),
    (TOTAL, "总计"),
)
KINDS = tuple(kind.value for kind in ApplicantKind)
ORG_KINDS = KINDS[1:]  # 法人或其他组织's five columns

REFUSE_REASONS = (
    "属于国家秘密",
    "其他法律行政法规禁止公开",
    "危及“三安全一稳定”",
    "保护第三方合法权益",
    "属于三类内部事务信息",
    "属于四类过程性信息",
    "属于行政执法案卷",
    "属于行政查询事项",
)
UNABLE_REASONS = ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确")
NOT_PROCESSED_REASONS = (
    "信访举报投诉类申请",
    "重复申请",
    "要求提供公开出版物",
    "无正当理由大量反复申请",
    "要求行政机关确认或重新出具已获取信息",
)
OTHER_REASONS = (
    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "其他",
)
# Categories whose replies the table splits by reason, with their numbered sub-rows.
REASONS: dict[str, tuple[str, ...]] = {
    ReplyCategory.REFUSE: REFUSE_REASONS,
    ReplyCategory.UNABLE: UNABLE_REASONS,
    ReplyCategory.NOT_PROCESSED: NOT_PROCESSED_REASONS,
    ReplyCategory.OTHER: OTHER_REASONS,
}
CATEGORY_HEADS: dict[str, str] = {
    ReplyCategory.OPEN: "（一）予以公开",
    ReplyCategory.PARTIAL: "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ReplyCategory.REFUSE: "（三）不予公开",
    ReplyCategory.UNABLE: "（四）无法提供",
    ReplyCategory.NOT_PROCESSED: "（五）不予处理",
    ReplyCategory.OTHER: "（六）其他处理",
}

NEW, CARRIED, CLOSED, FORWARD = "new", "carried", "closed_total", "forward"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    section: str = ""  # the row's place in the table, as messages name it ("第三行（一）")


def reply_row_key(category: str, reason: int = 0) -> str:
    """Return the key of the row that counts replies of ``category`` (and ``reason``)."""
    return f"{category}_{reason}" if category in REASONS else str(category)


def _reply_rows() -> list[Row]:
    rows = []
    for category, head in CATEGORY_HEADS.items():
        numbered = REASONS.get(category)
        if numbered is None:
            rows.append(Row(reply_row_key(category), head, "第三行"))
            continue
        for n, label in enumerate(numbered, start=1):
            rows.append(Row(reply_row_key(category, n), f"{n}.{label}", f"第三行{head[:3]}"))
    return rows


REPLY_ROWS: tuple[Row, ...] = tuple(_reply_rows())
ROWS: tuple[Row, ...] = (
    Row(NEW, "一、本年新收政府信息公开申请数量", "第一行"),
    Row(CARRIED, "二、上年结转政府信息公开申请数量", "第二行"),
    *REPLY_ROWS,
    Row(CLOSED, "（七）总计", "第三行"),
    Row(FORWARD, "四、结转下年度继续办理", "第四行"),
)
ROW_BY_KEY = {row.key: row for row in ROWS}

# -- Table 四: 政府信息公开行政复议、行政诉讼情况 -------------------------------------------------

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    (TOTAL, "总计"),
)
GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("direct", "行政诉讼 未经复议直接起诉"),
    ("after_review", "行政诉讼 复议后起诉"),
)
FOUR_KEYS: tuple[str, ...] = tuple(f"{g}_{o}" for g, _ in GROUPS for o, _ in OUTCOMES)

FIGURE_KEYS: frozenset[str] = frozenset({c.key for c in TWO_CELLS} | set(FOUR_KEYS))


# -- Deadlines -----------------------------------------------------------------------------------


def deadline(year: int, *, department: bool) -> dt.date:
    """Return the last day to publish the report on ``year``: 31 January of the next year for
    a department, 31 March for a government (条例 Art. 49–50)."""
    return dt.date(year + 1, 1, 31) if department else dt.date(year + 1, 3, 31)
