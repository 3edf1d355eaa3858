"""Django's date formatting (`{{ value|date:fmt }}`, django.utils.dateformat.format) for the
formats the pages use, compiled once per format string: a timeline of 200 entries formats 200
times per page, and dateformat re-parses the format with a regular expression and builds a
formatter object every time.

Only the format characters below are compiled (the project's DATE_FORMAT and DATETIME_FORMAT in
both languages: "Y年n月j日 H:i", "j M Y, H:i"); a format with any other character is handed to
dateformat.format unchanged. tests/casework/test_datefmt.py checks both give the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

from django.utils import dateformat
from django.utils.dates import MONTHS_3

# django.utils.dateformat: the characters it formats, and its escape.
_FORMAT_CHARS = re.compile(r"(?<!\\)([aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ])")
_ESCAPED = re.compile(r"\\(.)")

_COMPILED: dict[str, Callable[[date], str]] = {
    "Y": lambda d: f"{d.year:04d}",
    "m": lambda d: f"{d.month:02d}",
    "n": lambda d: str(d.month),
    "d": lambda d: f"{d.day:02d}",
    "j": lambda d: str(d.day),
    "M": lambda d: str(MONTHS_3[d.month]).title(),
    "H": lambda d: f"{d.hour:02d}",
    "G": lambda d: str(d.hour),
    "i": lambda d: f"{d.minute:02d}",
    "s": lambda d: f"{d.second:02d}",
}
_TIME_CHARS = set("HGis")


@lru_cache(maxsize=64)
def _compile(fmt: str) -> tuple[tuple[str | Callable[[date], str], ...], bool] | None:
    """The format as literal strings and formatters, and whether it reads the time; None when
    it uses a character not compiled here."""
    parts: list[str | Callable[[date], str]] = []
    reads_time = False
    for i, piece in enumerate(_FORMAT_CHARS.split(fmt)):
        if i % 2:
            if piece not in _COMPILED:
                return None
            parts.append(_COMPILED[piece])
            reads_time = reads_time or piece in _TIME_CHARS
        elif piece:
            parts.append(_ESCAPED.sub(r"\1", piece))
    return tuple(parts), reads_time


def format_date(value: date | datetime, fmt: str) -> str:
    """`dateformat.format(value, fmt)`, faster for the formats compiled above."""
    compiled = _compile(fmt)
    if compiled is None or (compiled[1] and not isinstance(value, datetime)):
        return dateformat.format(value, fmt)
    return "".join(p if isinstance(p, str) else p(value) for p in compiled[0])
