"""The evidence files of the bench cases (`seed_bench`, see bulk.py).

A real upload (documents.services.evidence_upload) checks each file (documents.evidence
.check_file: sniffed type, images re-encoded without metadata, SHA-256 of the stored bytes),
stores it under a random name in the evidence folder of the default storage and writes one
Evidence row per file. Two million stored files would only fill the disk, so the bench stores a
few real files once, through the same check, and its Evidence rows point at them: the case page
lists them, a download or a referral packet reads back bytes that match the recorded SHA-256.
"""

from __future__ import annotations

import io
import random
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from documents.evidence import check_file
from documents.services import EVIDENCE_DIR


@dataclass(frozen=True)
class StoredFile:
    name: str  # in the default storage
    original_name: str
    content_type: str
    size: int
    sha256: str


def _image(fmt: str, colour: str) -> bytes:
    im = Image.new("RGB", (320, 200), colour)
    draw = ImageDraw.Draw(im)
    for y in range(20, 200, 24):
        draw.line([(16, y), (300, y)], fill="black", width=2)
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _samples() -> list[tuple[str, bytes]]:
    return [
        ("劳动合同.pdf", PDF),
        ("工资条.jpg", _image("JPEG", "white")),
        ("考勤记录.png", _image("PNG", "lightyellow")),
        ("银行流水.jpg", _image("JPEG", "lightblue")),
        ("解除劳动合同通知书.png", _image("PNG", "white")),
    ]


class EvidenceFiles:
    """A handful of checked and stored evidence files that the bench Evidence rows share."""

    def __init__(self) -> None:
        self.files: list[StoredFile] = []
        for name, data in _samples():
            checked = check_file(data, name=name, max_bytes=len(data) + 1)
            stored = default_storage.save(
                f"{EVIDENCE_DIR}/{secrets.token_hex(16)}", ContentFile(checked.content)
            )
            self.files.append(
                StoredFile(
                    name=stored,
                    original_name=checked.original_name,
                    content_type=checked.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                )
            )

    def pick(self, rng: random.Random, count: int) -> list[StoredFile]:
        if count <= len(self.files):
            return rng.sample(self.files, count)
        return [self.files[k % len(self.files)] for k in range(count)]
