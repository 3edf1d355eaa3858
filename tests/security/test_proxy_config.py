"""The deployment's TLS proxy and where stored files live (security.md §7 C1, C11).

The README's production set-up runs gunicorn behind a TLS proxy; the repository ships that
proxy's configuration, ops/nginx/rightsdesk.conf (nginx is not installed here, so the file is
read and its directives checked, SecureDrop-testinfra style):
- C1: a request body limit exists, lets a full-size evidence file through and refuses the
  matrix's 200 MB upload before it reaches the app;
- C11: nothing the proxy serves from disk lies in or above the file storage, and the app serves
  no URL under which a stored file can be fetched without its download view; stored files belong
  to the user the app runs as and no one else may read them.
"""

from __future__ import annotations

import importlib
import os
import re
import stat
from pathlib import Path

from django.urls import reverse

from documents.upload import evidence_max_bytes
from tests.factories import jpeg_with_gps

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "ops" / "nginx" / "rightsdesk.conf"
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _directives(text: str) -> list[tuple[str, str]]:
    """(name, value) of every simple directive, comments removed."""
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    found = []
    for line in lines:
        match = re.match(r"^([a-z_0-9]+)\s+(.*?);$", line)
        if match:
            found.append((match[1], match[2]))
    return found


def _size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg]?)", value.strip().lower())
    assert match, value
    return int(match[1]) * UNITS[match[2]]


def _https_server_block(text: str) -> str:
    blocks = re.split(r"\n(?=server \{)", text)
    (https,) = [b for b in blocks if b.startswith("server {") and "listen 443" in b]
    return https


def test_the_proxy_refuses_a_body_over_its_limit_and_lets_evidence_through():
    text = CONF.read_text(encoding="utf-8")
    https = _https_server_block(text)
    limits = [v for name, v in _directives(https) if name == "client_max_body_size"]
    assert len(limits) == 1, "one body limit in the HTTPS server block"
    limit = _size(limits[0])
    assert limit > 0  # "0" would switch nginx's check off
    assert evidence_max_bytes() < limit < 200 * 1024**2  # the matrix's 200 MB upload: 413
    # No location raises it again.
    assert [v for name, v in _directives(text) if name == "client_max_body_size"] == limits


def test_the_proxy_serves_no_stored_file_and_forwards_no_client_address():
    text = CONF.read_text(encoding="utf-8")
    directives = _directives(text)
    served = [v for name, v in directives if name in ("root", "alias")]
    assert served == ["/srv/rightsdesk/var/staticfiles/"]
    assert all("var/files" not in v and not v.rstrip("/").endswith("/var") for v in served)
    assert ("proxy_pass", "http://rightsdesk_app") in directives
    assert ("proxy_set_header", "X-Forwarded-Proto $scheme") in directives
    assert ("proxy_set_header", 'X-Forwarded-For ""') in directives
    assert ("access_log", "off") in directives


def test_the_file_storage_is_outside_everything_served_as_static():
    # The settings as deployed (the test run points the storage at a temporary folder).
    base = importlib.import_module("config.settings")
    storage = Path(base.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    served = [Path(base.STATIC_ROOT).resolve(), *(Path(d).resolve() for d in base.STATICFILES_DIRS)]
    for folder in served:
        assert not storage.is_relative_to(folder) and not folder.is_relative_to(storage)
    assert not getattr(base, "MEDIA_ROOT", ""), "no MEDIA_ROOT: nothing maps URLs to files"


def test_stored_files_belong_to_the_app_user_and_no_url_serves_them(
    client, world, filed_case, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import evidence_upload

    (item,) = evidence_upload(
        case=filed_case,
        user=world.worker,
        files=[SimpleUploadedFile("a.jpg", jpeg_with_gps())],
        description="",
    )
    path = default_storage.path(item.file.name)
    info = os.stat(path)
    # Owned by the user the app runs as, readable by it alone, in a folder closed to others.
    assert info.st_uid == os.geteuid()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) & 0o077 == 0
    # No URL the app answers gives the file's bytes: not its storage name under any prefix.
    with open(path, "rb") as handle:
        stored = handle.read()
    client.force_login(type(world.caseworker).objects.get(pk=world.caseworker.pk))
    for url in (
        f"/{item.file.name}",
        f"/media/{item.file.name}",
        f"/files/{item.file.name}",
        f"/static/{item.file.name}",
        f"/static/../files/{item.file.name}",
        f"/var/files/{item.file.name}",
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 404, url
        assert stored not in body
    # Only the permission-checked download view serves it.
    download = reverse("documents:evidence_download", args=[item.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
