import pytest


@pytest.fixture
def files_on_disk(settings, tmp_path):
    """Evidence and generated documents stored in a folder of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


@pytest.fixture
def evidence_storage(files_on_disk):
    """The same, by the name test_case_urls.py's case fixtures ask for: modules that import
    those fixtures (test_2fa.py) find it here."""
