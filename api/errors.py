"""One error shape for the whole API: problem details (RFC 9457) as
`application/problem+json` — type, title, status, detail and, for bad input, `errors` by
field. Messages are in the request's language (LocaleMiddleware: Accept-Language, Chinese by
default). Domain errors of the services keep their status: a state conflict is 409."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from casework.errors import DomainError
from security.authz_log import log_refusal

PROBLEM_TYPE = "urn:rightsdesk:problem:"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: ("invalid", _("The request is not valid.")),
        401: ("unauthenticated", _("Authentication is required.")),
        403: ("forbidden", _("This action is not allowed.")),
        404: ("not-found", _("Not found.")),
        405: ("method-not-allowed", _("Method not allowed.")),
        406: ("not-acceptable", _("The requested format is not available.")),
        409: ("conflict", _("Conflict with the current state.")),
        413: ("too-large", _("The upload is too large.")),
        415: ("unsupported-media-type", _("Unsupported media type.")),
        422: ("idempotency-key-reused", _("The idempotency key was used for another request.")),
        429: ("rate-limited", _("Too many requests.")),
    }


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as {field: [messages]} (nested fields joined with '.')."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, dict | list):
                    walk(f"{prefix}.{i}" if prefix else str(i), v)
                else:
                    out.setdefault(prefix or "non_field_errors", []).append(force_str(v))
        else:
            out.setdefault(prefix or "non_field_errors", []).append(force_str(value))

    walk("", detail)
    return out


def problem(status: int, detail: str = "", *, errors: dict | None = None, headers=None) -> Response:
    slug, title = _titles().get(status, ("error", _("The request could not be completed.")))
    body = {
        "type": PROBLEM_TYPE + slug,
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = {k: [force_str(m) for m in v] for k, v in errors.items()}
    response = Response(body, status=status, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every refusal and error as a problem."""
    request = context.get("request") if context else None
    if isinstance(exc, DomainError):
        log_refusal(request, exc.status)
        errors = {k: [force_str(m) for m in v] for k, v in (exc.field_errors or {}).items()}
        return problem(exc.status, force_str(exc.message), errors=errors or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.NotFound | exceptions.PermissionDenied):
        log_refusal(request, exc.status_code)
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's handler (and its logging) takes it
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.values()), [""])[0]
        return problem(400, first, errors=errors, headers=headers)
    detail = exc.detail
    text = force_str(detail) if not isinstance(detail, dict | list) else ""
    return problem(exc.status_code, text, headers=headers)
