from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


@never_cache
@require_safe
def healthz(request):
    """200 when the database, the task backend and storage answer, else 503; JSON, no sign-in,
    nothing about the installation beyond which kind of each is in use."""
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)
