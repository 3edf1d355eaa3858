"""Cases: the queue (list), one case (retrieve), intake (create)."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.models import Organisation
from casework.errors import DomainError, Forbidden, GuardFailed
from casework.permissions import Access, allowed_transitions, may, principal_for, visible_cases
from casework.selectors.referrals import providers_for_case
from casework.selectors.staff import QueueFilters, queue
from casework.services import IntakeData, case_file
from casework.services.intake import ClaimItem, route_owning_org
from casework.services.records import case_view_record
from rights.models import Category

from .. import serializers as s
from ..pagination import ApiPagination, page_response
from .base import IDEMPOTENCY_PARAMETER, ApiView, case_of


class CaseListView(ApiView):
    serializer_class = s.CaseRowSerializer

    @extend_schema(
        operation_id="cases_list",
        parameters=[s.CaseListQuerySerializer],
        responses={200: s.CaseListSerializer},
        description=(
            "The cases the caller may see in full (the staff queue, the same gate as the pages): "
            "filters by state (or `open`), category code, assignee (`me`, `unassigned`, a user "
            "id), urgent, and a search `q` by reference, worker or employer name, or credit "
            "code (names: any part of 2 or more characters; references and codes: their start). "
            "Ordered by `sort` (newest, oldest, deadline) with the id last, 50 per page."
        ),
    )
    def get(self, request):
        query = s.CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        d = query.validated_data
        page, _counts = queue(
            request.user,
            QueueFilters(
                state=d.get("state", ""),
                category=d.get("category", ""),
                assignee=d.get("assignee", ""),
                urgent=d.get("urgent", False),
                q=d.get("q", ""),
                sort=d.get("sort", "newest"),
                page=d.get("page", 1),
            ),
        )
        rows = s.CaseRowSerializer(page.object_list, many=True).data
        return page_response(request, page, rows)

    @extend_schema(
        operation_id="cases_create",
        request=s.CaseCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.CaseCreatedSerializer},
        description=(
            "File a grievance as union staff (a walk-in, phone or hotline intake, or an "
            "integration acting for a union): it is submitted at once. The worker's consent to "
            "union handling is recorded as given on paper."
        ),
    )
    def post(self, request):
        body = s.CaseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        owning_org = _owning_org_for(request.user, d.pop("owning_org", None), d.get("district"))
        names = {f.name for f in dataclass_fields(IntakeData)}
        d["claims"] = [ClaimItem(**c) for c in d.get("claims", [])]
        data = IntakeData(**{k: v for k, v in d.items() if k in names})
        case, _receipt = case_file(data=data, staff=request.user, owning_org=owning_org)
        out = s.CaseCreatedSerializer(case).data
        return Response(
            out,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:case-detail", args=[case.reference])},
        )


def _owning_org_for(user, org_id, district) -> Organisation:
    """The union the intake is filed with: one the caller works for (a caseworker's own, or
    one a supervisor oversees)."""
    p = principal_for(user)
    if not p.union_org_ids:
        raise Forbidden(_("Only union caseworkers and supervisors can file grievances here."))

    def allowed(org: Organisation) -> bool:
        return org.pk in p.union_org_ids or p.in_supervised_subtree(org.path)

    if org_id is not None:
        org = Organisation.objects.filter(pk=org_id).first()
        if org is None or not allowed(org):
            message = _("Please choose a union you work for.")
            raise GuardFailed(message, field_errors={"owning_org": [message]})
        return org
    if len(p.union_org_ids) == 1 and not p.supervisor_paths:
        return Organisation.objects.get(pk=next(iter(p.union_org_ids)))
    try:
        routed = route_owning_org(district or "")
    except DomainError:  # no union configured for the district: fall back below
        routed = None
    if routed is not None and allowed(routed):
        return routed
    return Organisation.objects.filter(pk__in=p.union_org_ids).order_by("path").first()


class CaseDetailView(ApiView):
    serializer_class = s.CaseDetailSerializer

    @extend_schema(
        operation_id="cases_retrieve",
        responses={200: s.CaseDetailSerializer},
        description=(
            "One case in full, for staff who may see its whole file; 404 for anyone else. "
            "Workers' phone and ID numbers are shown only to those who may see them (the "
            "assignee, the assigned lawyer, a supervisor); each such answer is audited."
        ),
    )
    def get(self, request, reference: str):
        case, _level = case_of(request, reference)
        parties = list(case.parties.select_related("worker", "employer").order_by("id"))
        workers = [pt for pt in parties if pt.worker_id is not None]
        show_identity = may(request.user, "view_identity", case)
        shown = [
            pt.worker_id
            for pt in workers
            if show_identity and (pt.worker.phone or pt.worker.id_number)
        ]
        case_view_record(case=case, user=request.user, level="full", via="api", worker_ids=shown)
        context = {
            "show_identity": show_identity,
            "workers": workers,
            "employers": [pt for pt in parties if pt.employer_id is not None],
            "claims": list(case.claims.order_by("id")),
            "referrals": list(
                case.referrals.select_related("provider", "lawyer").order_by("-created_at", "-id")
            ),
            "categories": list(case.categories.order_by("sort_order", "code")),
            "allowed_transitions": allowed_transitions(request.user, case),
        }
        return Response(s.CaseDetailSerializer(case, context=context).data)


class CaseProvidersView(ApiView):
    serializer_class = s.OrganisationRefSerializer

    @extend_schema(
        operation_id="cases_providers",
        responses={200: s.OrganisationRefSerializer(many=True)},
    )
    def get(self, request, reference: str):
        """The legal-aid providers this case may be referred to (districts served, matter
        types), as the refer form offers them."""
        case, _level = case_of(request, reference)
        return Response(s.OrganisationRefSerializer(providers_for_case(case), many=True).data)


def _my_cases(user):
    return (
        visible_cases(user, access=Access.WORKER)
        .select_related("primary_employer")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("sort_order", "code"))
        )
        .order_by("-created_at", "-id")
    )


class MyCaseListView(ApiView):
    serializer_class = s.MyCaseSerializer
    pagination_class = ApiPagination

    @extend_schema(operation_id="my_cases_list", responses={200: s.MyCaseSerializer(many=True)})
    def get(self, request):
        """The grievances the caller filed with their account (the worker's view), newest
        first. Staff see here only grievances of their own that they do not see as staff."""
        page = self.paginate_queryset(_my_cases(request.user))
        return self.get_paginated_response(s.MyCaseSerializer(page, many=True).data)


class MyCaseDetailView(ApiView):
    serializer_class = s.MyCaseSerializer

    @extend_schema(operation_id="my_cases_retrieve", responses={200: s.MyCaseSerializer})
    def get(self, request, reference: str):
        """One of the caller's own grievances, as the worker sees it; 404 otherwise."""
        case, _level = case_of(request, reference, Access.WORKER)
        case = _my_cases(request.user).get(pk=case.pk)
        return Response(s.MyCaseSerializer(case).data)
