from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Evidence and documents")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
