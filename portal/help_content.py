"""The help centre's content (帮助中心): how to fill each catalog element, review and publishing,
workbooks, and the questions township clerks ask.

Why a Python module and not YAML or Markdown files:

- Every element's help is keyed by ``catalog.models.Element`` itself, so an element added to the
  code without help fails a test (``tests/portal/test_help_centre.py``) instead of showing a gap.
- Numbers the code enforces are not copied into prose: the texts hold ``{placeholders}`` that
  ``facts()`` fills from the settings and constants the checks themselves read (sign-in limits,
  attachment types and size, workbook limits, text lengths), so the help stays true when an
  operator changes a setting.
- Nothing to parse or sanitise: the project has no YAML or Markdown dependency, and the strings
  are plain text that the templates auto-escape (no ``|safe`` anywhere on the help pages).

Each example is a real line of ``fixtures/catalog_rows.csv`` (published county and township
catalogs, with their source pages), cited by its line number in that file. ``verbatim`` says the
text is copied from the cited column; otherwise it is written for that line (for the columns only
Changsha's template has), and the cited column holds what it was written from. The tests check
both.

The pages are static: the same for every member of staff, read from this module and the settings
only, never from the catalog or anyone's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from catalog.models import ELEMENT_COLUMNS, Element

#: The anchor of an element's help on the help index: ``#element-<value>``.
ANCHOR_PREFIX = "element-"
#: The file the examples are cited from, relative to the repository root.
EXAMPLES_FILE = "fixtures/catalog_rows.csv"
#: The longest reason a return, sign-off return or withdrawal takes (the services check it).
REASON_LIMIT = 2000


@dataclass(frozen=True)
class Example:
    """A good or bad way to fill an element, from one real catalog line."""

    text: str
    line: int  # line number in fixtures/catalog_rows.csv (line 1 is the header)
    column: str  # the CSV column the text is copied from (verbatim) or written from
    where: str  # who published the line, and its item, as shown to staff
    why: str
    verbatim: bool = True

    @property
    def citation(self) -> str:
        return f"{EXAMPLES_FILE} 第{self.line}行（{self.where}）"


@dataclass(frozen=True)
class ElementHelp:
    """填报说明 for one element: what it means, how to fill it, what the platform checks."""

    element: Element
    meaning: str
    how: tuple[str, ...]
    rules: tuple[str, ...]
    good: Example
    bad: Example
    mistakes: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return element_anchor(self.element)

    @property
    def label(self) -> str:
        return str(self.element.label)


@dataclass(frozen=True)
class Topic:
    """One section of a help page: paragraphs, then bullets, then a two-column table."""

    anchor: str
    title: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (label, admin URL name)


@dataclass(frozen=True)
class Question:
    """One question of the FAQ, with the admin pages it refers to."""

    anchor: str
    question: str
    answer: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = field(default=())  # (label, admin URL name)


def element_anchor(element: str) -> str:
    """Return the id of an element's help on the help index, e.g. ``element-time_limit``."""
    return f"{ANCHOR_PREFIX}{Element(element).value}"


def element_help_url(element: str) -> str:
    """Return the address of an element's 填报说明: the help index at its anchor."""
    return f"{reverse('admin:help_index')}#{element_anchor(element)}"


def form_field_elements() -> dict[str, Element]:
    """Return {form field name: element} for the field that carries each element's help link.

    An element stored in several columns (公开对象: 全社会 / 特定群体) gets the link once, on its
    first column; one without a column of its own (公开渠道和载体) on the field of its name.
    """
    return {(ELEMENT_COLUMNS[e.value] or (e.value,))[0]: e for e in Element}


# ---------------------------------------------------------------------------------------------
# 填报说明: general rules, then one entry per element.

GENERAL = Topic(
    anchor="general",
    title="填报总则",
    paragraphs=(
        "目录自上而下派生：市级参考目录 → 区县目录 → 乡镇（街道）目录，同一把尺子。"
        "区县可以修改任何要素、删减事项、新增本级事项；乡镇（街道）只能删减事项和调整要素，"
        "不能新增事项（做减法）。",
    ),
    bullets=(
        "从上级派生来的事项，每个要素默认“跟随上级”：上级修改后，"
        "本级自动随之更新（审核通过后公众看到的是上级已发布的值）。",
        "本级改过的要素成为“个性要素”，不再跟随上级。上级之后又改了这个要素时，事项标为“上级已调整”，"
        ""
        "请在事项页面的“派生关系与要素状态”中选择“采用上级”或“保留本级”。",
        "修改已发布的事项，事项回到草稿；门户仍显示上次审核发布的内容，直到上一级审核通过新的修改。",
        "待审核的事项不能修改，须先“撤回提交”；已删减的事项不能修改，须先“恢复本事项”。",
        "每次修改都有记录（谁、何时、哪个要素、原值 → 新值），事项页面下方显示最近20条，"
        "“全部操作记录”可看全部。",
        "每个人只能看到本级及下级的事项；属于某个部门（如街道社会事务办）的人员，"
        "只能看到和修改本部门承办的事项。",
    ),
)

