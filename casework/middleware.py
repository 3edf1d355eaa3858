"""One place that turns domain errors into responses (STYLE rule 6)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string

from security.authz_log import log_refusal

from .errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404 | PermissionDenied):
            # Django's own handlers answer these; the refusal is logged here all the same.
            log_refusal(request, 404 if isinstance(exception, Http404) else 403)
            return None
        if not isinstance(exception, DomainError):
            return None
        log_refusal(request, exception.status)
        template = "errors/404.html" if exception.status == 404 else "errors/domain_error.html"
        body = render_to_string(template, {"error": exception}, request=request)
        return HttpResponse(body, status=exception.status)
