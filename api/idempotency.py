"""`Idempotency-Key` on POST: a retried request gets the first answer and creates nothing
twice, also when the two arrive at the same time.

1. Before the view runs, a row (caller, key) is inserted and committed in its own
   transaction. The unique constraint lets exactly one request claim the key.
2. A request that finds the row completed gets the stored status and body back (with
   `Idempotent-Replayed: true`). One that finds it still running waits for it (up to
   IDEMPOTENCY_WAIT_SECONDS), then answers the same — or 409 if it is still running.
3. The same key with another method, path or body is refused (422).
4. When the request ends, its status and body are stored; a server error (5xx or an
   exception) releases the key instead, so that the retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .errors import problem
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
POLL_SECONDS = 0.05


class Replay(Exception):  # noqa: N818 - not an error: carries the answer to give
    def __init__(self, response):
        self.response = response


def wait_seconds() -> float:
    return float(getattr(settings, "API_IDEMPOTENCY_WAIT_SECONDS", 10))


def owner_of(request) -> str | None:
    token = getattr(request, "auth", None)
    if token is not None and hasattr(token, "prefix"):
        return f"token:{token.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def fingerprint(request) -> str:
    """Method, path and the parsed body (uploaded files by name and size)."""
    h = hashlib.sha256()
    h.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    items = []
    if hasattr(data, "lists"):
        for key, values in sorted(data.lists()):
            for v in values:
                if hasattr(v, "read"):
                    items.append([key, "file", getattr(v, "name", ""), getattr(v, "size", 0)])
                else:
                    items.append([key, str(v)])
    else:
        items = data
    h.update(json.dumps(items, sort_keys=True, cls=JSONEncoder, default=str).encode())
    return h.hexdigest()


def _stored_response(record: IdempotencyRecord) -> Response:
    body = json.loads(record.body) if record.body else None
    response = Response(body, status=record.status)
    if body is not None and isinstance(body, dict) and "type" in body and "title" in body:
        response.content_type = "application/problem+json"
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def claim(request) -> IdempotencyRecord | None:
    """Claim the key of this request, or raise Replay with the answer to give. None when the
    request carries no key (or is not a POST)."""
    if request.method != "POST":
        return None
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Replay(
            problem(
                400,
                _("The Idempotency-Key header must have 1 to %(n)d characters.")
                % {"n": MAX_KEY_LENGTH},
                errors={HEADER: [_("Invalid value.")]},
            )
        )
    owner = owner_of(request)
    if owner is None:
        return None  # unauthenticated requests are refused by the view anyway
    fp = fingerprint(request)
    deadline = time.monotonic() + wait_seconds()
    while True:
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(owner=owner, key=key, fingerprint=fp)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if existing is None:
            continue  # released meanwhile (the first request failed): claim it again
        if existing.fingerprint != fp:
            raise Replay(
                problem(
                    422,
                    _("This Idempotency-Key was already used for a different request."),
                )
            )
        if existing.status is not None:
            raise Replay(_stored_response(existing))
        if time.monotonic() >= deadline:
            raise Replay(
                problem(
                    409,
                    _("A request with this Idempotency-Key is still being processed. Retry later."),
                )
            )
        time.sleep(POLL_SECONDS)


def complete(record: IdempotencyRecord, response) -> None:
    """Store the answer (4xx included: the retry gets the same refusal); release on 5xx."""
    if response.status_code >= 500:
        release(record)
        return
    data = getattr(response, "data", None)
    body = json.dumps(data, cls=JSONEncoder) if data is not None else ""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status=response.status_code,
        body=body,
        location=response.get("Location", "")[:500],
        completed_at=timezone.now(),
    )


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, status__isnull=True).delete()


def idempotency_records_purge(*, keep=None, now=None) -> int:
    """Forget answers older than `keep` (default API_IDEMPOTENCY_KEEP_HOURS, 24 h): a retry
    after that runs again. Also frees keys whose request never finished (its process died)."""
    from datetime import timedelta

    now = now or timezone.now()
    keep = keep or timedelta(hours=float(getattr(settings, "API_IDEMPOTENCY_KEEP_HOURS", 24)))
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - keep).delete()
    return deleted
