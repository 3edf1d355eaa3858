"""Rightsdesk settings: everything comes from environment variables with safe defaults.

Embedded default: SQLite under var/ (WAL, IMMEDIATE transactions), the database task backend,
files under var/. Set DATABASE_URL for PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RIGHTSDESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_from_file(name: str) -> str:
    """A per-installation secret, generated once into var/ when the environment gives none."""
    value = os.environ.get(name.upper())
    if value:
        return value
    path = VAR_DIR / f"{name.lower()}.secret"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_from_file("DJANGO_SECRET_KEY")
# Separate keys: field encryption at rest, and keyed hashes of receipt codes and ID numbers.
FIELD_ENCRYPTION_KEY = _secret_from_file("RIGHTSDESK_FIELD_KEY")
LOOKUP_HASH_KEY = _secret_from_file("RIGHTSDESK_LOOKUP_KEY")
AUDIT_CHAIN_KEY = _secret_from_file("RIGHTSDESK_AUDIT_KEY")

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [
    h
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h
]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "django_fsm",
    "django_tasks_db",
    "accounts",
    "rights",
    "casework",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # security: SECURE_CSP below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "security.middleware.SecurityHeadersMiddleware",  # security: no-store, Permissions-Policy
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "security.middleware.StaffIdleTimeoutMiddleware",  # security: staff sessions time out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "casework.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",  # security: {{ csp_nonce }}
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"].setdefault("TEST", {})
    DATABASES["default"]["TEST"]["NAME"] = os.environ.get("TEST_DATABASE_NAME", "test_rightsdesk")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "rightsdesk.sqlite3")),
            "OPTIONS": {
                # Writers take the lock when the transaction starts, so a read-then-write inside
                # one atomic block cannot be overtaken ("database is locked" otherwise).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: anonymous users hold no object permissions
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- security: sessions and headers (issue 7; production adds config/settings_production.py) ---
# Cookies: never readable by scripts, not sent on cross-site subrequests; Secure (and the
# __Host- names) in production, where the site is served over HTTPS only.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A staff session that sees no request for this long ends (security.middleware); workers and
# anonymous follow-up sessions are not affected ...
SECURITY_STAFF_IDLE_SECONDS = int(os.environ.get("RIGHTSDESK_STAFF_IDLE_MINUTES", 30)) * 60
# ... and ends this long after signing in, however active (a working day).
SECURITY_STAFF_SESSION_MAX_SECONDS = (
    int(os.environ.get("RIGHTSDESK_STAFF_SESSION_HOURS", 10)) * 3600
)
# Content-Security-Policy (Django's own, django.middleware.csp): only this origin's files, no
# inline script or style (a script needs the per-response nonce, {{ csp_nonce }}), no plugins,
# no <base>, forms post only here, and no framing by anyone.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts,
# which Django's CSRF check over HTTPS refuses.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page uses (security.middleware.SecurityHeadersMiddleware).
SECURITY_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# --- end of security block ---------------------------------------------------------------

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = (
    VAR_DIR / "staticfiles"
)  # collectstatic's target for a proxy; WhiteNoise serves either way
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "files")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve static straight from the source folders in development

# --- cache: rate-limit counters and the like, shared by every process on the machine -----
CACHE_URL = os.environ.get("RIGHTSDESK_CACHE_URL", "")
if CACHE_URL.startswith("redis://"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": CACHE_URL.removeprefix("file://") or str(VAR_DIR / "cache"),
        }
    }

# --- background tasks -------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("RIGHTSDESK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "pdf", "reminders"],
    }
}

# --- logging: no request bodies, no IP addresses ----------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django.server logs every request line with the client address; workers filing
    # anonymously must leave no address behind, so it is silenced.
    "loggers": {
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
        # WeasyPrint logs each render step at INFO; the worker's log keeps its warnings only.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Rightsdesk ---------------------------------------------------------------------------
RIGHTSDESK = {
    "REFERENCE_PREFIX": os.environ.get("RIGHTSDESK_REFERENCE_PREFIX", "CZ"),
    "QUEUE_PAGE_SIZE": 50,
    "MAX_TEXT_LENGTH": 20_000,
    "URGENT_DAYS": 7,
    # Per evidence file, enforced while the upload streams (documents/upload.py).
    "EVIDENCE_MAX_BYTES": int(os.environ.get("RIGHTSDESK_EVIDENCE_MAX_BYTES", 25 * 1024 * 1024)),
    # A PDF render is interrupted after this long (documents/rendering.py) ...
    "RENDER_TIME_LIMIT_SECONDS": int(os.environ.get("RIGHTSDESK_RENDER_TIME_LIMIT", 60)),
    # ... and one still "rendering" after this many minutes is failed by documents_reap_stuck().
    "RENDER_STUCK_MINUTES": int(os.environ.get("RIGHTSDESK_RENDER_STUCK_MINUTES", 15)),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploaded files above this size go to a temporary file (deleted when the request ends), in a
# folder of the app's own, readable by the app alone.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = os.environ.get("RIGHTSDESK_UPLOAD_TMP") or str(VAR_DIR / "upload-tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
