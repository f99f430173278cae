"""A deterministic dataset of service guides (办事指南) in the style of the Hunan platform.

Everything is derived from a seed with `random.Random` seeded by strings (which Python hashes
with SHA-512, so the result does not depend on PYTHONHASHSEED): the same seed gives the same
guides, byte for byte. Each guide's content depends only on (seed, area, template), so a guide
is identical whether the full set or a `size` subset is served.

The dataset has generations so that tests can make upstream changes deterministically:
`advance()` cancels about 1% of the items and revises about 2%; `vanish`, `restore` and
`change` do the same for chosen ids.
"""

from __future__ import annotations

import copy
import csv
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from random import Random

DEFAULT_SEED = 20240601

# The placeholders the real platform uses for "nothing"; None is serialised as JSON null.
PLACEHOLDERS: tuple[str | None, ...] = ("", "暂无", "暂无信息", "无", "无。", "/", "null", None)
PLACEHOLDER_SHARE = 0.10

# The names the demo catalog ties to: every area carries each of them.
REQUIRED_NAMES: tuple[str, ...] = (
    "最低生活保障对象认定",
    "企业投资项目核准",
    "政府投资项目建议书审批",
    "政府投资项目可行性研究报告审批",
    "建筑工程施工许可证核发",
    "招标事项审批核准",
    "建设项目环境影响评价文件审批",
    "食品生产许可",
)

# Every area implements each item the city's reference catalog names (fixtures/
# reference_catalog, 对应本级政务服务事项名称), as the province's county-level list is uniform,
# so that each catalog service line finds its guide (我要看 beside 我要办); and a seeded sample
# of the rest.
CATALOG_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "reference_catalog"


