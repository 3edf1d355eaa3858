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


def admin_path(secret: str) -> str:
    """Where the Django admin lives (matrix A6: not /admin/): RIGHTSDESK_ADMIN_PATH, or else a
    path derived from the secret key ("manage-<16 hex>/"), which nobody can guess without it.
    Print it with `manage.py shell -c "from django.conf import settings; print(settings.ADMIN_PATH)"`."""
    import hashlib

    configured = os.environ.get("RIGHTSDESK_ADMIN_PATH", "").strip().strip("/")
    if configured:
        return configured + "/"
    digest = hashlib.sha256(f"rightsdesk admin path\x00{secret}".encode()).hexdigest()
    return f"manage-{digest[:16]}/"


ADMIN_PATH = admin_path(SECRET_KEY)
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
    # Staff sign in with a second factor: TOTP, and single-use recovery codes (static device).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "rights",
    "casework",
    "documents",
    "notifications",
    "privacy",
    # the REST API (issue 6)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "security.middleware.MethodAllowlistMiddleware",  # security: TRACE and unknown methods: 501
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # security: SECURE_CSP below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "security.middleware.SecurityHeadersMiddleware",  # security: no-store, Permissions-Policy
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then no staff session without a second factor goes further.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
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
                "notifications.context_processors.unread",
            ],
        },
    }
]
# Django's form renderer, with the plain inputs and the textarea written in Python (same markup).
FORM_RENDERER = "casework.forms.renderer.FormRenderer"

# --- database ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation of plans: it pays off on long analytical queries, and Rightsdesk's
        # are short. A plan whose cost estimate passes jit_above_cost is compiled on every run:
        # 17 ms of a 20 ms count of a narrow search at 1,000,000 cases, 26 ms of the urgent
        # queue's 233 ms; the reports' rollups ran no slower without it (bench/README).
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
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
# Django's database sessions; an update outside a transaction is one statement, not three.
SESSION_ENGINE = "security.sessions"
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
OTP_TOTP_ISSUER = os.environ.get("RIGHTSDESK_OTP_ISSUER", "Rightsdesk")
# The admin lists second-factor devices (to delete a lost one: its owner enrols again at the
# next sign-in) but never shows an authenticator's key or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Sign-in throttling (accounts/throttle.py): failures counted in the cache under keyed hashes
# of the client address (the key changes every day), never the address itself. A client is
# refused after PER_PAIR failures for one account or PER_CLIENT failures in all; an account's
# failures from every client only slow its sign-ins down (no attacker can lock its owner out).
LOGIN_THROTTLE = {
    "WINDOW_SECONDS": 15 * 60,
    "PER_PAIR": 5,
    "PER_CLIENT": 20,
    "ACCOUNT_SOFT": 20,
    "ACCOUNT_DELAY_SECONDS": 1.0,
    "SECOND_FACTOR_PER_USER": 10,
}
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
        # Django's, keeping one client per connection pool (config/redis_cache.py).
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": CACHE_URL.removeprefix("file://") or str(VAR_DIR / "cache"),
        }
    }

# --- background tasks -------------------------------------------------------------------
# RIGHTSDESK_TASK_BACKEND: "db" (the default: django-tasks-db, `manage.py db_worker`), "celery"
# (see the scale-out block below) or a backend's dotted path.
TASK_QUEUES = ["default", "pdf", "reminders"]
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "celery": "django_tasks_celery.CeleryBackend",
}
TASK_BACKEND_NAME = os.environ.get("RIGHTSDESK_TASK_BACKEND", "db").strip() or "db"
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS.get(TASK_BACKEND_NAME, TASK_BACKEND_NAME),
        "QUEUES": TASK_QUEUES,
    }
}

