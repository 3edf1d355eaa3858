"""drf-spectacular additions: the schema class, the token security scheme, and the
problem-details answers every operation can give (documented so that clients and Schemathesis
know the error shape)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

ERROR_STATUSES = {
    "400": "Invalid input; `errors` says what, by field",
    "401": "Not authenticated (no or a revoked token)",
    "403": "The caller sees the object but may not take this action",
    "404": "Not found, or not visible to the caller (the two look the same)",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflict: the case is in another state, someone acted first, or a request with "
    "the same Idempotency-Key is still running",
    "413": "Upload too large",
    "415": "Unsupported media type",
    "422": "The Idempotency-Key was used for a different request",
    "429": "Too many requests",
}


class ApiAutoSchema(AutoSchema):
    """REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]. Pagination belongs to the GET lists, the only
    handlers that page: the views' pagination_class would otherwise make drf-spectacular
    document a POST that answers with a list (the evidence upload's 201: the stored files) as
    a page of results, with a `page` parameter it does not take."""

    def _get_paginator(self):
        return super()._get_paginator() if self.method == "GET" else None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from /api/tokens/ (rdt_…)",
        }


def add_problem_responses(result, generator, request, public):
    """POSTPROCESSING_HOOK: a Problem component and the error answers on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, text in ERROR_STATUSES.items():
                responses.setdefault(
                    code,
                    {"description": text, "content": {"application/problem+json": {"schema": ref}}},
                )
    return result