ELEMENT_HELP: dict[Element, ElementHelp] = {
    h.element: h
    for h in (
        ElementHelp(
            element=Element.CONTENT,
            meaning="本事项具体公开哪些信息。公众据此知道能看到什么，考核也据此核对是否公开到位。",
            how=(
                "逐项列出要公开的信息名称，如“办理条件、申请材料、办理流程”；项目多时编号，一项一行。"
                "",
                "写“公开什么信息”，不写工作要求、口号或“等相关信息”之类说不清的话。",
                "与二级事项对得上：二级事项是“办事指南”，就列出办事指南包含的要素。",
            ),
            rules=(
                "文字不限长度，首尾空格会被去掉；平台不强制必填，但留空的事项在门户上显示为“—”。",
                "门户按填写时的换行显示，所以一项一行最清楚；公开内容会进入门户的全文检索。",
                "导入工作簿时，这一列如果是公式，会报“是公式……应为文字”的错误，整个工作簿不写入。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="办理事项、办理条件、最低生活保障标准、申请材料、办理流程、办理时间、地点、"
                "联系方式",
                line=5,
                column="content",
                where="大竹县 · 社会救助 / 最低生活保障 / 办事指南",
                why="每一项都是群众能直接看到、能核对的一条具体信息，和“办事指南”"
                "这个二级事项一一对应。",
            ),
            bad=Example(
                text="《社会救助暂行办法》 各地配套政策法规文件",
                line=2,
                column="content",
                where="大竹县 · 社会救助 / 综合业务 / 政策法规文件",
                why="“各地配套政策法规文件”没有说是哪些文件，两项之间只隔一个空格，"
                "门户上读起来像一句话。"
                "应写明文件名称和文号，一项一行，如同领域石城县的写法（第10行）。",
            ),
            mistakes=(
                "照抄上级的“各地配套政策法规文件”“等”而不写本级实际公开的文件。",
                "把公开依据（法律法规名称）写进公开内容，或把公开内容写成公开时限、公开渠道。",
                "从 Word 或 PDF 复制时带进多余的空格和断行，使一个词被拆开。",
            ),
        ),
        ElementHelp(
            element=Element.BASIS,
            meaning="要求公开这项信息的法律、法规、规章或规范性文件。",
            how=(
                "写文件全称并加书名号，带上令号或文号，"
                "如“《中华人民共和国政府信息公开条例》（国务院令第711号）”。",
                "有几部依据时用顿号分开，先法律、再行政法规、再部门规章和地方文件。",
            ),
            rules=(
                "文字不限长度，首尾空格会被去掉。",
                "平台不核对文件名称是否真实存在，写错字不会报错，请逐字核对。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="《中华人民共和国政府信息公开条例》(国令第711号)",
                line=8,
                column="basis",
                where="石城县 · 社会救助 / 综合业务 / 政策法规文件",
                why="文件全称、书名号和令号都有，群众可以据此查到原文。",
            ),
            bad=Example(
                text="《中华人民共和国政府信息公开条件》、《上海市政府信息公开规定》",
                line=16,
                column="basis",
                where="上海 · 社会救助 / 政策法规文件",
                why="“条例”错写成“条件”，文件名称就不存在了；平台不会发现这种错字，只能靠填报人核对。"
                "",
            ),
            mistakes=(
                "只写“信息公开规定”“相关政策文件”（如第37行、第35行），没有具体文件名称。",
                "引用已废止的文件，或漏掉令号、文号。",
            ),
        ),
        ElementHelp(
            element=Element.TIME_LIMIT,
            meaning="信息形成或变更后，最迟多长时间内必须公开。平台按它计算每条公开信息的截止日期。",
            how=(
                "一般写“信息形成（变更）之日起20个工作日内”；数字用阿拉伯数字或中文数字都可以。",
                "按自然日计算的写“N日内”或“N个自然日内”；当天公开的写“实时公开”；"
                "持续更新的写“长期公开”。",
                "有例外的，先写一般期限，再用分号写例外，如“……20个工作日内；"
                "其中行政许可……7个工作日内公示”。",
            ),
            rules=(
                "不超过{limit_time_limit}个字。",
                "平台能识别“N个工作日”、“N日内/N天内/N个自然日内”（“3月10日”这类日期不算）、"
                "“实时/即时”（当天）、"
                "“长期”（无截止日期）。",
                "写了几个期限时，以第一个“N个工作日”或“N日内”为准计算截止日期，其余作为例外提示显示。"
                "",
                "识别不出期限（空白、“同上”、“及时公开”等）时，按政府信息公开条例第二十六条，"
                "以{statutory_days}个工作日计算，并注明原因。",
                "工作日从信息形成（变更）的次日起算，按工作日历扣除周末和法定节假日、计入调休上班日；"
                ""
                "自然日期限的最后一天遇休息日或节假日顺延到下一个工作日。",
            ),
            good=Example(
                text="信息形成20个工作日内公开;其中行政许可、"
                "行政处罚事项应自作出行政决定之日起7个工作日内公示",
                line=22,
                column="time_limit",
                where="武汉市武昌区发展和改革局 · 重大建设项目 / 批准结果信息"
                " / 政府投资项目建议书审批",
                why="一般期限写在前面，例外用分号写在后面：平台按20个工作日计算截止日期，"
                "并把7个工作日的例外提示给填报人。",
            ),
            bad=Example(
                text="同上",
                line=21,
                column="time_limit",
                where="宿迁市湖滨新区井头街道 · 重大建设项目 / 征收土地信息",
                why="表格里的“同上”一旦进入平台就没有“上”了：平台识别不出期限，只能按20个工作日计算，"
                "并提示“未写明具体期限”。",
            ),
            mistakes=(
                "写“及时公开”（如第27行）：没有具体天数，平台按20个工作日计算。",
                "一条里写多个期限（如第49行“1.……长期公开；2.处罚决定：20个工作日内”）："
                "截止日期按其中的20个工作日计算，"
                "长期公开的内容请注意不要因此被标为逾期。",
                "“批准后20日内”（第17行）按自然日计算，而且从公开信息填写的“信息形成（变更）日期”"
                "起算，所以该日期应填批准日期。",
            ),
        ),
        ElementHelp(
            element=Element.SUBJECT,
            meaning="负责公开这项信息的机关或单位。",
            how=(
                "写本级具体单位的全称，如“芙蓉区民政局”“文艺路街道办事处”；有几个主体时用顿号分开。",
                "乡镇（街道）目录里写本乡镇（街道）或实际负责的站所，不照抄上级的“各乡（镇）"
                "人民政府”。",
            ),
            rules=(
                "不超过{limit_subject}个字。",
                "新建公开信息时，“公开主体（责任单位）”留空就取本要素；"
                "该栏最多{limit_responsible_body}个字，"
                "本要素更长时新建公开信息会报错，需另填责任单位。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="九龙街道办事处",
                line=33,
                column="subject",
                where="通海县九龙街道办事处 · 重大建设项目 / 征收土地信息",
                why="街道目录写明本街道自己，群众知道该找谁。",
            ),
            bad=Example(
                text="负责管理的部门分别公开",
                line=36,
                column="subject",
                where="宿迁市湖滨新区井头街道 · 公共资源交易 / 工程建设项目招标投标信息"
                " / 审批核准信息",
                why="没有写出任何一个单位，公众不知道由谁公开，也无法据此追责。",
            ),
            mistakes=(
                "写“相关审批部门”“各级财政部门”（第26行、第18行）这类泛称。",
                "把内部科室名称当作公开主体；部门之间的分工请用“承办部门”指定，不写进公开要素。",
            ),
        ),
        ElementHelp(
            element=Element.CHANNELS,
            meaning="通过哪些渠道和载体公开，如政府网站、公开查阅点、政务服务中心、村（社区）公示栏。"
            "",
            how=(
                "在勾选框中勾选本级实际会用的渠道。",
                "渠道清单由市政务公开办统一维护（13个标准渠道，加上领域专用的渠道）；"
                "需要清单里没有的渠道，请联系市政务公开办添加。",
            ),
            rules=(
                "只能选平台已有的渠道。",
                "导入工作簿时：■ 或 ☑ 表示选中，□ 或 ☐ 表示未选；也可以每个渠道一列打 √，"
                "或直接写渠道名称"
                "（用顿号、逗号、分号、空格或编号分开）。单元格里“注：”之后的文字不读入。",
                "工作簿里写了平台没有的渠道名称：市政务公开办导入时作为非标准渠道新增；"
                "其他单位导入时报错，整个工作簿不写入。"
                "渠道名称不超过{limit_channel_name}个字。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="■政府网站 ■公开查阅点 ■政务服务中心 ■社区/企事业单位/村公示栏(电子屏)",
                line=3,
                column="channels_selected",
                where="大竹县 · 社会救助 / 综合业务 / 监督检查",
                why="用的都是标准渠道的原名，导入时逐个对上平台的渠道，不会报错。",
            ),
            bad=Example(
                text="■政府网站 ■两微一端 ■政府服务中心",
                line=37,
                column="channels_selected",
                where="奉节县青莲镇 · 养老服务 / 养老服务通用政策",
                why="标准名称是“政务服务中心”，不是“政府服务中心”："
                "区县或乡镇导入这一行会报“不是平台已有的公开渠道”。",
            ),
            mistakes=(
                "“发布会听证会”少了斜杠（第21行），标准名称是“发布会/听证会”。",
                "自创渠道名称，如“其他法律服务网”（第47行）：请选“其他”，具体网站写在备注里。",
                "勾选了实际不用的渠道，群众到那里找不到信息。",
            ),
        ),
        ElementHelp(
            element=Element.AUDIENCE,
            meaning="信息面向谁公开：全社会，还是特定群体（如项目单位、申请人、本村村民）。",
            how=(
                "勾选“公开对象：全社会”或“公开对象：特定群体”，两项可以都选。",
                "面向特定群体时，在备注里写明是哪些人。",
            ),
            rules=(
                "至少选一项，否则保存时提示“公开对象：至少选择全社会或特定群体之一”。"
                "新建事项默认为全社会。",
                "导入工作簿时这两列只认标记：{true_marks} 表示选中，留空或 {false_marks} 表示未选；"
                "写其他文字会报错。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="√",
                line=6,
                column="audience_all",
                where="盖州市 · 社会救助 / 综合业务 / 政策法规文件",
                why="在“全社会”列只打一个 √，导入时读作“全社会”。",
            ),
            bad=Example(
                text="项目单位",
                line=27,
                column="audience_specific",
                where="奉节县发展改革委 · 重大建设项目 / 批准服务信息 / 办理过程",
                why="在“特定群体”列写了人群名称而不是标记：导入时报“应为“√”或留空，实为“项目单位””。"
                ""
                "应在该列打 √，把“项目单位”写在备注里。",
            ),
            mistakes=(
                "两项都不选。",
                "只公开给申请人本人的信息却选了“全社会”。",
            ),
        ),
        ElementHelp(
            element=Element.MODE,
            meaning="主动公开（不等申请就公开），还是依申请公开（有人申请时才提供）。",
            how=(
                "勾选“公开方式：主动”或“公开方式：依申请”，两项可以都选。",
                "标准目录中的事项绝大多数是主动公开。",
            ),
            rules=(
                "至少选一项，否则保存时提示“公开方式：至少选择主动或依申请之一”。新建事项默认为主动。"
                "",
                "导入工作簿时，“公开方式”下的“主动”“依申请”（或“主动公开”“依申请公开”）两列只认标记，"
                "规则同公开对象。",
                "只有一列“公开方式”、没有分“主动/依申请”两列的表格，这一列作为“其他列”保存，"
                "公开方式不会被读入。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="√",
                line=22,
                column="mode_active",
                where="武汉市武昌区发展和改革局 · 重大建设项目 / 批准结果信息"
                " / 政府投资项目建议书审批",
                why="在“主动”列打 √、“依申请”列留空，导入时读作“主动公开”。",
            ),
            bad=Example(
                text="主动公开",
                line=16,
                column="mode_active",
                where="上海 · 社会救助 / 政策法规文件",
                why="在标记列里写文字：“主动公开”放在“主动”子列里会报错；"
                "如果整张表只有一列“公开方式”，这一列不会被读入。",
            ),
            mistakes=(
                "两项都不选。",
                "把公开方式写进公开渠道或备注，而不勾选。",
            ),
        ),
        ElementHelp(
            element=Element.LEVELS,
            meaning="本事项在哪些层级公开，以及每个层级通过哪些渠道公开（如县级、乡级）。",
            how=(
                "在编辑框中每行写一个层级，格式为“层级：渠道、渠道”，如“县级：政府网站、"
                "政务服务中心”。",
                "层级和渠道之间用冒号（中英文都可以），渠道之间用顿号、逗号或分号。",
            ),
            rules=(
                "每一行都要有层级名称，否则提示“第N行缺少层级名称”；空行会被忽略。",
                "一行里没有冒号时，整行都被当作层级名称，这一层级就没有渠道。",
                "层级里的渠道是文字，平台不与渠道清单核对，写错字不会报错。",
                "导入工作簿时：“公开层级”下各级（县级/乡级、区级/镇(街)级等）打 √ 的，"
                "该层级取本行已选的渠道；"
                "“公开层级1、公开渠道和载体1……”成对的列逐对读入；只有一列“公开层级”时，按顿号、逗号、"
                "分号或空格分出各层级。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="县级：政府网站、两微一端、公开查阅点、政务服务中心\n乡级：政府网站、两微一端、"
                "公开查阅点、政务服务中心",
                line=51,
                column="level_marks",
                where="新平县 · 安全生产 / 政策文件 / 法律法规",
                why="该行县级、乡级都打了 √，按本平台格式写成两行，每个层级带上该行已选的渠道。",
                verbatim=False,
            ),
            bad=Example(
                text="政府网站、财政部门网站公开平台或政府公报",
                line=18,
                column="channels_selected",
                where="重庆市铜梁区财政局 · 财政预决算 / 政府预算",
                why="把渠道直接写进公开层级、没有写“层级：”：平台把整行当作一个名叫“政府网站、"
                "财政部门网站公开平台或政府公报”的层级，"
                "而且没有渠道；“或”也不是分隔符。",
            ),
            mistakes=(
                "层级名称与本级不符，如乡镇目录只写“县级”。",
                "渠道名称与“公开渠道和载体”中勾选的不一致。",
            ),
        ),
        ElementHelp(
            element=Element.ITEM_TYPE,
            meaning="本事项是不是政务服务事项（有办事指南、可以在省一体化政务服务平台办理的事项，"
            "如许可、审批、给付）。",
            how=(
                "选“政务服务事项”或“非政务服务事项”。",
                "选了政务服务事项，还要填“对应本级政务服务事项名称”，门户才能显示“我要看”“我要办”。",
            ),
            rules=(
                "只有这两个值；新建事项默认为非政务服务事项。",
                "导入工作簿时接受“政务服务事项”“政务服务”“非政务服务事项”“非政务服务”，"
                "留空按非政务服务事项；"
                "其他文字报“应为“政务服务事项”或“非政务服务事项””。",
                "只有政务服务事项会与办事指南关联。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="政务服务事项",
                line=52,
                column="item_l2",
                where="重庆市渝北区市场监管局 · 食品药品监管 / 行政审批 / 食品(含保健食品)"
                "生产许可服务指南",
                why="食品生产许可是行政许可，群众要在政务服务平台申请办理，所以是政务服务事项。",
                verbatim=False,
            ),
            bad=Example(
                text="法定公开",
                line=56,
                column="notes",
                where="鄂尔多斯市康巴什区应急管理局 · 救灾 / 政策文件 / 法律法规",
                why="这是该目录“事项类别（法定公开、其他）”一列的值，不是事项类型：写进“事项类型”"
                "列导入时会报错。",
            ),
            mistakes=(
                "把“行政许可”“行政处罚”等权力类别写进事项类型。",
                "政务服务事项漏填“对应本级政务服务事项名称”。",
            ),
        ),
        ElementHelp(
            element=Element.SERVICE_NAME,
            meaning="本事项对应的本级政务服务事项在省一体化政务服务平台上的名称或编码。"
            "平台据此把事项和办事指南关联起来，门户事项页显示“我要看”（办事指南）和“我要办”。",
            how=(
                "照抄省平台上办事指南的事项名称；知道编码的，"
                "写31位实施编码或12位基本编码最准确（可以写在名称后的括号里）。",
                "非政务服务事项留空。",
            ),
            rules=(
                "不超过{limit_service_name}个字。",
                "关联按公众看到的（已发布的）值进行，事项审核通过后自动刷新；"
                "在本区县（乡镇街道用所属区县）的办事指南中查找："
                "先按编码，再按名称（忽略全角半角、括号、空格和标点）。",
                "名称必须与指南名称一致，不做模糊匹配；同名的指南有几条时不自动关联，"
                "请到“目录事项与办事指南的关联”中人工关联。",
                "人工关联的不会被自动关联覆盖。",
            ),
            good=Example(
                text="食品生产许可",
                line=52,
                column="item_l2",
                where="重庆市渝北区市场监管局 · 食品药品监管 / 行政审批 / 食品(含保健食品)"
                "生产许可服务指南",
                why="写的是省平台上政务服务事项本身的名称，能唯一对上本区县的办事指南。",
                verbatim=False,
            ),
            bad=Example(
                text="食品(含保健食品)生产许可服务指南",
                line=52,
                column="item_l2",
                where="重庆市渝北区市场监管局 · 食品药品监管 / 行政审批 / 食品(含保健食品)"
                "生产许可服务指南",
                why="照抄了二级事项名称：“服务指南”和括号里的字不是事项名称的一部分，"
                "平台找不到同名的办事指南，不会关联。",
            ),
            mistakes=(
                "写本级自拟的简称，与省平台名称不一致。",
                "非政务服务事项也填了名称。",
            ),
        ),
        ElementHelp(
            element=Element.CONTENT_TITLE,
            meaning="长沙市目录模板中的一列：按本事项发布的信息用什么标题，如“最低生活保障对象公示”。"
            ""
            "平台保存、导出本要素并用于检索，门户事项页不单独显示。",
            how=(
                "写简短、能看出内容的名称，与公开内容对得上。",
                "不写具体日期、期数或文号，这些写在每条公开信息的标题和文号里。",
            ),
            rules=(
                "不超过{limit_content_title}个字，首尾空格会被去掉。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="公共文化机构免费开放信息",
                line=54,
                column="item_l2",
                where="某乡镇（yncn.gov.cn） · 公共文化服务 / 公共服务",
                why="一看就知道发布的是哪类信息，与该行公开内容（机构名称、开放时间……）相符。",
            ),
            bad=Example(
                text="1.机构名称;2.开放时间;3.机构地址;4.联系电话;5.临时停止开放信息。",
                line=54,
                column="content",
                where="某乡镇（yncn.gov.cn） · 公共文化服务 / 公共服务 / 公共文化机构免费开放信息",
                why="把公开内容的要素清单当作标题：这是“公开内容(要素)”，标题应是一个名称。",
            ),
            mistakes=(
                "标题与二级事项、公开内容说的不是同一件事。",
                "在标题里写“2025年第3期”之类每次都会变的内容。",
            ),
        ),
        ElementHelp(
            element=Element.UPLOAD_FORM,
            meaning="长沙市目录模板中的一列：本事项的信息以什么形式上传发布，如正文、附件（PDF、"
            "Word、Excel）、图片、链接。",
            how=(
                "写实际的形式，如“正文”“正文+附件”“表格附件（Excel）”“图片”“外部链接”。",
                "用附件的，附件类型要在平台允许的范围内：{attachment_types}。",
            ),
            rules=(
                "不超过{limit_upload_form}个字，平台不核对内容。",
                "真正上传公开信息的附件时，平台按文件内容检查类型（扩展名必须与内容一致），"
                "单个不超过{attachment_mb}，"
                "加密的压缩包或文档不接受。",
                "派生来的事项修改本要素后，本要素成为个性要素，不再随上级更新。",
            ),
            good=Example(
                text="正文说明+表格附件（Excel或PDF）",
                line=17,
                column="content",
                where="永修县江上乡 · 财政预决算 / 政府预算",
                why="该行公开的是一组预算表，并要求对数据作说明、空表也要列出：正文写说明，"
                "表格作附件上传。",
                verbatim=False,
            ),
            bad=Example(
                text="区政府网站、财政部门网站公开平台",
                line=19,
                column="channels_selected",
                where="重庆市九龙坡区财政局 · 财政预决算 / 政府预算",
                why="这是公开渠道，不是上传形式：写在这里说不清信息以正文、附件还是链接发布。",
            ),
            mistakes=(
                "写平台不接受的附件类型，如 RAR、WPS 专有格式。",
                "与实际发布方式不一致（写“附件”，实际只发正文）。",
            ),
        ),
        ElementHelp(
            element=Element.REMARKS,
            meaning="其他要素放不下、又需要说明的内容：特定群体是谁、例外情况、本级调整的原因、"
            "渠道的补充说明。",
            how=(
                "简明写出需要说明的事；本级调整了要素的，写明调整原因。",
                "备注会在门户事项页公开显示，不写内部分工、联系人手机号等不宜公开的内容。",
            ),
            rules=(
                "文字不限长度，首尾空格会被去掉；有内容时在门户事项页显示。",
                "导入工作簿时，平台不认识的列不会并入备注，而是作为“其他列”保存在事项上。",
                "渠道单元格里“注：”之后的文字导入时不读入，需要保留的请写在备注里。",
            ),
            good=Example(
                text="注:有关公开信息可推送或归集至本省级法律服务网。",
                line=47,
                column="channels_selected",
                where="三门县 · 公共法律服务 / 法治宣传教育 / 法律知识普及服务",
                why="这条说明原本写在渠道单元格里，导入时会被丢掉；放进备注，群众和上级都能看到。",
            ),
            bad=Example(
                text="责任科室=综合减灾和应急管理组",
                line=56,
                column="extra_fields",
                where="鄂尔多斯市康巴什区应急管理局 · 救灾 / 政策文件 / 法律法规",
                why="内部分工写进备注会在门户公开；由哪个科室承办，请由政务公开办在“承办部门”中指定。"
                "",
            ),
            mistakes=(
                "把本应填在其他要素里的内容（公开时限、渠道）只写在备注里。",
                "写“无”“/”：没有要说明的就留空。",
            ),
        ),
    )
}


