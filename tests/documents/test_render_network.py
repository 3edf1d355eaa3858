"""The PDF renderer and the network (security.md §7 D2, D4).

D2, the SSRF canary: a local HTTP server records every request it gets. URLs pointing at it
(by address, by a DNS name that resolves to it, over ftp and gopher) and at the cloud metadata
address are planted in the case text of a referral packet rendered the way the app renders it,
and, past the template's escaping, put into the HTML itself: the canary records no request, and
no socket is opened or name resolved while the renderer runs (socket.create_connection,
socket.socket.connect and socket.getaddrinfo raise if called).

D4, the fetcher threading: every resource of a real render (print.css with filings.css, the
evidence attachments, PDF/A-3b) goes through the app's own fetcher; WeasyPrint's stock
URLFetcher is never made and its fetch never runs; and the installed WeasyPrint is 70 or later.
"""

import http.server
import io
import socket
import threading

import pypdf
import pytest
import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from packaging.version import Version
from weasyprint.urls import URLFetcher

from documents import rendering
from documents.models import DocumentKind, DocumentStatus
from documents.services import document_request, evidence_upload
from tests.factories import jpeg_with_gps


class _Canary(http.server.BaseHTTPRequestHandler):
    def _record(self):
        self.server.hits.append((self.command, self.path))
        body = b"@import url(file:///etc/passwd);"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    """A local HTTP server on a free port that records every request: (port, hits)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _payloads(port: int) -> list[str]:
    """URLs an attacker would want the renderer to fetch."""
    return [
        f"http://127.0.0.1:{port}/img",
        f"http://localhost:{port}/dns",  # a DNS name resolving to 127.0.0.1
        "http://169.254.169.254/latest/meta-data/",
        f"https://127.0.0.1:{port}/tls",
        f"ftp://127.0.0.1:{port}/ftp",
        f"gopher://127.0.0.1:{port}/_GET%20/gopher",
        f"//127.0.0.1:{port}/scheme-relative",
    ]


def _markup(url: str) -> str:
    """One URL in every place HTML and CSS can ask for a resource."""
    return (
        f'<img src="{url}"><link rel="stylesheet" href="{url}">'
        f'<link rel="attachment" href="{url}"><object data="{url}"></object>'
        f'<embed src="{url}"><iframe src="{url}"></iframe>'
        f'<svg><image href="{url}"/></svg>'
        f'<style>@import url("{url}"); p {{ background: url("{url}") }}</style>'
    )


@pytest.fixture
def no_network(monkeypatch):
    """From here on, opening a connection or resolving a name raises and is recorded."""
    attempts = []

    def refuse(what):
        def call(*args, **kwargs):
            attempts.append((what, args[:2]))
            raise OSError(f"test: {what} is not allowed during a render")

        return call

    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


def test_the_canary_and_the_socket_guard_bite(canary, monkeypatch):
    # The stock fetcher does reach the canary, by address and by name...
    port, hits = canary
    for url in (f"http://127.0.0.1:{port}/probe", f"http://localhost:{port}/probe"):
        assert URLFetcher(timeout=5).fetch(url).read().startswith(b"@import")
    assert hits == [("GET", "/probe"), ("GET", "/probe")]
    # ...and, with the socket guard on, it cannot.
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("refused")

    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(OSError):
        URLFetcher(timeout=5).fetch(f"http://127.0.0.1:{port}/probe")
    assert len(hits) == 2 and attempts


def _packet_with_planted_urls(world, reviewed_case, port):
    """The case's free text and its evidence description carry every payload URL as markup."""
    from casework.models import Case

    planted = "".join(_markup(url) for url in _payloads(port))
    Case.objects.filter(pk=reviewed_case.pk).update(facts="拖欠工资。" + planted)
    evidence_upload(
        case=reviewed_case,
        user=world.caseworker,
        files=[SimpleUploadedFile("a.jpg", jpeg_with_gps())],
        description=planted[:2000],
    )
    return Case.objects.select_related("owning_org").get(pk=reviewed_case.pk)


def test_urls_planted_in_case_text_reach_no_server_and_open_no_socket(
    world, reviewed_case, render_on_commit, canary, no_network
):
    port, hits = canary
    case = _packet_with_planted_urls(world, reviewed_case, port)
    doc = render_on_commit(
        document_request, case=case, kind=DocumentKind.REFERRAL_PACKET, user=world.caseworker
    )
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY, doc.failure_reason
    # The URLs are printed as text, the canary heard nothing, nothing was connected or resolved.
    with doc.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "169.254.169.254" in text and f"127.0.0.1:{port}" in text
    assert hits == []
    assert no_network == []
    # The only embedded file is the evidence photo.
    assert list(reader.attachments) == ["E01-a.jpg"]


