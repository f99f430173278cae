"""Catalog workbooks for the import tests, built from real catalog lines.

Every ``Line`` below is copied from ``fixtures/catalog_rows.csv`` (one published catalog line,
its source page in the comment). Where the page excerpt did not show a value the tests need
(an audience or mode mark, which levels are ticked, a channel list cut off by the excerpt), the
``Line`` says so in its comment and the value is chosen for the test.

The builders write the layouts that ``fixtures/catalog-format.md`` says an importer must accept:

* ``common_columns``: the common table: a title row, the two-row merged header (公开事项 over
  一级事项/二级事项, 公开对象 over 全社会/特定群体, 公开方式 over 主动/依申请, 公开层级 over the
  level labels), merged 一级事项 cells, √ marks, the ■/□ channel checklist and a note row
  merged across the table;
* ``legend_columns``: no 公开层级 column, 特定群众 / 主动公开 / 依申请公开 spellings, the channel
  heading carrying its legend, and 公开内容(要素)及要求;
* ``three_level_columns``: an extra leading 一级目录 column, a 三级事项 column and extra columns;
* ``changsha_columns``: Changsha's wide header (事项类型 … 公开层级N / 公开渠道和载体N);

and ``cfb_file`` writes the OLE2 compound files of an old .xls and a password-protected
workbook.
"""

from __future__ import annotations

import io
import math
import random
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from catalog.levels import CANONICAL, canonical_levels
from catalog.models import (
    CatalogEntry,
    CatalogEvent,
    Channel,
    Element,
    FirstLevelItem,
    SecondLevelItem,
)
from catalog.services import get_value

# The 13 standard channels in the order a ■/□ checklist prints them (fixtures/channels.csv).
STANDARD_CHANNELS = (
    "政府网站",
    "政府公报",
    "两微一端",
    "发布会/听证会",
    "广播电视",
    "纸质媒体",
    "公开查阅点",
    "政务服务中心",
    "便民服务站",
    "入户/现场",
    "社区/企事业单位/村公示栏(电子屏)",
    "精准推送",
    "其他",
)
NOTE = "注：“■”表示已选渠道，“□”表示未选渠道；“√”表示适用。"


@dataclass(frozen=True)
class Line:
    """One catalog line as printed: items, element texts, selected channels and marks."""

    first_level: str
    second_level: str
    content: str
    basis: str
    time_limit: str
    subject: str
    channels: tuple[str, ...]
    channels_text: str = ""  # the channel cell as printed, when it is not a ■/□ checklist
    audience: tuple[bool, bool] = (True, False)  # (全社会, 特定群体)
    mode: tuple[bool, bool] = (True, False)  # (主动, 依申请)
    levels: tuple[str, ...] = ()  # the level labels ticked √
    third_level: str = ""
    catalog_l0: str = ""  # the extra leading 一级目录 column
    remarks: str = ""
    extra: dict = field(default_factory=dict)  # extra columns: heading -> text
    # Changsha's own columns.
    item_type: str = ""
    service_name: str = ""
    content_title: str = ""
    upload_form: str = ""
    level_channels: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (公开层级N, 渠道N)


# ---------------------------------------------------------------------------------------------
# Real lines (fixtures/catalog_rows.csv).

# 养老服务, a county catalog: http://www.yr.gov.cn/info/2220/33001.htm
# flags_raw "√ | | √ | | √ |": 全社会 √, 主动 √, 县级 √ (of 县级|乡级). The 一级事项 cell is merged
# over the three lines. The page heads its column 特定群体(请写明); the tests use 特定群体.
YR_YANGLAO = (
    Line(
        first_level="养老服务通用政策",
        second_level="国家和地方层面养老服务相关法律、法规、政策文件",
        content="1.文件名称 2.文号 3.发文部门",
        basis="《中华人民共和国政府信息公开条例》(中华人民共和国国务院令第711号)",
        time_limit="制定或获取文件之日起10个工作日内",
        subject="县民政局",
        channels=("政府网站", "政务服务中心"),
        audience=(True, False),
        mode=(True, False),
        levels=("县级",),
    ),
    Line(
        first_level="养老服务通用政策",
        second_level="养老服务扶持政策措施清单",
        content="1.扶持政策措施名称 2.扶持对象 3.实施部门 4.扶持政策措施内容和标准",
        basis="《中华人民共和国政府信息公开条例》(中华人民共和国国务院令第711号)",
        time_limit="制定或获取扶持政策措施之日起10个工作日内",
        subject="县民政局",
        channels=("政府网站", "政务服务中心"),
        audience=(True, False),
        mode=(True, False),
        levels=("县级",),
    ),
    Line(
        first_level="养老服务通用政策",
        second_level="养老机构投资指南",
        content=(
            "1.本区域养老机构投资环境简介 2.养老机构投资审批条件及依据 3.养老机构投资审批流程 "
            "4.养老机构投资审批涉及部门和联系方式"
        ),
        basis="《中华人民共和国政府信息公开条例》(中华人民共和国国务院令第711号)",
        time_limit="制定或获取指南之日起10个工作日内",
        subject="县民政局",
        channels=("政府网站", "政务服务中心"),
        audience=(True, False),
        mode=(True, False),
        levels=("县级",),
    ),
)

