"""The provider's side: the coordinator's inbox of pending referrals (limited summaries, no
worker identity), one summary, the conflict check, accept and decline."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from casework.permissions import Access
from casework.selectors.referrals import provider_inbox
from casework.selectors.staff import case_summary
from casework.services import case_referral_conflict_check

from .. import serializers as s
from ..pagination import page_response
from .base import IDEMPOTENCY_PARAMETER, ApiView, case_of
from .transitions import run_transition


class InboxView(ApiView):
    serializer_class = s.InboxRowSerializer

    @extend_schema(
        operation_id="referrals_inbox",
        parameters=[s.PageQuerySerializer],
        responses={200: s.InboxSerializer},
    )
    def get(self, request):
        """Referrals waiting for the caller's provider(s), nearest deadline first (then id).
        Empty for anyone who coordinates no provider."""
        query = s.PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = provider_inbox(request.user, page_number=query.validated_data["page"])
        if page is None:
            return Response({"count": 0, "next": None, "previous": None, "results": []})
        return page_response(request, page, s.InboxRowSerializer(page.object_list, many=True).data)


class ReferralSummaryView(ApiView):
    serializer_class = s.ReferralSummarySerializer

    @extend_schema(operation_id="referrals_retrieve", responses={200: s.ReferralSummarySerializer})
    def get(self, request, reference: str):
        """The limited summary of a case referred to the caller's provider (404 once it is no
        longer pending for them)."""
        case, _level = case_of(request, reference, Access.SUMMARY)
        return Response(s.ReferralSummarySerializer(case_summary(request.user, case)).data)


class ConflictCheckView(ApiView):
    serializer_class = s.ConflictCheckSerializer

    @extend_schema(
        operation_id="referrals_conflict_check",
        request=s.ConflictCheckSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.ReferralSerializer},
    )
    def post(self, request, reference: str):
        """Run the conflict check again; `conflict_found: false` with a `note` clears matches
        after review."""
        case, _level = case_of(request, reference, Access.SUMMARY)
        body = s.ConflictCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        referral = case_referral_conflict_check(
            case=case,
            user=request.user,
            conflict_found=body.validated_data.get("conflict_found"),
            note=body.validated_data.get("note", ""),
        )
        referral.refresh_from_db()
        return Response(s.ReferralSerializer(referral).data)


class AcceptReferralView(ApiView):
    serializer_class = s.AcceptReferralSerializer

    @extend_schema(
        operation_id="referrals_accept",
        request=s.AcceptReferralSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.TransitionResultSerializer},
    )
    def post(self, request, reference: str):
        """Accept the referral (the conflict check passed) and assign a lawyer of the provider."""
        case_of(request, reference, Access.SUMMARY)  # 404 before anything is read
        body = s.AcceptReferralSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return run_transition(request, reference, "accept_referral", dict(body.validated_data))


class DeclineReferralView(ApiView):
    serializer_class = s.DeclineReferralSerializer

    @extend_schema(
        operation_id="referrals_decline",
        request=s.DeclineReferralSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.TransitionResultSerializer},
    )
    def post(self, request, reference: str):
        """Decline the referral with a reason code; the case goes back to the union."""
        case_of(request, reference, Access.SUMMARY)  # 404 before anything is read
        body = s.DeclineReferralSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return run_transition(request, reference, "decline_referral", dict(body.validated_data))
