"""HTML to PDF with WeasyPrint, fetching nothing but the app's own print stylesheet.

Case text reaches the HTML only through Django's autoescaping templates, so a worker who types
`<img src="file:///etc/passwd">` gets those characters printed. Behind that, the URL fetcher
refuses every URL except files inside `static/documents/` (no http, https, ftp or data URLs, no
other local file), and a refused URL stops the render instead of being skipped quietly
(security.md §3.3). Fonts come from Fontconfig (fonts-noto-cjk), not from URLs.

WeasyPrint is imported inside the functions: importing it at module level in a process that
later forks has crashed workers (libraries.md §3.3).

A render has a time limit (RIGHTSDESK["RENDER_TIME_LIMIT_SECONDS"], default 30): WeasyPrint has
no timeout of its own and admits to infinite-loop bugs (libraries.md §3.4). In the main thread
(the `db_worker` runs its tasks there) an interval timer interrupts the render; a render that
runs in another thread cannot be interrupted, and `documents_reap_stuck()` fails it later.

Filings that embed files (the referral packet's evidence) pass them as `attachments` — bytes
already read and verified by the caller, never URLs — with `pdf_variant="pdf/a-3b"`.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import os
import re
import resource
import signal
import ssl
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

STYLE_DIR = Path(settings.BASE_DIR) / "static" / "documents"
STYLESHEET = STYLE_DIR / "print.css"

logger = logging.getLogger(__name__)


class RenderError(Exception):
    """The filing could not be rendered; the message is short and holds no case data."""


class RefusedURL(ValueError):
    pass


class _Expired(BaseException):
    """Raised by the timer inside WeasyPrint. A BaseException, so that WeasyPrint's own
    `except Exception` handlers (images, fonts) cannot swallow it."""


@dataclass(frozen=True)
class PdfAttachment:
    """A file to embed in the PDF: its bytes, a safe ASCII name and a description.
    `relationship` is the PDF/A-3 AFRelationship (ISO 32000-2 §7.11.3)."""

    name: str
    data: bytes
    description: str = ""
    created: datetime | None = None
    relationship: str = "Supplement"


def render_time_limit() -> float:
    return float(settings.RIGHTSDESK.get("RENDER_TIME_LIMIT_SECONDS", 30))


def render_memory_limit() -> int:
    """Bytes of address space one render may add to its process (0: no limit)."""
    return int(settings.RIGHTSDESK.get("RENDER_MEMORY_LIMIT_MB", 512)) * 1024 * 1024


def _address_space() -> int | None:
    """The process's address space now (VmSize), or None where /proc does not say."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def memory_limit(extra_bytes: int | None):
    """Let the block grow the process's address space by at most `extra_bytes` (RLIMIT_AS's
    soft limit, lowered for the block and put back after it; the hard limit is not touched).
    An allocation past it fails: Python's raises MemoryError, turned into RenderError here; a C
    library that aborts on a failed allocation ends the worker, whose render is then failed
    after its retries (documents.services.MAX_RENDER_ATTEMPTS). The limit is the process's, so
    like `time_limit` it is set in the main thread only (where the task workers render);
    elsewhere, without a limit, on a system without RLIMIT_AS, or when /proc does not tell the
    current size, the block runs unbounded."""
    main = threading.current_thread() is threading.main_thread()
    current = _address_space() if extra_bytes and extra_bytes > 0 and main else None
    if current is None or not hasattr(resource, "RLIMIT_AS"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield  # a lower limit is already in force
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    except MemoryError as exc:
        raise RenderError(
            f"the render needed more than {extra_bytes // (1024 * 1024)} MB of memory"
        ) from exc
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def time_limit(seconds: float | None):
    """Interrupt the block with RenderError after `seconds` (main thread only; elsewhere, or
    with no limit, the block runs unbounded). A timer someone else had set is put back."""
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    armed = [True]
    fired = [False]

    def expired(signum, frame):
        if armed[0]:  # not once the block has ended and the timer is being taken down
            fired[0] = True
            raise _Expired()

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expired)
    # The signal repeats every 0.1 s: raised inside a garbage-collector callback or a __del__,
    # the exception is swallowed by Python ("unraisable"), and the next one interrupts the block.
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    too_long = RenderError(f"the render took longer than {seconds:g} seconds")
    try:
        try:
            yield
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired as exc:  # also when it fired as the block was ending
        raise too_long from exc
    else:
        if fired[0]:  # every interruption was swallowed, and the block finished late
            raise too_long
    finally:
        signal.signal(signal.SIGALRM, previous_handler)
        remaining, interval = previous_timer
        if remaining:
            left = max(remaining - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


def static_only_fetcher(root: Path = STYLE_DIR):
    """A WeasyPrint URL fetcher that serves files under `root` and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = root.resolve()

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self):
            # An SSL context of its own that loads no certificates: https is refused anyway,
            # and loading the system's CA store cost tens of milliseconds per render.
            super().__init__(
                timeout=5,
                allowed_protocols={"file"},
                allow_redirects=False,
                fail_on_errors=True,
                ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
            )

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                raise RefusedURL(f"refused URL scheme {parts.scheme!r}")
            path = Path(url2pathname(parts.path)).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise RefusedURL("refused a local file outside the documents stylesheet folder")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
            )

    return StaticOnlyFetcher()


# zlib level for the PDF's own streams (page content, fonts, metadata). pydyf uses 9; 6 makes
# the file less than 1 % larger at a fraction of the time (bench/render.py).
STREAM_COMPRESSION_LEVEL = 6
# An embedded file whose first 64 KiB shrink by less than this is stored as it is: photos, PDFs,
# audio and video arrive compressed already, and deflating them again only costs time.
_WORTH_COMPRESSING = 0.9
_SAMPLE = 64 * 1024


def _worth_compressing(data: bytes) -> bool:
    sample = data[:_SAMPLE]
    return len(zlib.compress(sample, 1)) < _WORTH_COMPRESSING * len(sample)


def compress_streams_once(document, pdf) -> None:
    """`write_pdf` finisher: deflate every stream WeasyPrint marked for compression once, here.

    pydyf deflates a stream each time its bytes are asked for, at level 9, and PDF/A asks twice
    (once to write it, once for the file identifier's hash), so every stream, the evidence
    attachments included, was deflated twice. Here each is deflated once at level 6, and an
    embedded file that does not shrink (a JPEG, a PDF, an MP4) is stored as it is: same bytes,
    same checksum, no /Filter (ISO 32000-1 §7.3.8 makes filters optional; PDF/A-3 allows it).
    """
    import pydyf

    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Stream) or not obj.compress or "Filter" in obj.extra:
            continue
        data = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
        obj.compress = False
        if obj.extra.get("Type") == "/EmbeddedFile" and not _worth_compressing(data):
            obj.stream = [data]
            continue
        obj.stream = [zlib.compress(data, STREAM_COMPRESSION_LEVEL)]
        obj.extra["Filter"] = "/FlateDecode"


# WeasyPrint's user-agent stylesheet styles six pseudo-elements of *every* element
# (`::marker`, `::footnote-call`, `::footnote-marker`, `::note-call`, `::note-marker`,
# `::note-callback`), so the cascade computed seven styles for each element of a filing: about a
# sixth of the packet's render time (bench/render.py). The filings have list items but no
# footnotes and no notes (`float: footnote` / `float: note`), so the lean sheet keeps the
# ::marker rule for list items only and leaves the note rules out. It is the installed
# WeasyPrint's own sheet with those six rules rewritten at run time; if a WeasyPrint upgrade
# changes them, the stock sheet is used (slower, same look) and a warning is logged.
# tests/documents/test_rendering.py checks that the lean sheet applies to the installed version.
_UA_MARKER_RULE = re.compile(r"^::marker \{", re.MULTILINE)
_UA_NOTE_RULES = re.compile(
    r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n",
    re.MULTILINE,
)
_lean_html_class = None


def lean_html_class():
    """A weasyprint.HTML whose user-agent stylesheet is the lean one, or HTML itself when the
    installed WeasyPrint's sheet is not the one the lean sheet was made from."""
    global _lean_html_class
    if _lean_html_class is not None:
        return _lean_html_class
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA, UA_FORM_STYLESHEET

    text, markers = _UA_MARKER_RULE.subn("li::marker, summary::marker {", UA)
    text, notes = _UA_NOTE_RULES.subn("", text)
    if (markers, notes) != (1, 5) or re.search(r"^::", text, re.MULTILINE):
        logger.warning(
            "WeasyPrint's user-agent stylesheet has changed: filings render with the stock "
            "sheet, which is slower (documents.rendering.lean_html_class)"
        )
        _lean_html_class = HTML
        return HTML
    # The sheet's @counter-style rules are already in the counter styles WeasyPrint gives every
    # document; a throw-away CounterStyle keeps them from being registered twice.
    lean_sheet = CSS(string=text, counter_style=CounterStyle())

    class LeanHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [lean_sheet, UA_FORM_STYLESHEET] if forms else [lean_sheet]

    _lean_html_class = LeanHTML
    return LeanHTML


_resources = threading.local()


def _print_resources():
    """The font configuration and print.css parsed with it, made on first use in each thread and
    kept: making them took about 45 ms of every render. The stylesheet is parsed with the same
    FontConfiguration the render uses (an @font-face in a CSS object is ignored otherwise,
    libraries.md §3.2). Per thread, because Pango's font map is not thread-safe; made again when
    print.css changes on disk. The URL fetcher is not kept: each render gets a new one."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    stamp = STYLESHEET.stat().st_mtime_ns
    cached = getattr(_resources, "value", None)
    if cached is None or cached[0] != stamp:
        fonts = FontConfiguration()
        css = CSS(filename=str(STYLESHEET), url_fetcher=static_only_fetcher(), font_config=fonts)
        cached = _resources.value = (stamp, fonts, css)
    return cached[1:]


def render_html(*, template: str, context: dict) -> str:
    # The filing's wording is fixed in both languages; zh-hans only settles Django's own
    # formatting defaults while the template renders.
    with translation.override("zh-hans"):
        return render_to_string(template, context)


def render_pdf(
    *,
    template: str,
    context: dict,
    attachments: list[PdfAttachment] | None = None,
    pdf_variant: str | None = None,
    time_limit_seconds: float | None = None,
) -> tuple[bytes, int]:
    """The PDF bytes and the page count. `context` holds the snapshot as `s` and the
    document's own facts (its version). `attachments` are embedded as they are; `pdf_variant`
    is a WeasyPrint variant such as "pdf/a-3b". RenderError when a resource is refused or the
    time limit passes."""
    from weasyprint import Attachment
    from weasyprint.urls import FatalURLFetchingError

    limit = render_time_limit() if time_limit_seconds is None else time_limit_seconds
    with time_limit(limit), memory_limit(render_memory_limit()):
        html = render_html(template=template, context=context)
        fetcher = static_only_fetcher()
        fonts, css = _print_resources()
        options = {}
        if pdf_variant:
            options["pdf_variant"] = pdf_variant
        if attachments:
            options["attachments"] = [
                Attachment(
                    file_obj=io.BytesIO(a.data),
                    url_fetcher=fetcher,
                    name=a.name,
                    description=a.description,
                    created=a.created,
                    modified=a.created,
                    relationship=a.relationship,
                )
                for a in attachments
            ]
        try:
            document = lean_html_class()(
                string=html, base_url=STYLE_DIR.as_uri() + "/", url_fetcher=fetcher
            ).render(stylesheets=[css], font_config=fonts)
            pdf = document.write_pdf(finisher=compress_streams_once, **options)
        except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: keep it in here
            raise RenderError("the renderer refused to fetch a resource") from exc
        except RecursionError as exc:  # markup nested deeper than the layout can follow
            raise RenderError("the document is nested too deeply to render") from exc
    return pdf, len(document.pages)
