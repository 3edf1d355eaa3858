"""Seed rows for the dated, region-scoped parameters (domain.md §2.3, §6.5).

domain.md has NONE of these local figures ([U]). The values below are the best public figures
known to the engineer who wrote this file, from memory of published notices, NOT checked
against the official texts. Every row is therefore seeded ``confirmed=False`` and is shown as
"to be confirmed locally" until a person checks it against the official notice and ticks
"confirmed" in the admin. Editing a row in the admin is the way to correct it; this seed only
adds rows that are missing (matched by key, region and start date), it never overwrites.

Minimum wage: Jiangsu sets three tiers (一类/二类/三类 areas). The districts of Changzhou's
urban area (天宁、钟楼、新北、武进) have been in the first tier; whether 金坛区 and 溧阳市 are in the
first tier is not known here, so they inherit the city row until a district row is added.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

_MW_2021 = (
    "Jiangsu minimum wage adjustment in force 2021-08-01 (苏政发〔2021〕… , number not verified): "
    "tier 1 2,280 yuan/month, 22 yuan/hour; tier 2 2,070 / 20; tier 3 1,840 / 18. Changzhou "
    "assumed tier 1. From memory of published notices; NOT verified [U]."
)
_MW_2025 = (
    "Jiangsu minimum wage adjustment believed in force 2025-01-01 (notice number not verified): "
    "tier 1 2,490 yuan/month, 24 yuan/hour; tier 2 2,260 / 22; tier 3 2,010 / 20. Changzhou "
    "assumed tier 1. The date and the figures are from memory of press reports and are NOT "
    "verified [U]: check the provincial notice before relying on them."
)
_AVG = (
    "Placeholder estimate, NOT an official figure: Changzhou's published previous-year average "
    "monthly wage of employees (本地区上年度职工月平均工资) was not available (domain.md §2.3 [U]). "
    "Replace with the figure the Changzhou HR and social security bureau publishes each year "
    "(usually mid-year) and tick confirmed."
)
_REGIONAL = (
    "Placeholder estimate, NOT an official figure: the regional (统筹地区) average monthly wage "
    "used for work-injury benefits (Work-Injury Reg. Art. 64) was not available [U]."
)
_INCOME = (
    "National Bureau of Statistics, statistical communiqué on 2024 (published 2025-02): urban "
    "per-capita disposable income 54,188 yuan. From memory; NOT verified [U]."
)
_LEGAL_AID = (
    "Assumption, NOT verified: Jiangsu practice ties the legal-aid economic-difficulty standard "
    "to the local minimum wage; the Jiangsu Legal Aid Regulation text was not available "
    "(domain.md §2.3 [U])."
)

SEED: list[dict] = [
    # minimum wage, Changzhou (city row; districts fall back to it)
    {"key": "minimum_wage_monthly", "region_code": "3204", "region_name": "常州市",
     "value": Decimal("2280.00"), "unit": "yuan_per_month", "valid_from": date(2021, 8, 1),
     "valid_to": date(2024, 12, 31), "source": _MW_2021},
    {"key": "minimum_wage_monthly", "region_code": "3204", "region_name": "常州市",
     "value": Decimal("2490.00"), "unit": "yuan_per_month", "valid_from": date(2025, 1, 1),
     "valid_to": None, "source": _MW_2025},
    {"key": "minimum_wage_hourly", "region_code": "3204", "region_name": "常州市",
     "value": Decimal("22.00"), "unit": "yuan_per_hour", "valid_from": date(2021, 8, 1),
     "valid_to": date(2024, 12, 31), "source": _MW_2021},
    {"key": "minimum_wage_hourly", "region_code": "3204", "region_name": "常州市",
     "value": Decimal("24.00"), "unit": "yuan_per_hour", "valid_from": date(2025, 1, 1),
     "valid_to": None, "source": _MW_2025},
    # averages (placeholders)
    {"key": "local_average_wage_monthly", "region_code": "3204", "region_name": "常州市",
     "value": Decimal("9000.00"), "unit": "yuan_per_month", "valid_from": date(2024, 1, 1),
     "valid_to": None, "source": _AVG,
     "note": "Estimate for the economic-compensation cap (LCL Art. 47); replace it."},
    {"key": "regional_average_wage_monthly", "region_code": "3204", "region_name": "常州市",
     "value": Decimal("9000.00"), "unit": "yuan_per_month", "valid_from": date(2024, 1, 1),
     "valid_to": None, "source": _REGIONAL, "note": "Estimate; replace it."},
    {"key": "national_urban_disposable_income_annual", "region_code": "", "region_name": "全国",
     "value": Decimal("54188.00"), "unit": "yuan_per_year", "valid_from": date(2025, 3, 1),
     "valid_to": None, "source": _INCOME},
    {"key": "legal_aid_income_standard", "region_code": "3204", "region_name": "常州市",
     "value": Decimal("2490.00"), "unit": "yuan_per_month", "valid_from": date(2025, 1, 1),
     "valid_to": None, "source": _LEGAL_AID},
]  # fmt: skip


def ensure_parameters(Parameter) -> int:  # noqa: N803 — the model class (historical in migrations)
    """Add the seed rows that are missing (same key, region and start date); never overwrite a
    row, so admin edits survive. Returns the number of rows added."""
    added = 0
    for row in SEED:
        exists = Parameter.objects.filter(
            key=row["key"], region_code=row["region_code"], valid_from=row["valid_from"]
        ).exists()
        if not exists:
            Parameter.objects.create(confirmed=False, note=row.get("note", ""), **{
                k: v for k, v in row.items() if k != "note"
            })  # fmt: skip
            added += 1
    return added
