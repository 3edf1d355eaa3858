"""The demo's organisations, users and employers (made up; the places are real).

Every user created here has the password `DEMO_PASSWORD`; they exist only where
`manage.py seed_demo` was run.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.choices import OrganisationKind as K
from accounts.choices import Role
from casework.choices import IndustrialChain as Chain

DEMO_PASSWORD = "rightsdesk-demo"  # noqa: S105 - the documented demo password


@dataclass(frozen=True)
class DemoOrg:
    key: str
    kind: str
    name_zh: str
    name_en: str
    region: str
    parent: str | None = None


ORGANISATIONS: list[DemoOrg] = [
    DemoOrg(
        "city", K.CITY_FEDERATION, "常州市总工会", "Changzhou Federation of Trade Unions", "常州市"
    ),
    DemoOrg(
        "wujin",
        K.DISTRICT_UNION,
        "武进区总工会",
        "Wujin District Federation of Trade Unions",
        "常州市武进区",
        "city",
    ),
    DemoOrg(
        "xinbei",
        K.DISTRICT_UNION,
        "新北区总工会",
        "Xinbei District Federation of Trade Unions",
        "常州市新北区",
        "city",
    ),
    DemoOrg(
        "hengyuan_union",
        K.ENTERPRISE_UNION,
        "常州恒远碳纤维材料有限公司工会",
        "Trade Union of Changzhou Hengyuan Carbon Fibre Materials Co., Ltd.",
        "常州市武进区",
        "wujin",
    ),
    DemoOrg(
        "jinhua_union",
        K.ENTERPRISE_UNION,
        "常州锦华纺织有限公司工会",
        "Trade Union of Changzhou Jinhua Textile Co., Ltd.",
        "常州市武进区",
        "wujin",
    ),
    DemoOrg(
        "tianyao_union",
        K.ENTERPRISE_UNION,
        "常州天曜光伏科技有限公司工会",
        "Trade Union of Changzhou Tianyao Photovoltaic Technology Co., Ltd.",
        "常州市新北区",
        "xinbei",
    ),
    # The union's own legal-aid station belongs to the city federation; the government centre
    # and the law firm stand beside the union tree.
    DemoOrg(
        "station",
        K.UNION_LEGAL_AID_STATION,
        "常州市总工会职工法律援助站",
        "Workers' Legal Aid Station of the Changzhou Federation of Trade Unions",
        "常州市",
        "city",
    ),
    DemoOrg(
        "centre", K.LEGAL_AID_CENTRE, "常州市法律援助中心", "Changzhou Legal Aid Centre", "常州市"
    ),
    DemoOrg(
        "firm",
        K.LAW_FIRM,
        "江苏龙城明理律师事务所",
        "Jiangsu Longcheng Mingli Law Firm",
        "常州市钟楼区",
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    memberships: tuple[tuple[str, str], ...] = ()
    superuser: bool = False


USERS: list[DemoUser] = [
    DemoUser("worker1", "李建国"),
    DemoUser("caseworker1", "张敏", (("wujin", Role.CASEWORKER),)),
    DemoUser("caseworker2", "赵磊", (("wujin", Role.CASEWORKER),)),
    DemoUser("caseworker3", "孙佳", (("xinbei", Role.CASEWORKER),)),
    DemoUser("caseworker4", "吴刚", (("xinbei", Role.CASEWORKER),)),
    DemoUser("caseworker5", "钱芳", (("hengyuan_union", Role.CASEWORKER),)),
    DemoUser("supervisor1", "陈志强", (("city", Role.SUPERVISOR),)),
    DemoUser("coordinator1", "王丽", (("centre", Role.COORDINATOR),)),
    DemoUser("lawyer1", "刘洋", (("centre", Role.LAWYER),)),
    DemoUser("lawyer2", "黄晓峰", (("centre", Role.LAWYER),)),
    DemoUser("coordinator2", "马红", (("station", Role.COORDINATOR),)),
    DemoUser("lawyer3", "徐静", (("station", Role.LAWYER),)),
    DemoUser("analyst1", "周婷", (("city", Role.ANALYST),)),
    # Configuration only (organisations, categories, users): an administrator has no access to
    # case content (DESIGN §1).
    DemoUser("admin", "系统管理员", superuser=True),
]

# Who works each union's queue by default, and who answers each provider's referrals.
DEFAULT_CASEWORKER = {
    "wujin": "caseworker1",
    "xinbei": "caseworker3",
    "hengyuan_union": "caseworker5",
    "city": "supervisor1",
}
PROVIDER_COORDINATOR = {"centre": "coordinator1", "station": "coordinator2"}
SUPERVISOR = "supervisor1"


@dataclass(frozen=True)
class DemoEmployer:
    key: str
    name: str
    district: str
    chain: str
    address: str
    legal_representative: str
    phone: str
    code_body: str  # the 8-character organisation-code body of its credit code


EMPLOYERS: dict[str, DemoEmployer] = {
    e.key: e
    for e in [
        DemoEmployer(
            "hengyuan",
            "常州恒远碳纤维材料有限公司",
            "武进区",
            Chain.CARBON_FIBRE,
            "常州市武进区遥观镇钱家工业园恒远路8号",
            "沈国平",
            "0519-88501234",
            "MA1WY8K5",
        ),
        DemoEmployer(
            "longteng",
            "江苏龙腾复合材料科技有限公司",
            "新北区",
            Chain.CARBON_FIBRE,
            "常州市新北区薛家镇顺园路19号",
            "蒋志伟",
            "0519-85126678",
            "MA1MT3QX",
        ),
        DemoEmployer(
            "tangu",
            "常州碳谷新材料有限公司",
            "金坛区",
            Chain.CARBON_FIBRE,
            "常州市金坛区华城路218号",
            "顾立新",
            "0519-82301155",
            "MA27C4HD",
        ),
        DemoEmployer(
            "jinhua",
            "常州锦华纺织有限公司",
            "武进区",
            Chain.TEXTILES,
            "常州市武进区湖塘镇纺织工业园锦华路6号",
            "钱美华",
            "0519-86325588",
            "60891234",
        ),
        DemoEmployer(
            "hualun",
            "常州市华纶印染有限公司",
            "天宁区",
            Chain.TEXTILES,
            "常州市天宁区青龙街道龙锦路102号",
            "丁卫东",
            "0519-88407712",
            "13772055",
        ),
        DemoEmployer(
            "yaxiu",
            "常州雅绣服饰有限公司",
            "钟楼区",
            Chain.TEXTILES,
            "常州市钟楼区邹区镇工业集中区岳津路5号",
            "许雅琴",
            "0519-83239901",
            "MA1P6B2E",
        ),
        DemoEmployer(
            "tianyao",
            "常州天曜光伏科技有限公司",
            "新北区",
            Chain.NEW_ENERGY,
            "常州市新北区罗溪镇汇丰路66号",
            "杨振宇",
            "0519-85961200",
            "MA1XK7R0",
        ),
        DemoEmployer(
            "liyuan",
            "江苏锂源动力电池有限公司",
            "金坛区",
            Chain.NEW_ENERGY,
            "常州市金坛区华罗庚科技园鑫城大道1000号",
            "韩冬",
            "0519-82889000",
            "MA20BE7N",
        ),
        DemoEmployer(
            "xingchi",
            "常州星驰新能源汽车零部件有限公司",
            "武进区",
            Chain.NEW_ENERGY,
            "常州市武进国家高新技术产业开发区凤林南路28号",
            "邵建平",
            "0519-86221010",
            "MA1NUF5A",
        ),
        DemoEmployer(
            "hengli",
            "常州恒力机械制造有限公司",
            "武进区",
            Chain.EQUIPMENT,
            "常州市武进区横林镇崔桥工业园16号",
            "朱永康",
            "0519-88756120",
            "71858306",
        ),
        DemoEmployer(
            "jinggong",
            "常州精工数控机床有限公司",
            "新北区",
            Chain.EQUIPMENT,
            "常州市新北区河海西路288号",
            "季明",
            "0519-85107788",
            "MA1Q2W9L",
        ),
        DemoEmployer(
            "longcheng",
            "江苏龙城建设工程有限公司",
            "钟楼区",
            Chain.CONSTRUCTION,
            "常州市钟楼区西林街道玉龙南路178号",
            "包振华",
            "0519-86603366",
            "25087142",
        ),
        DemoEmployer(
            "hongji",
            "常州宏基劳务服务有限公司",
            "天宁区",
            Chain.CONSTRUCTION,
            "常州市天宁区郑陆镇东青村委东侧",
            "陶金宝",
            "0519-88822041",
            "MA1T8H3C",
        ),
        DemoEmployer(
            "shunjie",
            "常州顺捷物流有限公司",
            "新北区",
            Chain.LOGISTICS,
            "常州市新北区春江镇百丈路9号",
            "卞强",
            "0519-85586021",
            "MA1R0E4K",
        ),
        DemoEmployer(
            "changda",
            "常州畅达供应链管理有限公司",
            "武进区",
            Chain.LOGISTICS,
            "常州市武进区牛塘镇延政西路北侧物流园",
            "严立",
            "0519-86902233",
            "MA1MJ9D6",
        ),
        DemoEmployer(
            "renhe",
            "常州人和人力资源服务有限公司",
            "天宁区",
            Chain.SERVICES,
            "常州市天宁区延陵中路8号5楼",
            "欧阳琳",
            "0519-88108800",
            "MA1WA1F3",
        ),
        DemoEmployer(
            "liyang_motor",
            "溧阳市宏达电机有限公司",
            "溧阳市",
            Chain.EQUIPMENT,
            "溧阳市昆仑街道昆仑北路55号",
            "狄国强",
            "0519-87261155",
            "14230876",
        ),
    ]
}
