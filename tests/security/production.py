"""The production settings module's values, for tests that run with them (cookies, headers)."""

import importlib
import secrets
import sys

SECRETS = (
    "DJANGO_SECRET_KEY",
    "RIGHTSDESK_FIELD_KEY",
    "RIGHTSDESK_LOOKUP_KEY",
    "RIGHTSDESK_AUDIT_KEY",
)
# The settings a production deployment changes for sessions, cookies and headers.
PREFIXES = ("SECURE_", "SESSION_", "CSRF_", "LANGUAGE_COOKIE_", "X_FRAME_OPTIONS")


def production_values(monkeypatch) -> dict:
    for name in SECRETS:
        monkeypatch.setenv(name, secrets.token_urlsafe(50))
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "testserver")
    monkeypatch.setenv("RIGHTSDESK_SMTP_HOST", "smtp.example.org")
    sys.modules.pop("config.settings_production", None)
    module = importlib.import_module("config.settings_production")
    sys.modules.pop("config.settings_production", None)
    return {k: getattr(module, k) for k in dir(module) if k.startswith(PREFIXES)}


def use_production_security(settings, monkeypatch) -> None:
    """Apply the production values of the security settings to this test's settings."""
    for name, value in production_values(monkeypatch).items():
        setattr(settings, name, value)
