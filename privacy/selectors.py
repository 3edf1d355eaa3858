"""Reads of the privacy app: the worker's data for their copy, and the supervisors' queue."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from casework.models import AuditEvent, Case, CaseParty, Claim, ConsentRecord, Message, Worker
from casework.permissions import Access, principal_for, visible_cases

from .models import ErasureRequest, ErasureState


def _iso(value):
    return value.isoformat() if value else None


def _worker_profile(w: Worker) -> dict:
    return {
        "name": w.name,
        "sex": w.sex,
        "date_of_birth": _iso(w.date_of_birth),
        "id_number": w.id_number,
        "phone": w.phone,
        "address": w.address,
        "occupation": w.occupation,
        "skill_grade": w.skill_grade,
        "union_member": w.union_member,
        "migrant_worker": w.migrant_worker,
        "recorded_at": _iso(w.created_at),
    }


def _grievance(case: Case, files: list) -> dict:
    """One grievance of the copy, from the rows `_grievances` prefetched (no query here)."""
    evidence = []
    for item in case.export_evidence:
        arcname = f"evidence/{case.reference}/{item.pk}-{item.sha256[:12]}"
        files.append((arcname, item.file))
        evidence.append(
            {
                "file": arcname,
                "name_on_your_device": item.original_name,
                "type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "description": item.description,
                "date": _iso(item.evidence_date),
                "added_at": _iso(item.created_at),
            }
        )
    return {
        "reference": case.reference,
        "state": str(case.worker_state_label),
        "filed_at": _iso(case.created_at),
        "submitted_at": _iso(case.submitted_at),
        "ended_at": _iso(case.closed_at),
        "channel": case.channel,
        "categories": [{"code": c.code, "name": str(c)} for c in case.export_categories],
        "facts": case.facts,
        "employment_start": _iso(case.employment_start),
        "employment_end": _iso(case.employment_end),
        "knew_date": _iso(case.knew_date),
        "injury_date": _iso(case.injury_date),
        "outcome": case.outcome,
        "amount_awarded": case.amount_awarded,
        "amount_recovered": case.amount_recovered,
        "workers": [_worker_profile(p.worker) for p in case.export_parties if p.worker_id],
        "employers": [
            {"name": p.employer.name, "credit_code": p.employer.credit_code, "role": p.role}
            for p in case.export_parties
            if p.employer_id
        ],
        "claims": [
            {
                "item": c.item,
                "amount": c.amount,
                "period_start": _iso(c.period_start),
                "period_end": _iso(c.period_end),
            }
            for c in case.export_claims
        ],
        "messages": [
            {"from_you": m.from_worker, "text": m.body, "at": _iso(m.created_at)}
            for m in case.export_messages
        ],
        "consents": [
            {
                "scope": c.scope,
                "provider": c.provider.name if c.provider_id else None,
                "granted_at": _iso(c.granted_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in case.export_consents
        ],
        "progress": [{"event": e.verb, "at": _iso(e.occurred_at)} for e in case.export_progress],
        "evidence": evidence,
    }


def _grievances(user) -> QuerySet[Case]:
    """The worker's grievances with everything their copy holds: one query per kind of row,
    whatever the number of grievances."""
    from documents.models import Evidence, ScanStatus
    from rights.models import Category

    return (
        visible_cases(user, access=Access.WORKER)
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch(
                "evidence",
                # A file the virus check holds is not handed out (documents.rescan).
                queryset=Evidence.objects.filter(uploaded_by_worker=True)
                .exclude(scan_status=ScanStatus.HELD)
                .order_by("pk"),
                to_attr="export_evidence",
            ),
            Prefetch(
                "categories",
                queryset=Category.objects.order_by("code"),
                to_attr="export_categories",
            ),
            Prefetch(
                "parties",
                queryset=CaseParty.objects.select_related("worker", "employer").order_by("pk"),
                to_attr="export_parties",
            ),
            Prefetch("claims", queryset=Claim.objects.order_by("pk"), to_attr="export_claims"),
            Prefetch(
                "messages",
                queryset=Message.objects.order_by("created_at", "id"),
                to_attr="export_messages",
            ),
            Prefetch(
                "consents",
                queryset=ConsentRecord.objects.select_related("provider").order_by("pk"),
                to_attr="export_consents",
            ),
            Prefetch(
                "audit_events",
                queryset=AuditEvent.objects.filter(worker_visible=True)
                .only("id", "case_id", "verb", "occurred_at")
                .order_by("occurred_at", "id"),
                to_attr="export_progress",
            ),
        )
    )


def personal_data(user) -> tuple[dict, list]:
    """What the worker's copy holds: their account, their worker profiles, and every grievance
    filed with the account as the worker sees it (internal notes are the union's work, not
    shown to the worker on any page, and not here either). Returns (data, [(arcname, file)])."""
    files: list = []
    cases = _grievances(user)
    return (
        {
            "generated_at": _iso(timezone.now()),
            "account": {
                "username": user.username,
                "display_name": user.display_name,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "preferred_language": user.preferred_language,
                "joined_at": _iso(user.date_joined),
                "last_sign_in": _iso(user.last_login),
            },
            "worker_profiles": [
                _worker_profile(w) for w in Worker.objects.filter(user=user).order_by("pk")
            ],
            "grievances": [_grievance(case, files) for case in cases],
            "erasure_requests": [
                {
                    "grievance": r.case.reference,
                    "state": r.state,
                    "asked_at": _iso(r.created_at),
                    "decided_at": _iso(r.decided_at),
                    "reason": r.decline_reason,
                }
                for r in my_erasure_requests(user)
            ],
        },
        files,
    )


def my_erasure_requests(user) -> QuerySet[ErasureRequest]:
    return (
        ErasureRequest.objects.filter(requested_by=user)
        .select_related("case")
        .order_by("-created_at", "-id")
    )


def erasure_queue(user) -> QuerySet[ErasureRequest]:
    """Pending requests on cases of the unions this supervisor oversees (one query)."""
    p = principal_for(user)
    if not p.supervisor_paths:
        return ErasureRequest.objects.none()
    q = Q(pk__in=[])
    for path in p.supervisor_paths:
        q |= Q(case__owning_org__path__startswith=path)
    return (
        ErasureRequest.objects.filter(q, state=ErasureState.PENDING)
        .select_related("case", "case__owning_org")
        .order_by("created_at", "id")
    )
