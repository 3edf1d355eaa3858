"""The reports dashboard and its exports (thin: the gate, the filters, one selector)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casework.permissions import report_scope

from .charts import chart_for
from .exports import report_csv, report_xlsx
from .filters import ReportFilterForm
from .selectors import report_data


def _scope_or_404(request) -> tuple[str, ...]:
    # Reports are for supervisors and analysts; to anyone else the page does not exist, as the
    # queue does not exist for a user without one.
    scope = report_scope(request.user)
    if not scope:
        raise Http404
    return scope


def _displayed(table: dict) -> dict:
    """The table with each figure beside its column's kind, and its chart."""
    kinds = [c["kind"] for c in table["columns"]]

    def pairs(row):
        return {**row, "values": list(zip(row["cells"], kinds, strict=True))}

    return {
        **table,
        "rows": [pairs(r) for r in table["rows"]],
        "total": pairs(table["total"]) if table.get("total") else None,
        "chart_data": chart_for(table),
    }


def _form(request, scope):
    return ReportFilterForm(request.GET or None, scope=scope)


@login_required
@never_cache
@require_GET
def dashboard(request):
    scope = _scope_or_404(request)
    form = _form(request, scope)
    filters = form.filters()
    data = report_data(request.user, filters)
    tables = [_displayed(table) for table in data["tables"]]
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "data": data,
            "filters": filters,
            "tables": tables,
            "query": request.GET.urlencode(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _export(request, render_body, content_type: str, extension: str):
    scope = _scope_or_404(request)
    form = _form(request, scope)
    if form.is_bound and not form.is_valid():
        # Bad filters: say so, export nothing.
        return render(request, "reports/dashboard.html", {"form": form, "data": None}, status=400)
    filters = form.filters()
    data = report_data(request.user, filters)
    response = HttpResponse(render_body(data), content_type=content_type)
    name = f"rightsdesk-report-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@login_required
@never_cache
@require_GET
def export_csv(request):
    return _export(request, report_csv, "text/csv; charset=utf-8", "csv")


@login_required
@never_cache
@require_GET
def export_xlsx(request):
    return _export(
        request,
        report_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    )
