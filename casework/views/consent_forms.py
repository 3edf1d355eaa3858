"""The consent forms of the staff case page (views/consent.py takes their POSTs)."""

from __future__ import annotations

from ..forms.consent import ConsentPaperForm, ConsentWithdrawForm
from ..permissions import may


def consent_forms(form, case, user) -> dict:
    """`form(cls)` is the case page's maker: the bound (failed) form, or a blank one."""
    if not may(user, "message", case):
        return {"consent_form": None, "consent_withdraw_form": None}
    return {
        "consent_form": form(ConsentPaperForm),
        "consent_withdraw_form": form(ConsentWithdrawForm),
    }