def _catalog_names() -> frozenset[str]:
    names: set[str] = set()
    for path in sorted(CATALOG_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            names.update(row["service_name"] for row in csv.DictReader(handle))
    return frozenset(names - {""})


CATALOG_NAMES: frozenset[str] = _catalog_names()

GUIDES_PER_AREA = 450

# The law each required item is set by, cited first in its 设定依据.
PRIMARY_LAWS: dict[str, str] = {
    "最低生活保障对象认定": "《社会救助暂行办法》（国务院令第649号）",
    "企业投资项目核准": "《企业投资项目核准和备案管理条例》（国务院令第673号）",
    "政府投资项目建议书审批": "《政府投资条例》（国务院令第712号）",
    "政府投资项目可行性研究报告审批": "《政府投资条例》（国务院令第712号）",
    "建筑工程施工许可证核发": "《中华人民共和国建筑法》",
    "招标事项审批核准": "《中华人民共和国招标投标法实施条例》",
    "建设项目环境影响评价文件审批": "《中华人民共和国环境影响评价法》",
    "食品生产许可": "《中华人民共和国食品安全法》",
}

JSON_SEPARATORS = (",", ":")


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    # Prefix of the bodies' names: "长沙市芙蓉区" for 芙蓉区 (its 民政局 is 长沙市芙蓉区民政局).
    prefix: str
    short: str
    kind: str  # "市" (city level), "区" (urban district), "县" (county or county-level city)
    centre: str


AREAS: tuple[Area, ...] = (
    Area("430100", "长沙市本级", "长沙市", "长沙", "市", "长沙市岳麓区岳麓大道长沙市政务服务中心"),
    Area(
        "430102", "芙蓉区", "长沙市芙蓉区", "芙蓉", "区", "长沙市芙蓉区晚报大道芙蓉区政务服务中心"
    ),
    Area("430103", "天心区", "长沙市天心区", "天心", "区", "长沙市天心区书院路天心区政务服务中心"),
    Area(
        "430104", "岳麓区", "长沙市岳麓区", "岳麓", "区", "长沙市岳麓区金星中路岳麓区政务服务中心"
    ),
    Area(
        "430105", "开福区", "长沙市开福区", "开福", "区", "长沙市开福区三一大道开福区政务服务中心"
    ),
    Area(
        "430111", "雨花区", "长沙市雨花区", "雨花", "区", "长沙市雨花区香樟东路雨花区政务服务中心"
    ),
    Area(
        "430112", "望城区", "长沙市望城区", "望城", "区", "长沙市望城区郭亮中路望城区政务服务中心"
    ),
    Area("430121", "长沙县", "长沙县", "长沙县", "县", "长沙县星沙街道开元东路长沙县政务服务中心"),
    Area("430181", "浏阳市", "浏阳市", "浏阳", "县", "浏阳市集里街道金沙北路浏阳市政务服务中心"),
    Area("430182", "宁乡市", "宁乡市", "宁乡", "县", "宁乡市玉潭街道新康路宁乡市政务服务中心"),
)

# Areas where a 行政审批服务局 has taken over the permits of several departments.
APPROVAL_REFORM_AREAS = frozenset({"430112", "430121", "430181", "430182"})
APPROVAL_REFORM_DEPTS = frozenset({"fg", "zj", "sc", "jt", "wj", "wl", "ny", "sl"})

THEMES: dict[str, tuple[tuple[str, str], ...]] = {
    "1": (
        ("GR001", "生育收养"),
        ("GR002", "户籍办理"),
        ("GR003", "社会保障"),
        ("GR004", "就业创业"),
        ("GR005", "医疗卫生"),
        ("GR006", "住房保障"),
        ("GR007", "婚姻登记"),
        ("GR008", "教育科研"),
        ("GR009", "交通出行"),
        ("GR010", "优待抚恤"),
        ("GR011", "残疾人"),
        ("GR012", "司法公证"),
        ("GR013", "证件办理"),
        ("GR014", "死亡殡葬"),
        ("GR015", "民族宗教"),
        ("GR016", "社会救助"),
    ),
    "2": (
        ("FR001", "设立变更"),
        ("FR002", "准营准办"),
        ("FR003", "资质认证"),
        ("FR004", "年检年审"),
        ("FR005", "税收财务"),
        ("FR006", "人力资源"),
        ("FR007", "投资审批"),
        ("FR008", "商务贸易"),
        ("FR009", "招标拍卖"),
        ("FR010", "农林牧渔"),
        ("FR011", "规划建设"),
        ("FR012", "交通运输"),
        ("FR013", "环保绿化"),
        ("FR014", "安全生产"),
        ("FR015", "医疗卫生"),
        ("FR016", "文化体育"),
    ),
}


@dataclass(frozen=True)
class Dept:
    """An implementing department: how its name is built and what laws it cites."""

    number: int
    suffix: str
    city_suffix: str
    pattern: str  # "std", "branch" (市局的区分局) or "tax"
    sections: tuple[str, ...]
    laws: tuple[str, ...]


DEPTS: dict[str, Dept] = {
    "mz": Dept(
        1,
        "民政局",
        "民政局",
        "std",
        ("社会救助科", "社会事务科"),
        (
            "《社会救助暂行办法》（国务院令第649号）",
            "《婚姻登记条例》（国务院令第387号）",
            "《社会团体登记管理条例》（国务院令第250号）",
            "《殡葬管理条例》（国务院令第225号）",
            "《中华人民共和国老年人权益保障法》",
            "《中华人民共和国民法典》",
            "《中华人民共和国慈善法》",
        ),
    ),
    "sc": Dept(
        2,
        "市场监督管理局",
        "市场监督管理局",
        "std",
        ("登记注册科", "食品生产安全监督管理科"),
        (
            "《中华人民共和国食品安全法》",
            "《食品生产许可管理办法》（国家市场监督管理总局令第24号）",
            "《中华人民共和国市场主体登记管理条例》",
            "《中华人民共和国特种设备安全法》",
            "《中华人民共和国药品管理法》",
            "《医疗器械监督管理条例》",
            "《湖南省食品生产加工小作坊小餐饮和食品摊贩管理条例》",
        ),
    ),
    "zj": Dept(
        3,
        "住房和城乡建设局",
        "住房和城乡建设局",
        "std",
        ("建筑管理科", "住房保障科"),
        (
            "《中华人民共和国建筑法》",
            "《建筑工程施工许可管理办法》（住房和城乡建设部令第18号）",
            "《城市房地产开发经营管理条例》",
            "《城市商品房预售管理办法》",
            "《建设工程质量管理条例》",
            "《公共租赁住房管理办法》",
            "《城镇燃气管理条例》",
        ),
    ),
    "rs": Dept(
        4,
        "人力资源和社会保障局",
        "人力资源和社会保障局",
        "std",
        ("就业促进科", "劳动关系科"),
        (
            "《中华人民共和国社会保险法》",
            "《失业保险条例》",
            "《中华人民共和国就业促进法》",
            "《工伤保险条例》",
            "《中华人民共和国劳动合同法》",
            "《人力资源市场暂行条例》",
            "《中华人民共和国劳动争议调解仲裁法》",
        ),
    ),
    "wj": Dept(
        5,
        "卫生健康局",
        "卫生健康委员会",
        "std",
        ("医政医管科", "人口监测与家庭发展科"),
        (
            "《医疗机构管理条例》",
            "《中华人民共和国医师法》",
            "《护士条例》",
            "《公共场所卫生管理条例》",
            "《中华人民共和国人口与计划生育法》",
            "《湖南省人口与计划生育条例》",
            "《中华人民共和国母婴保健法》",
        ),
    ),
    "zr": Dept(
        6,
        "自然资源和规划局",
        "自然资源和规划局",
        "branch",
        ("国土空间规划科", "不动产登记中心"),
        (
            "《中华人民共和国土地管理法》",
            "《中华人民共和国城乡规划法》",
            "《不动产登记暂行条例》",
            "《中华人民共和国土地管理法实施条例》",
            "《湖南省实施〈中华人民共和国城乡规划法〉办法》",
            "《中华人民共和国矿产资源法》",
        ),
    ),
    "st": Dept(
        7,
        "生态环境局",
        "生态环境局",
        "branch",
        ("环境影响评价科", "综合科"),
        (
            "《中华人民共和国环境影响评价法》",
            "《建设项目环境保护管理条例》",
            "《排污许可管理条例》",
            "《中华人民共和国固体废物污染环境防治法》",
            "《中华人民共和国环境保护法》",
        ),
    ),
    "jt": Dept(
        8,
        "交通运输局",
        "交通运输局",
        "std",
        ("运输管理科", "公路管理科"),
        (
            "《中华人民共和国道路运输条例》",
            "《道路旅客运输及客运站管理规定》",
            "《道路货物运输及站场管理规定》",
            "《网络预约出租汽车经营服务管理暂行办法》",
            "《中华人民共和国公路法》",
            "《公路安全保护条例》",
        ),
    ),
    "jy": Dept(
        9,
        "教育局",
        "教育局",
        "std",
        ("基础教育科", "学生资助管理中心"),
        (
            "《中华人民共和国教育法》",
            "《中华人民共和国民办教育促进法》",
            "《教师资格条例》",
            "《中华人民共和国义务教育法》",
            "《中华人民共和国教师法》",
        ),
    ),
    "tv": Dept(
        10,
        "退役军人事务局",
        "退役军人事务局",
        "std",
        ("优抚科", "移交安置科"),
        (
            "《退役士兵安置条例》",
            "《军人抚恤优待条例》",
            "《中华人民共和国退役军人保障法》",
            "《烈士褒扬条例》",
            "《伤残抚恤管理办法》",
        ),
    ),
    "yb": Dept(
        11,
        "医疗保障局",
        "医疗保障局",
        "std",
        ("待遇保障科", "医药服务管理科"),
        (
            "《中华人民共和国社会保险法》",
            "《医疗保障基金使用监督管理条例》",
            "《社会救助暂行办法》（国务院令第649号）",
        ),
    ),
    "fg": Dept(
        12,
        "发展和改革局",
        "发展和改革委员会",
        "std",
        ("投资科", "综合科"),
        (
            "《企业投资项目核准和备案管理条例》（国务院令第673号）",
            "《政府投资条例》（国务院令第712号）",
            "《中华人民共和国招标投标法》",
            "《中华人民共和国招标投标法实施条例》",
            "《固定资产投资项目节能审查办法》",
            "《湖南省企业投资项目核准和备案管理办法》",
        ),
    ),
    "ga": Dept(
        13,
        "公安局",
        "公安局",
        "branch",
        ("户政大队", "治安管理大队"),
        (
            "《中华人民共和国户口登记条例》",
            "《中华人民共和国居民身份证法》",
            "《居住证暂行条例》",
            "《旅馆业治安管理办法》",
            "《大型群众性活动安全管理条例》",
        ),
    ),
    "sf": Dept(
        14,
        "司法局",
        "司法局",
        "std",
        ("公共法律服务管理科", "人民参与和促进法治科"),
        (
            "《中华人民共和国法律援助法》",
            "《中华人民共和国人民调解法》",
            "《基层法律服务工作者管理办法》",
            "《中华人民共和国律师法》",
        ),
    ),
    "ny": Dept(
        15,
        "农业农村局",
        "农业农村局",
        "std",
        ("种植业管理科", "畜牧水产科"),
        (
            "《农药管理条例》",
            "《中华人民共和国动物防疫法》",
            "《中华人民共和国种子法》",
            "《农业机械安全监督管理条例》",
            "《中华人民共和国渔业法》",
        ),
    ),
    "sl": Dept(
        16,
        "水利局",
        "水利局",
        "std",
        ("水资源管理科", "河湖管理科"),
        (
            "《取水许可和水资源费征收管理条例》",
            "《中华人民共和国水法》",
            "《中华人民共和国河道管理条例》",
            "《中华人民共和国水土保持法》",
        ),
    ),
    "wl": Dept(
        17,
        "文化旅游体育局",
        "文化旅游广电局",
        "std",
        ("文化市场管理科", "体育科"),
        (
            "《娱乐场所管理条例》",
            "《互联网上网服务营业场所管理条例》",
            "《营业性演出管理条例》",
            "《全民健身条例》",
        ),
    ),
    "yj": Dept(
        18,
        "应急管理局",
        "应急管理局",
        "std",
        ("危险化学品安全监督管理科", "应急指挥中心"),
        (
            "《危险化学品安全管理条例》",
            "《烟花爆竹安全管理条例》",
            "《中华人民共和国安全生产法》",
            "《生产安全事故应急预案管理办法》",
        ),
    ),
    "cg": Dept(
        19,
        "城市管理和综合执法局",
        "城市管理和综合执法局",
        "std",
        ("市容环境卫生管理科", "园林绿化科"),
        (
            "《城市市容和环境卫生管理条例》",
            "《城市道路管理条例》",
            "《城市绿化条例》",
            "《城市建筑垃圾管理规定》（建设部令第139号）",
        ),
    ),
    "cl": Dept(
        20,
        "残疾人联合会",
        "残疾人联合会",
        "std",
        ("康复部", "组联部"),
        ("《中华人民共和国残疾人保障法》", "《残疾预防和残疾人康复条例》"),
    ),
    "sw": Dept(
        21,
        "税务局",
        "税务局",
        "tax",
        ("纳税服务股", "征收管理股"),
        (
            "《中华人民共和国税收征收管理法》",
            "《中华人民共和国发票管理办法》",
            "《中华人民共和国个人所得税法》",
            "《纳税信用管理办法（试行）》",
        ),
    ),
    "cz": Dept(
        22,
        "财政局",
        "财政局",
        "std",
        ("会计科", "综合科"),
        ("《中华人民共和国会计法》", "《代理记账管理办法》"),
    ),
    "sw2": Dept(
        23,
        "商务局",
        "商务局",
        "std",
        ("市场运行科", "对外贸易科"),
        (
            "《中华人民共和国对外贸易法》",
            "《单用途商业预付卡管理办法（试行）》",
            "《中华人民共和国拍卖法》",
            "《报废机动车回收管理办法》",
        ),
    ),
    "ly": Dept(
        24,
        "林业局",
        "林业局",
        "std",
        ("资源管理科", "林政执法大队"),
        ("《中华人民共和国森林法》", "《中华人民共和国森林法实施条例》"),
    ),
    "rf": Dept(
        25,
        "人民防空办公室",
        "人民防空办公室",
        "std",
        ("工程管理科", "综合科"),
        (
            "《中华人民共和国人民防空法》",
            "《湖南省实施〈中华人民共和国人民防空法〉办法》",
        ),
    ),
    "mzj": Dept(
        26,
        "民族宗教事务局",
        "民族宗教事务委员会",
        "std",
        ("宗教事务科", "民族工作科"),
        ("《宗教事务条例》", "《中国公民民族成份登记管理办法》"),
    ),
    "sp": Dept(
        27,
        "行政审批服务局",
        "行政审批服务局",
        "std",
        ("投资项目审批科", "建设工程审批科", "市场准入审批科", "社会事务审批科"),
        (),
    ),
}

TYPE_CODES = {
    "行政许可": "00",
    "行政给付": "04",
    "行政检查": "05",
    "行政确认": "07",
    "行政奖励": "08",
    "行政裁决": "09",
    "其他行政权力": "10",
    "公共服务": "20",
}


@dataclass(frozen=True)
class Template:
    """An item as the province defines it; each area implements its own copy."""

    name: str
    type_name: str
    dept: str
    serve: str  # "gr" (natural persons), "fr" (legal persons) or "both"
    themes: tuple[str, ...]

    @property
    def types(self) -> tuple[str, ...]:
        return {"gr": ("1",), "fr": ("2",), "both": ("1", "2")}[self.serve]


def _templates() -> tuple[Template, ...]:
    许可, 给付, 确认, 奖励, 裁决, 检查, 其他, 服务 = (
        "行政许可",
        "行政给付",
        "行政确认",
        "行政奖励",
        "行政裁决",
        "行政检查",
        "其他行政权力",
        "公共服务",
    )
    rows = [
        # 民政
        ("最低生活保障对象认定", 确认, "mz", "gr", "GR016 GR003"),
        ("特困人员认定", 确认, "mz", "gr", "GR016"),
        ("临时救助对象认定", 确认, "mz", "gr", "GR016"),
        ("内地居民婚姻登记", 确认, "mz", "gr", "GR007"),
        ("补领婚姻登记证", 确认, "mz", "gr", "GR007 GR013"),
        ("撤销受胁迫婚姻", 其他, "mz", "gr", "GR007"),
        ("社会团体成立、变更、注销登记", 许可, "mz", "fr", "FR001"),
        ("民办非企业单位成立、变更、注销登记", 许可, "mz", "fr", "FR001"),
        ("养老机构备案", 其他, "mz", "fr", "FR002"),
        ("经济困难的高龄、失能等老年人补贴", 给付, "mz", "gr", "GR003 GR016"),
        ("困难残疾人生活补贴和重度残疾人护理补贴", 给付, "mz", "gr", "GR011 GR016"),
        ("孤儿基本生活费发放", 给付, "mz", "gr", "GR001 GR016"),
        ("收养登记", 确认, "mz", "gr", "GR001"),
        ("公益性墓地建设审批", 许可, "mz", "fr", "FR011"),
        ("惠民殡葬补贴", 给付, "mz", "gr", "GR014"),
        ("地名命名、更名审批", 许可, "mz", "fr", "FR011"),
        ("慈善组织公开募捐资格审批", 许可, "mz", "fr", "FR001"),
        # 市场监管
        ("食品生产许可", 许可, "sc", "fr", "FR002 FR003"),
        ("食品经营许可", 许可, "sc", "both", "GR004 FR002"),
        ("企业设立登记", 许可, "sc", "fr", "FR001"),
        ("企业变更登记", 许可, "sc", "fr", "FR001"),
        ("企业注销登记", 许可, "sc", "fr", "FR001"),
        ("个体工商户登记", 许可, "sc", "gr", "GR004"),
        ("农民专业合作社登记", 许可, "sc", "fr", "FR001 FR010"),
        ("食品小作坊登记", 许可, "sc", "both", "GR004 FR002"),
        ("特种设备使用登记", 许可, "sc", "fr", "FR014"),
        ("计量器具强制检定", 其他, "sc", "fr", "FR004"),
        ("药品零售企业经营许可", 许可, "sc", "fr", "FR002 FR015"),
        ("第二类医疗器械经营备案", 其他, "sc", "fr", "FR015"),
        ("对食品生产经营者的监督检查", 检查, "sc", "fr", "FR014"),
        ("对举报食品安全违法行为的奖励", 奖励, "sc", "gr", "GR004"),
        # 住建
        ("建筑工程施工许可证核发", 许可, "zj", "fr", "FR011 FR007"),
        ("商品房预售许可", 许可, "zj", "fr", "FR011"),
        ("房屋建筑和市政基础设施工程竣工验收备案", 其他, "zj", "fr", "FR011"),
        ("公共租赁住房保障资格确认", 确认, "zj", "gr", "GR006"),
        ("城镇住房保障家庭租赁补贴", 给付, "zj", "gr", "GR006"),
        ("建筑业企业资质核准（施工总承包三级）", 许可, "zj", "fr", "FR003"),
        ("房屋建筑和市政基础设施工程招标投标情况书面报告备案", 其他, "zj", "fr", "FR009"),
        ("商品房买卖合同网签备案", 其他, "zj", "both", "GR006 FR011"),
        ("燃气经营许可", 许可, "zj", "fr", "FR002"),
        ("新建房屋白蚁预防", 服务, "zj", "both", "GR006 FR011"),
        # 人社
        ("失业保险金申领", 给付, "rs", "gr", "GR003 GR004"),
        ("就业困难人员认定", 确认, "rs", "gr", "GR004"),
        ("创业担保贷款贴息", 给付, "rs", "both", "GR004 FR006"),
        ("城乡居民基本养老保险参保登记", 服务, "rs", "gr", "GR003"),
        ("职工基本养老保险个人权益记录查询打印", 服务, "rs", "gr", "GR003"),
        ("劳务派遣经营许可", 许可, "rs", "fr", "FR006 FR002"),
        ("企业实行不定时工作制和综合计算工时工作制审批", 许可, "rs", "fr", "FR006"),
        ("人力资源服务许可", 许可, "rs", "fr", "FR006"),
        ("工伤认定", 确认, "rs", "both", "GR003 FR006"),
        ("劳动能力鉴定", 确认, "rs", "gr", "GR003 GR011"),
        ("劳动人事争议仲裁", 裁决, "rs", "both", "GR012 FR006"),
        ("职业技能等级认定", 服务, "rs", "gr", "GR004 GR008"),
        ("社会保障卡申领", 服务, "rs", "gr", "GR013 GR003"),
        ("企业职工基本养老保险待遇申领", 给付, "rs", "gr", "GR003"),
        ("单位参保登记", 服务, "rs", "fr", "FR006"),
        # 卫健
        ("医疗机构设置审批", 许可, "wj", "fr", "FR015"),
        ("医疗机构执业登记", 许可, "wj", "fr", "FR015"),
        ("医师执业注册", 许可, "wj", "gr", "GR005"),
        ("护士执业注册", 许可, "wj", "gr", "GR005"),
        ("公共场所卫生许可", 许可, "wj", "fr", "FR002"),
        ("生育登记服务", 服务, "wj", "gr", "GR001"),
        ("计划生育家庭特别扶助金", 给付, "wj", "gr", "GR001"),
        ("农村部分计划生育家庭奖励扶助", 给付, "wj", "gr", "GR001"),
        ("出生医学证明签发", 服务, "wj", "gr", "GR001 GR013"),
        ("放射诊疗许可", 许可, "wj", "fr", "FR015 FR003"),
        ("母婴保健技术服务执业许可", 许可, "wj", "fr", "FR015"),
        ("饮用水供水单位卫生许可", 许可, "wj", "fr", "FR002"),
        ("居民死亡医学证明（推断）书签发", 服务, "wj", "gr", "GR014"),
        # 自然资源
        ("建设项目用地预审与选址意见书核发", 许可, "zr", "fr", "FR011 FR007"),
        ("建设用地规划许可证核发", 许可, "zr", "fr", "FR011"),
        ("建设工程规划许可证核发", 许可, "zr", "fr", "FR011"),
        ("乡村建设规划许可证核发", 许可, "zr", "both", "GR006 FR011"),
        ("国有建设用地使用权首次登记", 确认, "zr", "both", "GR006 FR011"),
        ("房屋所有权转移登记", 确认, "zr", "both", "GR006 FR011"),
        ("不动产抵押权登记", 确认, "zr", "both", "GR006 FR005"),
        ("临时用地审批", 许可, "zr", "fr", "FR011"),
        ("采矿权新立登记", 许可, "zr", "fr", "FR002"),
        ("农村村民宅基地审批", 许可, "zr", "gr", "GR006"),
        # 生态环境
        ("建设项目环境影响评价文件审批", 许可, "st", "fr", "FR013 FR007"),
        ("排污许可", 许可, "st", "fr", "FR013"),
        ("危险废物经营许可", 许可, "st", "fr", "FR013"),
        ("建设项目环境影响登记表备案", 其他, "st", "fr", "FR013"),
        ("对排污单位的监督检查", 检查, "st", "fr", "FR013 FR014"),
        ("对举报环境违法行为的奖励", 奖励, "st", "both", "GR012 FR013"),
        # 交通
        ("道路旅客运输经营许可", 许可, "jt", "fr", "FR012"),
        ("道路货物运输经营许可", 许可, "jt", "fr", "FR012"),
        ("机动车维修经营备案", 其他, "jt", "fr", "FR012"),
        ("出租汽车驾驶员从业资格注册", 许可, "jt", "gr", "GR009 GR004"),
        ("网络预约出租汽车运输证核发", 许可, "jt", "both", "GR009 FR012"),
        ("公路超限运输许可", 许可, "jt", "both", "GR009 FR012"),
        ("占用、挖掘公路或者使公路改线审批", 许可, "jt", "fr", "FR012 FR011"),
        ("机动车驾驶员培训经营备案", 其他, "jt", "fr", "FR012"),
        # 教育
        ("民办学校办学许可", 许可, "jy", "fr", "FR002"),
        ("教师资格认定", 许可, "jy", "gr", "GR008"),
        (
            "实施中等及以下学历教育、学前教育、自学考试助学及其他文化教育的学校设立、变更和终止审批",
            许可,
            "jy",
            "fr",
            "FR001",
        ),
        ("适龄儿童、少年入学", 服务, "jy", "gr", "GR008"),
        ("家庭经济困难学生资助", 给付, "jy", "gr", "GR008 GR016"),
        ("义务教育阶段学生转学", 服务, "jy", "gr", "GR008"),
        # 退役军人
        ("退役士兵自主就业一次性经济补助金的给付", 给付, "tv", "gr", "GR010"),
        ("烈士遗属、因公牺牲军人遗属、病故军人遗属定期抚恤金给付", 给付, "tv", "gr", "GR010"),
        ("残疾等级评定", 确认, "tv", "gr", "GR010 GR011"),
        ("部分农村籍退役士兵老年生活补助的发放", 给付, "tv", "gr", "GR010"),
        ("退役军人优待证申领", 服务, "tv", "gr", "GR010 GR013"),
        ("退役士兵安置待遇审核", 确认, "tv", "gr", "GR010"),
        # 医保
        ("基本医疗保险参保登记", 服务, "yb", "both", "GR005 GR003 FR006"),
        ("异地就医备案", 服务, "yb", "gr", "GR005"),
        ("门诊慢特病病种待遇认定", 确认, "yb", "gr", "GR005"),
        ("医疗救助", 给付, "yb", "gr", "GR005 GR016"),
        ("生育保险待遇核准支付", 给付, "yb", "gr", "GR001 GR005"),
        ("医疗保障定点医药机构确定", 其他, "yb", "fr", "FR015"),
        # 发改
        ("企业投资项目核准", 许可, "fg", "fr", "FR007"),
        ("企业投资项目备案", 其他, "fg", "fr", "FR007"),
        ("政府投资项目建议书审批", 许可, "fg", "fr", "FR007"),
        ("政府投资项目可行性研究报告审批", 许可, "fg", "fr", "FR007"),
        ("政府投资项目初步设计审批", 许可, "fg", "fr", "FR007"),
        ("招标事项审批核准", 许可, "fg", "fr", "FR009 FR007"),
        ("固定资产投资项目节能审查", 许可, "fg", "fr", "FR007 FR013"),
        # 公安
        ("户口迁移", 确认, "ga", "gr", "GR002"),
        ("出生登记", 确认, "ga", "gr", "GR002 GR001"),
        ("居民身份证申领", 确认, "ga", "gr", "GR013 GR002"),
        ("居住证签发", 服务, "ga", "gr", "GR013 GR002"),
        ("死亡人员户口注销", 确认, "ga", "gr", "GR014 GR002"),
        ("旅馆业特种行业许可证核发", 许可, "ga", "fr", "FR002"),
        ("大型群众性活动安全许可", 许可, "ga", "fr", "FR016 FR014"),
        # 司法
        ("法律援助", 服务, "sf", "gr", "GR012"),
        ("人民调解", 服务, "sf", "both", "GR012"),
        ("基层法律服务工作者执业核准", 许可, "sf", "gr", "GR012"),
        ("律师执业证书核发初审", 其他, "sf", "gr", "GR012"),
        # 农业农村
        ("农药经营许可", 许可, "ny", "fr", "FR010"),
        ("动物防疫条件合格证核发", 许可, "ny", "fr", "FR010"),
        ("农作物种子生产经营许可", 许可, "ny", "fr", "FR010"),
        ("拖拉机和联合收割机驾驶证核发", 许可, "ny", "gr", "GR009 GR013"),
        ("耕地地力保护补贴", 给付, "ny", "both", "GR003 FR010"),
        ("水域滩涂养殖证核发", 许可, "ny", "both", "FR010"),
        # 水利
        ("取水许可", 许可, "sl", "fr", "FR010 FR013"),
        ("河道管理范围内建设项目工程建设方案审批", 许可, "sl", "fr", "FR011"),
        ("生产建设项目水土保持方案审批", 许可, "sl", "fr", "FR013 FR007"),
        # 文旅
        ("娱乐场所经营许可", 许可, "wl", "fr", "FR016 FR002"),
        ("互联网上网服务营业场所经营单位设立审批", 许可, "wl", "fr", "FR016"),
        ("营业性演出审批", 许可, "wl", "fr", "FR016"),
        ("高危险性体育项目经营许可", 许可, "wl", "fr", "FR016 FR014"),
        # 应急
        ("危险化学品经营许可", 许可, "yj", "fr", "FR014"),
        ("烟花爆竹经营（零售）许可", 许可, "yj", "both", "GR004 FR014"),
        ("生产经营单位生产安全事故应急预案备案", 其他, "yj", "fr", "FR014"),
        ("对生产经营单位安全生产的监督检查", 检查, "yj", "fr", "FR014"),
        # 城管
        ("城市建筑垃圾处置核准", 许可, "cg", "fr", "FR013"),
        ("设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批", 许可, "cg", "fr", "FR008"),
        ("城市道路占用、挖掘审批", 许可, "cg", "both", "GR009 FR011"),
        ("砍伐城市树木、迁移古树名木审批", 许可, "cg", "fr", "FR013"),
        # 残联
        ("残疾人证新办", 服务, "cl", "gr", "GR011 GR013"),
        ("残疾儿童康复救助", 给付, "cl", "gr", "GR011 GR001"),
        # 税务、财政、商务
        ("发票领用", 其他, "sw", "fr", "FR005"),
        ("个人所得税综合所得汇算清缴", 服务, "sw", "gr", "GR004"),
        ("纳税信用评价结果确定和发布", 确认, "sw", "fr", "FR005"),
        ("代理记账机构设立审批", 许可, "cz", "fr", "FR005"),
        ("对外贸易经营者备案登记", 其他, "sw2", "fr", "FR008"),
        ("单用途商业预付卡发卡企业备案", 其他, "sw2", "fr", "FR008"),
        ("拍卖业务许可", 许可, "sw2", "fr", "FR009 FR008"),
        ("报废机动车回收企业资质认定", 许可, "sw2", "fr", "FR003 FR008"),
        # 林业、人防、民宗
        ("林木采伐许可证核发", 许可, "ly", "both", "FR010"),
        ("建设项目使用林地审核", 许可, "ly", "fr", "FR010 FR011"),
        ("结合民用建筑修建防空地下室审批", 许可, "rf", "fr", "FR011"),
        ("宗教活动场所筹备设立审批", 许可, "mzj", "both", "GR015"),
        ("变更民族成份", 确认, "mzj", "gr", "GR015 GR002"),
        ("宗教临时活动地点审批", 许可, "mzj", "gr", "GR015"),
        ("少数民族考生民族成份确认", 确认, "mzj", "gr", "GR015 GR008"),
        # The items the city's reference catalog names in its own words (fixtures/
        # reference_catalog), so that every catalog service line ties to a guide in every area.
        # 规划、建设、招投标
        ("临时建设工程规划许可证核发", 许可, "zr", "fr", "FR011"),
        ("建设工程竣工规划核实", 确认, "zr", "fr", "FR011"),
        ("建设项目环境影响评价审批", 许可, "st", "fr", "FR013 FR007"),
        ("建设工程消防验收", 许可, "zj", "fr", "FR011 FR014"),
        ("建设工程消防验收备案", 其他, "zj", "fr", "FR011 FR014"),
        ("依法必须招标项目招标投标情况书面报告备案", 其他, "zj", "fr", "FR009"),
        ("征地补偿安置争议协调裁决", 裁决, "zr", "both", "GR006 FR011"),
        # 安全生产
        ("危险化学品经营许可证核发", 许可, "yj", "fr", "FR014"),
        ("烟花爆竹经营（零售）许可证核发", 许可, "yj", "both", "GR004 FR014"),
        ("第三类非药品类易制毒化学品生产、经营备案", 其他, "yj", "fr", "FR014"),
        (
            "生产经营单位主要负责人和安全生产管理人员安全生产知识和管理能力考核",
            其他,
            "yj",
            "fr",
            "FR014 FR003",
        ),
        # 税收
        ("税收减免核准", 许可, "sw", "fr", "FR005"),
        ("税务登记", 确认, "sw", "both", "GR004 FR005"),
        ("增值税专用发票（增值税税控系统）最高开票限额审批", 许可, "sw", "fr", "FR005"),
        ("对纳税人延期申报的核准", 许可, "sw", "both", "FR005"),
        ("对纳税人延期缴纳税款的核准", 许可, "sw", "both", "FR005"),
        ("对纳税人变更纳税定额的核准", 许可, "sw", "gr", "GR004"),
        ("纳税信用修复", 服务, "sw", "fr", "FR005"),
        ("清税证明开具", 服务, "sw", "both", "FR005 FR001"),
        # 生态环境
        ("排污许可证核发", 许可, "st", "fr", "FR013"),
        ("固定污染源排污登记", 其他, "st", "fr", "FR013"),
        ("辐射安全许可证核发", 许可, "st", "fr", "FR013 FR015"),
        # 文化、司法
        (
            "文物保护单位保护范围内其他建设工程或者爆破、钻探、挖掘等作业审批",
            许可,
            "wl",
            "fr",
            "FR011 FR016",
        ),
        ("娱乐场所从事娱乐场所经营活动审批", 许可, "wl", "fr", "FR016 FR002"),
        ("法律援助申请受理审查", 服务, "sf", "gr", "GR012"),
        ("法律职业资格认定", 确认, "sf", "gr", "GR012"),
        ("律师事务所设立许可", 许可, "sf", "fr", "FR001"),
        # 救灾
        ("自然灾害救助资金给付", 给付, "yj", "gr", "GR016"),
        ("受灾人员冬春生活救助", 给付, "yj", "gr", "GR016"),
        ("因灾倒损住房恢复重建补助", 给付, "yj", "gr", "GR016 GR006"),
        # 食品药品
        ("仅销售预包装食品备案", 其他, "sc", "both", "GR004 FR002"),
        ("小餐饮登记", 确认, "sc", "both", "GR004 FR002"),
        ("食品摊贩登记", 确认, "sc", "gr", "GR004"),
        ("药品零售企业许可", 许可, "sc", "fr", "FR002 FR015"),
        ("第三类医疗器械经营许可", 许可, "sc", "fr", "FR002 FR015"),
        # 城市管理、市政
        ("从事城市生活垃圾经营性清扫、收集、运输、处理服务审批", 许可, "cg", "fr", "FR013"),
        ("依附于城市道路建设各种管线、杆线等设施审批", 许可, "cg", "fr", "FR011"),
        ("临时占用城市绿化用地审批", 许可, "cg", "fr", "FR013"),
        ("用水报装", 服务, "zj", "both", "GR006 FR011"),
        ("燃气经营许可证核发", 许可, "zj", "fr", "FR002"),
        ("用气报装", 服务, "zj", "both", "GR006 FR011"),
        ("城镇污水排入排水管网许可", 许可, "zj", "fr", "FR013"),
        # 就业
        ("就业登记", 确认, "rs", "both", "GR004 FR006"),
        ("失业登记", 确认, "rs", "gr", "GR004"),
        ("就业创业证申领", 服务, "rs", "gr", "GR004 GR013"),
        ("创业担保贷款申请", 给付, "rs", "both", "GR004 FR006"),
        ("一次性创业补贴申领", 给付, "rs", "gr", "GR004"),
        ("职业培训补贴申领", 给付, "rs", "both", "GR004 FR006"),
        ("社会保险补贴申领", 给付, "rs", "both", "GR004 FR006"),
        ("公益性岗位补贴申领", 给付, "rs", "fr", "FR006"),
        ("一次性吸纳就业补贴申领", 给付, "rs", "fr", "FR006"),
        ("就业见习补贴申领", 给付, "rs", "fr", "FR006"),
        ("求职创业补贴申领", 给付, "rs", "gr", "GR004 GR008"),
        ("职业技能评价补贴申领", 给付, "rs", "gr", "GR004"),
        ("人力资源服务备案", 其他, "rs", "fr", "FR006"),
        ("流动人员人事档案管理服务", 服务, "rs", "gr", "GR004"),
        # 社会保险
        ("职工参保登记", 服务, "rs", "fr", "FR006"),
        ("参保信息变更登记", 服务, "rs", "both", "GR003 FR006"),
        ("企业职工基本养老保险关系转移接续", 服务, "rs", "gr", "GR003"),
        ("城乡居民基本养老保险关系转移接续", 服务, "rs", "gr", "GR003"),
        ("城乡养老保险制度衔接", 服务, "rs", "gr", "GR003"),
        ("职工正常退休（职）申请", 确认, "rs", "both", "GR003 FR006"),
        ("城乡居民养老保险待遇申领", 给付, "rs", "gr", "GR003"),
        ("个人账户一次性待遇申领", 给付, "rs", "gr", "GR003 GR014"),
        ("丧葬补助金、抚恤金申领", 给付, "rs", "gr", "GR003 GR014"),
        ("社会保险待遇资格认证", 服务, "rs", "gr", "GR003"),
        ("失业保险关系转移接续", 服务, "rs", "gr", "GR003 GR004"),
        ("稳岗返还（稳岗补贴）申领", 给付, "rs", "fr", "FR006"),
        ("技能提升补贴申领", 给付, "rs", "gr", "GR004"),
        ("工伤认定申请", 确认, "rs", "both", "GR003 FR006"),
        ("劳动能力鉴定申请", 确认, "rs", "gr", "GR003 GR011"),
        ("伤残待遇申领（一次性伤残补助金、伤残津贴和生活护理费）", 给付, "rs", "gr", "GR003 GR011"),
        ("工亡待遇申领", 给付, "rs", "gr", "GR003 GR014"),
        ("城乡居民基本医疗保险参保登记", 服务, "yb", "gr", "GR005 GR003"),
        ("职工基本医疗保险参保登记", 服务, "yb", "fr", "FR006"),
        ("基本医疗保险关系转移接续", 服务, "yb", "gr", "GR005"),
        ("异地就医登记备案", 服务, "yb", "gr", "GR005"),
        ("医疗费用手工（零星）报销", 给付, "yb", "gr", "GR005"),
        ("生育津贴支付", 给付, "yb", "gr", "GR001 GR005"),
        ("社会保障卡补领、换领、换发", 服务, "rs", "gr", "GR013 GR003"),
        ("个人权益记录查询打印", 服务, "rs", "gr", "GR003"),
        ("暂停、恢复养老保险待遇申请", 服务, "rs", "gr", "GR003"),
        # 社会救助、养老
        ("最低生活保障边缘家庭认定", 确认, "mz", "gr", "GR016"),
        ("刚性支出困难家庭认定", 确认, "mz", "gr", "GR016"),
        ("医疗救助申请", 给付, "yb", "gr", "GR005 GR016"),
        ("生活无着的流浪、乞讨人员救助", 给付, "mz", "gr", "GR016"),
        ("事实无人抚养儿童认定", 确认, "mz", "gr", "GR001 GR016"),
        ("养老机构建设和运营补贴申领", 给付, "mz", "fr", "FR002"),
        ("高龄津贴申领", 给付, "mz", "gr", "GR003"),
        ("老年人优待证办理", 服务, "mz", "gr", "GR013"),
        # 户籍
        ("投靠落户", 确认, "ga", "gr", "GR002"),
        ("人才落户", 确认, "ga", "gr", "GR002 GR004"),
        ("立户分户登记", 确认, "ga", "gr", "GR002"),
        ("恢复户口登记", 确认, "ga", "gr", "GR002"),
        ("户口注销", 确认, "ga", "gr", "GR002 GR014"),
        ("户口登记项目变更更正", 确认, "ga", "gr", "GR002"),
        ("无户口人员登记户口", 确认, "ga", "gr", "GR002"),
        ("户籍证明出具", 服务, "ga", "gr", "GR002 GR013"),
        ("居民身份证首次申领", 确认, "ga", "gr", "GR013 GR002"),
        ("居民身份证换领、补领", 确认, "ga", "gr", "GR013 GR002"),
        ("临时居民身份证申领", 确认, "ga", "gr", "GR013"),
        ("居民身份证异地受理", 服务, "ga", "gr", "GR013"),
        ("居住登记", 服务, "ga", "gr", "GR002"),
        ("居住证申领", 服务, "ga", "gr", "GR013 GR002"),
        ("居住证签注", 服务, "ga", "gr", "GR013"),
        ("户口簿补领、换领", 确认, "ga", "gr", "GR002 GR013"),
        # 农业、教育、卫生健康、住房
        ("农机购置与应用补贴申领", 给付, "ny", "both", "GR004 FR010"),
        ("义务教育招生入学", 服务, "jy", "gr", "GR008"),
        ("转学", 服务, "jy", "gr", "GR008"),
        ("家庭经济困难学生生活补助", 给付, "jy", "gr", "GR008 GR016"),
        ("民办学校设立、变更和终止审批", 许可, "jy", "fr", "FR001"),
        ("诊所备案", 其他, "wj", "fr", "FR015"),
        ("母婴保健技术服务机构执业许可", 许可, "wj", "fr", "FR015"),
        ("生育登记", 服务, "wj", "gr", "GR001"),
        ("育儿补贴申领", 给付, "wj", "gr", "GR001"),
        ("农村部分计划生育家庭奖励扶助金给付", 给付, "wj", "gr", "GR001"),
        ("计划生育家庭特别扶助金给付", 给付, "wj", "gr", "GR001"),
        ("公共租赁住房保障资格审核", 确认, "zj", "gr", "GR006"),
        ("农村危房改造对象认定", 确认, "zj", "gr", "GR006 GR016"),
        ("公共租赁住房资格审核", 确认, "zj", "gr", "GR006"),
        ("公共租赁住房配租", 服务, "zj", "gr", "GR006"),
        ("城镇住房保障家庭租赁补贴资格审核", 确认, "zj", "gr", "GR006"),
        ("保障性租赁住房项目认定书核发", 确认, "zj", "fr", "FR011"),
    ]
    made = [Template(n, t, d, s, tuple(th.split())) for n, t, d, s, th in rows]
    return tuple(made + _catalog_templates({t.name for t in made}))


# The items the reference catalog names beyond those above, one row each (name, type_name,
# dept, serve, themes), in files kept beside the catalog's domain files they serve.
CATALOG_TEMPLATE_DIR = Path(__file__).resolve().parent / "catalog_templates"


def _catalog_templates(known: set[str]) -> list[Template]:
    """Return the templates the files in CATALOG_TEMPLATE_DIR define, skipping ``known`` names.

    Raise ValueError naming the file and line of a row with an unknown type, department,
    audience or theme: the files are ours, so a bad row is a mistake to fix.
    """
    made: list[Template] = []
    for path in sorted(CATALOG_TEMPLATE_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                name, themes = row["name"].strip(), tuple(row["themes"].split())
                if name in known:
                    continue
                if (
                    not name
                    or row["type_name"] not in TYPE_CODES
                    or row["dept"] not in DEPTS
                    or row["serve"] not in ("gr", "fr", "both")
                    or not themes
                    or not set(themes) <= {code for pairs in THEMES.values() for code, _ in pairs}
                ):
                    raise ValueError(f"{path.name} line {number}: bad template row {row}")
                known.add(name)
                made.append(Template(name, row["type_name"], row["dept"], row["serve"], themes))
    return made


TEMPLATES: tuple[Template, ...] = _templates()

CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """Return n (1..199) in Chinese numerals, as in 第二十三条."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    if rest == 0:
        return "一百"
    if rest < 10:
        return "一百零" + CN_DIGITS[rest]
    return "一百" + ("一十" + CN_DIGITS[rest % 10] if rest < 20 else _cn_number(rest))


_ORG_CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(area_code: str, rng: Random) -> str:
    """Return an 18-character 统一社会信用代码 of a government body, with valid check characters."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(
        _ORG_CODE_CHARS.index(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    check9 = 11 - total % 11
    org = body + {10: "X", 11: "0"}.get(check9, str(check9))
    head = "11" + area_code + org  # 1 = 机构编制, 1 = 机关
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(head, _CREDIT_WEIGHTS, strict=True))
    return head + _CREDIT_CHARS[(31 - total % 31) % 31]


def org_name(dept_key: str, area: Area) -> str:
    """Return the name of the body that implements `dept_key`'s items in `area`."""
    dept = DEPTS[dept_key]
    if area.kind == "市":
        if dept.pattern == "tax":
            return "国家税务总局长沙市税务局"
        return "长沙市" + dept.city_suffix
    if dept.pattern == "tax":
        return f"国家税务总局{area.prefix}税务局"
    if dept.pattern == "branch" and area.kind == "区":
        return f"长沙市{dept.city_suffix}{area.short}分局"
    return area.prefix + dept.suffix


# -- text pools ------------------------------------------------------------------------------

_CONDITIONS = {
    "gr": (
        "申请人具有本地户籍，或持有本地有效居住证",
        "申请人具有完全民事行为能力，无民事行为能力或者限制民事行为能力的由其监护人代为申请",
        "家庭人均收入低于当地公布的标准，且家庭财产状况符合规定",
        "符合{name}相关政策规定的条件",
        "申请人如实申报家庭收入、财产状况，并授权相关部门开展核对",
        "未享受同类其他补贴或待遇",
        "按规定参加社会保险并足额缴费",
    ),
    "fr": (
        "申请人为依法设立的企业法人或其他组织",
        "具有与{name}相适应的场所、设施设备和专业技术人员",
        "有健全的管理制度和安全保障措施",
        "符合国家产业政策、行业规划和相关技术标准",
        "近三年内无重大违法违规记录，未被列入严重失信主体名单",
        "申请材料齐全、符合法定形式",
        "项目已按规定取得前置审批（核准、备案）文件",
    ),
}

_DUTIES = (
    "申请人应当如实提交有关材料和反映真实情况，并对其申请材料实质内容的真实性负责。",
    "申请人应当按照要求提交申请材料，配合行政机关开展现场核查，并遵守相关法律法规。",
    "1.如实提交申请材料；2.按规定缴纳相关费用；3.依法接受监督检查。",
)

_POWERS = (
    "1.申请人有权依法获得{name}服务；2.申请人有权查询办理进度；3.申请人对行政机关作出的决定不服的，"
    "有权依法申请行政复议或者提起行政诉讼。",
    "申请人依法享有陈述权、申辩权；合法权益因行政机关违法实施行政行为受到损害的，有权依法要求赔偿。",
    "申请人有权要求行政机关对申请材料中涉及的商业秘密和个人隐私予以保密。",
)

_TIMES = (
    "周一至周五（法定节假日除外）上午9:00-12:00，下午13:30-17:00",
    "工作日上午8:30-12:00，下午14:30-17:30（夏季作息时间：下午15:00-18:00）",
    "周一至周五 9:00-17:00，中午不休息；周六上午9:00-12:00（预约办理）",
    "法定工作日：上午9:00—12:00，下午13:00—17:00",
)

_SCOPES = ("全市通办", "全省通办", "跨省通办", "本级办理", "区域通办")

_MATERIAL_STANDARDS = (
    "纸质，A4规格，需申请人签字（盖章）",
    "原件核验，复印件留存",
    "电子证照可免于提交",
    "加盖单位公章",
    "内容真实、完整、有效",
)

_SOURCES = ("申请人自备", "政府部门核发", "中介机构或法定机构产生", "其他")

_GR_MATERIALS = (
    "申请人居民身份证",
    "户口簿",
    "家庭收入及财产状况声明",
    "近期一寸免冠照片",
    "银行账户信息",
    "授权委托书及受托人身份证明（委托办理时提供）",
    "相关证明材料",
    "个人承诺书",
)

_FR_MATERIALS = (
    "营业执照",
    "法定代表人身份证明",
    "授权委托书及经办人身份证明",
    "场所使用证明（产权证明或租赁合同）",
    "主要设施设备清单",
    "专业技术人员名单及资格证书",
    "管理制度文本",
    "项目可行性研究报告",
    "相关部门出具的意见",
    "企业信用承诺书",
)

_CHANGE_MATERIALS = (
    "告知承诺书",
    "现场照片",
    "补充说明材料",
    "信用承诺书",
    "法律法规规定的其他材料",
    "项目所在地乡镇（街道）意见",
)

_FEES = (
    ("工本费", "每证10元", "《国家发展改革委 财政部关于规范证照工本费收费标准的通知》"),
    (
        "登记费",
        "住宅类每件80元，非住宅类每件550元",
        "《财政部 国家发展改革委关于不动产登记收费标准等有关问题的通知》",
    ),
    ("鉴定费", "每例200元", "《湖南省行政事业性收费标准目录》"),
    ("检验费", "按照省物价局核定标准收取", "《湖南省物价局关于检验检测收费的通知》"),
)


def _hex(rng: Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _tel(rng: Random) -> str:
    return f"0731-8{rng.randrange(1_000_000, 10_000_000)}"


def _days_text(days: int, rng: Random) -> str:
    return rng.choice((f"{days}个工作日", f"{days}个工作日", f"{days}日", f"{days}个工作日"))


class _Builder:
    """Build one guide; keep all randomness of a guide in its own RNG."""

    def __init__(self, seed: int | str, area: Area, index: int, template: Template):
        self.rng = Random(f"{seed}:guide:{area.code}:{index}")
        self.seed = seed
        self.area = area
        self.index = index
        self.t = template

    def maybe(self, value, share: float = PLACEHOLDER_SHARE):
        """Return value, or in a deterministic share of cases a placeholder for nothing."""
        if self.rng.random() < share:
            return self.rng.choice(PLACEHOLDERS)
        return value

    def build(self) -> tuple[dict, dict[str, list[str]]]:
        rng, t, area = self.rng, self.t, self.area
        unify_id = _hex(rng)
        rights_id = _hex(rng)
        dept_key = t.dept
        if (
            area.code in APPROVAL_REFORM_AREAS
            and dept_key in APPROVAL_REFORM_DEPTS
            and t.type_name == "行政许可"
        ):
            dept_key = "sp"
        org = org_name(dept_key, area)
        code = credit_code(area.code, Random(f"{self.seed}:org:{area.code}:{dept_key}"))
        sub = "000" if rng.random() < 0.8 else f"{rng.randint(1, 9):03d}"
        rights_code = f"{TYPE_CODES[t.type_name]}{DEPTS[t.dept].number:02d}{self.index:03d}{sub}00"
        level = "3" if area.kind == "市" else "4"
        task_code = code + level + rights_code
        yw_code = task_code + f"{rng.randint(1, 3):02d}"
        isonline = "是" if rng.random() < 0.6 else "否"
        dept_name = org if rng.random() < 0.6 else org + rng.choice(DEPTS[dept_key].sections)
        laws = DEPTS[t.dept].laws
        name = t.name

        approve_days = rng.choice((5, 10, 15, 20, 20, 30, 45, 60))
        commit_days = max(1, approve_days // rng.choice((1, 2, 2, 3, 4)))
        approve_limit = _days_text(approve_days, rng)
        commitment_limit = _days_text(commit_days, rng)
        # A share of limits come without a unit, as on the real platform.
        if rng.random() < 0.15:
            commitment_limit = str(commit_days)
        if rng.random() < 0.08:
            approve_limit = str(approve_days)
        if t.type_name in ("公共服务", "其他行政权力") and rng.random() < 0.2:
            commitment_limit = "即办"

        is_charge = "是" if rng.random() < 0.18 else "否"
        detail: dict = {
            "unifyId": unify_id,
            "unifyName": name,
            "rightsCode": rights_code,
            "rightsId": rights_id,
            "taskCode": task_code,
            "ywCode": yw_code,
            "typeName": t.type_name,
            "areaCode": area.code,
            "areaName": area.name,
            "orgName": self.maybe(org, 0.03),
            "deptName": self.maybe(dept_name, 0.06),
            "serveObject": self._serve_object(),
            "schemeLevels": rng.choice(("县级", "市级,县级", "省级,市级,县级")),
            "transactLevel": "市级" if area.kind == "市" else "县级",
            "acceptanceCondition": self.maybe(self._conditions()),
            "according": self.maybe(self._according(laws)),
            "applicantPower": self.maybe(rng.choice(_POWERS).format(name=name)),
            "applicantDuty": self.maybe(rng.choice(_DUTIES)),
            "approveLimit": self.maybe(approve_limit, 0.05),
            "approveLimitExplain": self.maybe(
                f"自受理之日起{approve_days}个工作日内作出决定；{approve_days}个工作日内不能作出决定的，"
                "经本行政机关负责人批准，可以延长10个工作日，并应当将延长期限的理由告知申请人。"
            ),
            "commitmentLimit": self.maybe(commitment_limit, 0.05),
            "commitmentLimitExplain": self.maybe(
                rng.choice(
                    (
                        "承诺时限不含现场勘查、专家评审、听证、公示等时间。",
                        f"材料齐全、符合法定形式的，{commit_days}个工作日内办结。",
                        "即来即办。",
                    )
                )
            ),
            "isCharge": self.maybe(is_charge, 0.02),
        }
        if is_charge == "是":
            roll = rng.random()
            if roll < 0.7:
                detail["chargeList"] = [
                    {"feeName": f, "feeStand": s, "byLaw": b}
                    for f, s, b in rng.sample(_FEES, rng.randint(1, 2))
                ]
            elif roll < 0.85:
                detail["chargeList"] = None
            # Otherwise the key is absent although the item is charged.
        elif rng.random() < 0.5:
            detail["chargeList"] = []
        detail.update(
            {
                "processDescript": self.maybe(self._process()),
                "transactAddr": self.maybe(f"{area.centre}{rng.randint(1, 40)}号窗口"),
                "transactTime": self.maybe(rng.choice(_TIMES)),
                "consultTel": self.maybe(_tel(rng)),
                "complaintTel": self.maybe(rng.choice(("12345", _tel(rng)))),
                "isonline": isonline,
                "minSeq": rng.choice(("0", "1", "1", "2")) if isonline == "是" else "1",
                "doScope": self.maybe(rng.choice(_SCOPES)),
                "materialList": self._materials(),
                "resultList": self._results(),
            }
        )
        if isonline == "是" and rng.random() < 0.5:
            detail["onlineHandleUrl"] = f"/hnywtb/service/handle.html?id={unify_id}"
        return detail, self._themes()

    def _serve_object(self) -> str:
        rng = self.rng
        if self.t.serve == "gr":
            return "自然人"
        if self.t.serve == "fr":
            return rng.choice(
                ("企业法人", "企业法人,事业法人", "企业法人,事业法人,社会组织法人,非法人企业")
            )
        return rng.choice(
            (
                "自然人,企业法人",
                "自然人,企业法人,事业法人",
                "自然人,企业法人,事业法人,社会组织法人,非法人企业,行政机关,其他组织",
            )
        )

    def _conditions(self) -> str:
        rng = self.rng
        pool = _CONDITIONS["gr" if self.t.serve == "gr" else "fr"]
        items = [c.format(name=self.t.name) for c in rng.sample(pool, rng.randint(2, 4))]
        form = rng.random()
        if form < 0.35:
            html = "".join(f"<p>{i}. {c}；</p>" for i, c in enumerate(items, 1))
        elif form < 0.65:
            html = "<br>".join(f"{i}、{c}" for i, c in enumerate(items, 1))
        elif form < 0.9:
            html = "<ol>" + "".join(f"<li>{c}</li>" for c in items) + "</ol>"
        else:
            html = "；".join(items) + "。"
        # Untrusted HTML from the platform: a client must sanitise it before showing it.
        roll = rng.random()
        if roll < 0.04:
            html += "<script>alert(1)</script>"
        elif roll < 0.07:
            html += '<p><a href="javascript:alert(document.cookie)">点击查看详细条件</a></p>'
        elif roll < 0.10:
            html = f'<div onclick="alert(1)">{html}</div>'
        elif roll < 0.13:
            html += '<p style="color:red"><img src="x" onerror="alert(1)">请提前预约。</p>'
        return html

    def _according(self, laws: tuple[str, ...]) -> str:
        rng = self.rng
        if not laws:
            laws = ("《中华人民共和国行政许可法》",)
        chosen = rng.sample(laws, min(len(laws), rng.randint(1, 3)))
        primary = PRIMARY_LAWS.get(self.t.name)
        if primary:
            chosen = [primary] + [law for law in chosen if law != primary]
        if self.t.type_name == "行政许可":
            chosen.append("《中华人民共和国行政许可法》")
        parts = []
        for i, law in enumerate(chosen, 1):
            article = _cn_number(rng.randint(2, 120))
            quote = rng.choice(
                (
                    "县级以上地方人民政府有关主管部门负责本行政区域内{name}的监督管理工作。",
                    "申请{name}，应当向所在地县级以上人民政府有关部门提出申请，并提交下列材料："
                    "（一）申请书；（二）申请人身份证明；（三）法律、法规规定的其他材料。",
                    "有关部门应当自受理申请之日起二十日内作出决定；符合条件的，予以办理；"
                    "不符合条件的，书面通知申请人并说明理由。",
                    "国家建立健全{name}制度，保障公民、法人和其他组织的合法权益。",
                )
            ).format(name=self.t.name)
            parts.append(f"{i}.{law}第{article}条：“{quote}”")
        return "\n".join(parts)

    def _process(self) -> str:
        rng = self.rng
        steps = [
            ("申请", "申请人通过湖南省政务服务网或到政务服务中心窗口提交申请材料"),
            ("受理", "窗口工作人员对申请材料进行审查，材料齐全、符合法定形式的予以受理"),
            ("审查", "承办人员对申请材料进行审查，必要时进行现场核查"),
            ("决定", "经审核符合条件的，作出准予办理的决定；不符合条件的，说明理由"),
            ("送达", "通过窗口领取或免费邮寄送达办理结果"),
        ]
        if rng.random() < 0.3:
            del steps[2]
        if rng.random() < 0.3:
            return "".join(f"<p>{i}.{a}：{b}。</p>" for i, (a, b) in enumerate(steps, 1))
        return "\n".join(f"{i}.{a}：{b}；" for i, (a, b) in enumerate(steps, 1))

    def _materials(self):
        rng = self.rng
        if rng.random() < 0.03:
            return rng.choice(([], None))
        pool = _GR_MATERIALS if self.t.serve == "gr" else _FR_MATERIALS
        titles = [f"{self.t.name}申请表"]
        titles += rng.sample(pool, rng.randint(0, min(9, len(pool))))
        return [self._material(title, i == 0) for i, title in enumerate(titles)]

    def _material(self, title: str, is_form: bool) -> dict:
        rng = self.rng
        attaches = []
        if is_form or rng.random() < 0.2:
            attaches.append(
                {
                    "attachName": f"{title}（样表）.doc",
                    "attachPath": f"/hnywtb/attach/{_hex(rng)}.doc",
                }
            )
        return {
            "materialId": _hex(rng),
            "materialTitle": title,
            "isMust": "必要" if is_form else rng.choice(("必要", "必要", "非必要", "容缺后补")),
            "materialType": rng.choice(("原件", "复印件", "原件和复印件", "电子")),
            "materialStandard": self.maybe(rng.choice(_MATERIAL_STANDARDS)),
            "copiesNum": rng.choice(("1", "1", "1", "2", "0")),
            "sourceChannel": rng.choice(_SOURCES),
            "materialExplain": self.maybe(rng.choice(("", "需本人签字", "加盖公章"))),
            "attachList": attaches,
        }

    def _results(self) -> list[dict]:
        rng = self.rng
        if self.t.type_name in ("行政检查", "公共服务") and rng.random() < 0.5:
            return []
        suffix = "证" if self.t.type_name == "行政许可" else "决定书"
        return [
            {
                "resultSampleName": f"《{self.t.name}{suffix}》（样本）",
                "attachPath": f"/hnywtb/attach/{_hex(rng)}.pdf",
            }
        ]

    def _themes(self) -> dict[str, list[str]]:
        """Return the theme codes of this guide per type: 1 to 3 of each of its types."""
        rng = self.rng
        result: dict[str, list[str]] = {}
        for type_code in self.t.types:
            prefix = "GR" if type_code == "1" else "FR"
            own = [c for c in self.t.themes if c.startswith(prefix)]
            codes = [c for c, _ in THEMES[type_code]]
            if not own:
                own = [rng.choice(codes)]
            if len(own) < 3 and rng.random() < 0.35:
                extra = rng.choice(codes)
                if extra not in own:
                    own.append(extra)
            result[type_code] = own
        return result


# -- the dataset -------------------------------------------------------------------------------


@dataclass
class _Guide:
    order: int
    area_code: str
    base: dict
    themes: dict[str, list[str]]
    row: dict


class Dataset:
    """The guides served by the simulator, with generations of upstream changes.

    Thread-safe: the server reads from many threads while tests mutate.
    """

    def __init__(self, seed: int | str | None = None, size: int | None = None):
        self.seed = DEFAULT_SEED if seed is None else seed
        if size is not None and size < 1:
            raise ValueError("size must be positive")
        self.areas = AREAS
        self.themes = {t: [{"ztflCode": c, "ztflName": n} for c, n in v] for t, v in THEMES.items()}
        self.public_url = "http://127.0.0.1"
        self._lock = threading.RLock()
        self._guides: dict[str, _Guide] = {}
        by_area: dict[str, list[str]] = {}
        order = 0
        for area in AREAS:
            ids = []
            for index in self._template_indexes(area):
                detail, themes = _Builder(self.seed, area, index, TEMPLATES[index]).build()
                row = {
                    "unifyId": detail["unifyId"],
                    "unifyName": detail["unifyName"],
                    "rightsCode": detail["rightsCode"],
                    "rightsId": detail["rightsId"],
                    "ywCode": detail["ywCode"],
                    "isonline": detail["isonline"],
                    "transactLevel": detail["transactLevel"],
                    "minSeq": detail["minSeq"],
                    "areaCode": area.code,
                }
                self._guides[detail["unifyId"]] = _Guide(order, area.code, detail, themes, row)
                ids.append(detail["unifyId"])
                order += 1
            by_area[area.code] = ids
        self.full_size = len(self._guides)
        self._select(by_area, size)
        self._id_set = frozenset(self._ids)
        self.size = len(self._ids)
        self.generation = 0
        self._vanished: set[str] = set()
        self._changes: dict[str, int] = {}
        self._version = 0
        self._list_cache: dict[tuple, list[dict]] = {}
        self._json_cache: dict[tuple[str, int], bytes] = {}

    def _template_indexes(self, area: Area) -> list[int]:
        """Return the templates an area implements: the required ones, those the reference
        catalog names, and a seeded sample of the rest."""
        carried = REQUIRED_NAMES + tuple(sorted(CATALOG_NAMES))
        required = [i for i, t in enumerate(TEMPLATES) if t.name in carried]
        others = [i for i in range(len(TEMPLATES)) if i not in required]
        if len(required) > GUIDES_PER_AREA:
            raise ValueError(
                f"GUIDES_PER_AREA ({GUIDES_PER_AREA}) is below the {len(required)} items every "
                "area must carry (the required ones and those the reference catalog names)"
            )
        rng = Random(f"{self.seed}:templates:{area.code}")
        chosen = required + rng.sample(others, GUIDES_PER_AREA - len(required))
        return sorted(chosen)

    def _select(self, by_area: dict[str, list[str]], size: int | None) -> None:
        """Keep a subset of `size` guides spread round-robin over the areas, required ones first."""
        if size is None or size >= len(self._guides):
            self._ids = list(self._guides)
            return
        queues = []
        for code, ids in by_area.items():
            required = [i for i in ids if self._guides[i].base["unifyName"] in REQUIRED_NAMES]
            rest = [i for i in ids if i not in required]
            Random(f"{self.seed}:subset:{code}").shuffle(rest)
            queues.append(required + rest)
        picked: set[str] = set()
        position = 0
        while len(picked) < size:
            for queue in queues:
                if position < len(queue) and len(picked) < size:
                    picked.add(queue[position])
            position += 1
        self._ids = [i for i in self._guides if i in picked]

    # -- reads ---------------------------------------------------------------------------------

    def all_ids(self) -> list[str]:
        """Return every id of this dataset, vanished ones included, in a stable order."""
        return list(self._ids)

    def guide_ids(self) -> list[str]:
        """Return the ids currently published (not cancelled), in a stable order."""
        with self._lock:
            return [i for i in self._ids if i not in self._vanished]

    def is_present(self, unify_id: str) -> bool:
        with self._lock:
            return unify_id in self._id_set and unify_id not in self._vanished

    def name(self, unify_id: str) -> str | None:
        """Return the name of a published guide, or None."""
        return self._guides[unify_id].base["unifyName"] if self.is_present(unify_id) else None

    def guide_types(self, unify_id: str) -> dict[str, list[str]]:
        """Return the theme codes of a guide per type ("1", "2")."""
        return copy.deepcopy(self._guides[unify_id].themes)

    def change_count(self, unify_id: str) -> int:
        with self._lock:
            return self._changes.get(unify_id, 0)

    def detail(self, unify_id: str) -> dict | None:
        """Return the current detail of a published guide; None when unknown or cancelled."""
        if not self.is_present(unify_id):
            return None
        with self._lock:
            count = self._changes.get(unify_id, 0)
        return self._detail_at(unify_id, count)

    def _detail_at(self, unify_id: str, count: int) -> dict:
        detail = copy.deepcopy(self._guides[unify_id].base)
        for k in range(1, count + 1):
            _apply_change(detail, self.seed, unify_id, k)
        if "onlineHandleUrl" in detail:
            detail["onlineHandleUrl"] = self.public_url.rstrip("/") + detail["onlineHandleUrl"]
        return detail

    def detail_json(self, unify_id: str) -> bytes | None:
        """Return the serialised detail (cached per revision), or None when not published."""
        if not self.is_present(unify_id):
            return None
        with self._lock:
            key = (unify_id, self._changes.get(unify_id, 0))
            cached = self._json_cache.get(key)
        if cached is None:
            cached = dumps(self._detail_at(unify_id, key[1]))
            with self._lock:
                self._json_cache[key] = cached
        return cached

    def list_rows(
        self, type_code: str, ztfl: str = "", area_code: str = "", unify_name: str = ""
    ) -> list[dict]:
        """Return the list rows of one type: one row per (guide, theme) pair when ztfl is empty.

        The rows are ordered by theme, then by guide, as a join over the theme table would give.
        """
        key = (type_code, ztfl, area_code, unify_name)
        with self._lock:
            cache_key = (self._version, *key)
            rows = self._list_cache.get(cache_key)
            if rows is not None:
                return rows
            ids = self.guide_ids()
        theme_codes = [c for c, _ in THEMES.get(type_code, ())]
        if ztfl:
            theme_codes = [c for c in theme_codes if c == ztfl]
        rows = []
        for theme in theme_codes:
            for unify_id in ids:
                guide = self._guides[unify_id]
                if theme not in guide.themes.get(type_code, ()):
                    continue
                if area_code and guide.area_code != area_code:
                    continue
                if unify_name and unify_name not in guide.base["unifyName"]:
                    continue
                rows.append(guide.row)
        with self._lock:
            if self._version == cache_key[0]:
                self._list_cache[cache_key] = rows
        return rows

    def counts(self) -> dict:
        """Return counts for the state endpoint: per area, published, cancelled, changed."""
        with self._lock:
            present = self.guide_ids()
            per_area: dict[str, int] = {a.code: 0 for a in AREAS}
            for unify_id in present:
                per_area[self._guides[unify_id].area_code] += 1
            return {
                "guides": len(present),
                "vanished": len(self._vanished),
                "changed": len(self._changes),
                "areas": per_area,
                "themes": {t: len(v) for t, v in THEMES.items()},
            }

    # -- mutations -----------------------------------------------------------------------------

    def _bump(self) -> None:
        self._version += 1
        self._list_cache.clear()

    def advance(self) -> dict:
        """Move to the next generation: cancel about 1% of the items and revise about 2%."""
        with self._lock:
            self.generation += 1
            rng = Random(f"{self.seed}:generation:{self.generation}")
            present = self.guide_ids()
            n_vanish = max(1, round(len(present) * 0.01))
            n_change = max(1, round(len(present) * 0.02))
            picked = rng.sample(present, min(len(present), n_vanish + n_change))
            vanished, changed = picked[:n_vanish], picked[n_vanish:]
            self._vanished.update(vanished)
            for unify_id in changed:
                self._changes[unify_id] = self._changes.get(unify_id, 0) + 1
            self._bump()
            return {"generation": self.generation, "vanished": vanished, "changed": changed}

    def _known(self, ids) -> tuple[list[str], list[str]]:
        known = [i for i in ids if i in self._id_set]
        unknown = [i for i in ids if i not in self._id_set]
        return known, unknown

    def vanish(self, ids) -> list[str]:
        """Cancel the given items upstream; return the ids that were published until now."""
        with self._lock:
            known, _ = self._known(ids)
            done = [i for i in known if i not in self._vanished]
            self._vanished.update(done)
            self._bump()
            return done

    def restore(self, ids) -> list[str]:
        """Publish cancelled items again; return the ids that were cancelled until now."""
        with self._lock:
            known, _ = self._known(ids)
            done = [i for i in known if i in self._vanished]
            self._vanished.difference_update(done)
            self._bump()
            return done

    def change(self, ids) -> list[str]:
        """Revise the content of the given items visibly; return the ids that were revised."""
        with self._lock:
            known, _ = self._known(ids)
            for unify_id in known:
                self._changes[unify_id] = self._changes.get(unify_id, 0) + 1
            self._bump()
            return known

    def unknown(self, ids) -> list[str]:
        return self._known(ids)[1]

    def reset(self) -> None:
        """Return to generation 0: everything published, no revisions."""
        with self._lock:
            self.generation = 0
            self._vanished.clear()
            self._changes.clear()
            self._bump()


def _apply_change(detail: dict, seed, unify_id: str, k: int) -> None:
    """Apply the k-th revision of a guide: a new material, a new phone number or a new limit.

    Each revision is deterministic per (seed, id, k) and always alters the detail.
    """
    rng = Random(f"{seed}:change:{unify_id}:{k}")
    before = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    kind = rng.choice(("material", "tel", "limit"))
    if kind == "material":
        materials = detail.get("materialList") or []
        present = {m.get("materialTitle") for m in materials}
        titles = [t for t in _CHANGE_MATERIALS if t not in present] or [f"补充材料（{k}）"]
        materials.append(
            {
                "materialId": _hex(rng),
                "materialTitle": rng.choice(titles),
                "isMust": rng.choice(("必要", "非必要", "容缺后补")),
                "materialType": rng.choice(("原件", "复印件", "电子")),
                "materialStandard": rng.choice(_MATERIAL_STANDARDS),
                "copiesNum": "1",
                "sourceChannel": rng.choice(_SOURCES),
                "materialExplain": "",
                "attachList": [],
            }
        )
        detail["materialList"] = materials
    elif kind == "limit":
        current = detail.get("commitmentLimit")
        choices = [f"{d}个工作日" for d in (1, 3, 5, 7, 10, 15)]
        detail["commitmentLimit"] = rng.choice([c for c in choices if c != current])
    if kind == "tel" or json.dumps(detail, ensure_ascii=False, sort_keys=True) == before:
        old = detail.get("consultTel")
        tel = _tel(rng)
        while tel == old:
            tel = _tel(rng)
        detail["consultTel"] = tel


def dumps(value) -> bytes:
    """Serialise as the platform does: compact UTF-8 JSON, keys in insertion order."""
    return json.dumps(value, ensure_ascii=False, separators=JSON_SEPARATORS).encode("utf-8")
