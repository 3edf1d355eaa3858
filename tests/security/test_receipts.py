"""Anonymous receipts and the anonymous filer's traces (security.md E5, E6, G4).

- a receipt code has at least 80 bits from `secrets`, is stored only as a keyed digest, and is
  compared in constant time;
- guesses are limited per code and for the whole site, with nothing about the client kept;
- a database dump (dumpdata, every table, the raw SQLite bytes) holds no receipt code;
- a planted IP address and browser string of an anonymous filer appear nowhere: not in any
  table, not in the raw database, not in the cache, not in the logs.
"""

import hashlib
import logging
import math
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from casework.crypto import lookup_digest
from casework.models import Case
from casework.services import intake
from casework.services.intake import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    new_receipt_code,
    normalise_receipt_code,
    receipt_lookup,
)
from casework.views import worker as worker_views
from tests.casework.test_worker_views import (
    RECEIPT_PATTERN,
    _database_text,
    _fill_steps,
    _submit,
    _track,
)
from tests.factories import jpeg_with_gps

CANARY_IP = "203.0.113.77"
CANARY_UA = "CANARY-UA-5f3c9e2a-rightsdesk"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def _forms(code: str) -> set[str]:
    """The ways a code could be written down: as shown, normalised, lower case, unhyphenated."""
    plain = code.replace("-", "")
    return {code, plain, plain.lower(), normalise_receipt_code(code), code.lower()}


def _raw_database_bytes() -> bytes:
    """The database as bytes: the SQLite image (free pages included), or on PostgreSQL the text
    of every row (the closest thing a test can read)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.serialize()
    return _database_text().encode()


def _dumpdata() -> str:
    out = StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


# --- the code itself ------------------------------------------------------------------------------


def test_a_receipt_code_carries_at_least_80_bits_from_secrets(monkeypatch):
    assert len(set(RECEIPT_ALPHABET)) == len(RECEIPT_ALPHABET)
    assert RECEIPT_LENGTH * math.log2(len(RECEIPT_ALPHABET)) >= 80
    calls = []
    real_choice = intake.secrets.choice
    monkeypatch.setattr(intake.secrets, "choice", lambda seq: calls.append(seq) or real_choice(seq))
    code = new_receipt_code()
    assert len(calls) == RECEIPT_LENGTH and all(seq == RECEIPT_ALPHABET for seq in calls)
    assert len(normalise_receipt_code(code)) == RECEIPT_LENGTH
    codes = {new_receipt_code() for _ in range(2000)}
    assert len(codes) == 2000


def test_the_stored_digest_is_keyed(anonymous_case, settings):
    case, code = anonymous_case
    normalised = normalise_receipt_code(code)
    case.refresh_from_db()
    assert case.receipt_digest == lookup_digest("receipt", normalised)
    # Not a plain hash that anyone could recompute from a guess:
    assert case.receipt_digest != hashlib.sha256(normalised.encode()).hexdigest()
    settings.LOOKUP_HASH_KEY = "another-installation"
    assert lookup_digest("receipt", normalised) != case.receipt_digest
    assert receipt_lookup(code) is None


def test_the_lookup_compares_in_constant_time(anonymous_case, monkeypatch):
    case, code = anonymous_case
    seen = []
    real = intake.digests_equal
    monkeypatch.setattr(intake, "digests_equal", lambda a, b: seen.append((a, b)) or real(a, b))
    assert receipt_lookup(code) == case
    assert len(seen) == 1
    assert "compare_digest" in real.__code__.co_names  # hmac.compare_digest, not ==


def test_an_over_long_code_is_refused_before_hashing(anonymous_case, client, monkeypatch):
    calls = []
    monkeypatch.setattr(intake, "lookup_digest", lambda *a: calls.append(a) or "x")
    assert receipt_lookup("A" * 10_000) is None
    assert calls == []
    response = _track(client, "A" * 10_000)
    assert response.status_code == 200 and worker_views.SESSION_TRACK not in client.session


def test_guessing_one_code_is_limited_and_so_is_the_whole_site(anonymous_case, client, monkeypatch):
    case, code = anonymous_case
    for _ in range(worker_views.TRACK_LIMIT_PER_CODE):
        _track(client, code[:-1] + ("0" if code[-1] != "0" else "1"))
    # The per-code counter is for that code only: the real one still opens.
    assert _track(client, code).status_code == 302
    for _ in range(worker_views.TRACK_LIMIT_PER_CODE):
        _track(Client(), code)
    assert _track(Client(), code).status_code == 429
    monkeypatch.setattr(worker_views, "TRACK_LIMIT_GLOBAL", 0)
    assert _track(Client(), "AAAA-BBBB-CCCC-DDDD").status_code == 429
    # The counters are keyed by digests and windows, never by the client.
    for key in cache._cache:
        assert CANARY_IP not in key and "127.0.0.1" not in key
        assert not _forms(code) & {part for part in key.split(":")}


def test_a_database_dump_reveals_no_receipt_code(world, client):
    # Given an anonymous filing through the pages, followed up once with its code,
    _fill_steps(client)
    code = RECEIPT_PATTERN.search(_submit(client).content.decode()).group(1)
    assert _track(client, code).status_code == 302
    # then neither dumpdata, nor any table, nor the raw database bytes hold the code.
    dump, rows, raw = _dumpdata(), _database_text(), _raw_database_bytes()
    reference = Case.objects.get().reference
    assert reference in dump and reference.encode() in raw  # the dumps are real
    for form in _forms(code):
        assert form not in dump, form
        assert form not in rows, form
        assert form.encode() not in raw, form
        assert form.encode("utf-16-le") not in raw, form


# --- no trace of who filed ------------------------------------------------------------------------


def test_a_planted_address_and_browser_string_appear_nowhere(world, caplog, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    caplog.set_level(logging.DEBUG)
    client = Client(
        REMOTE_ADDR=CANARY_IP,
        HTTP_USER_AGENT=CANARY_UA,
        HTTP_X_FORWARDED_FOR=CANARY_IP,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # An anonymous worker files, follows up, writes to the union and adds evidence;
    _fill_steps(client)
    code = RECEIPT_PATTERN.search(_submit(client).content.decode()).group(1)
    _track(client, "AAAA-BBBB-CCCC-DDDD")  # a mistyped code first
    assert _track(client, code).status_code == 302
    client.post(reverse("casework:track_action", args=["message"]), {"body": "什么时候有回复？"})
    upload = SimpleUploadedFile("slip.jpg", jpeg_with_gps(), content_type="image/jpeg")
    client.post(reverse("documents:evidence_upload_track"), {"files": [upload], "description": "d"})
    case = Case.objects.get()
    assert case.messages.exists() and case.evidence.exists()  # it all really happened
    # and tries to sign in, too.
    client.post("/accounts/login/", {"username": "someone", "password": "x"})

    dump, rows, raw = _dumpdata(), _database_text(), _raw_database_bytes()
    logs = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'request', '')!r}"
        for r in caplog.records
    )
    cached = repr(list(cache._cache.items()))
    files = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for canary in (CANARY_IP, CANARY_UA):
        assert canary not in dump
        assert canary not in rows
        assert canary.encode() not in raw
        assert canary not in logs
        assert canary not in cached
        assert canary.encode() not in files
