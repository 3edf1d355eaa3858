"""The mediation agreement (调解协议书), after the Labour Dispute Mediation and Arbitration Law
(LDMAL) Art. 14 (domain.md §1.3): the parties, the matters in dispute, the terms agreed, the
amount (in figures and capital numerals, glossary §1.3) and the last day for performance; it
takes effect once both parties sign or seal it, the mediator signs it and the mediation
organisation seals it. Art. 15 (non-performance → arbitration) and Art. 16 (payment order for
remuneration, medical costs, compensation or damages) are printed as the parties' notice.

Generated while the case is in mediation (the agreement being drawn up: the terms and amount are
blank lines) and once the agreement is recorded (record_agreement closes the case with the
outcome `mediation_agreement`, its terms kept as a note and its amount as the amount awarded).
A case closed with any other outcome has no mediation agreement to print. The agreement names
the worker to the employer, so the worker's consent to that disclosure must be in force when it
is generated (as casework's record_agreement requires when the agreement is recorded).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casework.choices import CaseState, ConsentScope, OutcomeCode
from casework.errors import GuardFailed
from casework.models import Case, ConsentRecord, Note

from ..snapshot import _amount, _categories, _claims
from .common import applicants, event_time, header, latest_event, party_rows, person, respondents


def agreement_available(case: Case) -> bool:
    """In mediation, or closed with a recorded mediation agreement."""
    return case.state == CaseState.MEDIATION or (
        case.state == CaseState.CLOSED and case.outcome == OutcomeCode.MEDIATION_AGREEMENT
    )


NOT_AVAILABLE = _(
    "A mediation agreement is generated in mediation or once an agreement is recorded."
)


# The same words as casework's guard of record_agreement (one message, one translation).
NO_DISCLOSURE_CONSENT = _(
    "A mediation agreement names the worker, so it needs the worker's consent to disclose their identity to the employer."
)


def _recorded_terms(case: Case) -> tuple[str, dict | None]:
    """The terms recorded with the agreement (the note record_agreement wrote) and its event."""
    event = latest_event(case, "record_agreement")
    if event is None or case.state != CaseState.CLOSED:
        return "", None
    note_id = (event.payload or {}).get("note")
    note = Note.objects.filter(case=case, pk=note_id).first() if note_id else None
    return (note.body if note else ""), {
        "at": event_time(event),
        "by": person(event.actor),
    }


def mediation_agreement_snapshot(case: Case) -> dict:
    """Everything the mediation agreement prints; see the module docstring. GuardFailed (nothing
    written) for a case that is neither in mediation nor closed by an agreement."""
    if not agreement_available(case):
        raise GuardFailed(NOT_AVAILABLE)
    if not ConsentRecord.objects.filter(
        case=case, scope=ConsentScope.EMPLOYER_DISCLOSURE, withdrawn_at__isnull=True
    ).exists():
        raise GuardFailed(NO_DISCLOSURE_CONSENT)
    rows = party_rows(case)
    claims, total = _claims(case)
    terms, recorded = _recorded_terms(case)
    started = latest_event(case, "start_mediation")
    return {
        **header(case, "mediation_agreement"),
        "applicants": applicants(case, rows),
        "respondents": respondents(case, rows),
        "categories": _categories(case),
        "facts": case.facts,
        "claims": claims,
        "claims_total": total,
        "mediation_started_at": event_time(started),
        "mediator": person(case.assignee),
        "recorded": recorded,
        "terms": terms,
        "amount": _amount(case.amount_awarded) if recorded else None,
    }
