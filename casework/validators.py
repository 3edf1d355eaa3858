"""Pure validators for identifiers (no Django imports beyond the error type)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters allowed (no I, O, S, V, Z) and the weights of positions 1–17.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    code = (code or "").strip().upper()
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def validate_credit_code(value: str) -> None:
    if not is_valid_credit_code(value):
        raise ValidationError(
            _(
                "The unified social credit code must be 18 characters and its last character must match the check digit."
            ),
            code="credit_code",
        )


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def is_valid_id_number(value: str) -> bool:
    """GB 11643-1999 resident identity number (18 characters, ISO 7064 MOD 11-2 check)."""
    value = (value or "").strip().upper()
    # ASCII digits only: str.isdigit() also accepts "３" and "٣", which int() reads as digits.
    if len(value) != 18 or not value.isascii() or not value[:17].isdigit():
        return False
    if value[17] not in "0123456789X":
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


def validate_id_number(value: str) -> None:
    if value and not is_valid_id_number(value):
        raise ValidationError(_("This is not a valid resident ID number."), code="id_number")