# 养老服务, a township catalog (奉节县青莲镇, 2024版), the same items as YR_YANGLAO:
# http://cqfj.gov.cn/index/xz_168/qlianz/zwgk_61082/zfxxgk/jczwgk/ylfwly/bzml/202411/t20241114_13796345.html
# The page prints ■政府服务中心 (sic, not the standard 政务服务中心). Marks are not in the
# excerpt: 全社会/主动 and 县级 √ are chosen to match YR_YANGLAO.
QINGLIAN_YANGLAO = (
    Line(
        first_level="养老服务通用政策",
        second_level="国家和地方层面养老服务相关法律、法规、政策文件",
        content="●文件名称 ●文号 ●发文部门",
        basis="信息公开规定",
        time_limit="制定或获取文件之日起10个工作日内",
        subject="县级人民政府民政部门",
        channels=("政府网站", "两微一端", "政府服务中心"),
        levels=("县级",),
    ),
    Line(
        first_level="养老服务通用政策",
        second_level="养老服务扶持政策措施清单",
        content="●扶持政策措施名称 ●扶持对象 ●实施部门 ●扶持政策措施内容和标准",
        basis="信息公开规定",
        time_limit="制定或获取扶持政策措施之日起10个工作日内",
        subject="县级人民政府民政部门",
        channels=("政府网站", "两微一端", "政府服务中心"),
        levels=("县级",),
    ),
    Line(
        first_level="养老服务通用政策",
        second_level="养老机构投资指南",
        content=(
            "●本区域养老机构投资环境简介 ●养老机构投资审批条件及依据 ●养老机构投资审批流程 "
            "●养老机构投资审批涉及部门和联系方式"
        ),
        basis="信息公开规定",
        time_limit="制定或获取指南之日起10个工作日内",
        subject="县级人民政府民政部门",
        channels=("政府网站", "两微一端", "政府服务中心"),
        levels=("县级",),
    ),
)

# 社会救助, 大竹县: http://www.dazhu.gov.cn/xxgk-show-199777.html (levels 县级|乡、村级).
# Marks are not in the excerpt: 全社会/主动 and 县级 √ are chosen for the tests.
DAZHU_SHJZ = (
    Line(
        first_level="综合业务",
        second_level="政策法规文件",
        content="《社会救助暂行办法》 各地配套政策法规文件",
        basis="《信息公开条例》及相关规定",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="县民政局、各乡(镇)人民政府(街道办事处)",
        channels=("政府网站", "公开查阅点", "政务服务中心"),
        levels=("县级",),
    ),
    Line(
        first_level="综合业务",
        second_level="监督检查",
        content="社会救助信访通讯地址 社会救助投诉举报电话",
        basis="《信息公开条例》及相关规定",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="县民政局、各乡(镇)人民政府(街道办事处)",
        channels=("政府网站", "公开查阅点", "政务服务中心", "社区/企事业单位/村公示栏(电子屏)"),
        levels=("县级",),
    ),
    Line(
        first_level="最低生活保障",
        second_level="政策法规文件",
        content=(
            "《国务院关于进一步加强和改进最低生活保障工作的意见》、"
            "《最低生活保障审核审批办法(试行)》、各地配套政策法规文件"
        ),
        basis="《信息公开条例》及相关规定",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="县民政局、各乡(镇)人民政府(街道办事处)",
        channels=("政府网站", "公开查阅点", "政务服务中心"),
        levels=("县级",),
    ),
    Line(
        first_level="最低生活保障",
        second_level="办事指南",
        content=(
            "办理事项、办理条件、最低生活保障标准、申请材料、办理流程、办理时间、地点、联系方式"
        ),
        basis="《国务院关于进一步加强和改进最低生活保障工作的意见》、各地相关政策法规文件",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="县民政局、各乡(镇)人民政府(街道办事处)",
        channels=("政府网站", "公开查阅点", "政务服务中心"),
        levels=("县级",),
    ),
)

# 社会救助, 天津市宝坻区 (a district): flags_raw "√ | √ | √ | √" (read here as 全社会, 主动,
# 县级 and 乡级 √; the csv calls the mapping uncertain). The excerpt names the second-level item
# 政策 (the template's 政策法规文件).
# https://www.tjbd.gov.cn/zwgk/jczwgk/ly/shjzly/202012/t20201216_5039688.html
BAODI_SHJZ = (
    Line(
        first_level="综合业务",
        second_level="政策",
        content="《社会救助暂行办法》",
        basis="《信息公开条例》及相关规定",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="县级政府民政部门、乡镇政府(街道办事处)",
        channels=("政府网站",),
        levels=("县级", "乡级"),
    ),
    Line(
        first_level="最低生活保障",
        second_level="政策",
        content=(
            "《国务院关于进一步加强和改进最低生活保障工作的意见》、"
            "《最低生活保障审核审批办法(试行)》、各地配套政策法规文件"
        ),
        basis="《信息公开条例》及相关规定",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="县级政府民政部门、乡镇政府(街道办事处)",
        channels=("政府网站",),
        levels=("县级", "乡级"),
    ),
    Line(
        first_level="最低生活保障",
        second_level="办事指南",
        content=(
            "办理事项、办理条件、最低生活保障标准、申请材料、办理流程、办理时间、地点、联系方式"
        ),
        basis="《国务院关于进一步加强和改进最低生活保障工作的意见》、各地相关政策法规文件",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="县级政府民政部门、乡镇政府(街道办事处)",
        channels=("政府网站",),
        levels=("县级", "乡级"),
    ),
)

# 社会救助, 腾冲市荷花镇 (2026-03-07): content and basis marked ● as on the page.
# https://www.tengchong.gov.cn/info/7151/5817733.htm
# The second line's channel list is cut off in the excerpt (■政府网站 kept). Marks are not in
# the excerpt; the tests tick 特定群众 and 依申请公开 on the second line to read those columns.
TENGCHONG_SHJZ = (
    Line(
        first_level="综合业务",
        second_level="政策法规",
        content=(
            "● 《社会救助暂行办法》(国务院令第649号) "
            "● 《国务院关于进一步加强和改进最低生活保障工作的意见》(国发〔2012〕45号) "
            "● 《国务院关于全面建立临时救助制度的通知》 (国发〔2014〕47号)"
        ),
        basis="●中华人民共和国政府信息公开条例",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="乡镇人民政府",
        channels=("政府网站", "社区/企事业单位/村公示栏(电子屏)"),
    ),
    Line(
        first_level="综合业务",
        second_level="监督检查",
        # 〇 (可选) added before the second element to exercise the optional mark; the page
        # prints ● for both.
        content="●社会救助信访通讯地址 〇社会救助投诉举报电话",
        basis="●中华人民共和国政府信息公开条例",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="乡镇人民政府",
        channels=("政府网站",),
        audience=(True, True),
        mode=(True, True),
    ),
)