@pytest.mark.parametrize(
    "index", range(7), ids=["ip", "dns", "metadata", "https", "ftp", "gopher", "scheme-relative"]
)
def test_urls_in_the_html_itself_stop_the_render_and_reach_no_server(
    index, canary, no_network, monkeypatch
):
    # Past the template's escaping (as if a template printed a field unescaped): the fetcher
    # refuses the URL, the render fails closed, and still nothing reaches the network.
    port, hits = canary
    url = _payloads(port)[index]
    monkeypatch.setattr(
        rendering, "render_html", lambda **kwargs: f"<html><body><p>x</p>{_markup(url)}</body>"
    )
    with pytest.raises(rendering.RenderError):
        rendering.render_pdf(template="unused.html", context={}, time_limit_seconds=20)
    assert hits == []
    assert no_network == []


@pytest.fixture
def fetch_spies(monkeypatch):
    """Record every fetch by the app's fetcher and every use of WeasyPrint's stock fetcher."""
    calls = {"app": [], "stock_fetch": [], "stock_made": []}
    original_factory = rendering.static_only_fetcher
    stock_init = URLFetcher.__init__

    def stock_fetch(self, url, headers=None):
        calls["stock_fetch"].append(url)
        raise AssertionError(f"WeasyPrint's stock URLFetcher.fetch was called for {url}")

    def watched_init(self, *args, **kwargs):
        if type(self) is URLFetcher:
            calls["stock_made"].append(args)
        stock_init(self, *args, **kwargs)

    def spying_factory(*args, **kwargs):
        fetcher = original_factory(*args, **kwargs)
        own = fetcher.fetch

        def spy(url, headers=None):
            calls["app"].append(url)
            return own(url, headers)

        fetcher.fetch = spy
        return fetcher

    monkeypatch.setattr(URLFetcher, "fetch", stock_fetch)
    monkeypatch.setattr(URLFetcher, "__init__", watched_init)
    monkeypatch.setattr(rendering, "static_only_fetcher", spying_factory)
    # print.css is parsed once per thread and kept: parse it again under the spy.
    monkeypatch.setattr(rendering._resources, "value", None, raising=False)
    return calls


def test_every_resource_of_a_real_render_goes_through_the_apps_fetcher(
    world, reviewed_case, render_on_commit, fetch_spies
):
    # Given a referral packet with an evidence photo (attachments, PDF/A-3b, print.css) and a
    # complaint receipt (print.css and the filings.css its template links), both rendered by
    # the app's own service,
    evidence_upload(
        case=reviewed_case,
        user=world.caseworker,
        files=[SimpleUploadedFile("a.jpg", jpeg_with_gps())],
        description="工资条",
    )
    for kind in (DocumentKind.REFERRAL_PACKET, DocumentKind.COMPLAINT_RECEIPT):
        doc = render_on_commit(
            document_request, case=reviewed_case, kind=kind, user=world.caseworker
        )
        doc.refresh_from_db()
        assert doc.status == DocumentStatus.READY, doc.failure_reason
    # the app's fetcher served the linked stylesheet (print.css itself is read from its file),
    assert any(url.endswith("/filings.css") for url in fetch_spies["app"])
    assert all(url.startswith(rendering.STYLE_DIR.as_uri() + "/") for url in fetch_spies["app"])
    # and WeasyPrint's stock fetcher was neither made nor asked for anything.
    assert fetch_spies["stock_made"] == []
    assert fetch_spies["stock_fetch"] == []


def test_the_stock_fetcher_spy_bites(fetch_spies):
    # WeasyPrint left to itself (no url_fetcher) makes and uses its stock fetcher: the spy sees it.
    # (WeasyPrint logs the failed stylesheet and carries on.)
    weasyprint.HTML(string='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">').render()
    assert fetch_spies["stock_made"] and fetch_spies["stock_fetch"] == ["http://127.0.0.1:9/x.css"]


def test_weasyprint_is_70_or_later():
    # 70 threads the document's url_fetcher through stylesheets= and attachments
    # (CVE-2026-55073); an older WeasyPrint would fetch them with its stock fetcher.
    assert Version(weasyprint.__version__) >= Version("70")
