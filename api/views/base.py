"""What every API view shares: the gate's fetch helpers and the Idempotency-Key handling."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.generics import GenericAPIView

from casework.permissions import Access, get_case_or_404

from .. import idempotency

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=idempotency.HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key per intended action (e.g. a UUID). A retry with the same key returns the "
        "first answer (status and body) and creates nothing twice."
    ),
)


class ApiView(GenericAPIView):
    """GenericAPIView with idempotent POSTs (api.idempotency)."""

    _idempotency_record = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        self._idempotency_record = idempotency.claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency_record = self._idempotency_record, None
        if record is not None:
            idempotency.complete(record, response)
        return response

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except BaseException:
            if self._idempotency_record is not None:
                idempotency.release(self._idempotency_record)
                self._idempotency_record = None
            raise


def case_of(request, reference: str, *levels: Access):
    """The case through the gate at one of `levels` (default: the whole file); 404 otherwise."""
    case, level = get_case_or_404(request.user, reference, levels=levels or (Access.FULL,))
    return case, level
