"""Valid identifiers for made-up parties: unified social credit codes and resident ID numbers.

The check characters are computed with the same functions the validators use, so every demo
or bench employer passes `validate_credit_code` and every worker `is_valid_id_number`.
"""

from __future__ import annotations

import datetime as dt
import random

from ..validators import ID_CHECK, ID_WEIGHTS, credit_code_check_char

# Administrative division codes (GB/T 2260) of Changzhou's districts and county-level city.
CHANGZHOU_DIVISIONS = {
    "天宁区": "320402",
    "钟楼区": "320404",
    "新北区": "320411",
    "武进区": "320412",
    "金坛区": "320413",
    "溧阳市": "320481",
}

# Organisation code characters (GB 11714): digits and capital letters, valued 0-35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # only those a credit code may carry


def _org_code_check(body8: str) -> str:
    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    check = 11 - sum(value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code(division: str, body8: str) -> str:
    """An enterprise's unified social credit code (GB 32100-2015): registration authority 9
    (market regulation), type 1 (enterprise), the division, the organisation code with its own
    check character (GB 11714), and the final check."""
    assert len(division) == 6 and len(body8) == 8, (division, body8)
    first17 = f"91{division}{body8}{_org_code_check(body8)}"
    return first17 + credit_code_check_char(first17)


def random_credit_code(rng: random.Random, division: str) -> str:
    """A fresh-looking code: most companies registered since 2015 carry an `MA…` body."""
    return credit_code(division, "MA" + "".join(rng.choice(_ORG_BODY_CHARS) for _ in range(6)))


def id_number(division: str, birth: dt.date, serial: int) -> str:
    """A resident ID number (GB 11643-1999) with its ISO 7064 MOD 11-2 check character;
    `serial` (0-999) carries the sex in its last digit (odd: male)."""
    first17 = f"{division}{birth:%Y%m%d}{serial:03d}"
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK[total % 11]


def mobile_number(rng: random.Random) -> str:
    return rng.choice(
        ["138", "139", "135", "150", "151", "158", "187", "188", "136", "159"]
    ) + "".join(rng.choice("0123456789") for _ in range(8))
