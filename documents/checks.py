"""System checks of the documents app (run by `manage.py check`, `runserver`, `migrate`).

documents.W001: WeasyPrint's fast font subsetting (HarfBuzz-Subset, Debian `libharfbuzz-subset0`)
is missing. WeasyPrint then falls back to fontTools, which subsets the 19 MB Noto CJK collection
in Python: a 7-page Chinese/English filing took about 6.9 s instead of 0.37 s (libraries.md
§3.1), and WeasyPrint says the fallback will be removed.

The check looks for the library the way WeasyPrint loads it (by the same names, with ctypes),
without importing WeasyPrint: importing it in a process that later forks has crashed workers
(libraries.md §3.3).

documents.W002 (deployment check, `manage.py check --deploy`): no virus scanner is configured
for evidence files (RIGHTSDESK_CLAMD unset). Uploads are then stored unscanned, and a file
carrying malware would be handed on to caseworkers and lawyers (security.md §6.7, matrix C6).
documents.W003 (deployment check): RIGHTSDESK_CLAMD is set but is not a clamd address
(unix:///path or tcp://host:port); every upload would be refused.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

# The names WeasyPrint 70 tries (weasyprint/text/ffi.py), most specific first.
SUBSET_NAMES = (
    "libharfbuzz-subset.so.0",
    "libharfbuzz-subset.0.dylib",
    "libharfbuzz-subset-0.dll",
    "libharfbuzz-subset-0",
    "harfbuzz-subset",
)
HARFBUZZ_NAMES = (
    "libharfbuzz.so.0",
    "libharfbuzz.0.dylib",
    "libharfbuzz-0.dll",
    "libharfbuzz-0",
    "harfbuzz",
)
# WeasyPrint uses hb-subset only from HarfBuzz 4.1.0 on (hb_set_add_sorted_array).
MIN_VERSION = (4, 1, 0)


def _load(names: tuple[str, ...]):
    for name in (*names, ctypes.util.find_library(names[-1])):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def fast_font_subsetting() -> bool:
    """True when WeasyPrint will subset fonts with HarfBuzz-Subset rather than fontTools."""
    subset = _load(SUBSET_NAMES)
    harfbuzz = _load(HARFBUZZ_NAMES)
    if subset is None or harfbuzz is None or not hasattr(subset, "hb_subset_or_fail"):
        return False
    at_least = harfbuzz.hb_version_atleast
    at_least.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_uint]
    at_least.restype = ctypes.c_int
    return bool(at_least(*MIN_VERSION))


@register("documents")
def check_fast_font_subsetting(app_configs=None, **kwargs):
    if fast_font_subsetting():
        return []
    return [
        Warning(
            "WeasyPrint's fast font subsetting (HarfBuzz-Subset >= 4.1) is not available: "
            "generated PDFs with Chinese text will take seconds instead of a fraction of one.",
            hint="Install the system package libharfbuzz-subset0 (Debian/Ubuntu) and restart "
            "the app and its task workers.",
            id="documents.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_evidence_scanner(app_configs=None, **kwargs):
    conf = settings.RIGHTSDESK
    address = conf.get("EVIDENCE_SCANNER", "")
    if conf.get("EVIDENCE_SCANNER_CLASS"):
        return []
    if not address:
        return [
            Warning(
                "No virus scanner is configured for evidence files: uploads would be stored "
                "and handed on unscanned.",
                hint="Run ClamAV's clamd (Debian: clamav-daemon, with freshclam keeping its "
                "signatures fresh) and set RIGHTSDESK_CLAMD to its address, e.g. "
                'unix:///run/clamav/clamd.ctl (README, "Running in production").',
                id="documents.W002",
            )
        ]
    parts = urlsplit(address)
    if parts.scheme not in ("unix", "tcp") or not (
        parts.path if parts.scheme == "unix" else parts.hostname
    ):
        return [
            Warning(
                f"RIGHTSDESK_CLAMD is not a clamd address: {address!r}; every upload would be "
                "refused.",
                hint="Use unix:///run/clamav/clamd.ctl or tcp://host:3310.",
                id="documents.W003",
            )
        ]
    return []
