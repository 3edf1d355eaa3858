"""config/gunicorn.conf.py run for real: workers from the environment, and logs that keep no
client address, forwarded address or browser string, even for a malformed request."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from ops.gunicorn_logging import PrivateLogger

FORWARDED = "203.0.113.77"
BROWSER = "PrivateBrowser/1.0 (gunicorn-log-test)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": str(access),
        "GUNICORN_ERROR_LOG": str(errors),
        "RIGHTSDESK_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield proc, base, port, access, errors
    finally:
        proc.terminate()
        proc.wait(20)


def test_workers_come_from_the_environment_and_logs_keep_no_address(gunicorn):
    proc, base, port, access, errors = gunicorn
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_children(proc.pid)) == 2

    request = urllib.request.Request(  # noqa: S310 - loopback
        base + "/healthz?code=ABCD-EFGH",
        headers={"X-Forwarded-For": FORWARDED, "User-Agent": BROWSER, "X-Real-IP": FORWARDED},
    )
    try:
        urllib.request.urlopen(request, timeout=20)  # noqa: S310 - loopback
    except urllib.error.HTTPError as answer:  # 503: this var/ has no migrated database
        assert answer.code == 503
    # A request gunicorn cannot parse: it warns "Invalid request from ip=..." by default.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"GARBAGE\r\n\r\n")
        raw.recv(1024)
    time.sleep(1.0)
    proc.terminate()
    proc.wait(20)

    access_log, error_log = access.read_text(), errors.read_text()
    assert '"GET /healthz"' in access_log  # the line is there ...
    assert "ABCD-EFGH" not in access_log  # ... without the query string
    for secret in ("127.0.0.1", FORWARDED, BROWSER):
        assert secret not in access_log
    assert "Invalid request from ip=-" in error_log
    assert "ip=127.0.0.1" not in error_log and FORWARDED not in error_log


def test_the_logger_blanks_address_atoms_of_any_format():
    from types import SimpleNamespace

    from gunicorn.config import Config

    cfg = Config()
    cfg.set("access_log_format", '%(h)s %({x-forwarded-for}i)s %(a)s "%(r)s"')
    logger = PrivateLogger(cfg)
    req = SimpleNamespace(
        headers=[("X-FORWARDED-FOR", FORWARDED), ("USER-AGENT", BROWSER)],
        method="GET",
        path="/",
        query="",
        uri="/",
        version=(1, 1),
    )
    resp = SimpleNamespace(status="200 OK", response_length=2, sent=2, headers=[])
    environ = {
        "REMOTE_ADDR": "198.51.100.9",
        "HTTP_USER_AGENT": BROWSER,
        "RAW_URI": "/",
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/",
    }
    from datetime import timedelta

    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=3))
    line = cfg.access_log_format % atoms

    assert "198.51.100.9" not in line and FORWARDED not in line and BROWSER not in line
    assert '"GET / HTTP/1.1"' in line


def test_a_worker_freezes_what_it_loaded():
    """post_worker_init moves what the loaded app holds out of the collector's generations, so
    a full collection under load walks only what requests left behind."""
    script = (
        "import gc, runpy, django\n"
        "django.setup()\n"
        "conf = runpy.run_path('config/gunicorn.conf.py')\n"
        "before = gc.get_freeze_count()\n"
        "conf['post_worker_init'](None)\n"
        "print(before, gc.get_freeze_count(), len(gc.get_objects()))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    before, frozen, left = map(int, out)
    assert frozen > before + 50_000  # Django and the project's apps
    assert left < frozen / 10
