"""Error reports without personal data (security.md matrix G5).

Whatever records an exception — the log handlers of settings.LOGGING, an error email, Django's
technical error page — must not carry a worker's identity, a receipt code, a session cookie or
the body of the request. Two pieces:

- `ScrubFilter`, on every handler of settings.LOGGING: the record's message, traceback and stack
  are formatted once, the values of the request's form fields, cookies and query string (when
  the record carries the request, as django.request's records do) and anything shaped like an
  ID number, a credit code, a mobile number, a receipt code or a session key are replaced, and
  the request is taken off the record (so no handler can report it). Control characters are
  then escaped (matrix G2, log injection): CR, LF, ESC (ANSI sequences), the other C0 and C1
  controls and the Unicode line separators in the message become visible escapes ("\\r",
  "\\x1b"), so a username, a filename or an employer's name cannot forge a log line or recolour
  a terminal; a traceback keeps its own line breaks, but its exception messages are escaped
  like the message.
- `PrivateExceptionReporterFilter` (DEFAULT_EXCEPTION_REPORTER_FILTER): the reports Django builds
  (error emails, the DEBUG page) show every POST field, cookie and local variable as
  "********************", and no request META.
"""

from __future__ import annotations

import logging
import re
import time
import traceback

from django.utils.log import AdminEmailHandler
from django.views.debug import SafeExceptionReporterFilter

REDACTED = "[redacted]"
_PATTERNS = (
    # Resident identity card numbers: 18 characters (17 digits and a digit or X), or 15 digits.
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[id-number]"),
    (re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"), "[id-number]"),
    # Unified social credit codes (18 characters of their alphabet, with digits in 3-8).
    (
        re.compile(
            r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])"
        ),
        "[credit-code]",
    ),
    # Mainland mobile numbers, with or without +86.
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"), "[phone]"),
    # Receipt codes (casework.services.intake: 16 characters, shown in groups of four), any
    # case, with hyphens or without (a 16-letter word is scrubbed too: harmless).
    (
        re.compile(r"(?<![0-9A-Za-z_-])[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){3}(?![0-9A-Za-z_-])"),
        "[code]",
    ),
    (re.compile(r"(?<![0-9A-Za-z_-])[0-9A-Za-z]{16}(?![0-9A-Za-z_-])"), "[code]"),
    # Cookies by name, and anything shaped like a Django session key.
    (re.compile(r"((?:__Host-)?[\w-]*(?:session|csrf)[\w-]*)=[^;\s'\"&]+", re.I), r"\1=[redacted]"),
    (re.compile(r"(?<![0-9a-z])[0-9a-z]{32}(?![0-9a-z])"), "[key]"),
)
MIN_VALUE_LENGTH = 4  # shorter form values ("1", "yes") are left alone


def _request_values(request) -> list[str]:
    values: list[str] = []
    for source in ("POST", "GET", "COOKIES"):
        try:
            data = getattr(request, source, None)
        except Exception:  # noqa: BLE001 — an unreadable body has nothing to scrub
            data = None
        if data is None:
            continue
        lists = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
        for _key, items in lists:
            values.extend(str(v) for v in items if len(str(v)) >= MIN_VALUE_LENGTH)
    return sorted(set(values), key=len, reverse=True)


# Every C0 control, DEL, every C1 control, and U+2028/U+2029 (line breaks to some readers).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with its control characters written as escapes (a log record's message: one
    line, whatever a user typed). With keep_newlines, "\\n" stays (a traceback's lines)."""
    return (_CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL).sub(_escape, text)


def scrub(text: str, values: list[str] = ()) -> str:
    for value in values:
        text = text.replace(value, REDACTED)
        escaped = escape_controls(value)  # as a message or repr() shows a multi-line value
        if escaped != value:
            text = text.replace(escaped, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ScrubFilter(logging.Filter):
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_scrubbed", False):
            return True
        request = getattr(record, "request", None)
        values = _request_values(request) if request is not None else []
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad format string: keep the template only
            message = str(record.msg)
        record.msg, record.args = escape_controls(scrub(message, values)), None
        if record.exc_info:
            record.exc_text = self._format_exception(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = escape_controls(scrub(record.exc_text, values), keep_newlines=True)
        if record.stack_info:
            record.stack_info = escape_controls(
                scrub(record.stack_info, values), keep_newlines=True
            )
        record.request = None
        record._scrubbed = True
        return True

    @classmethod
    def _format_exception(cls, exc_info) -> str:
        """The traceback, each exception's own message (and its chain's) on one escaped line."""
        text = cls._formatter.formatException(exc_info)
        exc, seen = exc_info[1], set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            only = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
            escaped = escape_controls(only)
            if escaped != only:
                text = text.replace(only, escaped)
            exc = exc.__cause__ or exc.__context__
        return text


class UTCFormatter(logging.Formatter):
    """Every line begins with its time in UTC, ISO 8601 with milliseconds and a "Z", whatever
    the server's time zone (security.md G1: each entry carries a UTC timestamp), then the
    level and the logger: `2026-11-26T07:41:58.123Z WARNING security.authz authz_refused …`."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def __init__(self, fmt: str = "%(asctime)s %(levelname)s %(name)s %(message)s", **kwargs):
        super().__init__(fmt, **kwargs)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Every POST field, cookie, local variable and META entry hidden, whatever the view."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        return {}

    def get_safe_cookies(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.COOKIES}

    def get_safe_settings(self):
        return {}


class ScrubbedAdminEmailHandler(AdminEmailHandler):
    """Django's error email, as plain text: the scrubbed message and traceback of the record
    (ScrubFilter runs first and takes the request off it), no request, settings or locals."""

    def emit(self, record: logging.LogRecord) -> None:
        subject = self.format_subject(f"{record.levelname}: {record.getMessage()}")
        self.send_mail(subject, self.format(record), fail_silently=True)
