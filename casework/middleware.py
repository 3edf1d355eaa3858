"""One place that turns domain errors into responses (STYLE rule 6)."""

from django.http import HttpResponse
from django.template.loader import render_to_string

from .errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        template = "errors/404.html" if exception.status == 404 else "errors/domain_error.html"
        body = render_to_string(template, {"error": exception}, request=request)
        return HttpResponse(body, status=exception.status)