# 社会救助, 石城县 (2024-07): an extra leading 一级目录 column and a 三级事项 header (empty here);
# levels 市级|县级|乡级 (县级 and 乡级 ticked for the tests; the excerpt's marks are ambiguous).
# http://www.shicheng.gov.cn/scxzf/shjzbzml/202407/5d1663de28994d908f3ced794c1ec349.shtml
# The third line's channel list is cut off in the excerpt (■政府网站 kept).
SHICHENG_SHJZ = (
    Line(
        catalog_l0="综合业务",
        first_level="综合业务",
        second_level="政策法规文件",
        content="1.《社会救助暂行办法》(国务院令第649号) 2.各地配套政策法规文件",
        basis="《中华人民共和国政府信息公开条例》(国令第711号)",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="民政局、乡镇人民政府(街道办事处)",
        channels=("政府网站", "公开查阅点", "政务服务中心"),
        levels=("县级", "乡级"),
    ),
    Line(
        catalog_l0="综合业务",
        first_level="综合业务",
        second_level="监督检查",
        content="1.社会救助信访通讯地址 2.社会救助投诉举报电话",
        basis="《中华人民共和国政府信息公开条例》(国令第711号)",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="民政局、乡镇人民政府(街道办事处)",
        # Printed "村公示栏 (电子屏)" with a space: the importer drops the space.
        channels=("政府网站", "公开查阅点", "政务服务中心", "社区/企事业单位/村公示栏 (电子屏)"),
        levels=("县级", "乡级"),
    ),
    Line(
        catalog_l0="最低生活保障",
        first_level="最低生活保障",
        second_level="政策法规文件",
        content=(
            "1.《国务院关于进一步加强和改进最低生活保障工作的意见》(国发〔2012〕45号) "
            "2.《最低生活保障审核审批办法(试行)》(民发〔2012〕220号) 3.各地配套政策法规文件"
        ),
        basis="《中华人民共和国政府信息公开条例》(国令第711号)",
        time_limit="制定或获取信息之日起10个工作日内",
        subject="民政局、乡镇人民政府(街道办事处)",
        channels=("政府网站",),
        levels=("县级", "乡级"),
    ),
)

# 救灾, 鄂尔多斯市康巴什区应急管理局: 一级/二级/三级事项 and the extra columns 条款内容,
# 依据效力(位阶), 责任科室, 对应职责 (the csv reconstructs the column mapping from a flattened
# excerpt; 公开对象 is laid out here as the usual 全社会/特定群体 pair, 全社会 ticked).
# http://www.kbs.gov.cn/zwgk/zfxxgk/fdzdgknr/jgjj/jgzn_138928/zfbm/yjglj_156987/jczwgk_157060/jzscly/bzml_157269
KBS_JIUZAI = Line(
    first_level="政策文件",
    second_level="法律法规",
    third_level="国家自然灾害救助应急预案 内蒙古自治区自然灾害救助应急预案",
    content="与救灾有关的法律、法规",
    basis="《中华人民共和国政府信息公开条例》",
    time_limit="信息形成或变更之日起20个工作日内",
    subject="应急管理部门",
    channels=("政府网站", "两微一端", "公开查阅点", "政务服务中心"),
    extra={
        "条款内容": (
            "《中华人民共和国政府信息公开条例》第二十条(十二)突发公共事件的应急预案、"
            "预警信息及应对情况"
        ),
        "依据效力(位阶)": "法规",
        "责任科室": "综合减灾和应急管理组",
        "对应职责": "自然灾害救助",
    },
)

# 食品药品监管, 重庆市渝北区市场监管局 (2024年版): levels 区级|镇(街)级 (区级 ticked for the tests).
# http://scjgj.cq.gov.cn/zz/ybq/zfxxgkml/spypjglyjczwgkzl/202401/t20240119_12840676.html
# The second line's channel list is cut off in the excerpt (■政府网站 kept).
YUBEI_SPYP = (
    Line(
        first_level="行政审批",
        second_level="食品(含保健食品)生产许可服务指南",
        content=(
            "审批依据、受理机构、申请条件、申请材料目录、办理基本流程、办结时限、收费依据及标准、"
            "结果送达、监督投诉渠道等"
        ),
        basis=(
            "《中华人民共和国食品安全法》《中华人民共和国政府信息公开条例》"
            "《关于全面推进政务公开工作的意见》《食品药品安全监管信息公开管理办法》"
            "《食品生产许可管理办法》"
        ),
        time_limit="信息形成或变更之日起20个工作日内",
        subject="区市场监管局",
        channels=("政府网站", "政务服务中心"),
        levels=("区级",),
    ),
    Line(
        first_level="行政审批",
        second_level="食品(含保健食品)生产许可基本信息",
        content=(
            "生产经营者名称、许可证编号、法定代表人(负责人)、生产地址/经营场所、"
            "食品类别/经营项目、日常监督管理机构、有效期限等"
        ),
        basis=(
            "《中华人民共和国食品安全法》《中华人民共和国政府信息公开条例》"
            "《关于全面推进政务公开工作的意见》《食品药品安全监管信息公开管理办法》"
            "《食品生产许可管理办法》"
        ),
        time_limit="信息形成或变更之日起7个工作日内",
        subject="区市场监管局",
        channels=("政府网站",),
        levels=("区级", "镇(街)级"),
    ),
)

