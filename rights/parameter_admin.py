"""Admin for the dated, region-scoped parameters (registered from RightsConfig.ready)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .parameter_models import Parameter
from .parameters import parameter_save


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "region_code",
        "region_name",
        "value",
        "unit",
        "valid_from",
        "valid_to",
        "confirmed",
    )
    list_filter = ("key", "confirmed", "region_code")
    search_fields = ("key", "region_code", "region_name", "source", "note")
    date_hierarchy = "valid_from"
    fieldsets = (
        (None, {"fields": ("key", "region_code", "region_name", "value", "unit")}),
        (_("Validity"), {"fields": ("valid_from", "valid_to")}),
        (_("Source"), {"fields": ("source", "confirmed", "note")}),
    )

    def save_model(self, request, obj, form, change):
        # The form's full_clean already refused overlaps; parameter_save checks again under
        # a lock so two admins cannot both add overlapping rows.
        parameter_save(obj)
