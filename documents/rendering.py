"""HTML to PDF with WeasyPrint, fetching nothing but the app's own print stylesheet.

Case text reaches the HTML only through Django's autoescaping templates, so a worker who types
`<img src="file:///etc/passwd">` gets those characters printed. Behind that, the URL fetcher
refuses every URL except files inside `static/documents/` (no http, https, ftp or data URLs, no
other local file), and a refused URL stops the render instead of being skipped quietly
(security.md §3.3). Fonts come from Fontconfig (fonts-noto-cjk), not from URLs.

WeasyPrint is imported inside the functions: importing it at module level in a process that
later forks has crashed workers (libraries.md §3.3).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

STYLE_DIR = Path(settings.BASE_DIR) / "static" / "documents"
STYLESHEET = STYLE_DIR / "print.css"


class RenderError(Exception):
    """The filing could not be rendered; the message is short and holds no case data."""


class RefusedURL(ValueError):
    pass


def static_only_fetcher(root: Path = STYLE_DIR):
    """A WeasyPrint URL fetcher that serves files under `root` and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = root.resolve()

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(
                timeout=5, allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True
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


def render_html(*, template: str, context: dict) -> str:
    # The filing's wording is fixed in both languages; zh-hans only settles Django's own
    # formatting defaults while the template renders.
    with translation.override("zh-hans"):
        return render_to_string(template, context)


def render_pdf(*, template: str, context: dict) -> tuple[bytes, int]:
    """The PDF bytes and the page count. `context` holds the snapshot as `s` and the
    document's own facts (its version)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    html = render_html(template=template, context=context)
    fetcher = static_only_fetcher()
    fonts = FontConfiguration()
    try:
        css = CSS(filename=str(STYLESHEET), url_fetcher=fetcher, font_config=fonts)
        document = HTML(string=html, base_url=STYLE_DIR.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[css], font_config=fonts
        )
        pdf = document.write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: keep it from the worker
        raise RenderError("the renderer refused to fetch a resource") from exc
    return pdf, len(document.pages)
