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
