"""Admin for the deadline engine's data: holidays, rules, organisation targets; the case
deadlines are shown read-only (they are derived)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .deadline_models import (
    CaseDeadline,
    CaseDeadlineEvent,
    DeadlineRule,
    Holiday,
    OrganisationDeadlineTarget,
)


class ToBeConfirmedFilter(admin.SimpleListFilter):
    title = _("to be confirmed locally")
    parameter_name = "unconfirmed"

    def lookups(self, request, model_admin):
        return [("1", _("yes")), ("0", _("no"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(confirmed=self.value() == "0")
        return queryset


@admin.display(description=_("to be confirmed locally"), boolean=True)
def to_be_confirmed(obj) -> bool:
    return not obj.confirmed


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name_zh", "name_en", to_be_confirmed, "source")
    list_filter = ("kind", ToBeConfirmedFilter)
    search_fields = ("name_zh", "name_en", "source")
    date_hierarchy = "date"


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "trigger",
        "period",
        "unit",
        "working_days",
        "suspension",
        "interruption",
        to_be_confirmed,
        "organisation_configurable",
    )
    list_filter = (ToBeConfirmedFilter, "unit", "working_days", "organisation_configurable", "kind")
    search_fields = ("code", "name_zh", "name_en", "citation", "trigger")


@admin.register(OrganisationDeadlineTarget)
class OrganisationDeadlineTargetAdmin(admin.ModelAdmin):
    list_display = ("organisation", "rule", "period", "unit", "working_days")
    list_select_related = ("organisation", "rule")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "rule":
            kwargs["queryset"] = DeadlineRule.objects.filter(organisation_configurable=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CaseDeadline)
class CaseDeadlineAdmin(admin.ModelAdmin):
    list_display = ("case", "rule", "trigger_date", "due_date", "met_at", "computed_at")
    list_select_related = ("case", "rule")
    search_fields = ("case__reference", "rule__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseDeadlineEvent)
class CaseDeadlineEventAdmin(admin.ModelAdmin):
    list_display = ("case", "rule", "kind", "start", "end", "created_by", "created_at")
    list_select_related = ("case", "rule", "created_by")
    search_fields = ("case__reference",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
