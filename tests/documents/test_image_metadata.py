"""What a photo says about who took it (security.md §7 C4): a JPEG with GPS, maker, model, body
serial number, DateTimeOriginal, a MakerNote, XMP, a comment, an IPTC caption and an EXIF
thumbnail that shows a different picture from the photo (an edited photo's thumbnail often
keeps what was cropped away); a PNG with tEXt, zTXt, iTXt and eXIf chunks; a WebP with EXIF and
XMP. The stored file keeps the picture, upright, and nothing else: no EXIF, no thumbnail, no
IPTC, no text chunks, no ICC profile, none of the planted values anywhere in its bytes. The
original is not kept (test_evidence.py: one stored file per upload). HEIC is refused
(test_evidence.py)."""

import io
import struct

import pytest
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from documents.evidence import check_file

CANARIES = [
    b"CanaryMaker",
    b"CanaryModel-X1",
    b"CANARY-SERIAL-0042",
    b"2019:01:02 03:04:05",
    b"CANARY-MAKERNOTE",
    b"CANARY-XMP",
    b"CANARY-COMMENT",
    b"CANARY-IPTC-CAPTION",
    b"CANARY-TEXT",
    b"CANARY-ZTXT",
    b"CANARY-ITXT",
    b"CANARY-ICC",
]
MAX = 25 * 1024 * 1024


def _jpeg(color, size) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def _tiff_with_thumbnail(thumbnail: bytes) -> bytes:
    """EXIF data (little-endian TIFF) by hand: IFD0 with Make, Model and Orientation 6 and a
    pointer to an Exif IFD (DateTimeOriginal, BodySerialNumber, MakerNote), then IFD1 holding a
    JPEG thumbnail. Pillow writes no thumbnails, hence by hand."""

    def entry(tag, kind, count, value: bytes):
        return struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")

    def ascii_(text: bytes):
        return text + b"\0"

    make, model = ascii_(b"CanaryMaker"), ascii_(b"CanaryModel-X1")
    dto, serial = ascii_(b"2019:01:02 03:04:05"), ascii_(b"CANARY-SERIAL-0042")
    note = b"CANARY-MAKERNOTE"
    ifd0_at = 8
    ifd0_size = 2 + 4 * 12 + 4
    data_at = ifd0_at + ifd0_size
    make_at, model_at = data_at, data_at + len(make)
    exif_ifd_at = model_at + len(model)
    exif_size = 2 + 3 * 12 + 4
    dto_at = exif_ifd_at + exif_size
    serial_at = dto_at + len(dto)
    note_at = serial_at + len(serial)
    ifd1_at = note_at + len(note)
    ifd1_size = 2 + 2 * 12 + 4
    thumb_at = ifd1_at + ifd1_size
    ifd0 = (
        struct.pack("<H", 4)
        + entry(0x010F, 2, len(make), struct.pack("<I", make_at))
        + entry(0x0110, 2, len(model), struct.pack("<I", model_at))
        + entry(0x0112, 3, 1, struct.pack("<H", 6))
        + entry(0x8769, 4, 1, struct.pack("<I", exif_ifd_at))
        + struct.pack("<I", ifd1_at)
    )
    exif_ifd = (
        struct.pack("<H", 3)
        + entry(0x9003, 2, len(dto), struct.pack("<I", dto_at))
        + entry(0x927C, 7, len(note), struct.pack("<I", note_at))
        + entry(0xA431, 2, len(serial), struct.pack("<I", serial_at))
        + struct.pack("<I", 0)
    )
    ifd1 = (
        struct.pack("<H", 2)
        + entry(0x0201, 4, 1, struct.pack("<I", thumb_at))
        + entry(0x0202, 4, 1, struct.pack("<I", len(thumbnail)))
        + struct.pack("<I", 0)
    )
    tiff = (
        b"II*\0"
        + struct.pack("<I", ifd0_at)
        + ifd0
        + make
        + model
        + exif_ifd
        + dto
        + serial
        + note
        + ifd1
        + thumbnail
    )
    return tiff


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def loaded_jpeg() -> tuple[bytes, bytes]:
    """A 64 × 48 red photo (to be turned upright to 48 × 64) carrying every kind of metadata,
    and its EXIF thumbnail: a green picture."""
    thumbnail = _jpeg((0, 200, 0), (16, 12))
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(
        photo,
        "JPEG",
        quality=90,
        comment=b"CANARY-COMMENT",
        xmp=b"<x:xmpmeta>CANARY-XMP</x:xmpmeta>",
        icc_profile=b"CANARY-ICC" * 20,
    )
    body = photo.getvalue()
    iptc = b"\x1c\x02\x78" + struct.pack(">H", 19) + b"CANARY-IPTC-CAPTION"
    photoshop = b"Photoshop 3.0\0" + b"8BIM\x04\x04\0\0" + struct.pack(">I", len(iptc)) + iptc
    app1 = _segment(0xE1, b"Exif\0\0" + _tiff_with_thumbnail(thumbnail))
    app13 = _segment(0xED, photoshop)
    return body[:2] + app1 + app13 + body[2:], thumbnail


