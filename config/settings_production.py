"""Production settings: config/settings.py plus what only makes sense behind HTTPS.

Use with DJANGO_SETTINGS_MODULE=config.settings_production. Secrets and hosts come from the
environment and are required here (no generated files, no development defaults):

    DJANGO_SECRET_KEY, RIGHTSDESK_FIELD_KEY, RIGHTSDESK_LOOKUP_KEY, RIGHTSDESK_AUDIT_KEY
    DJANGO_ALLOWED_HOSTS            e.g. rightsdesk.example.org
    RIGHTSDESK_SMTP_HOST            the mail server (notifications must leave the machine)
    RIGHTSDESK_CLAMD                the virus scanner, e.g. unix:///run/clamav/clamd.ctl: without
                                    it `check --deploy` warns (documents.W002)
    DJANGO_CSRF_TRUSTED_ORIGINS     optional, e.g. https://rightsdesk.example.org
    DJANGO_SECURE_PROXY_HEADER      optional: the header the TLS proxy sets, e.g.
                                    X-Forwarded-Proto (only if the proxy always sets it)
    RIGHTSDESK_HSTS_SECONDS         optional, default one year

`make check-deploy` runs `manage.py check --deploy --fail-level WARNING` with these settings.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import env_bool


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production.")
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
ADMIN_PATH = admin_path(SECRET_KEY)  # noqa: F405 — from config.settings
FIELD_ENCRYPTION_KEY = _required("RIGHTSDESK_FIELD_KEY")
LOOKUP_HASH_KEY = _required("RIGHTSDESK_LOOKUP_KEY")
AUDIT_CHAIN_KEY = _required("RIGHTSDESK_AUDIT_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
# Mail goes through SMTP (config/settings.py builds MAILERS from RIGHTSDESK_SMTP_*): in production
# the development fallback, files under var/mail/, would silently keep every notice on disk.
_required("RIGHTSDESK_SMTP_HOST")

# --- HTTPS only -------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
if proxy_header := os.environ.get("DJANGO_SECURE_PROXY_HEADER", "").strip():
    # Trust the proxy's word on the scheme only when told to: a client could set it too.
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_header.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = int(os.environ.get("RIGHTSDESK_HSTS_SECONDS", 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# --- cookies: Secure, and __Host- names (no Domain, Path=/, set over HTTPS only) ---------
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-rd_session"
CSRF_COOKIE_NAME = "__Host-rd_csrftoken"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
