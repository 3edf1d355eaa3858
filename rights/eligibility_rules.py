"""The legal-aid eligibility criteria as data (domain.md §2; evaluated by rights.eligibility).

Every entry carries `confirmed`: False marks what domain.md flags [U] or [S] — shipped as a
sensible default, "to be confirmed locally" (with the Changzhou Justice Bureau or the city
federation of trade unions), never as a hidden constant. No Django imports: the evaluation is
pure and these tables are plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- matter types ------------------------------------------------------------------------------

WAGES = "wages"
WORK_INJURY = "work_injury"
SOCIAL_INSURANCE = "social_insurance"
LABOUR_RELATIONSHIP = "labour_relationship"
OTHER = "other"

# (code, English, Chinese) in the order the screen lists them.
MATTER_TYPES: list[tuple[str, str, str]] = [
    (WAGES, "wages or other labour remuneration", "劳动报酬（工资等）"),
    (WORK_INJURY, "work-injury compensation", "工伤事故人身损害赔偿"),
    (SOCIAL_INSURANCE, "social-insurance benefits", "社会保险待遇"),
    (
        LABOUR_RELATIONSHIP,
        "labour contract or employment relationship",
        "劳动合同或劳动关系",
    ),
    (OTHER, "other labour matter", "其他劳动事项"),
]
MATTER_CODES = frozenset(code for code, _en, _zh in MATTER_TYPES)


@dataclass(frozen=True)
class CategoryMatter:
    """Which matter type a grievance category (rights.taxonomy code or code prefix) counts as."""

    pattern: str  # a full category code, or a prefix ending in "."
    matter: str
    confirmed: bool
    note: str = ""

    def matches(self, code: str) -> bool:
        return code.startswith(self.pattern) if self.pattern.endswith(".") else code == self.pattern


# Full codes first: the first matching entry wins.
CATEGORY_MATTERS: list[CategoryMatter] = [
    CategoryMatter("SKILL.GRADE_PAY", WAGES, False, "pay tied to a skill grade [U]"),
    CategoryMatter("HOURS.EXCESS", WAGES, False, "overtime pay as labour remuneration [U]"),
    CategoryMatter("LEAVE.ANNUAL", WAGES, False, "pay for unused annual leave [U]"),
    CategoryMatter("WAGE.", WAGES, True, "Legal Aid Law Art. 31 item 5"),
    CategoryMatter("INJURY.", WORK_INJURY, True, "Legal Aid Law Art. 31 item 7"),
    CategoryMatter("SI.", SOCIAL_INSURANCE, True, "Legal Aid Law Art. 31 item 2"),
    CategoryMatter("REL.", LABOUR_RELATIONSHIP, True, "Legal Aid Law Art. 31 item 5"),
    CategoryMatter(
        "CONTRACT.", LABOUR_RELATIONSHIP, False, "contract disputes under item 5 or item 9 [U]"
    ),
    CategoryMatter(
        "TERM.",
        LABOUR_RELATIONSHIP,
        False,
        "economic compensation and termination: item 5 or local rules (item 9) [U]",
    ),
]


def matter_for_category(code: str) -> str:
    for entry in CATEGORY_MATTERS:
        if entry.matches(code):
            return entry.matter
    return OTHER


def matters_for_categories(codes) -> list[str]:
    """The matter types of a case's category codes, in screen order, without repeats."""
    found = {matter_for_category(code) for code in codes}
    return [code for code, _en, _zh in MATTER_TYPES if code in found]


# --- Legal Aid Law Art. 31: matters covered ---------------------------------------------------


@dataclass(frozen=True)
class Citation:
    en: str
    zh: str


LAW_EN = "Legal Aid Law"
LAW_ZH = "《法律援助法》"
UNION_EN = "Union Legal Aid Measures"
UNION_ZH = "《工会法律援助办法》"


def law(article: int, item: int | None = None) -> Citation:
    if item is None:
        return Citation(f"{LAW_EN} Art. {article}", f"{LAW_ZH}第{article}条")
    return Citation(f"{LAW_EN} Art. {article}, item {item}", f"{LAW_ZH}第{article}条第{item}项")


def union(article: int | None = None, item: int | None = None) -> Citation:
    if article is None:
        return Citation(UNION_EN, UNION_ZH)
    if item is None:
        return Citation(f"{UNION_EN} Art. {article}", f"{UNION_ZH}第{article}条")
    return Citation(f"{UNION_EN} Art. {article}, item {item}", f"{UNION_ZH}第{article}条第{item}项")


# matter type -> the item of Art. 31 that covers it
ART31_ITEMS: dict[str, int] = {
    SOCIAL_INSURANCE: 2,
    WAGES: 5,
    LABOUR_RELATIONSHIP: 5,
    WORK_INJURY: 7,
}

# Union legal aid takes every labour-dispute case (scope item 1) [S: reprints of the Measures].
UNION_SCOPE_MATTERS = frozenset({WAGES, WORK_INJURY, SOCIAL_INSURANCE, LABOUR_RELATIONSHIP, OTHER})


# --- parameters to confirm locally -----------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    key: str
    value: object
    confirmed: bool
    source: str


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in [
        Parameter(
            "legal_aid_standard_basis",
            "monthly_minimum_wage",
            False,
            "Legal Aid Law Art. 34: set by the province. Jiangsu's 13 districted cities, Changzhou "
            "among them, reportedly use household income per person ≤ the local monthly minimum "
            "wage [S]; confirm with the Changzhou Justice Bureau [U].",
        ),
        Parameter(
            "union_standard_same_as_legal_aid",
            True,
            False,
            "Union Legal Aid Measures Art. 10 refers to the local union's own standard; no "
            "Jiangsu or Changzhou union measure was located, so the legal-aid standard is used [U].",
        ),
        Parameter(
            "union_membership_required",
            False,
            False,
            "Union Legal Aid Measures Art. 2 covers workers, not only members; a local rule may "
            "differ [U].",
        ),
        Parameter(
            "union_migrant_exemption",
            True,
            False,
            "Migrant workers claiming labour remuneration or work-injury compensation are not "
            "subject to the union's economic-difficulty condition [S: reprints of Art. 10].",
        ),
    ]
}


def parameter(key: str):
    return PARAMETERS[key].value


UNCONFIRMED = "to be confirmed locally"
