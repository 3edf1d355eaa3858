"""Parts several filings share: the header every snapshot starts with, the applicants with their
particulars (LDMAL Art. 28 and the 2017 Rules Art. 29), the evidence list, the forum, the people
who worked the case and the events that mark its life.

Built on documents.snapshot's helpers (imported, never copied): dates are ISO strings, amounts
decimal strings, labels resolved in both languages, and a value the case keeps encrypted at
rest (phone, ID number) is sealed in the stored snapshot and opened only for the render.
"""

from __future__ import annotations

from django.utils import timezone

from casework.choices import ReferralState
from casework.models import AuditEvent, Case, CaseParty, Referral

from .. import labels
from ..snapshot import SCHEMA, _iso, _org, seal

# Which events a filing reads its dates from (their audit verbs).
ACCEPTED = "accept_for_review"
CLOSING_VERBS = ("record_outcome", "record_agreement", "withdraw", "reject")


def header(case: Case, kind: str) -> dict:
    """The fields every filing's snapshot starts with."""
    return {
        "schema": SCHEMA,
        "kind": kind,
        "title": labels.DOCUMENT_TITLES[kind].as_dict(),
        "taken_at": timezone.localtime().isoformat(),
        "reference": case.reference,
        "state": {"code": case.state, **labels.CASE_STATES[case.state].as_dict()},
        "owning_org": _org(case.owning_org),
    }


def person(user) -> str:
    """A staff member as a filing names them: their display name, else their user name."""
    if user is None:
        return ""
    return user.display_name or user.username


def latest_event(case: Case, verbs) -> AuditEvent | None:
    """The case's latest audit event with one of these verbs (its actor loaded)."""
    verbs = [verbs] if isinstance(verbs, str) else list(verbs)
    return (
        AuditEvent.objects.filter(case=case, verb__in=verbs)
        .select_related("actor")
        .order_by("-id")
        .first()
    )


def event_time_of(value) -> str | None:
    """An aware datetime as a local ISO string (the snapshot's form), or None."""
    return timezone.localtime(value).isoformat() if value else None


def event_time(event: AuditEvent | None) -> str | None:
    return timezone.localtime(event.occurred_at).isoformat() if event else None


def party_rows(case: Case) -> list:
    """The case's parties with their worker or employer, in the order they were added."""
    return list(
        CaseParty.objects.filter(case=case).select_related("worker", "employer").order_by("id")
    )


def applicants(case: Case, rows=None) -> list[dict]:
    """Every worker of the case as an applicant (申请人): the particulars the statute asks for,
    empty where the case does not hold them (the filing prints a blank line for those). The
    phone and ID number are sealed: they are encrypted in the case and stay so in the snapshot.
    The primary worker comes first."""
    rows = party_rows(case) if rows is None else rows
    employer = next((p.employer for p in rows if p.employer_id), None)
    out = []
    for party in rows:
        if not party.worker_id:
            continue
        w = party.worker
        sex = labels.SEXES.get(w.sex)
        out.append(
            {
                "role": party.role,
                "primary": w.pk == case.primary_worker_id,
                "name": w.name,
                "sex": sex.as_dict() if sex else None,
                "date_of_birth": _iso(w.date_of_birth),
                "id_number": seal(w.id_number),
                "phone": seal(w.phone),
                "address": w.address,
                "occupation": w.occupation,
                "workplace": employer.name if employer else "",
                "migrant_worker": w.migrant_worker,
                "union_member": w.union_member,
            }
        )
    out.sort(key=lambda p: not p["primary"])
    return out


def respondents(case: Case, rows=None) -> list[dict]:
    """The employers (被申请人), with what the case records of them."""
    rows = party_rows(case) if rows is None else rows
    return [
        {
            "role": p.role,
            "name": p.employer.name,
            "credit_code": p.employer.credit_code,
            "address": p.employer.address,
            "legal_representative": p.employer.legal_representative,
            "phone": p.employer.phone,
            "district": p.employer.district,
        }
        for p in rows
        if p.employer_id
    ]


def evidence_list(case: Case) -> list[dict]:
    """The evidence on file, as an evidence list (证据清单) prints it: what it is, its date and
    where it came from (LDMAL Art. 28 item 3), and the SHA-256 of the stored file."""
    from ..models import Evidence

    out = []
    for item in Evidence.objects.filter(case=case).order_by("created_at", "id"):
        source = labels.EVIDENCE_SOURCES.get(item.source)
        out.append(
            {
                "name": item.original_name,
                "description": item.description,
                "date": _iso(item.evidence_date),
                "source": source.as_dict() if source else {"zh": item.source, "en": item.source},
                "source_note": item.source_note,
                "sha256": item.sha256,
            }
        )
    return out


def forum(case: Case, respondent_rows: list[dict]) -> dict:
    """The labour dispute arbitration commission the application is addressed to: the forum
    recorded when proceedings started, if any; otherwise left blank for the person who files it,
    with the employer's district as the hint (LDMAL Art. 21: where the contract is performed or
    where the employer is located). No commission name is guessed."""
    district = next((r["district"] for r in respondent_rows if r["district"]), "")
    return {"name": case.forum, "filing_date": _iso(case.filing_date), "district": district}


def latest_referral(case: Case) -> Referral | None:
    """The live referral (pending or accepted) if there is one, else the most recent."""
    rows = list(
        Referral.objects.filter(case=case)
        .select_related("provider", "lawyer")
        .order_by("-created_at", "-id")
    )
    live = [r for r in rows if r.state in (ReferralState.PENDING, ReferralState.ACCEPTED)]
    return (live or rows or [None])[0]


def referral_summary(ref: Referral | None) -> dict | None:
    if ref is None:
        return None
    return {
        "provider": _org(ref.provider),
        "state": ref.state,
        "sent_at": event_time_of(ref.sent_at),
        "lawyer": person(ref.lawyer) if ref.state == ReferralState.ACCEPTED else "",
    }


def key_dates(case: Case) -> dict:
    return {
        "employment_start": _iso(case.employment_start),
        "employment_end": _iso(case.employment_end),
        "knew_date": _iso(case.knew_date),
        "injury_date": _iso(case.injury_date),
    }