# ---------------------------------------------------------------------------------------------
# 审核与发布.

REVIEW: tuple[Topic, ...] = (
    Topic(
        anchor="entry-review",
        title="目录事项：草稿 → 待审核 → 已发布",
        paragraphs=(
            "目录事项改好后，在事项页面点“保存并提交审核”：页面上的修改先保存、再提交，一步完成；"
            "修改有错误时什么都不写入，填的内容保留在页面上。也可以在列表中勾选多项，"
            "用“提交所选事项审核”。",
            "审核由上一级的政务公开办负责：乡镇（街道）的事项由所属区县审核，"
            "区县的事项由市政务公开办审核，"
            "市级本级的事项由市政务公开办审核。审核人点“审核通过并发布”后，公众才看到。",
        ),
        bullets=(
            "本人提交的事项不能由本人审核，须由他人审核。",
            "待审核期间事项不能修改；要改，先点“撤回提交”，事项回到草稿。",
            "修改已发布的事项，事项回到草稿；门户继续显示上次发布的内容，直到新的修改审核通过。",
            "派生来的事项，跟随上级的要素发布的是上级“已发布”的值，不是上级尚未审核的修改；"
            "上级的事项还没有审核发布过时，下级的事项不能审核通过。",
            "删减事项也要审核：删减提交并审核通过后，门户上才不再显示该事项。",
            "审核人可在目录事项列表中用“审核状态：待我审核”筛选出等自己审核的事项。",
        ),
        links=(("目录事项", "admin:catalog_catalogentry_changelist"),),
    ),
    Topic(
        anchor="return",
        title="退回与修改",
        paragraphs=(
            "审核人认为需要修改时点“退回修改”，必须填写退回原因（不超过{reason_limit}个字）。"
            "事项回到草稿，"
            "提交人会收到邮件。",
            "退回的事项在页面“审核”一栏用红字显示“退回原因：……”。按原因改好后，再点“保存并提交审核”；"
            ""
            "重新提交后，原来的退回原因自动清除。",
        ),
    ),
    Topic(
        anchor="publications",
        title="公开信息的审核",
        paragraphs=(
            "公开信息（按目录事项发布的具体信息）同样经过 草稿 → 待审核 → 已发布，"
            "审核人同样是上一级政务公开办。",
        ),
        bullets=(
            "所属目录事项已删减（包括待审核的删减）时，公开信息不能提交，也不能审核通过；"
            "所属目录事项还没有审核发布过时，公开信息不能审核通过。",
            "已发布的公开信息不能直接修改：点“发起修订”生成新的草稿版本，审核通过后替换原版本，"
            "原版本标为“已被新版本替代”。",
            "已发布的信息可以“撤销发布”，须填写原因。",
            "“工作台（待办 / 待审 / 已发）”列出与自己有关的公开信息："
            "待办里有自己的草稿和被退回的信息（附退回原因）。",
        ),
        links=(("工作台（待办 / 待审 / 已发）", "admin:publications_publication_worklist"),),
    ),
    Topic(
        anchor="signoff",
        title="领导签发（待签）",
        paragraphs=(
            "区划的管理员可以在区划设置中开启“发布前须领导签发”。开启后，"
            "本级的公开信息经上一级审核通过后不直接发布，"
            "而是进入“待签发”，由本级的签发领导“签发并发布”，或填写原因“签发退回”（回到草稿）。",
            "签发只用于公开信息，不用于目录事项。签发领导的工作台有“待签”一栏，"
            "打开工作台时默认显示它。",
        ),
    ),
    Topic(
        anchor="domain-review",
        title="市直部门分领域审核",
        paragraphs=(
            "市级管理员可以在“标准目录 › 市直部门分领域审核”中，"
            "把一个领域（如社会救助）交给一个市直部门（如市民政局）审核把关。此后，各区县目录中该领域提交审核的事项先送该部门的审核人员：",
        ),
        bullets=(
            "“业务部门先审，再由市政务公开办审核发布”：部门审核人点“业务审核通过，转市政务公开办”"
            "（或填写原因退回），市政务公开办随后审核发布；部门审核通过前，市政务公开办不能审核通过。",
            "“由业务部门审核发布”：部门审核人直接“审核通过并发布”，市政务公开办不再审核该领域的区县事项。",
            "部门审核人能查看各区县该领域的目录事项（只读），在“审核状态：待我审核”中找到待办。",
            "乡镇（街道）的目录仍由所属区县审核，市本级目录仍由市政务公开办审核。",
            "部门没有在岗的审核人员时，该领域暂由市政务公开办审核，不会积压。",
        ),
    ),
    Topic(
        anchor="departments",
        title="承办部门",
        paragraphs=(
            "区划下可以设部门（如区民政局、街道社会事务办）。没有所属部门的人员是本级政务公开办："
            "能看到本级及下级全部事项，"
            "指定每个事项的“承办部门”（记录为“指定承办部门”），并且只有政务公开办能从上级目录生成、"
            "导入工作簿和审核。",
        ),
        bullets=(
            "部门人员只看到、只修改本部门承办的事项和公开信息，可以提交审核，但不审核。",
            "部门的填报人员新增公开信息时，只能选本部门承办的目录事项。",
            "从上级派生来的事项起初不属于任何部门，由政务公开办指定承办部门。",
        ),
    ),
    Topic(
        anchor="notices",
        title="提醒与期限",
        bullets=(
            "提交审核时，审核单位收到邮件；退回或审核通过时，提交人收到邮件。",
            "每天定时给各审核单位发一封汇总邮件，列出等待超过{digest_days}个工作日的待审事项。",
            "公开信息按所属事项的公开时限和“信息形成（变更）日期”计算截止日期；已逾期、"
            "{soon_days}个工作日内到期的，"
            "在工作台中标出。",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# 工作簿导入导出.

WORKBOOKS: tuple[Topic, ...] = (
    Topic(
        anchor="import",
        title="导入工作簿",
        paragraphs=(
            "在“目录事项”列表右上角点“导入工作簿”，选择区划和文件。只有政务公开办（有目录修改权限、"
            "不属于某个部门的人员）可以导入，区划可选本级或下级。",
            "上传后平台在后台先做预览，页面自动显示进度；预览逐行列出新增、修改（及修改了哪些要素）、"
            "不变或错误。"
            "没有错误时点“确认导入”才写入；不想导入点“放弃”。",
        ),
        bullets=(
            "支持 .xlsx 和 Excel 97–2003 / WPS 保存的 .xls，按文件内容识别格式，"
            "改过扩展名也能认出；文件不超过{import_mb}。",
            "只要有一处错误，整个工作簿都不写入。错误说明写明工作表、行、列和应该怎么填，"
            "全部改好后重新上传。",
            "只有发起预览的本人能看到并确认；预览超过{import_keep_hours}小时未确认的，"
            "上传的文件会被删除，需要重新上传。",
            "按“区划 + 领域 + 一级事项 + 二级事项”对应事项，同一个工作簿再导入一次不会有任何改动。",
            "乡镇（街道）的工作簿只能包含所属区县目录中已有的事项；"
            "与上级不同的要素导入后成为个性要素。",
            "渠道和事项名称由市政务公开办统一维护：工作簿里平台没有的渠道或事项，"
            "区县和乡镇导入时报错。",
        ),
        links=(("导入工作簿", "admin:catalog_catalogentry_import"),),
    ),
    Topic(
        anchor="format",
        title="表格格式",
        paragraphs=("平台按列名识别各列，不按列的位置。下列写法都能读入：",),
        bullets=(
            "表格上方的标题行，两行合并表头，合并的一级事项单元格；表格下方的说明行（只有一格有字，"
            "以“注”“备注”“说明”“填表说明”“填报说明”开头）会被跳过。",
            "公开对象、公开方式、公开层级的 √ 标记；“特定群众”“依申请公开”等不同写法。",
            "公开渠道的 ■/□ 清单、每个渠道一列 √，或直接写渠道名称。",
            "三级事项列：读作“二级事项—三级事项”。",
            "长沙市模板的“事项类型、对应本级政务服务事项名称、公开内容标题、公开内容上传形式”"
            "和成对的“公开层级N、公开渠道和载体N”。",
            "一个工作簿可以有多个领域，每个领域一个工作表；领域从标题行或工作表名称中识别。",
            "平台不认识的列（如“责任科室”）作为“其他列”保存在事项上，预览报告中会列出。",
        ),
    ),
    Topic(
        anchor="limits",
        title="文件限制",
        paragraphs=(
            "超过下列限制时，平台给出中文说明，指出是哪个工作表、哪项限制，不写入任何数据。",
        ),
        rows=(
            ("文件大小", "{import_mb}"),
            ("工作表数", "{limit_worksheets}"),
            ("有内容的列数", "{limit_columns}"),
            ("有内容的行数（每个工作表、整个工作簿）", "{limit_rows}"),
            ("每个单元格的字数", "{limit_cell_chars}"),
            (".xls 每个工作表的单元格数（每行从A列算到最后一个有值的单元格）", "{limit_xls_cells}"),
            ("报告的错误条数（超过后停止读取）", "{limit_errors}"),
        ),
        bullets=(
            "加密或设了打开密码的文件、Excel 95 及更早的文件、损坏的文件不能导入。",
            "单元格里是公式的，请先转换为数值（粘贴为数值）再导入。",
        ),
    ),
    Topic(
        anchor="export",
        title="导出标准目录",
        paragraphs=(
            "在“目录事项”列表右上角点“导出标准目录”，选择区划（和领域），可导出为标准工作簿（.xlsx）"
            "、CSV 或 JSON。",
        ),
        bullets=(
            "工作簿每个领域一个工作表，带标题行、两行合并表头、合并的一级事项、"
            "√ 标记和 ■/□ 渠道清单，可直接打印（A4横向）。",
            "导出的工作簿原样导入，不会有任何改动，所以可以导出、在 Excel 或 WPS 中修改、再导入。",
            "以 =、+、-、@ 开头的单元格作为文字保存，打开时不会被当作公式执行。",
            "工作簿一律导出为 .xlsx，不导出 .xls。",
        ),
        links=(("导出标准目录", "admin:catalog_catalogentry_standard_export"),),
    ),
)


# ---------------------------------------------------------------------------------------------
# 常见问题.

FAQ: tuple[Question, ...] = (
    Question(
        anchor="foi-clock",
        question="政府信息公开申请的答复期限怎么算？",
        answer=(
            "自收到申请之日起20个工作日内答复，收到申请的次日为第1个工作日；工作日按“工作日历”"
            "中的节假日和调休计算。网上申请以提交当日为收到日期，邮寄以签收之日，传真以双方确认"
            "之日（条例第三十一条）。",
            "需要补正的，在收到申请后7个工作日内一次性发出补正通知，期限自收到补正材料之日重新"
            "计算；征求第三方或其他机关意见的时间（每次最多15个工作日）、发出收费通知到缴费的"
            "时间不计入期限；确需延期的，经政府信息公开工作机构负责人同意，可延长一次，最多20个"
            "工作日。申请页面的“法定期限”一栏显示已用和剩余的工作日。",
        ),
        links=(("政府信息公开申请", "admin:foi_inforequest_changelist"),),
    ),
    Question(
        anchor="foi-hidden",
        question="为什么看不到下级单位申请人的姓名和联系方式？",
        answer=(
            "申请人的个人信息只有承办机关（申请所在区划或部门）的工作人员可以看到。上级单位可以"
            "看到下级单位申请的办理状态和期限，用于督办逾期申请，但不能办理，也看不到申请人信息。",
        ),
        links=(("政府信息公开申请", "admin:foi_inforequest_changelist"),),
    ),
    Question(
        anchor="forgot-password",
        question="忘记密码怎么办？",
        answer=(
            "平台没有自助找回密码。请联系平台的系统管理员重新设置密码；本级管理员只能分配角色，"
            "不能修改别人的密码。",
            "拿到新密码登录后，请点页面右上角的“修改密码”换成自己的密码："
            "至少{password_min_length}个字符，"
            "包含大写字母、小写字母、数字和符号中的至少{password_min_classes}类，不能是纯数字、"
            "常见密码或与用户名太相似。",
        ),
        links=(("修改密码", "admin:password_change"),),
    ),
    Question(
        anchor="locked",
        question="账户被锁定了怎么办？",
        answer=(
            "{lockout_minutes}分钟内，同一账号登录失败{login_failures}次，"
            "或同一网络地址登录失败{address_failures}次，就会被锁定{lockout_minutes}分钟。"
            "锁定期间再输入不会延长锁定时间，到时自动解除。",
            "急用时请联系市级管理员，在“登录锁定”中提前解除。用户名和密码都区分大小写，"
            "请检查大小写和输入法。",
        ),
    ),
    Question(
        anchor="logged-out",
        question="为什么填着填着就退出登录了？",
        answer=(
            "为保护账号安全，{idle_minutes}分钟没有任何操作会自动退出，关闭浏览器也会退出。"
            "填写较长的内容时请及时保存；退出前没有保存的修改不会写入。",
        ),
    ),
    Question(
        anchor="cannot-add",
        question="为什么我不能新增事项？",
        answer=(
            "乡镇（街道）目录只能从所属区县目录中删减事项和调整要素，不能新增事项（做减法），"
            "所以乡镇（街道）账号的目录事项列表没有“增加”按钮。",
            "确实缺少的事项，请区县政务公开办先加到区县目录；再由本级政务公开办点“从上级目录生成”，"
            "只会补上上级新增的事项，已有的事项（包括已删减的）保持不变。",
        ),
        links=(("从上级目录生成", "admin:catalog_catalogentry_derive"),),
    ),
    Question(
        anchor="drop",
        question="如何删减事项？删错了怎么恢复？",
        answer=(
            "打开事项，在“派生关系与要素状态”下点“删减本事项…”，确认即可；也可以在列表中勾选多项，"
            "用“删减所选事项”。"
            "下级目录也有这个事项时，确认页会列出受影响的乡镇（街道），确认后一并删减。",
            "事项不会被真正删除。删错了点“恢复本事项”：因本次删减而被一并删减的下级事项同时恢复，"
            "下级自己删减的保持删减。"
            "上级目录已删减的事项，须先在上级恢复。",
            "已发布的事项删减后回到草稿，要提交审核；审核通过后门户上才不再显示。",
        ),
    ),
    Question(
        anchor="returned",
        question="事项被退回了，怎么改？",
        answer=(
            "在目录事项列表用“审核状态：草稿”筛选，打开事项，页面“审核”一栏用红字写着退回原因。"
            "按原因修改要素后点“保存并提交审核”即可，不需要先单独保存。",
            "公开信息被退回的，在“工作台（待办 / 待审 / 已发）”的“待办”里，每条都附有退回原因。",
        ),
        links=(
            ("目录事项", "admin:catalog_catalogentry_changelist"),
            ("工作台（待办 / 待审 / 已发）", "admin:publications_publication_worklist"),
        ),
    ),
    Question(
        anchor="submitted-typo",
        question="已经提交审核了，发现写错了怎么办？",
        answer=(
            "待审核期间事项不能修改。请在事项页面点“撤回提交”，事项回到草稿，"
            "改好后再“保存并提交审核”。"
            "审核人已经审核通过的，直接修改后重新提交即可。",
        ),
    ),
    Question(
        anchor="public-when",
        question="改了已发布的事项，公众马上能看到吗？",
        answer=(
            "不会。修改后事项回到草稿，门户继续显示上次审核发布的内容；提交审核并通过后，"
            "公众才看到新的内容。",
        ),
    ),
    Question(
        anchor="upstream-changed",
        question="事项上标着“上级已调整”是什么意思？",
        answer=(
            "这个要素本级改过（个性要素），之后上级又修改了它。请打开事项，在“派生关系与要素状态”"
            "中对比本级和上级的值："
            "点“采用上级”改用上级的值并重新跟随上级；点“保留本级”保留自己的值。",
            "在目录事项列表用“派生状态：上级已调整，待处理”可以筛选出所有需要处理的事项。",
        ),
    ),
    Question(
        anchor="attachments",
        question="公开信息的附件支持哪些格式？",
        answer=(
            "只接受{attachment_types}，单个文件不超过{attachment_mb}，可以一次选多个。",
            "平台按文件内容判断类型：扩展名必须与内容一致（例如把 Word 文件改名为 .pdf 会被拒绝），"
            "加密的压缩包或文档、空文件不接受。",
            "附件只能在草稿中添加或删除；已发布的信息请“发起修订”。",
        ),
    ),
    Question(
        anchor="deadline",
        question="公开信息的截止日期是怎么算的？工作日怎么算？",
        answer=(
            "截止日期 = 信息形成（变更）日期 + 所属目录事项的公开时限。工作日从形成日期的次日起算，"
            "扣除周末和法定节假日，调休上班的周末算工作日；按自然日的期限，"
            "最后一天遇休息日或节假日顺延。",
            "公开时限写得识别不出（如“同上”“及时公开”）时按{statutory_days}个工作日计算。"
            "工作日历还没有录入某一年的节假日时，"
            "截止日期暂时空着并说明原因，管理员录入该年后自动算出。",
            "信息形成日期不能晚于今天；修改形成日期会重新计算截止日期。工作台中标出“已逾期”"
            "和{soon_days}个工作日内“即将到期”的信息。",
        ),
        links=(("工作台（待办 / 待审 / 已发）", "admin:publications_publication_worklist"),),
    ),
    Question(
        anchor="cannot-publish",
        question="公开信息为什么提交不了或审核不通过？",
        answer=(
            "所属目录事项已删减（待审核的删减也算）时，公开信息不能提交，也不能审核通过；"
            "所属目录事项还没有在本级目录中审核发布过时，公开信息可以提交，但不能审核通过。"
            "请先处理目录事项（恢复事项，或提交目录事项审核并等待发布），再提交或审核公开信息。",
        ),
    ),
    Question(
        anchor="import-nothing",
        question="导入工作簿报了错，为什么一行都没有导入？",
        answer=(
            "为避免只导入一半，只要有一处错误，整个工作簿都不写入。"
            "请按预览中列出的每一条错误（工作表、行、列）改好，再重新上传。",
            "最常见的错误：渠道名称与平台的不一致（如“政府服务中心”应为“政务服务中心”）；对象、"
            "方式列里写了文字而不是 √；"
            "乡镇工作簿里有区县目录没有的事项；单元格里是公式。",
        ),
        links=(("导入工作簿", "admin:catalog_catalogentry_import"),),
    ),
    Question(
        anchor="cannot-see",
        question="为什么我看不到某些事项？",
        answer=(
            "每个人只能看到本级及下级的事项。属于某个部门的人员只看到本部门承办的事项；"
            "事项还没有指定承办部门时，请本级政务公开办在事项页面指定“承办部门”。",
        ),
    ),
    Question(
        anchor="self-review",
        question="我有审核权限，为什么不能审核自己提交的事项？",
        answer=(
            "提交与审核必须是两个人：本人提交的事项和公开信息都不能由本人审核，"
            "页面会提示“这是您本人提交的，须由他人审核”。",
        ),
    ),
    Question(
        anchor="signoff",
        question="公开信息审核通过了，为什么还没发布，显示“待签发”？",
        answer=(
            "本级开启了“发布前须领导签发”：审核通过后要由本级签发领导“签发并发布”。请联系签发领导；"
            "签发领导也可以填写原因“签发退回”，信息回到草稿。",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# The pages and the numbers their texts name.


@dataclass(frozen=True)
class Page:
    """One page of the help centre: its admin URL name, title and content."""

    url_name: str
    title: str
    intro: str


PAGES: tuple[Page, ...] = (
    Page(
        "help_index",
        "填报说明",
        "目录事项每个公开要素的含义、填法、平台检查的规则、好坏例子和常见错误。",
    ),
    Page("help_review", "审核与发布", "草稿、提交、退回、审核发布，领导签发和承办部门。"),
    Page(
        "help_workbooks",
        "工作簿导入导出",
        "导入 .xlsx / .xls 标准目录工作簿，导出标准目录，以及文件限制。",
    ),
    Page("help_faq", "常见问题", "乡镇（街道）和区县填报人员最常问的问题。"),
)


def _size(n: int) -> str:
    mib = n / 2**20
    return f"{mib:g} MB" if mib >= 1 else f"{n / 1024:g} KB"


def _marks(marks) -> str:
    """Return the marks as staff read them: symbols and Chinese first, then ASCII letters."""
    return "、".join(sorted(marks, key=lambda mark: (mark.isascii(), mark)))


def facts() -> dict[str, str]:
    """Return the values the help texts name, read from the settings and the code's own checks."""
    from django.contrib.auth import password_validation

    from catalog.services import TEXT_LIMITS
    from catalog.workbooks import read as workbook_read
    from catalog.workbooks.xlsx_stream import LIMITS
    from publications.files import ALLOWED_TEXT
    from publications.services import LIMITS as PUBLICATION_LIMITS
    from publications.tasks import DIGEST_WAITING_DAYS
    from publications.worklist import SOON_WORKING_DAYS
    from workcalendar.deadlines import STATUTORY_DAYS

    from .passwords import CharacterClassesValidator

    min_length, min_classes = "", ""
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            min_length = str(validator.min_length)
        if isinstance(validator, CharacterClassesValidator):
            min_classes = str(validator.min_classes)
    values = {
        "login_failures": settings.AXES_FAILURE_LIMIT,
        "address_failures": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
        "idle_minutes": settings.STAFF_SESSION_IDLE_MINUTES,
        "password_min_length": min_length,
        "password_min_classes": min_classes,
        "attachment_types": ALLOWED_TEXT,
        "attachment_mb": _size(settings.PUBLICATION_ATTACHMENT_MAX_BYTES),
        "import_mb": _size(settings.CATALOG_IMPORT_MAX_BYTES),
        "import_keep_hours": settings.CATALOG_IMPORT_KEEP_HOURS,
        "limit_worksheets": f"{LIMITS.worksheets:,}",
        "limit_columns": f"{LIMITS.columns:,}",
        "limit_rows": f"{min(LIMITS.sheet_rows, LIMITS.book_rows):,}",
        "limit_cell_chars": f"{LIMITS.cell_chars:,}",
        "limit_xls_cells": f"{LIMITS.xls_cells:,}",
        "limit_errors": f"{LIMITS.errors:,}",
        "limit_channel_name": workbook_read.CHANNEL_NAME_LIMIT,
        "limit_responsible_body": PUBLICATION_LIMITS["responsible_body"],
        "true_marks": _marks(workbook_read.TRUE_MARKS),
        "false_marks": _marks(workbook_read.FALSE_MARKS),
        "statutory_days": STATUTORY_DAYS,
        "soon_days": SOON_WORKING_DAYS,
        "digest_days": DIGEST_WAITING_DAYS,
        # catalog.review._clean_reason and publications.services._reason (a test checks it).
        "reason_limit": REASON_LIMIT,
        **{f"limit_{name}": limit for name, limit in TEXT_LIMITS.items()},
    }
    return {key: str(value) for key, value in values.items()}
