"""scripts/system-audit.py (security.md H1, the scan of the Debian packages the runtime links
against): which packages it checks, how it reads apt's answers, and when it fails. The real scan
runs in `make audit` (.ci/run), after `make system-upgrade`."""

import datetime as dt
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location(
        "rd_system_audit", ROOT / "scripts/system-audit.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


audit = _module()

UPGRADABLE = """\
Listing...
libexpat1/oldstable-security 2.5.0-1+deb12u5 amd64 [upgradable from: 2.5.0-1+deb12u1]
libgcrypt20/oldstable,oldstable-security 1.10.1-3+deb12u1 amd64 [upgradable from: 1.10.1-3]
tzdata/oldstable-updates 2025b-0+deb12u2 all [upgradable from: 2025b-0+deb12u1]
"""


def test_the_runtime_packages_are_setup_systems_and_not_the_browser():
    out = subprocess.run(
        [shutil.which("bash"), str(ROOT / "scripts/setup-system.sh"), "--list"],
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "RIGHTSDESK_SKIP_SYSTEM": "1"},
    ).stdout.split()
    assert {"libpango-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"} <= set(out)
    assert "chromium" not in out


def test_only_updates_from_a_security_suite_count():
    pending = audit.parse_upgradable(UPGRADABLE)
    assert [(p.package, p.installed, p.version) for p in pending] == [
        ("libexpat1", "2.5.0-1+deb12u1", "2.5.0-1+deb12u5"),
        ("libgcrypt20", "1.10.1-3", "1.10.1-3+deb12u1"),
    ]


def test_the_dependency_closure_reads_package_names_and_skips_virtual_ones():
    text = (
        "libpango-1.0-0\n  Depends: libc6\nlibc6\n  Depends: libgcc-s1\n<debconf-2.0>\nlibgcc-s1\n"
    )
    assert audit.parse_depends(text) == {"libpango-1.0-0", "libc6", "libgcc-s1"}


def _deferral(**kw):
    base = {
        "package": "libexpat1",
        "version": "2.5.0-1+deb12u5",
        "reason": "waiting for the maintenance window",
        "ticket": "RD-1",
        "expires": dt.date(2026, 12, 31),
    }
    return audit.Deferral(**{**base, **kw})


def test_a_pending_update_fails_unless_deferred_for_that_version_until_a_date():
    pending = audit.parse_upgradable(UPGRADABLE)
    today = dt.date(2026, 11, 26)
    failing, _ = audit.judge(pending, [], today)
    assert {p.package for p in failing} == {"libexpat1", "libgcrypt20"}
    failing, notes = audit.judge(pending, [_deferral()], today)
    assert {p.package for p in failing} == {"libgcrypt20"}
    assert any("RD-1" in n for n in notes)
    # Another version (a newer fix came out) or an expired deferral fails again.
    failing, _ = audit.judge(pending, [_deferral(version="2.5.0-1+deb12u4")], today)
    assert "libexpat1" in {p.package for p in failing}
    failing, notes = audit.judge(pending, [_deferral(expires=dt.date(2026, 11, 25))], today)
    assert "libexpat1" in {p.package for p in failing} and any("expired" in n for n in notes)


def test_a_deferral_without_a_ticket_or_an_expiry_date_is_refused(tmp_path):
    path = tmp_path / "ignore.toml"
    path.write_text('[[defer]]\npackage = "libexpat1"\nversion = "1"\nreason = "x"\n')
    with pytest.raises(SystemExit, match="ticket, expires"):
        audit.load_deferrals(path)
    path.write_text(
        '[[defer]]\npackage = "a"\nversion = "1"\nreason = "x"\nticket = "T"\nexpires = "soon"\n'
    )
    with pytest.raises(SystemExit, match="must be a date"):
        audit.load_deferrals(path)


def test_the_committed_deferrals_are_valid_and_none_has_expired():
    for deferral in audit.load_deferrals():
        assert deferral.expires >= dt.date.today(), deferral


def test_make_audit_runs_the_system_scan_and_ci_installs_the_updates_first():
    makefile = (ROOT / "Makefile").read_text()
    audit_recipe = makefile.split("\naudit: venv\n", 1)[1].split("\n\n", 1)[0]
    assert "scripts/system-audit.py" in audit_recipe
    steps = [
        line for line in (ROOT / ".ci/run").read_text().splitlines() if line.startswith("step ")
    ]
    commands = [line.rsplit('" ', 1)[1] for line in steps]
    assert commands.index("make system-upgrade") < commands.index("make test")
    assert commands.index("make test") < commands.index("make audit")
