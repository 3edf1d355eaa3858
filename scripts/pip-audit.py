"""Run pip-audit (its own command line, flags and output), tolerating a PyPI mirror that serves
only the project-level JSON (`/pypi/<name>/json`) and not the per-version one pip-audit asks for
(`/pypi/<name>/<version>/json`, 404 on such mirrors).

    python scripts/pip-audit.py [pip-audit arguments ...]

On a 404 for a version page, and only then, the project page is asked instead: its
`vulnerabilities` are those of the latest release, so they are used only when the audited version
IS the latest; for an older version the 404 stands and pip-audit reports the dependency as not
audited. Against the real pypi.org nothing here is used.
"""

import sys

import requests
from pip_audit import _cli
from pip_audit._service import pypi


def _session_with_fallback(cache_dir, *args, **kwargs) -> requests.Session:
    session = _original_caching_session(cache_dir, *args, **kwargs)
    get = session.get

    def get_with_fallback(url, *a, **kw):
        response = get(url, *a, **kw)
        prefix = "https://pypi.org/pypi/"
        if response.status_code != 404 or not url.startswith(prefix):
            return response
        parts = url.removeprefix(prefix).split("/")
        if len(parts) != 3 or parts[2] != "json":
            return response
        name, version = parts[0], parts[1]
        project = get(f"{prefix}{name}/json", *a, **kw)
        if project.status_code == 200 and project.json()["info"]["version"] == version:
            return project
        return response

    session.get = get_with_fallback
    return session


_original_caching_session = pypi.caching_session
pypi.caching_session = _session_with_fallback

if __name__ == "__main__":
    sys.argv[0] = "pip-audit"
    _cli.audit()
