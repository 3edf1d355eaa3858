"""Transitions as actions: POST /api/v1/cases/{reference}/transitions/{name}/, each through
its service in casework.services (which locks the case, asks the gate, checks the guard and
writes the audit event). Someone else acted first, or the case is in another state: 409."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from casework import services
from casework.errors import NotFound
from casework.models import Case, Referral
from casework.permissions import Access

from .. import serializers as s
from .base import IDEMPOTENCY_PARAMETER, ApiView, case_of


def _args(d: dict, *names: str) -> dict:
    return {n: d.get(n) for n in names}


# name → (service, the input fields it takes, who may see the case to ask)
STAFF = (Access.FULL,)
TRANSITIONS = {
    "submit": (services.case_submit, (), (Access.FULL, Access.WORKER)),
    "accept_for_review": (services.case_accept_for_review, (), STAFF),
    "reject": (services.case_reject, ("reason", "route"), STAFF),
    "request_info": (services.case_request_info, ("question",), STAFF),
    "resume": (services.case_resume, ("answer",), (Access.FULL, Access.WORKER)),
    "start_mediation": (services.case_start_mediation, ("reveals_identity",), STAFF),
    "mediation_failed": (services.case_mediation_failed, ("note",), STAFF),
    "record_agreement": (services.case_record_agreement, ("terms", "amount"), STAFF),
    "refer_to_legal_aid": (services.case_refer, ("provider_id",), STAFF),
    "approve_referral": (services.case_approve_referral, (), STAFF),
    "accept_referral": (services.case_accept_referral, ("lawyer_id",), (Access.SUMMARY,)),
    "decline_referral": (services.case_decline_referral, ("reason", "note"), (Access.SUMMARY,)),
    "start_proceedings": (
        services.case_start_proceedings,
        ("stage", "forum", "filing_date"),
        STAFF,
    ),
    "record_outcome": (
        services.case_record_outcome,
        ("outcome", "amount_awarded", "amount_recovered"),
        STAFF,
    ),
    "withdraw": (services.case_withdraw, ("worker_request_note",), (Access.FULL, Access.WORKER)),
    "reopen": (services.case_reopen, ("reason", "note"), STAFF),
}

TRANSITION_HELP = """Run one transition of the case (DESIGN §2). Fields used by each:
submit —; accept_for_review —; reject reason, route; request_info question; resume answer
(required from the worker); start_mediation reveals_identity; mediation_failed note;
record_agreement terms, amount; refer_to_legal_aid provider (may wait for a supervisor's
approval: 202); approve_referral —; accept_referral lawyer; decline_referral reason, note;
start_proceedings stage, forum, filing_date; record_outcome outcome, amount_awarded,
amount_recovered; withdraw worker_request_note (staff); reopen reason, note.
Every transition takes expected_state: the state the caller saw (another state: 409)."""


def run_transition(request, reference: str, name: str, data: dict):
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise NotFound()
    service, names, levels = spec
    case, _level = case_of(request, reference, *levels)
    kwargs = {"expected_state": data.get("expected_state")}
    for n in names:
        # Missing fields go in as None: the service refuses them with its own message.
        kwargs[n] = data.get({"provider_id": "provider", "lawyer_id": "lawyer"}.get(n, n))
    result = service(case=case, user=request.user, **kwargs)
    awaiting = isinstance(result, Referral)
    if awaiting:  # waiting for a supervisor's approval: the case stays where it was
        now = Case.objects.values("state", "version").get(pk=case.pk)
    else:
        now = {"state": result.state, "version": result.version}
    body = {
        "reference": case.reference,
        "transition": name,
        "state": now["state"],
        "version": now["version"],
        "awaiting_approval": awaiting,
        "referral": result.pk if awaiting else None,
    }
    return Response(body, status=status.HTTP_202_ACCEPTED if awaiting else status.HTTP_200_OK)


class TransitionView(ApiView):
    serializer_class = s.TransitionInputSerializer

    @extend_schema(
        operation_id="cases_transition",
        request=s.TransitionInputSerializer,
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=sorted(TRANSITIONS),
                description="the transition",
            ),
            IDEMPOTENCY_PARAMETER,
        ],
        responses={200: s.TransitionResultSerializer, 202: s.TransitionResultSerializer},
        description=TRANSITION_HELP,
    )
    def post(self, request, reference: str, name: str):
        if name not in TRANSITIONS:
            raise NotFound()
        case_of(request, reference, *TRANSITIONS[name][2])  # 404 before the body is read
        body = s.TransitionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # Only what was sent (and reveals_identity's default): a missing field is the
        # service's to refuse, in its words.
        data = {
            k: v
            for k, v in body.validated_data.items()
            if k in request.data or k == "reveals_identity"
        }
        return run_transition(request, reference, name, data)
