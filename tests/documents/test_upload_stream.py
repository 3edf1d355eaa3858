"""A 200 MB evidence upload streamed through the real view (issue 4, security.md §6.1 / C1):
refused while it streams, in the user's language, with nothing left behind — no stored file,
no temporary file, no row, no audit event. The body is generated as it is read, so the test
never holds it in memory."""

import io
import os
import tracemalloc

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT
from django.urls import reverse

from casework.models import AuditEvent
from documents.models import Evidence

MB = 1024 * 1024
SIZE = 200 * MB


class GeneratedUpload(io.RawIOBase):
    """A multipart body with one `size`-byte PDF-looking file, produced as it is read."""

    CHUNK = b"0" * (64 * 1024)

    def __init__(self, size: int, filename: str = "big.pdf"):
        self.head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="description"\r\n\r\n'
            "pay slips\r\n"
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.body = size - len(b"%PDF-1.4\n")
        self.length = len(self.head) + self.body + len(self.tail)
        self.position = 0

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.length - self.position
        out = bytearray()
        while len(out) < size and self.position < self.length:
            want = size - len(out)
            head_end = len(self.head)
            body_end = head_end + self.body
            if self.position < head_end:
                piece = self.head[self.position : self.position + want]
            elif self.position < body_end:
                piece = self.CHUNK[: min(want, body_end - self.position, len(self.CHUNK))]
            else:
                start = self.position - body_end
                piece = self.tail[start : start + want]
            out += piece
            self.position += len(piece)
        return bytes(out)


@pytest.fixture
def upload_tmp(settings, tmp_path):
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def _stored(storage) -> list[str]:
    return [f for _d, _dirs, files in os.walk(storage.location) for f in files]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "文件超过25 MB。"),
        ("en", "the file is larger than 25 MB."),
    ],
)
def test_a_200_mb_upload_is_refused_while_streaming_with_nothing_left(
    client, sign_in, world, filed_case, _documents_settings, upload_tmp, language, message
):
    sign_in(world.caseworker)
    events = AuditEvent.objects.count()
    stream = GeneratedUpload(SIZE)
    tracemalloc.start()
    try:
        response = client.generic(
            "POST",
            reverse("documents:evidence_upload", args=[filed_case.reference]),
            headers={"accept-language": language},
            **{
                "wsgi.input": stream,
                "CONTENT_LENGTH": str(stream.length),
                "CONTENT_TYPE": MULTIPART_CONTENT,
            },
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Refused as too large, in the user's language, naming the file,
    assert response.status_code == 413
    page = response.content.decode()
    assert "big.pdf" in page and message in page
    # having read little more than the 25 MB cap of the 200 MB sent, never holding it in memory,
    assert stream.position < 30 * MB
    assert peak < 20 * MB
    # and nothing is left: no stored file, no temporary file, no row, no audit event.
    assert _stored(_documents_settings) == []
    assert os.listdir(upload_tmp) == []
    assert not Evidence.objects.exists()
    assert AuditEvent.objects.count() == events
