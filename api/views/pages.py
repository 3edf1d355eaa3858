"""Pages of the API: the interactive documentation (Swagger UI from the app's own static
files, started by a static script: no inline script, no CDN) and the API-token page where
staff create tokens for themselves (shown once) and revoke them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from casework.errors import GuardFailed

from ..models import ApiToken
from ..tokens import token_create, token_revoke


@require_http_methods(["GET", "HEAD"])
def docs(request):
    """Swagger UI for /api/schema/."""
    return render(request, "api/docs.html", {"schema_url": reverse("api-schema")})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    memberships = list(
        request.user.memberships.select_related("organisation").order_by("organisation__path", "id")
    )
    new_token = None
    errors: dict = {}
    if request.method == "POST":
        try:
            raw_membership = request.POST.get("membership", "")
            _row, new_token = token_create(
                user=request.user,
                membership_id=int(raw_membership) if raw_membership.isdigit() else None,
                name=request.POST.get("name", ""),
            )
        except GuardFailed as exc:
            errors = exc.field_errors
    rows = list(
        ApiToken.objects.filter(user=request.user).select_related("membership__organisation")
    )
    response = render(
        request,
        "api/tokens.html",
        {
            "memberships": memberships,
            "tokens": rows,
            "new_token": new_token,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token_revoke(user=request.user, token_id=pk)
    messages.success(request, _("The token is revoked; it is refused from now on."))
    return HttpResponseRedirect(reverse("api-tokens"), status=303)


@csrf_exempt  # answers 404 to anything and changes nothing: no form to protect
def not_found(request, *args, **kwargs):
    """Unknown paths under /api/: the API's 404 problem, in the request's language."""
    import json

    from django.http import HttpResponse

    from ..errors import PROBLEM_TYPE

    body = {
        "type": PROBLEM_TYPE + "not-found",
        "title": _("Not found."),
        "status": 404,
        "detail": _("Not found."),
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=404,
        content_type="application/problem+json",
    )


def page_not_found(request, exception=None):
    """handler404 (config/urls.py): a 404 no view answered. Under /api/ it is the API's
    problem too, whatever raised it (the catch-all above takes every unknown path; this is for
    an Http404 from outside a view); elsewhere it is the site's page."""
    if request.path_info.startswith("/api/"):
        return not_found(request)
    return defaults.page_not_found(request, exception)