# 重大建设项目, 武汉市武昌区发展和改革局 (政务公开事项标准目录模板, 2020-12-07): 全社会 √, 主动 √.
# https://www.wuchang.gov.cn/xxgk/jsj/fdzdgknr/zdjs/zdjs_/202012/t20201207_1531816.html
# Laid out in Changsha's wide header: 事项类型, 对应本级政务服务事项名称, 公开内容标题,
# 公开内容上传形式 and the 公开层级N / 公开渠道和载体N pairs are chosen for the tests.
WUCHANG_ZDJS = (
    Line(
        first_level="批准结果信息",
        second_level="政府投资项目建议书审批",
        content="审批结果、批复时间、批复文号、批复单位、项目名称、项目统一代码等",
        basis=(
            "《政府信息公开条例》、《关于全面推进政务公开工作意见》、"
            "《关于推进重大建设项目批准和实施领域政府信息公开的意见》"
        ),
        time_limit=(
            "信息形成20个工作日内公开;其中行政许可、行政处罚事项应自作出行政决定之日起7个工作日内公示"
        ),
        subject="武汉市武昌区发展和改革局",
        channels=("投资项目在线审批监管平台",),
        item_type="政务服务事项",
        service_name="政府投资项目建议书审批",
        content_title="政府投资项目建议书批复",
        upload_form="附件",
        level_channels=(
            ("县级", ("投资项目在线审批监管平台", "政府网站")),
            ("乡级", ("政府网站",)),
        ),
    ),
    Line(
        first_level="批准结果信息",
        second_level="政府投资项目可行性研究报告审批",
        content="审批结果、批复时间、批复单位、批复文号、项目名称、项目统一代码等",
        basis=(
            "《政府信息公开条例》、《关于全面推进政务公开工作意见》、"
            "《关于推进重大建设项目批准和实施领域政府信息公开的意见》"
        ),
        time_limit=(
            "信息形成20个工作日内公开;其中行政许可、行政处罚事项应自作出行政决定之日起7个工作日内公示"
        ),
        subject="武汉市武昌区发展和改革局",
        channels=("投资项目在线审批监管平台",),
        item_type="",  # blank 事项类型: a non-service item
        level_channels=(("县级", ("投资项目在线审批监管平台",)),),
    ),
)

# 生态环境 (云南, ynwss.gov.cn): no 公开层级 columns, channels as a numbered list, 全社会 √, 主动 √.
# The second line's 一级事项 cell is empty on the page.
# https://ynwss.gov.cn/info/2884/127339.htm
YNWSS_STHJ = (
    Line(
        first_level="行政许可",
        second_level="建设项目环境影响评价文件审批",
        content=(
            "1.受理环节: 受理情况公示、报告书(表)全本 2.拟决定环节:拟审查环评文件基本情况公示 "
            "3.决定环节:环评批复"
        ),
        basis=(
            "《中华人民共和国环境影响评价法》《中华人民共和国海洋环境保护法》"
            "《中华人民共和国放射性污染防治法》《中华人民共和国政府信息公开条例》"
        ),
        time_limit="自该信息形成或者变更之日起20个工作日内",
        subject="市级生态环境部门",
        channels=("政府网站", "两微一端", "政务服务中心", "便民服务站"),
        channels_text="1.政府网站 2.两微一端 3.政务服务中心 4.便民服务站",
    ),
    Line(
        first_level="",
        second_level="公开环保工作动态",
        content="1.重要会议 2.政务信息、文件 3.重大项目 4.公开信息公开指南、目录",
        basis=(
            "《中华人民共和国固体废物污染环境防治法》《中华人民共和国环境噪声污染防治法》"
            "《中华人民共和国海洋环境保护法》《中华人民共和国政府信息公开条例》"
            "《关于全面推进政务公开工作的意见》(中办发〔2016〕8 号)、"
            "《开展基层政务公开标准化规范化试点工作方案》(国办发〔2017〕42 号)"
        ),
        time_limit="自该信息形成或者变更之日起20个工作日内",
        subject="市级生态环境部门",
        channels=("政府网站", "两微一端", "政务服务中心", "便民服务站"),
        channels_text="1.政府网站 2.两微一端 3.政务服务中心 4.便民服务站",
    ),
)

# 通海县九龙街道办事处 (2024-08-16): one line in each of three domains; 全社会 √, 主动 √, 乡级 √.
# https://www.tonghai.gov.cn/thxzfxxgk/jljd/20240816/1549045.html
JIULONG = {
    "重大建设项目": Line(
        first_level="征收土地信息",
        second_level="征收土地信息",
        content=(
            "征地告知书以及履行征地报批前程序的相关证明材料,征收土地方案、征地批后实施中征地公告、"
            "征地补偿安置方案公告等"
        ),
        basis="《政府信息公开条例》《关于推进重大建设项目批准和实施领域政府信息公开的意见》",
        time_limit="信息形成20个工作日内公开",
        subject="九龙街道办事处",
        channels=("政府网站",),
        levels=("乡级",),
    ),
    "公共资源交易": Line(
        first_level="政府采购信息",
        second_level="法律法规及政策文件",
        content="与政府采购有关的法律法规及政策文件",
        basis="《中华人民共和国政府信息公开条例》",
        time_limit="信息形成或者变更之日起20个工作日内",
        subject="九龙街道办事处",
        channels=("政府网站",),
        levels=("乡级",),
    ),
    "义务教育": Line(
        first_level="重要政策执行情况",
        second_level="控辍保学",
        content="辖区内控辍保学实施情况",
        basis="相关政策文件",
        time_limit="信息形成或者变更之日起20个工作日内",
        subject="九龙街道办事处",
        channels=("政府网站",),
        levels=("乡级",),
    ),
}

