"""The report aggregates (issue 9): exactly the dashboard's data, from the same selector, with
the same small-count suppression ("<5") and the same scope (a supervisor's supervised subtree,
an analyst's organisation subtree); anyone else gets 404, as on the page."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from casework.errors import GuardFailed, NotFound
from casework.permissions import report_scope
from reports.filters import ReportFilterForm
from reports.selectors import report_data

from .base import ApiView

PARAMETERS = [
    OpenApiParameter(
        "date_from",
        OpenApiTypes.DATE,
        description="first day (default: the first day of the month eleven months ago)",
    ),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="last day (default: today)"),
    OpenApiParameter(
        "organisation",
        OpenApiTypes.INT,
        description="a union in the caller's scope: its subtree only",
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="a grievance category code"),
    OpenApiParameter("chain", OpenApiTypes.STR, description="an industrial chain code"),
]


class ReportView(ApiView):
    @extend_schema(
        operation_id="reports_retrieve",
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description=(
            "The dashboard's aggregates over the caller's report scope: counts by month, "
            "category, state, district, industrial chain and channel, response and resolution "
            "times, deadlines met and missed, referrals, outcomes, amounts, repeated and "
            'collective grievances. Every count under 5 is the string "<5". No worker\'s '
            "identity appears."
        ),
    )
    def get(self, request):
        scope = report_scope(request.user)
        if not scope:
            raise NotFound()
        form = ReportFilterForm(request.query_params or None, scope=scope)
        if form.is_bound and not form.is_valid():
            errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
            raise GuardFailed(next(iter(errors.values()))[0], field_errors=errors)
        return Response(report_data(request.user, form.filters()))
