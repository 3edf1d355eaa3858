"""The seed corpus of the fuzz harnesses: small valid files of every allowed kind (and a few of
the refused ones), made here rather than committed.

    python fuzz/seeds.py [DIR]     writes DIR/<harness>/<name> (default fuzz/seeds)

`seeds(harness)` gives the same files to tests/security/test_fuzzing.py, which replays them.
Every file carries the metadata the product must remove (EXIF with an orientation, PNG text,
a JPEG comment, PDF Info, Office properties, comment authors, a thumbnail), so the fuzzer starts
from inputs that reach the stripping code.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Wang Fang'
    "</dc:creator><cp:lastModifiedBy>Wang Fang</cp:lastModifiedBy></cp:coreProperties>"
)
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
    'schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Company>Acme'
    "</Company><Application>Microsoft Office Word</Application></Properties>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/'
    'document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/'
    '2006/relationships/metadata/thumbnail" Target="docProps/thumbnail.jpeg"/></Relationships>'
)


def _images() -> dict[str, bytes]:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    out = {}
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: turned
    gradient = Image.linear_gradient("L").resize((12, 8))
    rgb = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient)
    )

    def save(name, image, fmt, **kwargs):
        buffer = io.BytesIO()
        image.save(buffer, fmt, **kwargs)
        out[name] = buffer.getvalue()

    save("rgb-exif.jpg", rgb, "JPEG", exif=exif, comment=b"taken at the factory gate")
    save("grey-progressive.jpg", gradient, "JPEG", progressive=True, quality=50)
    save("cmyk.jpg", rgb.convert("CMYK"), "JPEG")
    info = PngInfo()
    info.add_text("Comment", "Wang Fang's phone")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 31.2 121.4</x:xmpmeta>")
    save("rgb-text-exif.png", rgb, "PNG", pnginfo=info, exif=exif)
    save("rgba.png", rgb.convert("RGBA"), "PNG")
    save("palette-transparent.png", rgb.convert("P"), "PNG", transparency=0)
    save("grey-16bit.png", gradient.convert("I;16"), "PNG")
    save("one-bit.png", gradient.convert("1"), "PNG")
    save("interlaced.png", rgb, "PNG", interlace=1)
    save("lossy.webp", rgb, "WEBP", quality=50, exif=exif)
    save("lossless-alpha.webp", rgb.convert("RGBA"), "WEBP", lossless=True)
    save(
        "animated.webp",
        rgb,
        "WEBP",
        save_all=True,
        append_images=[gradient.convert("RGB")],
        duration=100,
    )
    return out


def _pdfs() -> dict[str, bytes]:
    from pypdf import PdfWriter

    out = {}
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.add_metadata({"/Author": "Wang Fang", "/Producer": "Acme Scanner"})
    buffer = io.BytesIO()
    writer.write(buffer)
    out["info.pdf"] = buffer.getvalue()
    out["minimal.pdf"] = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/Metadata 4 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
        b"4 0 obj<</Type/Metadata/Subtype/XML/Length 20>>stream\n<x:xmpmeta>WF</x:xmp>\n"
        b"endstream endobj\ntrailer<</Root 1 0 R/Info<</Author(Wang Fang)>>>>\n%%EOF\n"
    )
    out["script.pdf"] = b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>\n"
    out["signed.pdf"] = out["minimal.pdf"].replace(b"/Type/Catalog", b"/Type/Catalog/Perms<<>>")
    out["signed.pdf"] += b"<</Type /Sig/ByteRange[0 1 2 3]>>"
    return out


def _zip(entries: dict[str, str | bytes], *, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _types(main: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/main.xml" ContentType="{main}"/></Types>'
    )


def _office() -> dict[str, bytes]:
    docx = {
        "[Content_Types].xml": _types(DOCX_TYPE),
        "_rels/.rels": RELS,
        "word/document.xml": '<w:document xmlns:w="w"><w:body><w:p><w:ins w:author="Wang Fang"'
        ' w:initials="WF"><w:r><w:t>overtime</w:t></w:r></w:ins></w:p></w:body></w:document>',
        "word/comments.xml": '<w:comments><w:comment w:author="Wang Fang" w:initials="WF"/>'
        "</w:comments>",
        "word/people.xml": '<w15:people><w15:person w15:author="Wang Fang"><w15:presenceInfo'
        ' w15:providerId="AD" w15:userId="wang@example.org"/></w15:person></w15:people>',
        "docProps/core.xml": CORE,
        "docProps/app.xml": APP,
        "docProps/custom.xml": '<Properties><property name="Client">Wang Fang</property>'
        "</Properties>",
        "docProps/thumbnail.jpeg": b"\xff\xd8\xff\xe0thumbnail",
    }
    xlsx = {
        "[Content_Types].xml": _types(XLSX_TYPE),
        "xl/workbook.xml": "<workbook><sheets/></workbook>",
        "xl/worksheets/sheet1.xml": '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>hours</t></is></c></row></sheetData></worksheet>",
        "xl/threadedComments/threadedComment1.xml": "<ThreadedComments><threadedComment x:author"
        '="Wang Fang"/></ThreadedComments>',
        "docProps/core.xml": CORE,
        "docProps/app.xml": APP,
    }
    macro = dict(docx)
    macro["[Content_Types].xml"] = _types("application/vnd.ms-word.document.macroEnabled.main+xml")
    macro["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0macro"
    return {
        "comments-properties.docx": _zip(docx),
        "stored.docx": _zip(docx, method=zipfile.ZIP_STORED),
        "sheet.xlsx": _zip(xlsx),
        "macro.docm": _zip(macro),
        "not-office.zip": _zip({"notes.txt": "a plain archive"}),
    }


# The office harness's structured mode (fuzz/harnesses.office_from): a DOCX whose comments
# and tracked change name someone, and an XLSX with a note and a person.
STRUCTURED_OFFICE = {
    "structured-docx.bin": b"\x00\x01<w:comments>\x09\x0b</w:comment></w:comments>"
    b"\x00\x00\x00<w:ins\x01\x03>\x0b</w:ins>",
    "structured-xlsx.bin": b"\x01\x06<comments>\x08</comments>\x00\x00\x07"
    b"<personList>\x0a<person\x05/></personList>",
}


def _media_and_refused() -> dict[str, bytes]:
    wav_data = b"\x00\x00" * 64
    wav = (
        b"RIFF"
        + struct.pack("<I", 36 + len(wav_data))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"data"
        + struct.pack("<I", len(wav_data))
        + wav_data
    )
    return {
        "tag.mp3": b"ID3\x03\x00\x00\x00\x00\x00\x0aTIT2\x00\x00\x00\x01\x00\x00\x00"
        + b"\xff\xfb\x90\x64"
        + b"\x00" * 64,
        "voice.amr": b"#!AMR\n" + b"\x3c" + b"\x00" * 31,
        "clip.mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free",
        "voice.m4a": b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42" + b"\x00" * 16,
        "tone.wav": wav,
        "photo.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        "page.html": b"<!doctype html><html><script>alert(1)</script></html>",
        "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
        "program.exe": b"MZ\x90\x00" + b"\x00" * 60,
        "polyglot.png": b"\x89PNG\r\n\x1a\n<html><body>hi</body></html>",
    }


def seeds(harness: str) -> dict[str, bytes]:
    """The seed files of one harness: name → bytes."""
    if harness == "image":
        return _images()
    if harness == "office":
        return {**_office(), **STRUCTURED_OFFICE}
    if harness == "upload":
        return {**_images(), **_pdfs(), **_office(), **_media_and_refused()}
    raise KeyError(harness)


def write(root: Path) -> dict[str, int]:
    counts = {}
    for harness in ("upload", "image", "office"):
        folder = root / harness
        folder.mkdir(parents=True, exist_ok=True)
        files = seeds(harness)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        counts[harness] = len(files)
    return counts


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "seeds"
    for harness, count in write(target).items():
        print(f"fuzz/seeds: {count} files for {harness} in {target / harness}")