# 涉农补贴, 铁力市 (2021-01): the channel ■铁力市政府网站 is not a standard channel.
# flags_raw "√ | √ | √" (read here as 全社会, 主动 and 县级 √).
# https://www.tls.gov.cn/newtlsrmzf/c103254/202101/261324.shtml
TIELI_SNBT = (
    Line(
        first_level="农业生产发展资金",
        second_level="农机购置补贴",
        content=(
            "政策依据; 申请指南:包括补贴对象、补贴范围、补贴标准、申请程序、申请材料、咨询电话、"
            "受理单位、办理时限、联系方式等; 补贴结果; 监督渠道:包括举报电话、地址等。"
        ),
        basis=(
            "《中华人民共和国农业机械化促进法》、《农业生产发展资金管理办法》、"
            "《2018-2020年农机购置补贴实施指导意见》"
        ),
        time_limit=(
            "信息形成或者变更之日起 20 个工作日内。法律、法规对政府信息公开的期限另有规定的,"
            "从其规定。"
        ),
        subject="铁力市农业农村局",
        channels=("铁力市政府网站",),
        levels=("县级",),
    ),
    Line(
        first_level="农业生产发展资金",
        second_level="耕地地力保护",
        content=(
            "政策依据; 申请指南:包括补贴对象、补贴范围、补贴标准、申请程序、申请材料、咨询电话、"
            "受理单位、办理时限、联系方式等; 补贴结果; 监督渠道:包括举报电话、地址等。"
        ),
        basis=(
            "《农业生产发展资金管理办法》、 "
            "《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》"
        ),
        time_limit=(
            "信息形成或者变更之日起 20 个工作日内。法律、法规对政府信息公开的期限另有规定的,"
            "从其规定。"
        ),
        subject="铁力市财政局",
        channels=("铁力市政府网站",),
        levels=("县级",),
    ),
)


# ---------------------------------------------------------------------------------------------
# Columns: a heading (one or two rows) and how a line fills the cell.


@dataclass(frozen=True)
class Col:
    """One column: its top heading, its sub-heading ("" = merged down) and its cell value."""

    top: str
    sub: str
    cell: Callable[[Line, int], object]  # (line, 1-based line number) -> cell value


def mark(flag: bool) -> str | None:
    return "√" if flag else None


def checklist(selected: Sequence[str]) -> str:
    """Return the ■/□ checklist: every standard channel, then any other selected one."""
    marks = [f"{'■' if name in selected else '□'}{name}" for name in STANDARD_CHANNELS]
    marks += [f"■{name}" for name in selected if name not in STANDARD_CHANNELS]
    return " ".join(marks)


def _text(attribute: str) -> Callable[[Line, int], object]:
    return lambda line, _n: getattr(line, attribute) or None


SEQ = Col("序号", "", lambda _line, n: n)
FIRST = Col("公开事项", "一级事项", _text("first_level"))
SECOND = Col("公开事项", "二级事项", _text("second_level"))
CONTENT = Col("公开内容(要素)", "", _text("content"))
BASIS = Col("公开依据", "", _text("basis"))
TIME_LIMIT = Col("公开时限", "", _text("time_limit"))
SUBJECT = Col("公开主体", "", _text("subject"))
CHANNELS = Col(
    "公开渠道和载体", "", lambda line, _n: line.channels_text or checklist(line.channels)
)
AUDIENCE = [
    Col("公开对象", "全社会", lambda line, _n: mark(line.audience[0])),
    Col("公开对象", "特定群体", lambda line, _n: mark(line.audience[1])),
]
MODE = [
    Col("公开方式", "主动", lambda line, _n: mark(line.mode[0])),
    Col("公开方式", "依申请", lambda line, _n: mark(line.mode[1])),
]
REMARKS = Col("备注", "", _text("remarks"))


def level_flags(labels: Sequence[str], *, printed: Sequence[str] | None = None) -> list[Col]:
    """Return the 公开层级 sub-columns; ``printed`` spells the headings as the sheet prints them."""
    printed = printed or labels
    return [
        Col("公开层级", shown, lambda line, _n, label=label: mark(label in line.levels))
        for label, shown in zip(labels, printed, strict=True)
    ]


def common_columns(levels: Sequence[str] = ("县级", "乡级"), **kwargs) -> list[Col]:
    """Return the common table's columns (A 序号 … E 公开依据 … 公开层级 …, 备注)."""
    return [
        SEQ,
        FIRST,
        SECOND,
        CONTENT,
        BASIS,
        TIME_LIMIT,
        SUBJECT,
        CHANNELS,
        *AUDIENCE,
        *MODE,
        *level_flags(levels, **kwargs),
        REMARKS,
    ]


def legend_columns() -> list[Col]:
    """Return variant (b): no 公开层级, 特定群众 / 主动公开 / 依申请公开, a legend, 及要求."""
    return [
        SEQ,
        FIRST,
        SECOND,
        Col("公开内容（要素）及要求", "", _text("content")),
        BASIS,
        TIME_LIMIT,
        SUBJECT,
        Col(
            "公开渠道和载体(“■”表示必选项,“□”表示可选项)",
            "",
            lambda line, _n: checklist(line.channels),
        ),
        Col("公开对象", "全社会", lambda line, _n: mark(line.audience[0])),
        Col("公开对象", "特定群众", lambda line, _n: mark(line.audience[1])),
        Col("公开方式", "主动公开", lambda line, _n: mark(line.mode[0])),
        Col("公开方式", "依申请公开", lambda line, _n: mark(line.mode[1])),
        REMARKS,
    ]


def extra_col(heading: str) -> Col:
    return Col(heading, "", lambda line, _n: line.extra.get(heading))