def test_the_loaded_jpeg_carries_what_the_test_says():
    # The sample is what it claims: Pillow reads the thumbnail, the serial and the rest.
    data, thumbnail = loaded_jpeg()
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        assert exif[0x010F] == "CanaryMaker" and exif[0x0112] == 6
        inner = exif.get_ifd(ExifTags.IFD.Exif)
        assert inner[0xA431] == "CANARY-SERIAL-0042" and inner[0x9003] == "2019:01:02 03:04:05"
        assert thumbnail in data and data.count(b"\xff\xd8") == 2
        assert "icc_profile" in im.info and "comment" in im.info and "photoshop" in im.info
    for canary in CANARIES[:8]:
        assert canary in data, canary


def _assert_bare(stored: bytes, kind: str, size):
    for canary in CANARIES:
        assert canary not in stored, canary
    with Image.open(io.BytesIO(stored)) as im:
        assert im.format == kind.upper()
        assert im.size == size
        assert dict(im.getexif()) == {}
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"):
            assert key not in im.info, key
        return im.convert("RGB")


def test_a_jpeg_keeps_its_picture_upright_and_loses_every_kind_of_metadata():
    data, thumbnail = loaded_jpeg()
    stored = check_file(data, name="photo.jpg", max_bytes=MAX).content
    picture = _assert_bare(stored, "jpeg", (48, 64))  # turned upright by its orientation
    # One image in the file: no thumbnail (which was green) came along.
    assert stored.count(b"\xff\xd8") == 1 and thumbnail not in stored
    r, g, b = picture.getpixel((24, 32))
    assert r > 150 and g < 60 and b < 60
    # No APP segment but the JFIF header.
    markers, at = [], 2
    while stored[at] == 0xFF and stored[at + 1] != 0xDA:
        markers.append(stored[at + 1])
        at += 2 + struct.unpack(">H", stored[at + 2 : at + 4])[0]
    assert [m for m in markers if 0xE0 <= m <= 0xEF] == [0xE0]
    assert 0xFE not in markers  # no comment


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        chunks.append(kind)
        at += 12 + length
    return chunks


def test_a_png_loses_its_text_and_exif_chunks():
    info = PngInfo()
    info.add_text("Author", "CANARY-TEXT")
    info.add_text("Comment", "CANARY-ZTXT", zip=True)
    info.add_itxt("Description", "CANARY-ITXT", lang="en")
    exif = Image.Exif()
    exif[0x010F] = "CanaryMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (31.0, 47.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 10, 200)).save(
        out, "PNG", pnginfo=info, exif=exif, icc_profile=b"CANARY-ICC" * 20
    )
    data = out.getvalue()
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"} <= set(_png_chunks(data))
    stored = check_file(data, name="screenshot.png", max_bytes=MAX).content
    _assert_bare(stored, "png", (30, 20))
    assert set(_png_chunks(stored)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


@pytest.mark.parametrize("lossless", [False, True])
def test_a_webp_loses_its_exif_and_xmp(lossless):
    exif = Image.Exif()
    exif[0x010F] = "CanaryMaker"
    exif[0x0110] = "CanaryModel-X1"
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 10)).save(
        out,
        "WEBP",
        lossless=lossless,
        exif=exif,
        xmp=b"<x:xmpmeta>CANARY-XMP</x:xmpmeta>",
        icc_profile=b"CANARY-ICC" * 20,
    )
    data = out.getvalue()
    assert b"CanaryMaker" in data and b"CANARY-XMP" in data
    stored = check_file(data, name="chat.webp", max_bytes=MAX).content
    _assert_bare(stored, "webp", (40, 30))


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", ["jpeg", "webp"])
def test_each_exif_orientation_turns_the_picture_as_pillows_exif_transpose(kind, orientation):
    """clean_image turns pictures itself (Pillow's exif_transpose rewrites the EXIF block and
    raised on a damaged one: fuzz/regressions/image/); the pixels must come out as Pillow's."""
    from PIL import ImageOps

    from documents.evidence import _upright, clean_image

    source = Image.new("RGB", (6, 4))
    for x in range(6):
        for y in range(4):
            source.putpixel((x, y), (40 * x, 60 * y, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    source.save(out, kind.upper(), exif=exif, quality=95)
    decoded = Image.open(io.BytesIO(out.getvalue()))
    expected = ImageOps.exif_transpose(decoded)
    assert _upright(decoded).tobytes() == expected.tobytes()
    assert (orientation == 1) == (expected.tobytes() == decoded.tobytes())
    stored = Image.open(io.BytesIO(clean_image(out.getvalue(), kind)))
    assert stored.size == expected.size
    assert not stored.getexif()
