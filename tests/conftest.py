import pytest

from casework.services import case_file

from .factories import IntakeDataFactory, build_world


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background tasks run in-process during tests (they are still enqueued on commit)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


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