def three_level_columns(
    levels: Sequence[str] = ("市级", "县级", "乡级"),
    extras: Sequence[str] = (),
    catalog_l0: bool = True,
) -> list[Col]:
    """Return variant (c): 一级目录, 公开事项 over 一级/二级/三级事项, extra columns kept."""
    return [
        SEQ,
        *([Col("一级目录", "", _text("catalog_l0"))] if catalog_l0 else []),
        FIRST,
        SECOND,
        Col("公开事项", "三级事项", _text("third_level")),
        CONTENT,
        BASIS,
        *(extra_col(h) for h in extras if h in ("条款内容", "依据效力(位阶)")),
        TIME_LIMIT,
        SUBJECT,
        CHANNELS,
        *AUDIENCE,
        *MODE,
        *level_flags(levels),
        *(extra_col(h) for h in extras if h not in ("条款内容", "依据效力(位阶)")),
    ]


def flat_columns() -> list[Col]:
    """Return a one-row header: every heading alone in its cell, channels and levels as text."""
    return [
        SEQ,
        Col("一级事项", "", _text("first_level")),
        Col("二级事项", "", _text("second_level")),
        CONTENT,
        BASIS,
        TIME_LIMIT,
        SUBJECT,
        Col("公开渠道和载体", "", lambda line, _n: "、".join(line.channels) or None),
        Col("公开层级", "", lambda line, _n: "、".join(line.levels) or None),
        REMARKS,
    ]


def changsha_columns(pairs: int = 2) -> list[Col]:
    """Return Changsha's wide header (fixtures/catalog-format.md, "The Changsha workbook")."""

    def level(n: int) -> Callable[[Line, int], object]:
        return lambda line, _n: (
            line.level_channels[n - 1][0] if n <= len(line.level_channels) else None
        )

    def level_channels(n: int) -> Callable[[Line, int], object]:
        return lambda line, _n: (
            checklist(line.level_channels[n - 1][1]) if n <= len(line.level_channels) else None
        )

    pair_columns = []
    for n in range(1, pairs + 1):
        pair_columns += [
            Col(f"公开层级{n}", "", level(n)),
            Col(f"公开渠道和载体{n}", "", level_channels(n)),
        ]
    return [
        SEQ,
        FIRST,
        SECOND,
        Col("事项类型", "", _text("item_type")),
        Col("对应本级政务服务事项名称", "", _text("service_name")),
        CONTENT,
        Col("公开内容标题", "", _text("content_title")),
        Col("公开内容上传形式", "", _text("upload_form")),
        BASIS,
        TIME_LIMIT,
        SUBJECT,
        CHANNELS,
        *AUDIENCE,
        *MODE,
        *pair_columns,
        REMARKS,
    ]


def shuffled(columns: Sequence[Col], seed: int, *, keep_level_order: bool = True) -> list[Col]:
    """Return the columns in another order: whole heading groups move, and so do sub-columns.

    A group (the sub-columns under one merged top heading) stays together, as a merged
    heading must; inside it the sub-columns are shuffled too, except (by default) the 公开层级
    ones, whose order is the order of the levels an entry lists.
    """
    groups: list[list[Col]] = []
    for column in columns:
        if groups and column.sub and groups[-1][0].sub and groups[-1][0].top == column.top:
            groups[-1].append(column)
        else:
            groups.append([column])
    rng = random.Random(seed)
    for group in groups:
        if not (keep_level_order and group[0].top == "公开层级"):
            rng.shuffle(group)
    rng.shuffle(groups)
    return [column for group in groups for column in group]


# ---------------------------------------------------------------------------------------------
# Sheets and workbooks.


@dataclass
class Sheet:
    """One worksheet of catalog lines in one layout."""

    name: str
    columns: list[Col]
    lines: Sequence[Line]
    title: str | None = None  # the title row above the header (names the domain)
    note: str | None = NOTE  # the note row below the table, merged across
    merge_first_level: bool = True  # merge 一级事项 (and 一级目录) cells over a block

    def with_lines(self, lines: Sequence[Line]) -> Sheet:
        return replace(self, lines=list(lines))


