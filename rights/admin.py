from django.contrib import admin

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "worker_selectable", "active")
    list_editable = ("worker_selectable", "active")
    search_fields = ("code", "name_zh", "name_en")
