"""casework/datefmt.py prints what django.utils.dateformat prints, for any moment, in both
languages, for the project's formats and for formats it hands on unchanged."""

from datetime import UTC, date, datetime, timedelta, timezone

from django.utils import dateformat, translation
from django.utils.formats import get_format
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.datefmt import _compile, format_date

FORMATS = [
    "Y年n月j日 H:i",
    "j M Y, H:i",
    "Y-m-d H:i:s",
    r"\Y\e\s Y \a\t G\h",  # escaped format characters stay literal
    "Y年n月j日",
    "j M Y",
    "N j, Y, P",  # not compiled: handed to dateformat
    "D, d M Y",  # not compiled
]
moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.none()
)


@settings(max_examples=300, deadline=None)
@given(moment=moments, offset=st.integers(-12, 14), aware=st.booleans())
def test_every_format_prints_what_dateformat_prints(moment, offset, aware):
    value = moment.replace(tzinfo=timezone(timedelta(hours=offset))) if aware else moment
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for fmt in [*FORMATS, get_format("DATETIME_FORMAT"), get_format("DATE_FORMAT")]:
                assert format_date(value, fmt) == dateformat.format(value, fmt), (language, fmt)
            day = value.date()
            assert format_date(day, get_format("DATE_FORMAT")) == dateformat.format(
                day, get_format("DATE_FORMAT")
            )


def test_the_projects_formats_are_compiled_and_others_are_not():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert _compile(get_format("DATETIME_FORMAT")) is not None
            assert _compile(get_format("DATE_FORMAT")) is not None
    assert _compile("N j, Y, P") is None
    moment = datetime(2026, 3, 5, 9, 7, tzinfo=UTC)
    assert format_date(moment, "Y年n月j日 H:i") == "2026年3月5日 09:07"
    with translation.override("en"):
        assert format_date(date(2026, 3, 5), "j M Y") == "5 Mar 2026"
