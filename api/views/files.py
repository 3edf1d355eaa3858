"""Evidence (upload with every check of documents.services.evidence_upload, list, download)
and generated filings (request, status, download)."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from casework.errors import NotFound
from casework.permissions import Access, access
from documents import upload
from documents.evidence import (
    ALLOWED,
    clean_filename,
    download_name,
    refused,
    too_large_message,
)
from documents.kinds import download_filename
from documents.models import Evidence, GeneratedDocument
from documents.services import (
    document_open_for_download,
    document_request,
    evidence_open_for_download,
    evidence_upload,
)

from .. import serializers as s
from ..errors import problem
from ..pagination import ApiPagination
from .base import IDEMPOTENCY_PARAMETER, ApiView, case_of


class _Download(ApiView):
    """A file answer: whatever the client accepts, the file's own type is sent."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


def _file_response(handle, *, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store"
    return response


# --- evidence ----------------------------------------------------------------------------------


class EvidenceListView(ApiView):
    serializer_class = s.EvidenceSerializer
    pagination_class = ApiPagination
    parser_classes = [MultiPartParser, FormParser]
    _cap = None

    def dispatch(self, request, *args, **kwargs):
        # The size cap streams in front of the parser: installed before anything reads the
        # body (the CSRF check of a session included).
        if request.method == "POST":
            self._cap = upload.install(request)
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(operation_id="evidence_list", responses={200: s.EvidenceSerializer(many=True)})
    def get(self, request, reference: str):
        """Evidence files: staff with the whole file see all; the worker what they added."""
        case, level = case_of(request, reference, Access.FULL, Access.WORKER)
        qs = Evidence.objects.filter(case=case)
        if level == Access.WORKER:
            qs = qs.filter(uploaded_by_worker=True)
        page = self.paginate_queryset(qs.order_by("created_at", "id"))
        return self.get_paginated_response(s.EvidenceSerializer(page, many=True).data)

    @extend_schema(
        operation_id="evidence_upload",
        request={"multipart/form-data": s.EvidenceUploadSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.EvidenceSerializer(many=True)},
    )
    def post(self, request, reference: str):
        """Upload evidence (multipart, field `files`, up to 20): checked by content against the
        allow-list, size-capped, images stripped of metadata, hashed. One refused file and
        nothing is stored."""
        case, _level = case_of(request, reference, Access.FULL, Access.WORKER)
        data = request.data  # parsed through the cap
        if self._cap is not None and self._cap.exceeded:
            message = refused(
                too_large_message(self._cap.max_bytes), clean_filename(self._cap.exceeded_name)
            ).message
            return problem(413, str(message), errors={"files": [str(message)]})
        body = s.EvidenceUploadSerializer(data=data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        rows = evidence_upload(
            case=case,
            user=request.user,
            files=d["files"],
            description=d.get("description", ""),
            evidence_date=d.get("evidence_date"),
            source_note=d.get("source_note", ""),
        )
        return Response(s.EvidenceSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class EvidenceDownloadView(_Download):
    @extend_schema(
        operation_id="evidence_download",
        # Sent as the type it was accepted as: one of the allowed kinds.
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="the file, as an attachment"
            )
            for content_type in sorted({ct for ct, _ext in ALLOWED.values()})
        },
    )
    def get(self, request, pk: int):
        """An evidence file (staff with the whole case, or the worker for what they added);
        audited."""
        item, handle = evidence_open_for_download(evidence_id=pk, user=request.user)
        return _file_response(
            handle,
            filename=download_name(item.pk, item.content_type),
            content_type=item.content_type,
        )


# --- generated filings -------------------------------------------------------------------------


class DocumentListView(ApiView):
    serializer_class = s.DocumentSerializer
    pagination_class = ApiPagination

    @extend_schema(operation_id="documents_list", responses={200: s.DocumentSerializer(many=True)})
    def get(self, request, reference: str):
        """Every version of every filing generated for the case (staff with the whole file)."""
        case, _level = case_of(request, reference)
        qs = GeneratedDocument.objects.filter(case=case).defer("snapshot")
        page = self.paginate_queryset(qs.order_by("kind", "-version", "id"))
        return self.get_paginated_response(s.DocumentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="documents_request",
        request=s.DocumentRequestSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={202: s.DocumentSerializer},
    )
    def post(self, request, reference: str):
        """Ask for a new version of a filing; it is rendered in the background. Poll its status
        at the Location given."""
        case, _level = case_of(request, reference)
        body = s.DocumentRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        doc = document_request(
            case=case,
            kind=body.validated_data["kind"],
            user=request.user,
            language=body.validated_data.get("language", "zh-hans"),
        )
        doc = GeneratedDocument.objects.defer("snapshot").get(pk=doc.pk)
        return Response(
            s.DocumentSerializer(doc).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("api:document-detail", args=[doc.pk])},
        )


def _document_for(user, pk: int) -> GeneratedDocument:
    doc = (
        GeneratedDocument.objects.select_related("case__owning_org")
        .defer("snapshot")
        .filter(pk=pk)
        .first()
    )
    if doc is None or access(user, doc.case) != Access.FULL:
        raise NotFound()
    return doc


class DocumentDetailView(ApiView):
    serializer_class = s.DocumentSerializer

    @extend_schema(operation_id="documents_retrieve", responses={200: s.DocumentSerializer})
    def get(self, request, pk: int):
        """A generated filing's status: queued, rendering, ready (with its hash) or failed."""
        return Response(s.DocumentSerializer(_document_for(request.user, pk)).data)


class DocumentDownloadView(_Download):
    @extend_schema(
        operation_id="documents_download",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="the PDF, as an attachment"
            )
        },
    )
    def get(self, request, pk: int):
        """The PDF of a ready filing (staff with the whole file); audited."""
        doc, handle = document_open_for_download(document_id=pk, user=request.user)
        return _file_response(
            handle, filename=download_filename(doc), content_type="application/pdf"
        )
