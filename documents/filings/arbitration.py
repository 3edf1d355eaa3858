"""The labour arbitration application (劳动仲裁申请书), with the fields of the Labour Dispute
Mediation and Arbitration Law (LDMAL) Art. 28, as expanded by the 2017 Rules of Procedure
(劳动人事争议仲裁办案规则) Art. 29 (domain.md §1.6, §6.3):

1. the applicant's name, sex, date of birth, ID number, occupation, workplace, domicile, mailing
   address and telephone; the respondent's name, domicile, mailing address, telephone, and the
   name and title of its legal representative or principal person in charge (with the unified
   social credit code, as practice recommends);
2. the claims (仲裁请求), itemised with amount, period and calculation, and the facts and
   reasons they rest on;
3. the evidence and its sources, and the names and addresses of witnesses.

What the case does not hold (a mailing address apart from the domicile, the legal
representative's title, witnesses, an unrecorded date of birth) is printed as a blank line to be
filled in by hand, never invented. The ID number is printed in full (the commission needs it)
and sealed in the stored snapshot, as the phone is.
"""

from __future__ import annotations

from casework.models import Case

from ..snapshot import _categories, _claims, _deadlines, _limitation
from .common import applicants, evidence_list, forum, header, key_dates, party_rows, respondents


def arbitration_application_snapshot(case: Case) -> dict:
    """Everything the arbitration application prints; see the module docstring."""
    rows = party_rows(case)
    claims, total = _claims(case)
    deadlines = _deadlines(case)
    respondent_rows = respondents(case, rows)
    return {
        **header(case, "arbitration_application"),
        "applicants": applicants(case, rows),
        "respondents": respondent_rows,
        # One copy of the application for each respondent (LDMAL Art. 28).
        "copies": len(respondent_rows),
        "categories": _categories(case),
        "claims": claims,
        "claims_total": total,
        "facts": case.facts,
        "key_dates": key_dates(case),
        "limitation": _limitation(deadlines),
        "evidence": evidence_list(case),
        "forum": forum(case, respondent_rows),
    }
