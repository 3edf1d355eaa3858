from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, Organisation, User
from .services import organisation_create, user_sessions_end


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Rightsdesk", {"fields": ("display_name", "preferred_language")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivated: every session of the account ends now (ASVS 7.4.2).
            user_sessions_end(user=obj)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "kind", "region", "parent")
    filter_horizontal = ("matter_types",)
    list_filter = ("kind",)
    search_fields = ("name_zh", "name_en")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            f: form.cleaned_data[f]
            for f in form.cleaned_data
            if f not in {"kind", "name_zh", "name_en", "region", "parent", "matter_types"}
        }
        created = organisation_create(
            kind=obj.kind,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
            region=obj.region,
            parent=obj.parent,
            **fields,
        )
        obj.pk, obj.path = created.pk, created.path
