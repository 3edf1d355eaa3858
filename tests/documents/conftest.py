import pytest
from django.core.files.storage import default_storage

from casework.services import case_accept_for_review


@pytest.fixture(autouse=True)
def _documents_settings(_immediate_tasks, settings, tmp_path):
    """Renders run in-process on the "pdf" queue; files go to a temporary folder; passwords are
    hashed quickly so that building `world` is cheap."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "pdf", "reminders"],
        }
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield default_storage


@pytest.fixture
def reviewed_case(world, filed_case):
    """`filed_case` accepted for review by `world.caseworker`, now its assignee."""
    return case_accept_for_review(case=filed_case, user=world.caseworker)


@pytest.fixture
def render_on_commit(django_capture_on_commit_callbacks):
    """Run a service and then what it scheduled on commit (the render task)."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


@pytest.fixture
def sign_in(client):
    """Log the client in as a user, as stored in the database. (tests.factories.UserFactory
    sets the password after its save and skips the second save, so the `world` objects carry a
    password hash the database does not have, and `force_login` with them yields a session
    Django then refuses.)"""

    def as_user(user):
        client.force_login(type(user).objects.get(pk=user.pk))
        return client

    return as_user


# --- a real clamd (tests/documents/clamd.py; security matrix C6) --------------------------------


@pytest.fixture(scope="session")
def clamd_daemons():
    """Start private clamd processes (`start(stream_max_bytes=…)`); all stop with the session."""
    from .clamd import start_clamd

    started = []

    def start(*, stream_max_bytes: int):
        daemon = start_clamd(stream_max_bytes=stream_max_bytes)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture(scope="session")
def real_clamd(clamd_daemons):
    """One clamd for the session, configured as production must be: it takes a stream as large
    as the largest evidence file the project accepts (RIGHTSDESK["EVIDENCE_MAX_BYTES"])."""
    from django.conf import settings

    return clamd_daemons(stream_max_bytes=settings.RIGHTSDESK["EVIDENCE_MAX_BYTES"])


@pytest.fixture
def own_clamd(clamd_daemons):
    """A clamd of this test's own, to kill or stop."""
    daemon = clamd_daemons(stream_max_bytes=1024 * 1024)
    yield daemon
    daemon.stop()


@pytest.fixture
def use_clamd(settings):
    """Point the project's scanner setting at a clamd (its address), as RIGHTSDESK_CLAMD does."""

    def use(daemon, *, timeout: int = 30):
        settings.RIGHTSDESK = {
            **settings.RIGHTSDESK,
            "EVIDENCE_SCANNER": daemon.address,
            "EVIDENCE_SCANNER_CLASS": "",
            "EVIDENCE_SCAN_TIMEOUT": timeout,
        }
        return daemon

    return use