def write_sheet(ws, sheet: Sheet) -> dict[str, int]:
    """Write ``sheet`` into the worksheet ``ws``; return {"header": row, "first_data": row}."""
    columns = sheet.columns
    width = len(columns)
    two_rows = any(c.sub for c in columns)
    row = 1
    if sheet.title:
        ws.cell(row, 1, sheet.title)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    header = row
    col = 1
    while col <= width:
        column = columns[col - 1]
        if column.sub:
            end = col
            while end < width and columns[end].sub and columns[end].top == column.top:
                end += 1
            ws.cell(header, col, column.top)
            if end > col:
                ws.merge_cells(start_row=header, start_column=col, end_row=header, end_column=end)
            for c in range(col, end + 1):
                ws.cell(header + 1, c, columns[c - 1].sub)
            col = end + 1
        else:
            ws.cell(header, col, column.top)
            if two_rows:
                ws.merge_cells(
                    start_row=header, start_column=col, end_row=header + 1, end_column=col
                )
            col += 1
    first_data = header + (2 if two_rows else 1)
    merged = {
        i
        for i, c in enumerate(columns, 1)
        if sheet.merge_first_level and (c is FIRST or c.top == "一级目录")
    }
    block_start: dict[int, tuple[int, object]] = {}
    for n, line in enumerate(sheet.lines, 1):
        r = first_data + n - 1
        for i, column in enumerate(columns, 1):
            value = column.cell(line, n)
            if i in merged:
                start, previous = block_start.get(i, (None, None))
                if start is not None and value == previous and value:
                    continue  # covered by the merge written when the block ends
                _close_block(ws, i, block_start.get(i), r - 1)
                block_start[i] = (r, value)
            if value is not None:
                ws.cell(r, i, value)
    last = first_data + len(sheet.lines) - 1
    for i in merged:
        _close_block(ws, i, block_start.get(i), last)
    if sheet.note:
        ws.cell(last + 1, 1, sheet.note)
        ws.merge_cells(start_row=last + 1, start_column=1, end_row=last + 1, end_column=width)
    for i in range(1, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    return {"header": header, "first_data": first_data}


def _close_block(ws, column: int, block, last_row: int) -> None:
    if block and last_row > block[0]:
        ws.merge_cells(start_row=block[0], start_column=column, end_row=last_row, end_column=column)


def workbook(*sheets: Sheet, edit: Callable | None = None) -> Workbook:
    """Return an openpyxl Workbook holding ``sheets``; ``edit(book)`` may change it after."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        write_sheet(book.create_sheet(sheet.name), sheet)
    if edit is not None:
        edit(book)
    return book


def xlsx_bytes(*sheets: Sheet, edit: Callable | None = None) -> bytes:
    """Return the .xlsx file holding ``sheets`` as bytes."""
    buffer = io.BytesIO()
    workbook(*sheets, edit=edit).save(buffer)
    return buffer.getvalue()


def xlsx_file(*sheets: Sheet, edit: Callable | None = None) -> io.BytesIO:
    """Return the .xlsx file holding ``sheets`` as a binary file object, positioned at 0."""
    return io.BytesIO(xlsx_bytes(*sheets, edit=edit))


def xlsx_path(directory: Path, name: str, *sheets: Sheet, edit: Callable | None = None) -> Path:
    """Save the .xlsx file holding ``sheets`` under ``directory`` and return its path."""
    path = directory / name
    workbook(*sheets, edit=edit).save(path)
    return path


def domain_title(domain: str, publisher: str = "") -> str:
    return f"{publisher}{domain}领域基层政务公开标准目录"


def common_sheet(domain: str, lines: Sequence[Line], **kwargs) -> Sheet:
    """Return a sheet of the common table titled for ``domain`` (variant (a))."""
    levels = kwargs.pop("levels", ("县级", "乡级"))
    printed = kwargs.pop("printed", None)
    return Sheet(
        name=kwargs.pop("name", domain),
        columns=kwargs.pop("columns", None) or common_columns(levels, printed=printed),
        lines=list(lines),
        title=kwargs.pop("title", domain_title(domain)),
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------
# OLE2 compound files (.xls, and what Excel writes for a workbook with an open password).

CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def cfb_file(entries: dict[str, bytes | dict[str, bytes]]) -> bytes:
    """Return a compound file (CFB v3) holding ``entries``: streams, or storages of streams.

    Streams under 4,096 bytes go to the mini stream, as Office writes them; siblings are chained
    in the directory's sort order (length, then upper-case name). The files it writes open
    without a single parsing defect in olefile (checked by hand; olefile is no dependency).
    """
    # Directory nodes: [name, type, data, children]; 5 root, 1 storage, 2 stream.
    nodes: list[list] = [["Root Entry", 5, b"", []]]

    def add(parent: int, name: str, value) -> None:
        index = len(nodes)
        if isinstance(value, dict):
            nodes.append([name, 1, b"", []])
            for child_name, child in value.items():
                add(index, child_name, child)
        else:
            nodes.append([name, 2, bytes(value), []])
        nodes[parent][3].append(index)

    for name, value in entries.items():
        add(0, name, value)

    mini_stream, mini_fat, starts = b"", [], {}
    for index, (_name, kind, data, _children) in enumerate(nodes):
        if kind == 2 and 0 < len(data) < _CUTOFF:
            count = math.ceil(len(data) / _MINI)
            first = len(mini_stream) // _MINI
            starts[index] = first
            mini_fat += [first + i + 1 for i in range(count - 1)] + [_END]
            mini_stream += data.ljust(count * _MINI, b"\0")

    for fat_sectors in range(1, 64):
        fat: list[int] = [_FATSECT] * fat_sectors
        sectors: list[bytes] = []

        def alloc(data: bytes, fat=fat, sectors=sectors, base=fat_sectors) -> int:
            if not data:
                return _END
            count = math.ceil(len(data) / _SECTOR)
            first = base + len(sectors)
            for i in range(count):
                sectors.append(data[i * _SECTOR : (i + 1) * _SECTOR].ljust(_SECTOR, b"\0"))
                fat.append(first + i + 1 if i < count - 1 else _END)
            return first

        big = {
            index: alloc(data)
            for index, (_n, kind, data, _c) in enumerate(nodes)
            if kind == 2 and len(data) >= _CUTOFF
        }
        mini_start = alloc(mini_stream)
        mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat) if mini_fat else b""
        mini_fat_bytes = mini_fat_bytes.ljust(
            math.ceil(len(mini_fat_bytes) / _SECTOR) * _SECTOR, b"\xff"
        )
        mini_fat_start = alloc(mini_fat_bytes)
        directory = b"".join(
            _dir_entry(nodes, i, {**starts, **big}, mini_start, len(mini_stream))
            for i in range(len(nodes))
        )
        padding = (-len(nodes)) % (_SECTOR // 128)
        directory += b"".join(_empty_dir_entry() for _ in range(padding))
        dir_start = alloc(directory)
        if len(fat) <= fat_sectors * (_SECTOR // 4):
            break
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        CFB_SIGNATURE,
        b"\0" * 16,
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift
        6,  # mini sector shift
        b"\0" * 6,
        0,  # directory sectors (0 in version 3)
        fat_sectors,
        dir_start,
        0,  # transaction signature
        _CUTOFF,
        mini_fat_start if mini_fat else _END,
        len(mini_fat_bytes) // _SECTOR if mini_fat else 0,
        _END,  # no DIFAT sectors
        0,
        *difat,
    )
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + b"".join(sectors)


def _sort_key(name: str) -> tuple[int, str]:
    return (len(name), name.upper())


def _dir_entry(nodes, index: int, starts: dict, mini_start: int, mini_size: int) -> bytes:
    name, kind, data, children = nodes[index]
    encoded = (name + "\0").encode("utf-16-le")
    # Siblings: each node's right sibling is the next child of its parent, in sort order.
    right = _NOSTREAM
    for parent in nodes:
        ordered = sorted(parent[3], key=lambda i: _sort_key(nodes[i][0]))
        if index in ordered:
            position = ordered.index(index)
            if position + 1 < len(ordered):
                right = ordered[position + 1]
    child = min(children, key=lambda i: _sort_key(nodes[i][0])) if children else _NOSTREAM
    if kind == 5:
        start, size = (mini_start if mini_size else _END), mini_size
    elif kind == 2:
        start, size = starts.get(index, _END), len(data)
    else:
        start, size = 0, 0
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded.ljust(64, b"\0"),
        len(encoded),
        kind,
        1,  # black
        _NOSTREAM,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def _empty_dir_entry() -> bytes:
    return struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"", 0, 0, 0, 0, 0
    )


def encrypted_workbook() -> bytes:
    """Return a compound file as Excel writes a workbook with an open password (agile).

    The \\x06DataSpaces storage, the EncryptionInfo stream (version 4.4 and its XML
    descriptor) and the EncryptedPackage stream (size, then cipher text).
    """
    descriptor = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        b'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        b'<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/'
        b'keyEncryptor/password"><p:encryptedKey spinCount="100000" saltSize="16" '
        b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"/></keyEncryptor>'
        b"</keyEncryptors></encryption>"
    )
    info = struct.pack("<HHI", 4, 4, 0x40) + descriptor
    rng = random.Random(20191127)
    cipher = bytes(rng.getrandbits(8) for _ in range(8192))
    package = struct.pack("<Q", 7654) + cipher
    version = "Microsoft.Container.DataSpaces".encode("utf-16-le")
    return cfb_file(
        {
            "\x06DataSpaces": {"Version": struct.pack("<I", len(version)) + version},
            "EncryptionInfo": info,
            "EncryptedPackage": package,
        }
    )


def old_xls() -> bytes:
    """Return a compound file holding a BIFF8 Workbook stream (BOF … EOF), an Excel 97 .xls."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x41, 0x06)
    eof = struct.pack("<HH", 0x000A, 0)
    return cfb_file({"Workbook": bof + eof})


# ---------------------------------------------------------------------------------------------
# Reading back what the import wrote.


def checklist_order(names: Sequence[str]) -> list[str]:
    """Return channel names as a ■/□ checklist lists them: standard ones first, in order."""
    names = [name.replace(" ", "") for name in names]
    return [n for n in STANDARD_CHANNELS if n in names] + [
        n for n in names if n not in STANDARD_CHANNELS
    ]


def expected_values(line: Line, **overrides) -> dict:
    """Return the element values an entry imported from ``line`` should hold.

    Channels are a set of names (a space printed inside a name is dropped); each ticked level
    carries the line's channels in checklist order, stored as the canonical level it names
    (区级 as 县级, 乡、村级 as 乡级 and 村级) in canonical order. ``overrides`` replace single
    elements.
    """
    channels = checklist_order(line.channels)
    ticked = {name for level in line.levels for name in canonical_levels(level)}
    out = {
        "content": line.content,
        "basis": line.basis,
        "time_limit": line.time_limit,
        "subject": line.subject,
        "channels": set(channels),
        "audience": list(line.audience),
        "mode": list(line.mode),
        "levels": [{"level": n, "channels": channels} for n in CANONICAL if n in ticked],
        "item_type": "service" if line.item_type == "政务服务事项" else "non_service",
        "service_name": line.service_name,
        "content_title": line.content_title,
        "upload_form": line.upload_form,
        "remarks": line.remarks,
    }
    out.update(overrides)
    return out


def counts() -> dict[str, int]:
    """Return the row counts of every table an import writes to."""
    return {
        "entries": CatalogEntry.objects.count(),
        "second_level_items": SecondLevelItem.objects.count(),
        "first_level_items": FirstLevelItem.objects.count(),
        "channels": Channel.objects.count(),
        "channel_links": CatalogEntry.channels.through.objects.count(),
        "events": CatalogEvent.objects.count(),
    }


def values(entry: CatalogEntry) -> dict:
    """Return the entry's element values; channels as a set of names."""
    out = {element: get_value(entry, element) for element in Element.values}
    out[Element.CHANNELS] = {c.name for c in entry.channels.all()}
    return out


def entry(division, domain: str, first_level: str, second_level: str) -> CatalogEntry:
    """Return the division's entry for the item named by domain, first and second level."""
    return CatalogEntry.objects.select_related("source__division").get(
        division=division,
        item__first_level__domain__name=domain,
        item__first_level__name=first_level,
        item__name=second_level,
    )


def snapshot(division=None) -> dict:
    """Return every entry (of ``division``, or all) with its values and derivation state."""
    entries = CatalogEntry.objects.select_related("item__first_level__domain", "division")
    if division is not None:
        entries = entries.filter(division=division)
    out = {}
    for e in entries.prefetch_related("channels"):
        key = (e.division.code, e.domain.name, e.item.first_level.name, e.item.name)
        out[key] = {
            **values(e),
            "pk": e.pk,
            "source": e.source_id,
            "overridden": sorted(e.overridden),
            "upstream_changed": sorted(e.upstream_changed),
            "extra": e.extra,
            "is_dropped": e.is_dropped,
            "updated_at": e.updated_at,
        }
    return out


def state(division) -> dict:
    """Return the division's catalog by (domain, first, second), without ids and timestamps."""
    return {
        key[1:]: {k: v for k, v in value.items() if k not in ("pk", "updated_at")}
        for key, value in snapshot(division).items()
    }