# --- logging: no request bodies, no IP addresses ----------------------------------------
# Every handler scrubs what it writes (security/logging.py, matrix G5): no form field, cookie,
# identity number, receipt code or session key of a request reaches a log or an error report.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "scrub": {"()": "security.logging.ScrubFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {"utc": {"()": "security.logging.UTCFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["scrub"], "formatter": "utc"},
        # Django's own error emails (sent only when ADMINS is set), scrubbed like the log.
        "mail_admins": {
            "class": "security.logging.ScrubbedAdminEmailHandler",
            "filters": ["require_debug_false", "scrub"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django.server logs every request line with the client address; workers filing
    # anonymously must leave no address behind, so it is silenced.
    "loggers": {
        # Replaces Django's default "django" handlers (an unscrubbed mail_admins among them).
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
        # WeasyPrint logs each render step at INFO; the worker's log keeps its warnings only.
        "weasyprint.progress": {"level": "WARNING"},
        # pypdf warns once per broken object of a malformed upload (thousands of lines for one
        # file, found by the fuzzer); the upload's own outcome says what happened to it.
        "pypdf": {"level": "ERROR"},
    },
}

DEFAULT_EXCEPTION_REPORTER_FILTER = "security.logging.PrivateExceptionReporterFilter"

# --- email (Django 6.1 MAILERS) -----------------------------------------------------------
# RIGHTSDESK_SMTP_HOST set: SMTP; unset: messages are written to files under var/mail/ (nothing
# leaves the machine). Failed sends are retried by the notifications app (DESIGN §6).
SMTP_HOST = os.environ.get("RIGHTSDESK_SMTP_HOST", "")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": int(os.environ.get("RIGHTSDESK_SMTP_PORT", "25")),
                "username": os.environ.get("RIGHTSDESK_SMTP_USER") or None,
                "password": os.environ.get("RIGHTSDESK_SMTP_PASSWORD") or None,
                "use_tls": env_bool("RIGHTSDESK_SMTP_STARTTLS", False),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("RIGHTSDESK_MAIL_FROM", "Rightsdesk <no-reply@localhost>")

# --- Rightsdesk ---------------------------------------------------------------------------
RIGHTSDESK = {
    # Links in emails and SMS point here.
    "SITE_URL": os.environ.get("RIGHTSDESK_SITE_URL", "http://127.0.0.1:8000"),
    "SMS_CHANNEL": os.environ.get(
        "RIGHTSDESK_SMS_CHANNEL", "notifications.channels.LoggingSmsChannel"
    ),
    "REFERENCE_PREFIX": os.environ.get("RIGHTSDESK_REFERENCE_PREFIX", "CZ"),
    "QUEUE_PAGE_SIZE": 50,
    "MAX_TEXT_LENGTH": 20_000,
    "URGENT_DAYS": 7,
    # Per evidence file, enforced while the upload streams (documents/upload.py).
    "EVIDENCE_MAX_BYTES": int(os.environ.get("RIGHTSDESK_EVIDENCE_MAX_BYTES", 25 * 1024 * 1024)),
    # A PDF render is interrupted after this long (documents/rendering.py; security.md D7 asks
    # for at most 30 s: the 10-page packet takes under a second, and embedding evidence up to
    # the memory limit a few seconds more) ...
    "RENDER_TIME_LIMIT_SECONDS": int(os.environ.get("RIGHTSDESK_RENDER_TIME_LIMIT", 30)),
    # Address space one render may add to its worker (documents.rendering.memory_limit).
    "RENDER_MEMORY_LIMIT_MB": int(os.environ.get("RIGHTSDESK_RENDER_MEMORY_LIMIT_MB", 512)),
    # ... and one still "rendering" after this many minutes is failed by documents_reap_stuck().
    "RENDER_STUCK_MINUTES": int(os.environ.get("RIGHTSDESK_RENDER_STUCK_MINUTES", 15)),
    # PIPL retention (privacy/retention.py): a closed, rejected or withdrawn case is purged of
    # its personal data this many days after it ended.
    "RETENTION_DAYS_AFTER_CLOSE": int(os.environ.get("RIGHTSDESK_RETENTION_DAYS", 3 * 365)),
    # Virus scanning of evidence (documents/scanning.py): clamd at "tcp://host:3310" or
    # "unix:///run/clamav/clamd.ctl"; empty: no scanner. With one, nothing unscanned is stored.
    "EVIDENCE_SCANNER": os.environ.get("RIGHTSDESK_CLAMD", ""),
    "EVIDENCE_SCAN_TIMEOUT": int(os.environ.get("RIGHTSDESK_CLAMD_TIMEOUT", 30)),
    # The daily sweep scans again at most this many stored files a run: never-scanned ones,
    # then those last scanned with older signatures (documents/rescan.py); 0: no rescan.
    "EVIDENCE_RESCAN_PER_SWEEP": int(os.environ.get("RIGHTSDESK_CLAMD_RESCAN_PER_SWEEP", 500)),
    # Evidence quotas (documents/services.py, matrix C9); 0 switches one off.
    "EVIDENCE_QUOTAS": {
        "files_per_case": int(os.environ.get("RIGHTSDESK_EVIDENCE_FILES_PER_CASE", 300)),
        "files_per_hour": int(os.environ.get("RIGHTSDESK_EVIDENCE_FILES_PER_HOUR", 60)),
        "bytes_per_day": int(
            os.environ.get("RIGHTSDESK_EVIDENCE_BYTES_PER_DAY", 500 * 1024 * 1024)
        ),
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploaded files above this size go to a temporary file (deleted when the request ends), in a
# folder of the app's own, readable by the app alone.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = os.environ.get("RIGHTSDESK_UPLOAD_TMP") or str(VAR_DIR / "upload-tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700


# === scale-out: Celery, object storage, health check ========================================
# Each is chosen by environment variables; without them the embedded defaults above stand
# (SQLite, the database task backend, files under var/). README "Running in production".

# --- tasks on Celery (RIGHTSDESK_TASK_BACKEND=celery), broker Redis ------------------------
if TASKS["default"]["BACKEND"] == "django_tasks_celery.CeleryBackend":
    TASKS["default"]["OPTIONS"] = {"CELERY_APP": "config.celery.app"}
CELERY_BROKER_URL = os.environ.get("RIGHTSDESK_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
# Results are not read back by the app (a render's outcome is its document's status), so none
# are stored unless a result backend is named.
CELERY_RESULT_BACKEND = os.environ.get("RIGHTSDESK_CELERY_RESULT_BACKEND") or None
CELERY_RESULT_EXTENDED = bool(CELERY_RESULT_BACKEND)
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
if not CELERY_RESULT_BACKEND:  # "get_result() will not work": deliberately so, see above
    SILENCED_SYSTEM_CHECKS = ["django_tasks_celery.W001", "django_tasks_celery.W002"]
CELERY_TASK_DEFAULT_QUEUE = "default"  # Django's "default" queue, not Celery's "celery"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged after it ran, not when it was received, and one whose worker died is
# given back to the queue: a worker killed mid-render loses nothing (every task is safe to run
# twice, documents.services.document_render_now). Prefetch 1: a worker holds no task it is not
# running, so a dead worker strands at most one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A task taken by a worker that then vanished (SIGKILL, power loss) is delivered again after
# this many seconds: longer than any task runs (a render stops at RENDER_TIME_LIMIT_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("RIGHTSDESK_CELERY_VISIBILITY_TIMEOUT", 600)),
    "unacked_restore_interval": int(os.environ.get("RIGHTSDESK_CELERY_RESTORE_INTERVAL", 10)),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TIMEZONE = TIME_ZONE

# --- evidence and documents on S3-compatible object storage (RIGHTSDESK_STORAGE=s3) ---------
# Files are private objects read back through the app's permission-checked views; no public or
# signed URL is ever handed out. Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
# (or the machine's role), never from settings files.
STORAGE_BACKEND_NAME = os.environ.get("RIGHTSDESK_STORAGE", "local").strip() or "local"
if STORAGE_BACKEND_NAME == "s3":
    from botocore.config import Config as _BotoConfig
    from django.core.exceptions import ImproperlyConfigured

    if not os.environ.get("RIGHTSDESK_S3_BUCKET"):
        raise ImproperlyConfigured("RIGHTSDESK_STORAGE=s3 needs RIGHTSDESK_S3_BUCKET")

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["RIGHTSDESK_S3_BUCKET"],
            "endpoint_url": os.environ.get("RIGHTSDESK_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("RIGHTSDESK_S3_REGION") or None,
            "location": os.environ.get("RIGHTSDESK_S3_PREFIX", ""),
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,  # a stray url() would at least need a signature
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"}
            if env_bool("RIGHTSDESK_S3_SSE", False)
            else {},
            "client_config": _BotoConfig(
                connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"}
            ),
        },
    }

# --- /healthz ---------------------------------------------------------------------------------
# Seconds each probe (database, task broker, storage) may take before it counts as down.
HEALTHZ_TIMEOUT_SECONDS = float(os.environ.get("RIGHTSDESK_HEALTHZ_TIMEOUT", 3))

# --- REST API (issue 6: api/) ----------------------------------------------------------------
# Django REST framework + drf-spectacular. Authentication: API tokens (api.authentication,
# first, so that a missing credential answers 401) and the browser session with CSRF. Every
# permission decision is the gate's (casework.permissions), inside the views and services, so
# the DRF permission class only asks for an authenticated caller. One error shape: problem
# details (api.errors).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rightsdesk API",
    "DESCRIPTION": (
        "Cases, transitions, notes, messages, evidence, generated filings, referrals, consent "
        "and the rights knowledge, behind the same permission gate as the pages. Errors are "
        "problem details (application/problem+json). Every POST takes an Idempotency-Key."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"CaseStateEnum": "casework.choices.CaseState"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# A second POST with the same Idempotency-Key waits this long for the first to finish.
API_IDEMPOTENCY_WAIT_SECONDS = float(os.environ.get("RIGHTSDESK_API_IDEMPOTENCY_WAIT", 10))
# Stored answers are kept this long (manage.py purge_idempotency_keys, daily).
API_IDEMPOTENCY_KEEP_HOURS = float(os.environ.get("RIGHTSDESK_API_IDEMPOTENCY_KEEP_HOURS", 24))
