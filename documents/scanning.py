"""Virus scanning of evidence files (security.md §6.7, matrix C6), failing closed.

Configured with RIGHTSDESK["EVIDENCE_SCANNER"] (env RIGHTSDESK_CLAMD):
- "" (the default): no scanner. Files are stored with scan_status "not_scanned" and served;
  the deployment then relies on the type allow-list and re-encoding alone.
- "tcp://host:3310" or "unix:///run/clamav/clamd.ctl": ClamAV's clamd, sent the bytes with its
  INSTREAM command. With a scanner configured, an upload is accepted only after clamd answered
  "OK" for every file; a file it finds something in is refused (and the refusal audited), and an
  error, a timeout or a size-limit answer refuses the upload too ("try again later"): nothing
  unscanned is stored. A file stored before the scanner was configured is scanned when it is
  first downloaded, and is not served unless that scan is clean.

Each scan records when it ran and the scanner's signature version (`signature_version()`,
clamd's VERSION answer); the daily sweep scans again the stored files whose last scan used older
signatures, or none (documents.rescan).

A scanner is an object with `scan(data) -> Verdict` and, optionally, `version() -> str`.
tests/documents/test_clamd.py runs a real clamd (Debian's clamav-daemon, installed by
scripts/setup-system.sh); other tests use a fake (RIGHTSDESK["EVIDENCE_SCANNER_CLASS"]).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

CHUNK = 64 * 1024


class ScannerError(Exception):
    """The scanner could not give a verdict (down, timeout, size limit, garbled answer)."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""  # what was found, e.g. "Eicar-Test-Signature"


class ClamdScanner:
    """clamd's INSTREAM over a TCP or Unix socket (clamd.conf: StreamMaxLength must be at least
    EVIDENCE_MAX_BYTES, or every large file is refused)."""

    def __init__(self, address: str, timeout: float = 30.0):
        self.address = address
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        parts = urlsplit(self.address)
        if parts.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target = parts.path
        elif parts.scheme == "tcp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            target = (parts.hostname or "127.0.0.1", parts.port or 3310)
        else:
            raise ScannerError(f"unknown scanner address scheme {parts.scheme!r}")
        sock.settimeout(self.timeout)
        try:
            sock.connect(target)
        except OSError as exc:
            sock.close()
            raise ScannerError("clamd does not answer") from exc
        return sock

    def scan(self, data: bytes) -> Verdict:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), CHUNK):
                    chunk = data[start : start + CHUNK]
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                answer = read_clamd_answer(sock)
        except OSError as exc:
            raise ScannerError("clamd did not finish the scan") from exc
        return parse_clamd_answer(answer)

    def version(self) -> str:
        """clamd's VERSION: "ClamAV 1.4.6/27510/Mon Dec  1 08:40:01 2026" (the engine, then
        the version and date of its daily signatures, which freshclam updates)."""
        try:
            with self._connect() as sock:
                sock.sendall(b"zVERSION\0")
                answer = read_clamd_answer(sock)
        except OSError as exc:
            raise ScannerError("clamd did not answer VERSION") from exc
        text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
        if not text.startswith("ClamAV "):
            raise ScannerError("clamd gave no version")
        return text


def read_clamd_answer(sock: socket.socket) -> bytes:
    """clamd's answer to a z-command: everything up to its NUL (or until it hangs up)."""
    answer = b""
    while not answer.endswith(b"\0"):
        part = sock.recv(4096)
        if not part:
            break
        answer += part
    return answer


def parse_clamd_answer(answer: bytes) -> Verdict:
    """ "stream: OK" is clean; "stream: <name> FOUND" is not; anything else is an error."""
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text == "stream: OK":
        return Verdict(clean=True)
    if text.startswith("stream: ") and text.endswith(" FOUND"):
        return Verdict(clean=False, signature=text[len("stream: ") : -len(" FOUND")].strip())
    raise ScannerError("clamd gave no verdict")


def get_scanner():
    """The configured scanner, or None when scanning is off."""
    conf = settings.RIGHTSDESK
    class_path = conf.get("EVIDENCE_SCANNER_CLASS", "")
    if class_path:
        return import_string(class_path)()
    address = conf.get("EVIDENCE_SCANNER", "")
    if not address:
        return None
    return ClamdScanner(address, timeout=float(conf.get("EVIDENCE_SCAN_TIMEOUT", 30)))


def scan(data: bytes) -> Verdict | None:
    """The scanner's verdict on these bytes, None when scanning is off; ScannerError when a
    configured scanner gives none (the caller refuses: fail closed). A scanner that raises
    anything at all counts as having given no verdict."""
    scanner = get_scanner()
    if scanner is None:
        return None
    try:
        verdict = scanner.scan(data)
    except ScannerError:
        raise
    except Exception as exc:  # noqa: BLE001 — any failure of the scanner is "no verdict"
        raise ScannerError("the scanner failed") from exc
    if not isinstance(verdict, Verdict):
        raise ScannerError("the scanner gave no verdict")
    return verdict


def signature_version(scanner=None) -> str:
    """The scanner's signature version, "" when scanning is off or the scanner does not say
    (never an error: it only decides whether a file is scanned again)."""
    scanner = scanner if scanner is not None else get_scanner()
    if scanner is None or not hasattr(scanner, "version"):
        return ""
    try:
        return str(scanner.version())[:100]
    except Exception:  # noqa: BLE001 — unknown, so the next sweep scans again
        return ""
