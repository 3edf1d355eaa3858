"""Pixel floods and decompression bombs (security.md §7 C3): a 50 000 × 50 000 PNG, a PNG of a
few kilobytes that decodes to 59 million pixels, and a DOCX whose 240 KB unpack to 240 MB are
refused quickly, before anything is decoded or unpacked, and without the process's memory
growing (measured in a fresh interpreter, whose peak resident size is not yet set by other
tests). Archives other than DOCX/XLSX are refused outright (test_evidence.py)."""

import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from django.utils import translation
from PIL import Image

from documents.evidence import EvidenceRefused, check_file

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 50 * 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A black 1-bit PNG of width × height, its pixel rows deflated (only the first `rows` of
    them, for a picture too large to write out: the header is what gets it refused)."""
    row = b"\x00" + bytes((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height if rows is None else rows))
    idat += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def bomb_docx(unpacked_mb: int = 240) -> bytes:
    """A DOCX whose document.xml is `unpacked_mb` MB of spaces (it packs about a thousand
    times), written in pieces so that the test holds it packed only."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            b'wordprocessingml.document.main+xml"/></Types>',
        )
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(b"<w:document><w:body><w:p><w:r><w:t>")
            block = b" " * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(block)
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


BOMBS = {
    "png-50000x50000": lambda: bomb_png(50_000, 50_000, rows=64),
    "png-deeply-compressed": lambda: bomb_png(7_700, 7_700),
    "docx-zip-bomb": bomb_docx,
}
MESSAGES = {
    "png-50000x50000": "too many pixels",
    "png-deeply-compressed": "too many pixels",
    "docx-zip-bomb": "would unpack to far more data",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("name", BOMBS)
def test_a_bomb_is_refused_quickly_before_it_is_decoded(name, monkeypatch):
    data = BOMBS[name]()
    assert len(data) < 400_000  # the attacker sends little
    decoded, unpacked = [], []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, *a: unpacked.append(a) or b"")
    started = time.monotonic()
    with pytest.raises(EvidenceRefused) as refused:
        check_file(data, name=f"{name}.bin", max_bytes=MAX_BYTES)
    assert time.monotonic() - started < 1.0
    assert MESSAGES[name] in str(refused.value.message)
    assert decoded == [] and unpacked == []


def test_the_bombs_leave_the_memory_of_a_fresh_process_where_it_was():
    # A fresh interpreter builds the three bombs, notes its peak resident size, checks them,
    # and reports how much the peak grew and how long the checks took.
    script = """
import json, resource, sys, time
import django
django.setup()
from documents.evidence import EvidenceRefused, check_file
from tests.documents.test_bombs import BOMBS, MAX_BYTES
bombs = {name: make() for name, make in BOMBS.items()}
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
before, started, refused = peak(), time.monotonic(), []
for name, data in bombs.items():
    try:
        check_file(data, name=name, max_bytes=MAX_BYTES)
    except EvidenceRefused:
        refused.append(name)
print(json.dumps({"grew_mb": peak() - before, "seconds": time.monotonic() - started,
                  "refused": refused}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["refused"] == list(BOMBS)
    assert result["seconds"] < 2.0
    assert result["grew_mb"] < 50, result  # decoding the PNG alone would take about 900 MB


def test_a_large_screenshot_is_still_accepted():
    # A phone screenshot of a nearly blank screen packs very small but is far below the size
    # the density rule looks at: it is decoded and stored.
    image = Image.new("RGB", (1290, 2796), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    checked = check_file(out.getvalue(), name="screenshot.png", max_bytes=MAX_BYTES)
    assert checked.kind == "png"
    assert Image.open(io.BytesIO(checked.content)).size == (1290, 2796)
