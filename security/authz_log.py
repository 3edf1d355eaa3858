"""One structured log record per refused request (security.md §7 A3, G1 "authz denial").

Every refusal the app answers — a hidden or missing object (404), an action the person may not
take (403) — is written to the `security.authz` logger as one line:

    authz_refused status=404 method=POST route=casework:case_transition object=CZ-2026-000012 actor=17

with the route's name (not its path), the object's public reference or number from the URL, and
the account id (or "anonymous"). Nothing else: no address, no browser string, no names, no form
data. Whether a 404 hid an object or found none is not said, in the log as in the answer.

It is a log record, not an audit row: a refused request must leave the database exactly as it
was (security.md §7 conventions, A2), and the audit trail is the case's own history.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("security.authz")

_OBJECT_KEYS = ("reference", "pk", "proceeding_id", "token_id", "membership_id")


def _actor(request) -> str:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return str(user.pk)


def log_refusal(request, status: int) -> None:
    if request is None or status not in (403, 404):
        return
    match = getattr(request, "resolver_match", None)
    route = match.view_name if match is not None else "-"
    kwargs = match.kwargs if match is not None else {}
    obj = next((str(kwargs[k]) for k in _OBJECT_KEYS if k in kwargs), "-")
    logger.warning(
        "authz_refused status=%d method=%s route=%s object=%s actor=%s",
        status,
        request.method,
        route,
        obj,
        _actor(request),
    )
