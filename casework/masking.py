"""Masks of glossary §1.6: fixed numbers of asterisks so a mask does not reveal length."""


def mask_phone(value: str) -> str:
    v = (value or "").strip()
    if not v:
        return ""
    if "-" in v:  # landline: area code and last four digits
        area, _, rest = v.partition("-")
        return f"{area}-****{rest[-4:]}"
    return f"{v[:3]}****{v[-4:]}" if len(v) >= 7 else "****"


def mask_id_number(value: str) -> str:
    v = (value or "").strip()
    return f"{v[:4]}**********{v[-4:]}" if len(v) >= 8 else ("****" if v else "")


def mask_name(value: str) -> str:
    v = (value or "").strip()
    return f"{v[0]}**" if v else ""


def mask_address(value: str, district: str = "") -> str:
    v = (value or "").strip()
    if not v:
        return ""
    return f"{district}******" if district else "******"
