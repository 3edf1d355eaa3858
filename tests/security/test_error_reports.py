"""Error reports carry no personal data (security.md matrix G5): an exception raised inside the
worker's filing view, with an ID number, a phone number, a name and a receipt code in the form
and in the exception's own message, reaches the log and the error email scrubbed; the session
cookie and the request body appear in neither."""

import io
import logging
import sys
from unittest import mock

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.views.debug import ExceptionReporter

from security.logging import ScrubFilter, scrub

ID_NUMBER = "32048219900307123X"
PHONE = "13912345678"
NAME = "Canary Weiming"
RECEIPT = "7K3M-Q9RT-2XWB-HP4D"
CREDIT_CODE = "91320412MA1XYZ1234"
PLANTED = (ID_NUMBER, PHONE, NAME, RECEIPT, CREDIT_CODE)
# Built here so that a report's source excerpt of the failing line cannot contain them.
BODY = "BODY-" + "CANARY"
COOKIE = "s3cr3tsessionkey" + "value0123456789a"


@pytest.fixture
def log_output():
    """What the project's log handler (settings.LOGGING) writes, captured."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ScrubFilter) for f in h.filters)
    ]
    assert len(handlers) == 1, "the root log handler scrubs what it writes"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    try:
        yield stream
    finally:
        handlers[0].setStream(previous)


def _explode(post, slug):
    # A bug that puts what the worker typed into an exception message.
    raise ValueError(f"could not read {dict(post)!r} for step {slug}; receipt {RECEIPT}")


@pytest.fixture
def crashing_intake(db, settings):
    settings.DEBUG = False
    settings.ADMINS = ["ops@example.org"]
    with mock.patch("casework.views.filing._raw_from_post", side_effect=_explode):
        yield


def _post_about(client):
    client.get("/file/")  # a session, so that a session cookie goes with the POST
    client.cookies["sessionid"] = COOKIE
    return client.post(
        "/file/about/",
        {
            "worker_name": NAME,
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "credit_code": CREDIT_CODE,
            "note": f"{BODY} my boss threatened me",
        },
    )


def test_an_exception_in_the_filing_view_leaves_no_identity_in_the_log(crashing_intake, log_output):
    client = Client(raise_request_exception=False)
    response = _post_about(client)
    assert response.status_code == 500

    written = log_output.getvalue()
    assert "Internal Server Error: /file/about/" in written
    assert "ValueError: could not read" in written  # the traceback is there, scrubbed
    for planted in (*PLANTED, BODY, COOKIE):
        assert planted not in written, planted
    # The generic error page shows none of it either.
    body = response.content.decode()
    assert all(p not in body for p in (*PLANTED, "Traceback", "ValueError"))


def test_the_error_email_hides_the_form_the_cookies_and_the_message(crashing_intake, log_output):
    client = Client(raise_request_exception=False)
    _post_about(client)
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    text = report.subject + report.body + "".join(str(a[1]) for a in report.alternatives)
    assert "could not read" in text
    for planted in (*PLANTED, BODY, COOKIE):
        assert planted not in text, planted


def test_djangos_own_report_hides_every_field_cookie_and_local(settings):
    request = RequestFactory().post("/file/about/", {"id_number": ID_NUMBER, "note": BODY})
    request.COOKIES["sessionid"] = COOKIE
    secret_local = NAME  # noqa: F841 — a local variable of the failing frame
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        text = reporter.get_traceback_text() + reporter.get_traceback_html()
    for planted in (ID_NUMBER, NAME, BODY, COOKIE):
        assert planted not in text, planted
    assert "id_number" in text  # the field's name is shown, its value is not


def test_the_scrubber_keeps_ordinary_text():
    text = "Internal Server Error: /cases/CZ-2026-000123/ took 1234 ms in this file path here"
    assert scrub(text) == text
    assert scrub(f"id {ID_NUMBER} tel +86 {PHONE} code {RECEIPT.lower()}") == (
        "id [id-number] tel [phone] code [code]"
    )
