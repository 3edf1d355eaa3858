"""Notes, messages and consent records of a case, through casework.services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.models import Organisation
from casework.errors import NotFound
from casework.models import ConsentRecord
from casework.permissions import Access
from casework.services import consent_grant, consent_withdraw, message_post, note_add

from .. import serializers as s
from ..pagination import ApiPagination
from .base import IDEMPOTENCY_PARAMETER, ApiView, case_of


class _CaseListMixin:
    pagination_class = ApiPagination

    def paged(self, request, qs, serializer_class):
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(serializer_class(page, many=True).data)


class NoteListView(_CaseListMixin, ApiView):
    serializer_class = s.NoteSerializer

    @extend_schema(operation_id="notes_list", responses={200: s.NoteSerializer(many=True)})
    def get(self, request, reference: str):
        """Internal notes (staff with the whole file; never the worker)."""
        case, _level = case_of(request, reference)
        qs = case.notes.select_related("author").order_by("created_at", "id")
        return self.paged(request, qs, s.NoteSerializer)

    @extend_schema(
        operation_id="notes_create",
        request=s.NoteSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.NoteSerializer},
    )
    def post(self, request, reference: str):
        """Add an internal note (union staff of the case, its lawyer)."""
        case, _level = case_of(request, reference)
        body = s.NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = note_add(case=case, user=request.user, body=body.validated_data["body"])
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class MessageListView(_CaseListMixin, ApiView):
    serializer_class = s.MessageSerializer

    @extend_schema(operation_id="messages_list", responses={200: s.MessageSerializer(many=True)})
    def get(self, request, reference: str):
        """The thread with the worker (staff with the whole file, or the case's worker)."""
        case, _level = case_of(request, reference, Access.FULL, Access.WORKER)
        qs = case.messages.select_related("author").order_by("created_at", "id")
        return self.paged(request, qs, s.MessageSerializer)

    @extend_schema(
        operation_id="messages_create",
        request=s.MessageSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.MessageSerializer},
    )
    def post(self, request, reference: str):
        """Send a message in the thread (the assignee, a supervisor, the lawyer, the worker)."""
        case, _level = case_of(request, reference, Access.FULL, Access.WORKER)
        body = s.MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = message_post(case=case, user=request.user, body=body.validated_data["body"])
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ConsentListView(_CaseListMixin, ApiView):
    serializer_class = s.ConsentSerializer

    @extend_schema(operation_id="consents_list", responses={200: s.ConsentSerializer(many=True)})
    def get(self, request, reference: str):
        """The worker's consent records, in force and withdrawn."""
        case, _level = case_of(request, reference, Access.FULL, Access.WORKER)
        qs = case.consents.select_related("provider").order_by("granted_at", "id")
        return self.paged(request, qs, s.ConsentSerializer)

    @extend_schema(
        operation_id="consents_create",
        request=s.ConsentGrantSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.ConsentSerializer},
    )
    def post(self, request, reference: str):
        """Record a consent: the worker confirms their own; staff who work the case record
        one the worker gave on paper. A consent already in force is returned as it is."""
        case, _level = case_of(request, reference, Access.FULL, Access.WORKER)
        body = s.ConsentGrantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        provider_id = body.validated_data.get("provider")
        provider = Organisation.objects.filter(pk=provider_id).first() if provider_id else None
        record = consent_grant(
            case=case, user=request.user, scope=body.validated_data["scope"], provider=provider
        )
        return Response(s.ConsentSerializer(record).data, status=status.HTTP_201_CREATED)


class ConsentWithdrawView(ApiView):
    serializer_class = s.ConsentWithdrawSerializer

    @extend_schema(
        operation_id="consents_withdraw",
        request=s.ConsentWithdrawSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.ConsentSerializer},
    )
    def post(self, request, reference: str, pk: int):
        """Withdraw a consent (撤回同意): staff record how and when the worker withdrew it."""
        case, _level = case_of(request, reference, Access.FULL, Access.WORKER)
        body = s.ConsentWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = ConsentRecord.objects.filter(pk=pk, case=case).first()
        if record is None:
            raise NotFound()
        record = consent_withdraw(
            consent=record, user=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(s.ConsentSerializer(record).data)
