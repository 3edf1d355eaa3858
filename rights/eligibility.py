"""Legal-aid eligibility as pure rules (domain.md §2): `evaluate(facts) -> EligibilityResult`.

Two tracks are screened side by side, because a union can refer a worker to the government's
legal-aid centre or give union legal aid itself (domain.md §2.3):

- legal aid (Legal Aid Law): the matter is one of Art. 31; the applicant has no agent (Art. 31);
  an exemption from verifying economic difficulty (Art. 42) or else the means statement of
  Art. 41 measured against the provincial standard of Art. 34;
- union legal aid (Union Legal Aid Measures): a labour matter (Art. 2 and the scope); membership
  only where a local rule requires it; the economic-difficulty condition of Art. 10 (the local
  union's standard, or evidence of a serious infringement; migrant workers claiming wages or
  work-injury compensation are not subject to it).

Every criterion gives one line: its code, pass / fail / not applicable / unknown, the reason in
English and Chinese, and the citation. A track with a failed line is "not eligible", else one
with an unknown line "needs information", else "eligible"; the overall result is the better of
the two tracks. No Django imports: the rule data lives in rights.eligibility_rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from . import eligibility_rules as rules

# outcomes of one criterion
PASS = "pass"  # noqa: S105 (an outcome code, not a password)
FAIL = "fail"
NOT_APPLICABLE = "not_applicable"
UNKNOWN = "unknown"

# results of a track and overall
ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
NEEDS_INFORMATION = "needs_information"
RESULTS = (ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFORMATION)

LEGAL_AID = "legal_aid"
UNION_LEGAL_AID = "union_legal_aid"
TRACKS = (LEGAL_AID, UNION_LEGAL_AID)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class Facts:
    """What the screen knows about the applicant and the matter.

    `claims_wages_or_injury` None means "derive it from the matter types"; `represented` None
    means unknown. Amounts are yuan per month; None means unknown.
    """

    matter_types: tuple[str, ...] = ()
    claims_wages_or_injury: bool | None = None
    migrant_worker: bool = False
    union_member: bool = False
    represented: bool | None = False
    no_fixed_income_group: bool = False  # minor, elderly or disabled without fixed income
    assistance_recipient: bool = False  # social or judicial assistance, special care
    serious_infringement: bool = False  # evidence of a serious infringement (union aid)
    household_income: Decimal | None = None  # monthly household income per person
    income_standard: Decimal | None = None  # the local legal-aid economic-difficulty standard
    union_income_standard: Decimal | None = None  # None: the legal-aid standard [U]

    @property
    def wages_or_injury(self) -> bool:
        if self.claims_wages_or_injury is not None:
            return self.claims_wages_or_injury
        return bool({rules.WAGES, rules.WORK_INJURY} & set(self.matter_types))

    @property
    def union_standard(self) -> Decimal | None:
        if self.union_income_standard is not None:
            return self.union_income_standard
        if rules.parameter("union_standard_same_as_legal_aid"):
            return self.income_standard
        return None

    def to_json(self) -> dict:
        data = asdict(self)
        data["matter_types"] = list(self.matter_types)
        for key in ("household_income", "income_standard", "union_income_standard"):
            data[key] = None if data[key] is None else str(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict) -> Facts:
        matters = tuple(m for m in data.get("matter_types") or () if m in rules.MATTER_CODES)
        return cls(
            matter_types=matters,
            claims_wages_or_injury=data.get("claims_wages_or_injury"),
            migrant_worker=bool(data.get("migrant_worker")),
            union_member=bool(data.get("union_member")),
            represented=data.get("represented", False),
            no_fixed_income_group=bool(data.get("no_fixed_income_group")),
            assistance_recipient=bool(data.get("assistance_recipient")),
            serious_infringement=bool(data.get("serious_infringement")),
            household_income=_decimal(data.get("household_income")),
            income_standard=_decimal(data.get("income_standard")),
            union_income_standard=_decimal(data.get("union_income_standard")),
        )


@dataclass(frozen=True)
class Criterion:
    code: str
    track: str
    outcome: str
    reason_en: str
    reason_zh: str
    citation_en: str
    citation_zh: str
    confirmed: bool = True  # False: the rule rests on data "to be confirmed locally"

    @property
    def passed(self) -> bool | None:
        """True, False, or None (not applicable or unknown)."""
        return {PASS: True, FAIL: False}.get(self.outcome)

    def to_json(self) -> dict:
        return {**asdict(self), "passed": self.passed}


@dataclass(frozen=True)
class EligibilityResult:
    overall: str
    tracks: dict[str, str]
    criteria: list[Criterion] = field(default_factory=list)

    def criterion(self, code: str) -> Criterion:
        return next(c for c in self.criteria if c.code == code)

    def to_json(self) -> dict:
        return {
            "overall": self.overall,
            "tracks": dict(self.tracks),
            "criteria": [c.to_json() for c in self.criteria],
        }


def _line(code, track, outcome, en, zh, citations, confirmed=True) -> Criterion:
    if isinstance(citations, rules.Citation):
        citations = [citations]
    return Criterion(
        code=code,
        track=track,
        outcome=outcome,
        reason_en=en,
        reason_zh=zh,
        citation_en="; ".join(c.en for c in citations),
        citation_zh="；".join(c.zh for c in citations),
        confirmed=confirmed,
    )


def _matter_names(codes) -> tuple[str, str]:
    names = {code: (en, zh) for code, en, zh in rules.MATTER_TYPES}
    return (
        ", ".join(names[c][0] for c in codes),
        "、".join(names[c][1] for c in codes),
    )


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


# --- legal aid (Legal Aid Law) ---------------------------------------------------------------


def _la_matter(f: Facts) -> Criterion:
    code, track = "la_matter", LEGAL_AID
    if not f.matter_types:
        return _line(
            code,
            track,
            UNKNOWN,
            "The matter type is not known: choose the case's categories.",
            "事项类型不明：请先选择案件的诉求类别。",
            rules.law(31),
        )
    covered = [m for m in f.matter_types if m in rules.ART31_ITEMS]
    if not covered:
        en, zh = _matter_names(f.matter_types)
        return _line(
            code,
            track,
            FAIL,
            f"The matter ({en}) is not among the civil matters of Art. 31.",
            f"该事项（{zh}）不属于第31条所列民事事项。",
            rules.law(31),
        )
    items = sorted({rules.ART31_ITEMS[m] for m in covered})
    en, zh = _matter_names(covered)
    return _line(
        code,
        track,
        PASS,
        f"The matter ({en}) is covered by Art. 31.",
        f"该事项（{zh}）属于第31条规定的事项。",
        [rules.law(31, item) for item in items],
    )


def _la_no_agent(f: Facts) -> Criterion:
    code, track = "la_no_agent", LEGAL_AID
    if f.represented is None:
        return _line(
            code,
            track,
            UNKNOWN,
            "Not known whether the worker already has an agent.",
            "不清楚职工是否已委托代理人。",
            rules.law(31),
        )
    if f.represented:
        return _line(
            code,
            track,
            FAIL,
            "The worker already has an agent; Art. 31 requires an applicant without one.",
            "职工已委托代理人；第31条要求申请人没有委托代理人。",
            rules.law(31),
        )
    return _line(
        code,
        track,
        PASS,
        "The worker has no agent.",
        "职工没有委托代理人。",
        rules.law(31),
    )


def _art42_items(f: Facts) -> list[int]:
    items = []
    if f.no_fixed_income_group:
        items.append(1)
    if f.assistance_recipient:
        items.append(2)
    if f.migrant_worker and f.wages_or_injury:
        items.append(3)
    return items


def _la_exemption(f: Facts) -> Criterion:
    code, track = "la_exemption", LEGAL_AID
    items = _art42_items(f)
    if not items:
        if f.migrant_worker:
            return _line(
                code,
                track,
                NOT_APPLICABLE,
                "A migrant worker is exempt only when claiming labour remuneration or "
                "work-injury compensation; this claim is neither, so the means test decides.",
                "进城务工人员仅在请求支付劳动报酬或工伤人身损害赔偿时免予核查经济困难状况；"
                "本案不属于此类，应按经济状况审查。",
                rules.law(42, 3),
            )
        return _line(
            code,
            track,
            NOT_APPLICABLE,
            "No exemption of Art. 42 applies: the means test decides.",
            "不属于第42条免予核查经济困难状况的情形，应按经济状况审查。",
            rules.law(42),
        )
    reasons = {
        1: (
            "a minor, elderly or disabled person without fixed income",
            "无固定生活来源的未成年人、老年人、残疾人",
        ),
        2: (
            "a recipient of social assistance, judicial assistance or special care",
            "社会救助、司法救助或者优抚对象",
        ),
        3: (
            "a migrant worker claiming labour remuneration or work-injury compensation",
            "请求支付劳动报酬或者给予工伤事故人身损害赔偿的进城务工人员",
        ),
    }
    en = "; ".join(reasons[i][0] for i in items)
    zh = "；".join(reasons[i][1] for i in items)
    return _line(
        code,
        track,
        PASS,
        f"Exempt from verification of economic difficulty: {en}. Keep the proving materials.",
        f"免予核查经济困难状况：{zh}。请留存证明材料。",
        [rules.law(42, i) for i in items],
    )


def _la_means(f: Facts) -> Criterion:
    code, track = "la_means", LEGAL_AID
    confirmed = rules.PARAMETERS["legal_aid_standard_basis"].confirmed
    citations = [rules.law(41), rules.law(34)]
    if _art42_items(f):
        return _line(
            code,
            track,
            NOT_APPLICABLE,
            "Not needed: the applicant is exempt under Art. 42.",
            "无需审查：申请人属于第42条免予核查的情形。",
            citations,
        )
    if f.household_income is None or f.income_standard is None:
        missing_en = (
            "the monthly household income per person"
            if f.household_income is None
            else "the local economic-difficulty standard"
        )
        missing_zh = "家庭人均月收入" if f.household_income is None else "当地经济困难标准"
        return _line(
            code,
            track,
            UNKNOWN,
            f"Needs {missing_en} (the applicant's statement of their economic situation).",
            f"需要{missing_zh}（申请人如实说明的经济状况）。",
            citations,
            confirmed,
        )
    income, standard = _yuan(f.household_income), _yuan(f.income_standard)
    if f.household_income <= f.income_standard:
        return _line(
            code,
            track,
            PASS,
            f"Household income per person {income} a month is within the standard of {standard}.",
            f"家庭人均月收入{income}，未超过经济困难标准{standard}。",
            citations,
            confirmed,
        )
    return _line(
        code,
        track,
        FAIL,
        f"Household income per person {income} a month is above the standard of {standard}, "
        "and no exemption applies.",
        f"家庭人均月收入{income}，高于经济困难标准{standard}，且不属于免予核查的情形。",
        citations,
        confirmed,
    )


# --- union legal aid (Union Legal Aid Measures) ----------------------------------------------


def _union_scope(f: Facts) -> Criterion:
    code, track = "union_scope", UNION_LEGAL_AID
    if not f.matter_types:
        return _line(
            code,
            track,
            UNKNOWN,
            "The matter type is not known: choose the case's categories.",
            "事项类型不明：请先选择案件的诉求类别。",
            rules.union(2),
            False,
        )
    if rules.UNION_SCOPE_MATTERS & set(f.matter_types):
        return _line(
            code,
            track,
            PASS,
            "A labour matter: within the scope of union legal aid.",
            "属于劳动争议等事项，在工会法律援助范围内。",
            rules.union(2),
            False,
        )
    return _line(
        code,
        track,
        FAIL,
        "Not a labour matter: outside the scope of union legal aid.",
        "不属于工会法律援助的事项范围。",
        rules.union(2),
        False,
    )


def _union_membership(f: Facts) -> Criterion:
    code, track = "union_membership", UNION_LEGAL_AID
    if not rules.parameter("union_membership_required"):
        return _line(
            code,
            track,
            NOT_APPLICABLE,
            "Membership is not a condition: union legal aid serves workers"
            + (" (the worker is a union member)." if f.union_member else "."),
            "会员身份不是条件：工会法律援助面向职工"
            + ("（该职工是工会会员）。" if f.union_member else "。"),
            rules.union(2),
            False,
        )
    if f.union_member:
        return _line(
            code,
            track,
            PASS,
            "The worker is a union member.",
            "该职工是工会会员。",
            rules.union(2),
            False,
        )
    return _line(
        code,
        track,
        FAIL,
        "The local rule requires union membership, and the worker is not a member.",
        "当地规定要求工会会员身份，该职工不是工会会员。",
        rules.union(2),
        False,
    )


def _union_means(f: Facts) -> Criterion:
    code, track = "union_means", UNION_LEGAL_AID
    if rules.parameter("union_migrant_exemption") and f.migrant_worker and f.wages_or_injury:
        return _line(
            code,
            track,
            PASS,
            "A migrant worker claiming labour remuneration or work-injury compensation is not "
            "subject to the economic-difficulty condition.",
            "农民工请求支付劳动报酬或者工伤赔偿的，不受经济困难条件的限制。",
            rules.union(10),
            False,
        )
    standard = f.union_standard
    if f.household_income is not None and standard is not None:
        if f.household_income <= standard:
            return _line(
                code,
                track,
                PASS,
                f"Household income per person {_yuan(f.household_income)} a month is within the "
                f"union's economic-difficulty standard of {_yuan(standard)}.",
                f"家庭人均月收入{_yuan(f.household_income)}，"
                f"符合工会经济困难标准{_yuan(standard)}。",
                rules.union(10, 1),
                False,
            )
    if f.serious_infringement:
        return _line(
            code,
            track,
            PASS,
            "There is evidence of a serious infringement of the worker's rights.",
            "有证据证明职工合法权益受到严重侵害。",
            rules.union(10, 2),
            False,
        )
    if f.household_income is None or standard is None:
        return _line(
            code,
            track,
            UNKNOWN,
            "Needs the monthly household income per person and the union's standard, or "
            "evidence of a serious infringement.",
            "需要家庭人均月收入和工会经济困难标准，或严重侵权的证据。",
            rules.union(10),
            False,
        )
    return _line(
        code,
        track,
        FAIL,
        f"Household income per person {_yuan(f.household_income)} a month is above the "
        f"union's standard of {_yuan(standard)}, and there is no evidence of a serious "
        "infringement.",
        f"家庭人均月收入{_yuan(f.household_income)}，高于工会经济困难标准{_yuan(standard)}，"
        "且无严重侵权的证据。",
        rules.union(10),
        False,
    )


CRITERIA = (
    _la_matter,
    _la_no_agent,
    _la_exemption,
    _la_means,
    _union_scope,
    _union_membership,
    _union_means,
)


def _track_result(lines: list[Criterion]) -> str:
    outcomes = {line.outcome for line in lines}
    if FAIL in outcomes:
        return NOT_ELIGIBLE
    if UNKNOWN in outcomes:
        return NEEDS_INFORMATION
    return ELIGIBLE


def evaluate(facts: Facts | dict) -> EligibilityResult:
    """Screen the facts against both tracks; see the module docstring."""
    if isinstance(facts, dict):
        facts = Facts.from_json(facts)
    lines = [rule(facts) for rule in CRITERIA]
    tracks = {track: _track_result([c for c in lines if c.track == track]) for track in TRACKS}
    results = set(tracks.values())
    if ELIGIBLE in results:
        overall = ELIGIBLE
    elif NEEDS_INFORMATION in results:
        overall = NEEDS_INFORMATION
    else:
        overall = NOT_ELIGIBLE
    return EligibilityResult(overall=overall, tracks=tracks, criteria=lines)
