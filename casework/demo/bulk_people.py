"""Bench organisations, staff, workers and employers (`seed_bench`, see bulk.py)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.choices import OrganisationKind, Role
from accounts.models import Membership, Organisation, User
from accounts.services import organisation_create
from casework.choices import IndustrialChain, Sex
from casework.crypto import encrypt
from casework.models import Employer, Worker

from .bulk_rows import Ids, Table
from .codes import CHANGZHOU_DIVISIONS, credit_code, id_number

BENCH_PREFIX = "Bench "
BENCH_PASSWORD = "rightsdesk-bench"  # noqa: S105 - bench accounts on a throwaway database
BATCH = 2000  # rows per bulk_create (users, memberships)
ROWS = 20_000  # rows per bulk insert
DISTRICTS = ["武进区", "新北区", "天宁区", "钟楼区", "金坛区", "溧阳市"]


SEEDING = " · seeding"  # the marker's ending until the seed has finished


def bench_marker(cases: int, seed: int, *, finished: bool = True) -> str:
    """The bench city federation's English name, which says what bench data the database
    holds (bulk.read_bench_marker). Written with SEEDING at the end when the seed starts and
    without it when the seed has finished, so that an interrupted seed is never taken for one
    that finished."""
    marker = f"{BENCH_PREFIX}City Federation · {cases} cases · seed {seed}"
    return marker if finished else marker + SEEDING


@dataclass
class Staff:
    city: Organisation
    unions: list[Organisation]  # union organisations that own cases
    weights: list[float]
    caseworkers: dict[int, list[int]]  # org id -> user ids working its queue
    providers: list[Organisation]
    coordinators: dict[int, int]  # provider id -> coordinator id
    lawyers: dict[int, list[int]]  # provider id -> lawyer ids
    worker_users: list[int]
    supervisor: int
    usernames: dict[int, str] = field(default_factory=dict)


# The shape at full scale (1,000,000 cases): 200 organisations — the city federation, the six
# district unions, 183 enterprise unions and 10 legal-aid providers — and about 5,000 staff.
# Organisations grow with the case count up to 200 (N/500, at least 8), so full shape is reached
# from 100,000 cases. District 1 (Wujin, the busiest queue) holds 49 of every 183 enterprise
# unions, rounded up: exactly 49 at 200 organisations, so that its supervisor `bench_sup_1`
# oversees a subtree of 50 organisations (the supervisor-queue benchmark).
FULL_CASES = 1_000_000
ORGANISATIONS = 200
WUJIN_ENTERPRISES = 49
CASEWORKERS_AT_FULL = 4_700  # shared among the unions by their share of the cases
LAWYERS_AT_FULL = 30  # per provider


def _shape(cases: int) -> tuple[int, int, int]:
    """(providers, enterprise unions, of which under district 1) for `cases` cases."""
    total = min(ORGANISATIONS, max(8, cases // 500))
    n_providers = max(3, total // 20)
    n_enterprises = max(1, total - 1 - n_providers - len(DISTRICTS))
    full = ORGANISATIONS - 1 - ORGANISATIONS // 20 - len(DISTRICTS)  # 183
    under_first = min(WUJIN_ENTERPRISES, -(-n_enterprises * WUJIN_ENTERPRISES // full))
    return n_providers, n_enterprises, under_first


def _organisations(cases: int, seed: int, tag: str) -> tuple[Organisation, list, list, list]:
    n_providers, n_enterprises, under_first = _shape(cases)
    n_districts = len(DISTRICTS)
    city = organisation_create(
        kind=OrganisationKind.CITY_FEDERATION,
        name_zh=f"基准测试市总工会{tag}",
        name_en=bench_marker(cases, seed, finished=False),
        region="常州市",
        requires_referral_approval=False,
    )
    districts = [
        organisation_create(
            kind=OrganisationKind.DISTRICT_UNION,
            name_zh=f"基准{name}总工会{tag}",
            name_en=f"{BENCH_PREFIX}District Union {i + 1}",
            region=f"常州市{name}",
            parent=city,
            requires_referral_approval=False,
        )
        for i, name in enumerate(DISTRICTS)
    ]
    # The first `under_first` enterprise unions belong to district 1, the rest go round the
    # other five districts.
    parents = [
        districts[0] if i < under_first else districts[1 + (i - under_first) % (n_districts - 1)]
        for i in range(n_enterprises)
    ]
    enterprises = [
        organisation_create(
            kind=OrganisationKind.ENTERPRISE_UNION,
            name_zh=f"基准企业{i + 1}工会{tag}",
            name_en=f"{BENCH_PREFIX}Enterprise Union {i + 1}",
            region=parent.region,
            parent=parent,
            requires_referral_approval=False,
        )
        for i, parent in enumerate(parents)
    ]
    kinds = [
        OrganisationKind.UNION_LEGAL_AID_STATION,
        OrganisationKind.LEGAL_AID_CENTRE,
        OrganisationKind.LAW_FIRM,
    ]
    providers = [
        organisation_create(
            kind=kinds[i % 3],
            name_zh=f"基准法律援助机构{i + 1}{tag}",
            name_en=f"{BENCH_PREFIX}Legal Aid Provider {i + 1}",
            region="常州市",
            parent=city if kinds[i % 3] == OrganisationKind.UNION_LEGAL_AID_STATION else None,
        )
        for i in range(n_providers)
    ]
    return city, districts, enterprises, providers


def create_people(cases: int, seed: int, tag: str, rng: random.Random) -> Staff:
    city, districts, enterprises, providers = _organisations(cases, seed, tag)
    hashed = make_password(BENCH_PASSWORD)
    users: list[User] = []
    memberships: list[tuple[int, int, str]] = []  # (user index, org id, role)

    def user(name: str, display: str) -> int:
        users.append(User(username=f"bench{tag}_{name}", display_name=display, password=hashed))
        return len(users) - 1

    scale = cases / FULL_CASES
    # District unions handle most grievances; enterprise unions a few each.
    unions = [city, *districts, *enterprises]
    weights = [2.0] + [20.0] * len(districts) + [1.0] * len(enterprises)
    share = CASEWORKERS_AT_FULL * scale / sum(weights)
    plan_cw: dict[int, list[int]] = {}
    # Names by position, not primary key, so they are the same in every database: the city's
    # union is 0, the districts 1-6 (bench_cw_1_1 works the busiest queue), enterprises after.
    # Each union has at least the few caseworkers small benches had (city 2, district 4,
    # enterprise 2), more in proportion to its cases at scale.
    least = [2] + [4] * len(districts) + [2] * len(enterprises)
    for n, (org, weight) in enumerate(zip(unions, weights, strict=True)):
        plan_cw[org.pk] = []
        for j in range(max(least[n], round(weight * share))):
            i = user(f"cw_{n}_{j + 1}", f"基准办案员{n}-{j + 1}")
            memberships.append((i, org.pk, Role.CASEWORKER))
            plan_cw[org.pk].append(i)
    supervisor = user("supervisor", "基准市总主管")
    memberships.append((supervisor, city.pk, Role.SUPERVISOR))
    for n, d in enumerate(districts, start=1):
        memberships.append((user(f"sup_{n}", f"基准区主管{n}"), d.pk, Role.SUPERVISOR))
    coordinators, lawyers = {}, {}
    per_provider = max(3, round(LAWYERS_AT_FULL * scale))
    for n, p in enumerate(providers, start=1):
        coordinators[p.pk] = user(f"coord_{n}", f"基准协调员{n}")
        memberships.append((coordinators[p.pk], p.pk, Role.COORDINATOR))
        lawyers[p.pk] = []
        for j in range(per_provider):
            i = user(f"lawyer_{n}_{j + 1}", f"基准律师{n}-{j + 1}")
            memberships.append((i, p.pk, Role.LAWYER))
            lawyers[p.pk].append(i)
    memberships.append((user("analyst", "基准分析员"), city.pk, Role.ANALYST))
    worker_users = [
        user(f"worker_{k + 1}", f"基准职工{k + 1}") for k in range(max(1, cases // 100))
    ]

    User.objects.bulk_create(users, batch_size=BATCH)
    ids = [u.pk for u in users]
    Membership.objects.bulk_create(
        [
            Membership(user_id=ids[i], organisation_id=org, role=role)
            for i, org, role in memberships
        ],
        batch_size=BATCH,
    )
    return Staff(
        city=city,
        unions=unions,
        weights=weights,
        caseworkers={org: [ids[i] for i in idx] for org, idx in plan_cw.items()},
        providers=providers,
        coordinators={p: ids[i] for p, i in coordinators.items()},
        lawyers={p: [ids[i] for i in idx] for p, idx in lawyers.items()},
        worker_users=[ids[i] for i in worker_users],
        supervisor=ids[supervisor],
        usernames={u.pk: u.username for u in users},
    )


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 建国 志强 海燕 小红 春梅 国庆 "
    "永强 晓东 雪 浩 宇 欣"
).split()
FIRM_WORDS = "恒华锦天龙新金鑫永盛达瑞嘉博宏泰远通立凯昌隆兴丰源信诚德福康宁安和益鼎升"
CHAIN_SUFFIX = {
    IndustrialChain.CARBON_FIBRE: "碳纤维科技",
    IndustrialChain.TEXTILES: "纺织",
    IndustrialChain.NEW_ENERGY: "新能源科技",
    IndustrialChain.EQUIPMENT: "机械制造",
    IndustrialChain.CONSTRUCTION: "建设工程",
    IndustrialChain.LOGISTICS: "物流",
    IndustrialChain.SERVICES: "人力资源服务",
    IndustrialChain.OTHER: "实业",
}
OCCUPATIONS = (
    "操作工 装配工 挡车工 焊工 叉车司机 分拣员 质检员 电工 钢筋工 仓库管理员 机修工 缝纫工".split()
)


def _base31(n: int, width: int) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = []
    for _ in range(width):
        n, r = divmod(n, len(chars))
        out.append(chars[r])
    return "".join(reversed(out))


def create_employers(count: int, rng: random.Random, offset: int, ids: Ids) -> list[int]:
    chains = list(CHAIN_SUFFIX)
    table = Table(Employer)
    now = timezone.now()
    first = ids.take(Employer, count)
    for start in range(0, count, ROWS):
        rows = []
        for i in range(start, min(count, start + ROWS)):
            district = rng.choice(DISTRICTS)
            chain = rng.choice(chains)
            rows.append(
                (
                    first + i,
                    f"常州{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_WORDS)}{CHAIN_SUFFIX[chain]}有限公司",
                    credit_code(CHANGZHOU_DIVISIONS[district], "MB" + _base31(offset + i, 6)),
                    f"常州市{district}基准路{i % 999 + 1}号",
                    person_name(rng),
                    f"0519-8{rng.randrange(1000000, 9999999)}",
                    district,
                    chain.value,
                    now,
                )
            )
        table.insert(rows)
    return list(range(first, first + count))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def create_workers(count: int, rng: random.Random, accounts: list[int], ids: Ids) -> list[int]:
    """Workers with encrypted phone (and for a third, an ID number, with its keyed digest), as
    EncryptedTextField and Worker.digest_for store them. The first ones are the profiles of the
    bench worker accounts."""
    assert [f.attname for f in Worker._meta.concrete_fields] == WORKER_COLUMNS
    table = Table(Worker)
    now = timezone.now()
    first = ids.take(Worker, count)
    divisions = list(CHANGZHOU_DIVISIONS.values())
    for start in range(0, count, ROWS):
        rows = []
        for i in range(start, min(count, start + ROWS)):
            sex = rng.choice([Sex.MALE, Sex.FEMALE])
            birth = dt.date(rng.randint(1968, 2004), rng.randint(1, 12), rng.randint(1, 28))
            number = ""
            if rng.random() < 0.33:
                serial = rng.randrange(0, 499) * 2 + (1 if sex == Sex.MALE else 0)
                number = id_number(rng.choice(divisions), birth, serial)
            phone = f"1{rng.choice('3589')}{rng.randrange(100000000, 999999999)}"
            rows.append(
                (
                    first + i,
                    accounts[i] if i < len(accounts) else None,
                    person_name(rng),
                    sex.value,
                    birth,
                    encrypt(number) if number else "",
                    Worker.digest_for(number),
                    encrypt(phone),
                    "",
                    rng.choice(OCCUPATIONS),
                    "",
                    rng.random() < 0.3,
                    rng.random() < 0.4,
                    now,
                )
            )
        table.insert(rows)
    return list(range(first, first + count))


WORKER_COLUMNS = [
    "id",
    "user_id",
    "name",
    "sex",
    "date_of_birth",
    "id_number",
    "id_number_digest",
    "phone",
    "address",
    "occupation",
    "skill_grade",
    "union_member",
    "migrant_worker",
    "created_at",
]
