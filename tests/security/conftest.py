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
