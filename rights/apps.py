from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "rights"
    verbose_name = _("Rights knowledge")

    def ready(self):
        from . import parameter_admin  # noqa: F401 — registers the Parameter admin
