"""A private ClamAV daemon for the tests (security matrix C6).

`start_clamd()` runs Debian's clamd (package clamav-daemon, installed by scripts/setup-system.sh)
as a child process with a clamd.conf of its own in a temporary folder: a Unix socket there, in
the foreground, and a signature database holding one signature we write ourselves — the EICAR
test string — so that no official signature download is needed (database.clamav.net may not be
reachable where the tests run). It returns once clamd answers PING.

A missing clamd fails the tests that need it: it is part of the system set-up, not optional.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from documents.scanning import ClamdScanner, ScannerError, read_clamd_answer

# The anti-virus test file (eicar.org), put together so that this source file is not itself
# taken for it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"
# clamd names a match from a database it does not know as official "<name>.UNOFFICIAL".
SIGNATURE = "Rightsdesk.Test.EICAR"
FOUND_AS = SIGNATURE + ".UNOFFICIAL"

SEARCHED = ("/usr/sbin/clamd", "/usr/local/sbin/clamd")
START_TIMEOUT = 60.0


def clamd_binary() -> str:
    """The clamd program; the calling test fails when it is not installed."""
    given = os.environ.get("RIGHTSDESK_CLAMD_BINARY", "")
    if given:
        found = given if os.access(given, os.X_OK) else None
    else:
        found = shutil.which("clamd") or next((p for p in SEARCHED if os.access(p, os.X_OK)), None)
    if not found:
        pytest.fail(
            "clamd is not installed: run `make system` (scripts/setup-system.sh installs "
            "Debian's clamav-daemon), or set RIGHTSDESK_CLAMD_BINARY to its path",
            pytrace=False,
        )
    return found


@dataclass
class Clamd:
    """One running clamd; `address` is what RIGHTSDESK["EVIDENCE_SCANNER"] takes."""

    process: subprocess.Popen
    folder: Path
    socket_path: Path
    stream_max_bytes: int
    log: Path
    stopped: bool = field(default=False)

    @property
    def address(self) -> str:
        return f"unix://{self.socket_path}"

    def command(self, name: bytes, timeout: float = 5.0) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(self.socket_path))
            sock.sendall(b"z" + name + b"\0")
            answer = read_clamd_answer(sock)
        return answer.rstrip(b"\0")

    def scan(self, data: bytes) -> str:
        verdict = ClamdScanner(self.address, timeout=10).scan(data)
        return "OK" if verdict.clean else verdict.signature

    def set_signature(self, name: str, pattern: bytes | None, *, probe: bytes) -> None:
        """Add (or, with None, remove) a signature file `<name>.ndb` and have clamd load its
        signatures again (RELOAD), as after a freshclam update; returns once a scan of `probe`
        shows the change."""
        path = self.folder / "db" / f"{name}.ndb"
        if pattern is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(f"{name}:0:*:{pattern.hex()}\n")
        assert self.command(b"RELOAD") == b"RELOADING"
        wanted = "OK" if pattern is None else f"{name}.UNOFFICIAL"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self.scan(probe) == wanted:
                    return
            except ScannerError:  # reloading
                pass
            assert time.monotonic() < deadline, f"clamd did not load the signature {name}"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as when clamd is killed for memory: the socket file stays behind."""
        self.process.kill()
        self.process.wait(timeout=30)

    def pause(self) -> None:
        """SIGSTOP: the socket still accepts connections but nothing answers (a hung clamd)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_clamd(*, stream_max_bytes: int) -> Clamd:
    """Start a private clamd that finds EICAR and refuses streams above `stream_max_bytes`."""
    binary = clamd_binary()
    # A short folder of its own: a Unix socket's path must stay under about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="rd-clamd-"))
    database = folder / "db"
    database.mkdir()
    # An extended signature (.ndb): name, any file type (0), at any offset, the bytes in hex.
    (database / "rightsdesk-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    socket_path = folder / "clamd.sock"
    conf = folder / "clamd.conf"
    conf.write_text(
        "\n".join(
            [
                f"LocalSocket {socket_path}",
                "LocalSocketMode 600",
                "Foreground yes",
                f"DatabaseDirectory {database}",
                f"TemporaryDirectory {folder}",
                f"StreamMaxLength {stream_max_bytes}",
                "MaxThreads 4",
                "",
            ]
        )
    )
    log = folder / "clamd.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "--config-file", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    clamd = Clamd(process, folder, socket_path, stream_max_bytes, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            text = log.read_text(errors="replace")
            clamd.stop()
            pytest.fail(f"clamd exited with {process.returncode} at start:\n{text}", pytrace=False)
        try:
            if clamd.command(b"PING", timeout=1.0) == b"PONG":
                return clamd
        except OSError:
            pass
        if time.monotonic() > deadline:
            text = log.read_text(errors="replace")
            clamd.stop()
            pytest.fail(f"clamd did not answer PING in {START_TIMEOUT:g} s:\n{text}", pytrace=False)
        time.sleep(0.1)
