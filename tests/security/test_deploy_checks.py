"""Deployment check and supply chain (security.md F1, H1, H2; issue 7 items 6 and 9).

`make check-deploy` and `make audit` run these tools in CI; the tests here make sure the
production settings pass Django's deployment check, that bandit with our configuration still
finds a planted problem, and that the audited requirements are the project's own."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .production import SECRETS

ROOT = Path(settings.BASE_DIR)


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "RIGHTSDESK_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_production"
    for name in SECRETS:
        env[name] = secrets.token_urlsafe(50)
    env["DJANGO_ALLOWED_HOSTS"] = "rightsdesk.example.org"
    env["RIGHTSDESK_SMTP_HOST"] = "smtp.example.org"
    env["RIGHTSDESK_CLAMD"] = "unix:///run/clamav/clamd.ctl"
    return env


def _check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check():
    result = _check_deploy(_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_check_demands_a_virus_scanner():
    """security.md C6: a production deployment without clamd would store evidence unscanned."""
    env = _production_env()
    del env["RIGHTSDESK_CLAMD"]
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "documents.W002" in result.stderr + result.stdout
    env["RIGHTSDESK_CLAMD"] = "/run/clamav/clamd.ctl"  # a path, not an address
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "documents.W003" in result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_their_secrets():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_bandit_finds_a_planted_problem_with_our_configuration(tmp_path):
    """The skips in bandit.toml must not silence what bandit is there for."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import subprocess\n"
        "from django.utils.safestring import mark_safe\n\n\n"
        "def run(cmd, text):\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    return mark_safe(text)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-c", str(ROOT / "bandit.toml"), str(planted)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "B602" in result.stdout and "B308" in result.stdout


def test_bandit_passes_on_the_project():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-c", "bandit.toml", "-r", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_bandit_skip_gives_its_reason():
    lines = (ROOT / "bandit.toml").read_text().splitlines()
    skips = [line for line in lines if line.strip().startswith('"B')]
    assert skips
    assert all("#" in line and len(line.split("#", 1)[1].strip()) > 20 for line in skips), skips


def test_the_audited_requirements_are_the_projects_resolved_ones():
    result = subprocess.run(
        [sys.executable, "scripts/resolved-requirements.py", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    pinned = dict(line.split("==") for line in result.stdout.split())
    import django
    import weasyprint

    assert pinned["django"] == django.__version__
    assert pinned["weasyprint"] == weasyprint.__version__
    # Transitive dependencies are there too (Django's asgiref and sqlparse, Pillow via WeasyPrint).
    assert {"asgiref", "sqlparse", "pillow", "pip-audit", "bandit"} <= set(pinned)


def test_the_pip_audit_fallback_answers_for_the_latest_version_only():
    """scripts/pip-audit.py: on a mirror that 404s version pages, the project page (whose
    advisories are the latest release's) stands in for the latest version, never an older one."""
    import importlib.util

    from pip_audit._service import pypi

    original = pypi.caching_session
    spec = importlib.util.spec_from_file_location("rd_pip_audit", ROOT / "scripts/pip-audit.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # (it wraps pip-audit's session factory)
        assert pypi.caching_session is module._session_with_fallback
    finally:
        pypi.caching_session = original

    class Response:
        def __init__(self, status, data=None):
            self.status_code, self._data = status, data

        def json(self):
            return self._data

    class Session:
        def get(self, url, *args, **kwargs):
            if url == "https://pypi.org/pypi/demo/json":
                return Response(200, {"info": {"version": "2.0"}, "vulnerabilities": []})
            return Response(404)

    module._original_caching_session = lambda *a, **k: Session()
    session = module._session_with_fallback(None)
    assert session.get("https://pypi.org/pypi/demo/2.0/json").status_code == 200
    assert session.get("https://pypi.org/pypi/demo/1.0/json").status_code == 404
    assert session.get("https://pypi.org/pypi/other/1.0/json").status_code == 404
