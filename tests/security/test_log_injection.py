"""Log injection (security.md matrix G2): CR, LF, ANSI escape sequences and the other control
characters in what users type — a username, a filename, an employer's name — are escaped in the
log output (security.logging.ScrubFilter), so they cannot forge a log line or drive a terminal."""

import io
import logging
import re

import pytest
from django.test import Client

from security.logging import ScrubFilter, escape_controls

FORGED = "INFO forged: admin signed in"
USERNAME = f"alice\r\n{FORGED}"
EMPLOYER = "常州\x1b[31m恒远\x1b[0m有限公司\u2028" + FORGED
FILENAME = "工资条\x00\x07\x08\x9b2J.jpg"


@pytest.fixture
def log_output():
    """What the project's log handler (settings.LOGGING) writes, captured."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ScrubFilter) for f in h.filters)
    ]
    assert len(handlers) == 1
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    try:
        yield stream
    finally:
        handlers[0].setStream(previous)


def _raw_controls(text: str) -> set[str]:
    return {c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F} | (
        {c for c in text if c in "\u2028\u2029"}
    )


def test_a_username_employer_and_filename_stay_on_one_escaped_line(log_output):
    logging.getLogger("casework").warning(
        "sign-in refused for %s (employer %s, file %s)", USERNAME, EMPLOYER, FILENAME
    )
    written = log_output.getvalue()
    # One line: nothing the user typed starts another,
    assert written.count("\n") == 1 and written.endswith("\n")
    assert not any(line.startswith("INFO") for line in written.splitlines())
    # no raw control character reaches the output, each is shown as an escape,
    assert _raw_controls(written) == set()
    assert "alice\\r\\nINFO forged" in written
    assert "常州\\x1b[31m恒远\\x1b[0m有限公司\\u2028INFO forged" in written
    assert "工资条\\x00\\x07\\x08\\x9b2J.jpg" in written


def test_an_exception_message_is_escaped_inside_its_traceback(log_output):
    try:
        try:
            raise KeyError(USERNAME)
        except KeyError as inner:
            raise ValueError(f"could not file for {EMPLOYER}\n{FORGED}") from inner
    except ValueError:
        logging.getLogger("documents").exception("rendering failed for %s", USERNAME)
    written = log_output.getvalue()
    lines = written.splitlines()
    # The traceback keeps its lines (several), but no line is one the user wrote,
    # (each line starts with its UTC time, level and logger: security.logging.UTCFormatter)
    assert len(lines) > 5 and re.fullmatch(
        r"\S+Z ERROR documents rendering failed for alice\\r\\nINFO forged: admin signed in",
        lines[0],
    )
    assert not any(line.startswith(("INFO", FORGED)) for line in lines)
    # both exceptions' messages are one escaped line each, and no control character is left.
    assert any(
        line.startswith("ValueError: could not file for 常州\\x1b[31m")
        and line.endswith("\\u2028INFO forged: admin signed in\\nINFO forged: admin signed in")
        for line in lines
    )
    assert any(line.startswith("KeyError: 'alice\\r\\nINFO forged") for line in lines)
    assert _raw_controls(written) == set()


def test_a_request_path_with_a_line_break_is_logged_on_one_line(db, settings, log_output):
    settings.DEBUG = False
    response = Client().get("/no-such-page%0D%0AINFO%20forged%1B%5B31m/")
    assert response.status_code == 404
    written = log_output.getvalue()
    assert "Not Found: /no-such-page" in written
    assert written.count("\n") == 1 and _raw_controls(written) == set()


def test_every_control_character_is_escaped_and_nothing_else_changes():
    controls = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]))
    escaped = escape_controls(controls)
    assert _raw_controls(escaped) == set() and "\n" not in escaped
    assert escaped.startswith("\\x00\\x01") and "\\t\\n\\x0b\\x0c\\r" in escaped
    assert escaped.endswith("\\x9f\\u2028\\u2029")
    ordinary = "王小明 CZ-2026-000123 «ok» ü – 100%"
    assert escape_controls(ordinary) == ordinary
    # Tracebacks keep their line breaks only.
    assert escape_controls("a\nb\r\x1b", keep_newlines=True) == "a\nb\\r\\x1b"
