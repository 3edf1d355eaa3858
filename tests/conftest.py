import pytest

from casework.services import case_file

from .factories import IntakeDataFactory, build_extra_users, build_world
from .profiles import load_from_environment

load_from_environment()  # HYPOTHESIS_PROFILE=nightly: the long run (tests/profiles.py)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background tasks run in-process during tests (they are still enqueued on commit)."""
    # A fast hasher: every test world creates a dozen users (production keeps PBKDF2).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "pdf", "reminders"],
        }
    }


@pytest.fixture(autouse=True)
def _cache_of_this_test(settings, request):
    """Each test gets an in-memory cache of its own: rate-limit and sign-in counters in the
    file cache under var/ would otherwise be shared (and cleared) by parallel test workers."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{request.node.nodeid}",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Tests with a real-transaction database (live server, concurrency) flush every table
    afterwards, the rows the data migrations loaded included: put them back."""
    if not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames else "db")
    _restore_reference_data()


def _restore_reference_data() -> None:
    """The rows the rights app's data migrations load: categories, the holiday calendar and
    deadline rules, and the dated parameters (each loader leaves existing rows alone)."""
    from importlib import import_module

    from django.apps import apps

    from rights.models import Category, Parameter
    from rights.parameter_seed import ensure_parameters
    from rights.taxonomy import ensure_categories

    ensure_categories(Category)
    ensure_parameters(Parameter)
    import_module("rights.migrations.0005_seed_deadline_engine").seed(apps, None)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def filed_case(world):
    """A grievance filed by `world.worker` with their account, routed to the Wujin union."""
    case, _ = case_file(data=IntakeDataFactory(), filed_by=world.worker)
    return case


@pytest.fixture
def anonymous_case(world):
    """An anonymous filing: (case, receipt code)."""
    return case_file(data=IntakeDataFactory(), anonymous=True)


# --- added for the core tests (transitions, permissions, audit, concurrency) ------------------

AUDIT_TABLE = "casework_auditevent"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL (row locks across connections): on SQLite they are
    deselected, not skipped, so the run reports what it left out without a skip."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


def _audit_trigger_bracket(vendor: str) -> tuple[list[str], list[str]]:
    """SQL to lift and restore the append-only triggers of migration 0002 around a flush."""
    import importlib

    migration = importlib.import_module("casework.migrations.0002_audit_append_only")
    if vendor == "sqlite":
        return list(migration.SQLITE_DOWN), list(migration.SQLITE_UP)
    if vendor == "postgresql":
        return (
            [f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER;"],
            [f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER USER;"],
        )
    return [], []


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_triggers():
    """Transactional tests (transaction=True, live_server) end with a flush of every table; the
    audit table refuses DELETE and TRUNCATE by trigger, so the flush lifts the triggers and puts
    them back inside its own transaction. Only the test database's flush is affected."""
    from django.db import connection

    ops_class = type(connection.ops)
    original = ops_class.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if AUDIT_TABLE not in tables:
            return statements
        before, after = _audit_trigger_bracket(self.connection.vendor)
        return [*before, *statements, *after]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ops_class, "sql_flush", sql_flush)
        yield


@pytest.fixture
def extra_users(world):
    """See factories.ExtraUsers: a second centre lawyer, an enterprise-union caseworker, a
    superuser without memberships and an inactive Wujin caseworker."""
    return build_extra_users(world)


# --- the second factor (accounts/second_factor.py) ---------------------------------------------


@pytest.fixture(autouse=True)
def _force_login_proves_second_factor(request):
    """`client.force_login(staff_user)` gives a session whose second factor is verified, as a
    real sign-in through the code page would: the user gets a confirmed authenticator and the
    session django-otp's device key. Tests that check enforcement mark themselves
    `@pytest.mark.real_second_factor` and get Django's plain force_login."""
    if request.node.get_closest_marker("real_second_factor"):
        yield
        return
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from accounts.second_factor import mark_session_verified, requires_second_factor

        if not requires_second_factor(user):
            return
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = self.session
        mark_session_verified(session, device)
        session.save()

    # A patch of its own: a test calling monkeypatch.undo() must not take this one away.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield
