"""Escaping for markup built in Python (the list and case-page tags): the text of
django.utils.html.escape — html.escape of str(value) — without its lazy-argument wrapper and
SafeString, which cost more than the escaping on pages that escape a few thousand values."""

import html


def escape(value) -> str:
    return html.escape(str(value))
