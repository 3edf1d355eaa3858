from django.contrib import admin

from .models import DeadlineReminder, Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: what went out, what is waiting, what failed and why (never an address)."""

    list_display = ["id", "channel", "kind", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(admin.ModelAdmin):
    list_display = ["id", "case_id", "rule", "due_date", "threshold", "created_at"]
    list_filter = ["threshold"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
