"""A small HTTP/1.1 client on asyncio streams for the load benchmarks (bench/intake_load.py,
bench/memory.py), and the gunicorn server they start.

The load generator shares two cores with gunicorn and PostgreSQL, so it must cost little CPU:
raw requests over keep-alive sockets (a new connection when the server closes one, as
gunicorn's sync workers do after every response), no cookie jar, no redirects followed, no
parsing beyond the status line, the headers it needs and the body's length.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def cookies(self) -> dict[str, str]:
        found = {}
        for key, value in self.headers:
            if key == "set-cookie":
                pair = value.split(";", 1)[0]
                if "=" in pair:
                    name, _, val = pair.partition("=")
                    found[name.strip()] = val.strip().strip('"')
        return found


class Connection:
    """One socket, reused while the server keeps it open."""

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.opened += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Response:
        reused = self.writer is not None
        try:
            return await self._request(method, path, headers or {}, body)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            self.close()
            # The server closed a kept-alive socket before reading the request (its keep-alive
            # timeout): nothing was processed, so send it once more on a new socket, as every
            # HTTP client does. A failure on a fresh socket is an error.
            if reused and isinstance(exc, asyncio.IncompleteReadError) and not exc.partial:
                return await self._request(method, path, headers or {}, body)
            raise

    async def _request(self, method, path, headers, body) -> Response:
        if self.writer is None:
            await self._open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        parsed = []
        for line in header_lines:
            if line:
                key, _, value = line.partition(":")
                parsed.append((key.strip().lower(), value.strip()))
        response = Response(status, parsed, b"")
        length = response.header("content-length")
        if length is not None:
            response.body = await self.reader.readexactly(int(length))
        elif (response.header("transfer-encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            response.body = b"".join(chunks)
        elif status not in (204, 304):
            response.body = await self.reader.read()
            self.close()
        if (response.header("connection") or "").lower() == "close":
            self.close()
        return response


def form(data: dict) -> bytes:
    return urllib.parse.urlencode(data, doseq=True).encode()


@dataclass
class Visitor:
    """A browser's state: its cookies."""

    cookies: dict[str, str] = field(default_factory=dict)

    def headers(self, *, csrf: bool = False, extra: dict | None = None) -> dict[str, str]:
        out = {"Accept-Language": "zh-hans", "User-Agent": "rightsdesk-bench"}
        if self.cookies:
            out["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if csrf and "csrftoken" in self.cookies:
            out["X-CSRFToken"] = self.cookies["csrftoken"]
        if extra:
            out.update(extra)
        return out

    def remember(self, response: Response) -> Response:
        self.cookies.update(response.cookies())
        return response

    async def get(self, conn: Connection, path: str) -> Response:
        return self.remember(await conn.request("GET", path, headers=self.headers()))

    async def post(self, conn: Connection, path: str, data: dict) -> Response:
        headers = self.headers(
            csrf=True, extra={"Content-Type": "application/x-www-form-urlencoded"}
        )
        return self.remember(await conn.request("POST", path, headers=headers, body=form(data)))


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank, as bench/harness.py."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn -c config/gunicorn.conf.py on a free loopback port, its own process group."""

    def __init__(self, env: dict[str, str], *, workers: int, threads: int, log: Path):
        self.port = free_port()
        self.log = log
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_ERROR_LOG": str(log),
            "GUNICORN_LOG_LEVEL": "warning",
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.") and len(self.worker_pids()) >= 1:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:g} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The arbiter's children: the workers."""
        if self.proc is None:
            return []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in children.split()]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for {pid}")
