"""The acceptance receipt (受理回执, glossary §2.12): what the union gives the worker when it
accepts the grievance for review (DESIGN §2, accept_for_review).

It names the case reference, the dates the grievance was filed and accepted, the union
organisation that handles it, the categories, the claims as the worker stated them, what happens
next and the deadlines that matter, and how to follow up. It never carries the receipt code
(查询码): the case keeps only its keyed hash (DESIGN §3, glossary §1.5).
"""

from __future__ import annotations

from casework.models import Case

from ..snapshot import _categories, _claims, _deadlines, _limitation
from .common import ACCEPTED, event_time, event_time_of, header, latest_event, person


def complaint_receipt_snapshot(case: Case) -> dict:
    """Everything the acceptance receipt prints; see the module docstring."""
    accepted = latest_event(case, ACCEPTED)
    claims, total = _claims(case)
    deadlines = _deadlines(case)
    worker = case.primary_worker
    return {
        **header(case, "complaint_receipt"),
        "worker_name": worker.name if worker else "",
        "claimant_count": case.claimant_count,
        "employer_name": case.primary_employer.name if case.primary_employer_id else "",
        "channel": case.channel,
        "filed_at": event_time_of(case.submitted_at or case.created_at),
        "accepted_at": event_time(accepted),
        "accepted_by": person(accepted.actor) if accepted else "",
        "assignee": person(case.assignee),
        "categories": _categories(case),
        "claims": claims,
        "claims_total": total,
        "deadlines": deadlines,
        "limitation": _limitation(deadlines),
        # How the worker follows up: with their account, or with the receipt code they were
        # shown once when filing (anonymous). Only which of the two; never the code.
        "follow_up": (
            "account" if case.filed_by_id else ("receipt_code" if case.receipt_digest else "union")
        ),
        "hotline": "12351",
    }
