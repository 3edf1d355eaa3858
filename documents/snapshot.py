"""The data a filing is rendered from, frozen when it is requested.

A snapshot is a plain JSON-serialisable dict: dates as ISO strings, amounts as decimal strings,
every label already resolved in both languages (documents.labels). The template sees only the
snapshot, never the models, so the stored snapshot is exactly what the PDF says, and rendering
it again gives the same document.

Values the case keeps encrypted at rest (a worker's phone, DESIGN §3) stay encrypted in the
stored snapshot too: `seal()` wraps them as {"sealed": <token>} and `unseal()` opens them only
for the render.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from casework.crypto import decrypt, encrypt
from casework.models import AuditEvent, Case, CaseParty, Claim, ConsentRecord
from rights.deadline_rules import TRIGGERS
from rights.models import CaseDeadline

from . import labels
from .evidence_index import evidence_index

SCHEMA = 1
# The renderer's own bookkeeping (retries, failures): kept in the audit chain, not a step of
# the case, so left out of a filing's timeline like labels.TIMELINE_HIDDEN.
RENDER_BOOKKEEPING = frozenset({"document_retried", "document_render_failed"})
CENTS = Decimal("0.01")


def seal(value: str) -> dict | str:
    return {"sealed": encrypt(value)} if value else ""


def unseal(value):
    """A copy of the snapshot with every sealed value opened."""
    if isinstance(value, dict):
        if value.keys() == {"sealed"}:
            return decrypt(value["sealed"])
        return {k: unseal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unseal(v) for v in value]
    return value


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENTS))


def _org(org) -> dict | None:
    return None if org is None else {"id": org.pk, "zh": org.name_zh, "en": org.name_en}


def _categories(case: Case) -> list[dict]:
    return [
        {"code": c.code, "zh": c.name_zh, "en": c.name_en}
        for c in case.categories.order_by("sort_order", "code")
    ]


def _parties(case: Case) -> dict:
    """Claimants with their contact details (the packet goes to the provider's lawyer, with the
    worker's consent to share); employers with their credit code."""
    claimants, respondents = [], []
    rows = CaseParty.objects.filter(case=case).select_related("worker", "employer").order_by("id")
    for party in rows:
        if party.worker_id:
            w = party.worker
            claimants.append(
                {
                    "role": party.role,
                    "primary": w.pk == case.primary_worker_id,
                    "name": w.name,
                    "phone": seal(w.phone),
                    "address": w.address,
                    "occupation": w.occupation,
                    "migrant_worker": w.migrant_worker,
                }
            )
        else:
            e = party.employer
            respondents.append(
                {
                    "role": party.role,
                    "name": e.name,
                    "credit_code": e.credit_code,
                    "address": e.address,
                    "legal_representative": e.legal_representative,
                    "phone": e.phone,
                }
            )
    claimants.sort(key=lambda p: not p["primary"])
    return {"claimants": claimants, "respondents": respondents}


def _calculation(calc) -> dict:
    """The parts of a calculator's record a filing prints; the whole record stays in the case."""
    calc = calc if isinstance(calc, dict) else {}
    return {
        "formula": str(calc.get("formula") or calc.get("explanation") or ""),
        "citation": str(calc.get("citation") or calc.get("basis") or ""),
    }


def _claims(case: Case) -> tuple[list[dict], str]:
    items, total = [], Decimal("0.00")
    for claim in Claim.objects.filter(case=case).order_by("id"):
        amount = claim.amount.quantize(CENTS) if claim.amount is not None else None
        if amount is not None:
            total += amount  # the sum of the rounded items, so the filing adds up (glossary §1.3)
        items.append(
            {
                "item": claim.item,
                "amount": _amount(amount),
                "period_start": _iso(claim.period_start),
                "period_end": _iso(claim.period_end),
                "calculation": _calculation(claim.calculation),
            }
        )
    return items, _amount(total)


def _deadlines(case: Case) -> list[dict]:
    """The case's open legal deadlines as the deadline engine computed them (suspensions and
    interruptions applied), nearest first; the union's own response targets are left out."""
    rows = (
        CaseDeadline.objects.filter(
            case=case, met_at__isnull=True, rule__organisation_configurable=False
        )
        .select_related("rule")
        .order_by("due_date", "rule__code")
    )
    out = []
    for row in rows:
        trigger_zh, trigger_en = TRIGGERS.get(
            row.rule.trigger, (row.rule.trigger, row.rule.trigger)
        )
        out.append(
            {
                "id": row.rule.code,
                "name": {"zh": row.rule.name_zh, "en": row.rule.name_en},
                "last_day": row.due_date.isoformat(),
                "basis_date": _iso(row.trigger_date),
                "trigger": {"zh": trigger_zh, "en": trigger_en},
                "citation": row.rule.citation,
            }
        )
    return out


def _limitation(deadlines: list[dict]) -> dict | None:
    """The nearest limitation period for arbitration (LDMAL Art. 27), for the summary."""
    return next((d for d in deadlines if d["id"].startswith("ARB_LIMIT")), None)


def _consents(case: Case) -> list[dict]:
    rows = (
        ConsentRecord.objects.filter(case=case, withdrawn_at__isnull=True)
        .select_related("provider")
        .order_by("granted_at", "id")
    )
    out = []
    for c in rows:
        scope = labels.CONSENT_SCOPES.get(c.scope, labels.Bilingual(c.scope, c.scope))
        provider = _org(c.provider)
        method = labels.CONSENT_METHODS.get(c.method, labels.Bilingual(c.method, c.method))
        out.append(
            {
                "scope": c.scope,
                "label": {
                    "zh": scope.zh.format(provider=provider["zh"] if provider else ""),
                    "en": scope.en.format(provider=provider["en"] if provider else ""),
                },
                "provider": provider,
                "method": method.as_dict(),
                "granted_at": timezone.localtime(c.granted_at).isoformat(),
            }
        )
    return out


def _event_label(event: AuditEvent) -> dict:
    verb = labels.TIMELINE_VERBS.get(event.verb)
    if verb is None:
        return {
            "zh": labels.OTHER_EVENT.zh.format(verb=event.verb),
            "en": labels.OTHER_EVENT.en.format(verb=event.verb),
        }
    payload = event.payload or {}
    title = labels.DOCUMENT_TITLES.get(payload.get("kind"), labels.Bilingual("文书", "document"))
    version = payload.get("version", "")
    return {
        "zh": verb.zh.format(document=title.zh, version=version),
        "en": verb.en.format(document=title.en[:1].lower() + title.en[1:], version=version),
    }


def _timeline(case: Case) -> list[dict]:
    events = (
        AuditEvent.objects.filter(case=case)
        .exclude(verb__in=set(labels.TIMELINE_HIDDEN) | RENDER_BOOKKEEPING)
        .only("occurred_at", "verb", "actor_kind", "payload", "worker_visible")
        .order_by("id")
    )
    return [
        {
            "at": timezone.localtime(e.occurred_at).isoformat(),
            "verb": e.verb,
            "label": _event_label(e),
            "actor": labels.ACTOR_KINDS.get(e.actor_kind, labels.ACTOR_KINDS["staff"]).as_dict(),
            "worker_visible": e.worker_visible,
        }
        for e in events
    ]


def referral_packet_snapshot(case: Case) -> dict:
    """Everything the referral packet (转介材料) prints: summary, parties, facts, key dates,
    itemised claims and their total, the open legal deadlines with their citations,
    the consents in force, the timeline and the evidence index (every evidence file of the
    case with its SHA-256; the files themselves are embedded at render time, checked against
    these hashes: documents.evidence_index)."""
    claims, total = _claims(case)
    deadlines = _deadlines(case)
    return {
        "schema": SCHEMA,
        "kind": "referral_packet",
        "title": labels.DOCUMENT_TITLES["referral_packet"].as_dict(),
        "taken_at": timezone.localtime().isoformat(),
        "reference": case.reference,
        "state": {"code": case.state, **labels.CASE_STATES[case.state].as_dict()},
        "owning_org": _org(case.owning_org),
        "claimant_count": case.claimant_count,
        "categories": _categories(case),
        "parties": _parties(case),
        "facts": case.facts,
        "key_dates": {
            "employment_start": _iso(case.employment_start),
            "employment_end": _iso(case.employment_end),
            "knew_date": _iso(case.knew_date),
            "injury_date": _iso(case.injury_date),
        },
        "claims": claims,
        "claims_total": total,
        "deadlines": deadlines,
        "limitation": _limitation(deadlines),
        "consents": _consents(case),
        "timeline": _timeline(case),
        "evidence": evidence_index(case),
    }
