#!/usr/bin/env python3
"""Known vulnerabilities in the Debian packages Rightsdesk runs on (security.md H1: the image
scan for Pango, HarfBuzz, the fonts, ClamAV and what they link against).

Debian publishes the fix of every vulnerability it has fixed as an update in its security
suite (`<release>-security`); a package whose installed version is older than that update is
known to be vulnerable. This script

1. takes the runtime packages that scripts/setup-system.sh installs (`--list`) and every package
   they depend on, as installed (`apt-cache depends --recurse --installed`);
2. refreshes the package lists when they are older than --max-age hours (as root, or with
   sudo), so that yesterday's advisories are seen;
3. lists the updates pending for those packages from a security suite (`apt list
   --upgradable`), and fails if there is any that ops/system-audit-ignore.toml does not defer
   (each deferral names the package, the pending version, a reason, a ticket and an expiry
   date; an expired one fails too).

    scripts/system-audit.py          report; exit status 1 when something is pending
    scripts/system-audit.py --fix    first install the pending security updates of those
                                     packages (apt-get install --only-upgrade), then report

What it cannot see: vulnerabilities Debian has not fixed yet (the security tracker's
"no DSA"/"postponed" entries; its data is not reachable from the build machines), and the
libraries that Python wheels carry inside them (pip-audit answers for those by the wheel's
version: `make audit`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "ops" / "system-audit-ignore.toml"
LISTS = Path("/var/lib/apt/lists")
# `apt list --upgradable` lines: "libexpat1/oldstable-security 2.5.0-1+deb12u5 amd64 [upgradable
# from: 2.5.0-1+deb12u1]"; the suites are comma-separated ("oldstable,oldstable-security").
UPGRADABLE = re.compile(
    r"^(?P<package>[a-z0-9][a-z0-9+.-]*)/(?P<suites>\S+) (?P<version>\S+) \S+ "
    r"\[upgradable from: (?P<installed>[^\]]+)\]$"
)


@dataclass(frozen=True)
class Pending:
    package: str
    installed: str
    version: str
    suites: tuple[str, ...]


@dataclass(frozen=True)
class Deferral:
    package: str
    version: str
    reason: str
    ticket: str
    expires: dt.date


def run(cmd: list[str]) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def runtime_packages() -> list[str]:
    out = run(["bash", str(ROOT / "scripts" / "setup-system.sh"), "--list"])
    return sorted({line.strip() for line in out.splitlines() if line.strip()})


def parse_depends(text: str) -> set[str]:
    """The package names of `apt-cache depends --recurse` output (its unindented lines; virtual
    packages are shown as <name> and have no version of their own)."""
    return {
        line.strip()
        for line in text.splitlines()
        if line and not line[0].isspace() and not line.startswith("<")
    }


def closure(packages: list[str]) -> set[str]:
    text = run(
        [
            "apt-cache",
            "depends",
            "--recurse",
            "--installed",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *packages,
        ]
    )
    return parse_depends(text) | set(packages)


def parse_upgradable(text: str) -> list[Pending]:
    """The pending updates that come from a security suite."""
    found = []
    for line in text.splitlines():
        m = UPGRADABLE.match(line.strip())
        if m is None:
            continue
        suites = tuple(m["suites"].split(","))
        if any(s.endswith("-security") for s in suites):
            found.append(Pending(m["package"], m["installed"], m["version"], suites))
    return found


def load_deferrals(path: Path = IGNORE_FILE) -> list[Deferral]:
    """ops/system-audit-ignore.toml: [[defer]] tables, every field required."""
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    deferrals = []
    for n, item in enumerate(data.get("defer", []), 1):
        missing = [
            k for k in ("package", "version", "reason", "ticket", "expires") if not item.get(k)
        ]
        if missing:
            raise SystemExit(f"system-audit: {path.name} entry {n} lacks {', '.join(missing)}")
        if not isinstance(item["expires"], dt.date):
            raise SystemExit(f"system-audit: {path.name} entry {n}: expires must be a date")
        deferrals.append(
            Deferral(
                item["package"], item["version"], item["reason"], item["ticket"], item["expires"]
            )
        )
    return deferrals


def judge(
    pending: list[Pending], deferrals: list[Deferral], today: dt.date
) -> tuple[list[Pending], list[str]]:
    """(the pending updates that fail the audit, notes on the deferred ones). A deferral holds
    for its package's pending version only, and until its expiry date."""
    failing, notes = [], []
    for item in pending:
        deferral = next(
            (d for d in deferrals if d.package == item.package and d.version == item.version),
            None,
        )
        if deferral is None:
            failing.append(item)
        elif deferral.expires < today:
            failing.append(item)
            notes.append(f"deferral of {item.package} {item.version} expired {deferral.expires}")
        else:
            notes.append(
                f"deferred: {item.package} {item.version} until {deferral.expires} "
                f"({deferral.ticket}: {deferral.reason})"
            )
    return failing, notes


def _privileged(cmd: list[str]) -> list[str] | None:
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo"):
        return ["sudo", "-n", *cmd]
    return None


def refresh_lists(max_age_hours: float) -> None:
    newest = max((p.stat().st_mtime for p in LISTS.glob("*Packages*")), default=0.0)
    if time.time() - newest < max_age_hours * 3600:
        return
    cmd = _privileged(["apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=300"])
    if cmd is None or subprocess.run(cmd, capture_output=True).returncode != 0:
        raise SystemExit(
            "system-audit: the package lists are older than "
            f"{max_age_hours:g} h and could not be refreshed (apt-get update as root)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="install the pending updates first")
    parser.add_argument("--max-age", type=float, default=12.0, help="hours (default 12)")
    args = parser.parse_args(argv)
    if not shutil.which("apt-cache") or not LISTS.is_dir():
        print("system-audit: not a Debian or Ubuntu machine (no apt)", file=sys.stderr)
        return 1
    refresh_lists(args.max_age)
    packages = closure(runtime_packages())
    upgradable = run(["apt", "list", "--upgradable"])
    pending = [p for p in parse_upgradable(upgradable) if p.package in packages]
    if args.fix and pending:
        names = sorted(p.package for p in pending)
        print(f"system-audit: installing security updates: {' '.join(names)}")
        cmd = _privileged(
            ["apt-get", "install", "-y", "-q", "--only-upgrade", "-o",
             "DPkg::Lock::Timeout=300", *names]
        )  # fmt: skip
        if (
            cmd is None
            or subprocess.run(
                cmd, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            ).returncode
        ):
            print("system-audit: the updates could not be installed", file=sys.stderr)
            return 1
        upgradable = run(["apt", "list", "--upgradable"])
        pending = [p for p in parse_upgradable(upgradable) if p.package in packages]
    failing, notes = judge(pending, load_deferrals(), dt.date.today())
    for note in notes:
        print(f"system-audit: {note}")
    for item in failing:
        print(
            f"system-audit: VULNERABLE {item.package} {item.installed} "
            f"(fixed in {item.version}, {','.join(item.suites)})"
        )
    print(
        f"system-audit: {len(packages)} installed packages checked (the runtime packages of "
        f"scripts/setup-system.sh and their dependencies): {len(failing)} with known "
        f"vulnerabilities fixed in the security suite"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
