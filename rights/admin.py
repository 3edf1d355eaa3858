from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .forums import Forum
from .models import Category, EvidenceItem


class CategoryAdminForm(forms.ModelForm):
    """Forums as checkboxes. Checkboxes come back in the order of the choices, so the stored
    order (the first forum is the primary one) is kept for forums that stay ticked and newly
    ticked ones are appended."""

    forums = forms.MultipleChoiceField(
        label=_("forums"),
        choices=Forum.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Where the claim is taken; the first is the primary forum."),
    )

    class Meta:
        model = Category
        fields = (
            "code",
            "name_zh",
            "name_en",
            "sort_order",
            "active",
            "worker_label_zh",
            "worker_label_en",
            "worker_selectable",
            "legal_basis_zh",
            "legal_basis_en",
            "forums",
            "needs_local_confirmation",
        )

    def clean_forums(self) -> list[str]:
        chosen = self.cleaned_data["forums"]
        before = list(self.instance.forums or []) if self.instance.pk else []
        return [f for f in before if f in chosen] + [f for f in chosen if f not in before]


class ForumFilter(admin.SimpleListFilter):
    title = _("forum")
    parameter_name = "forum"

    def lookups(self, request, model_admin):
        return Forum.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # JSON "contains" is not available on SQLite; the table is a few dozen rows.
        ids = [
            pk
            for pk, forums in Category.objects.values_list("pk", "forums")
            if self.value() in (forums or [])
        ]
        return queryset.filter(pk__in=ids)


class EvidenceItemInline(admin.TabularInline):
    model = EvidenceItem
    extra = 1
    fields = ("sort_order", "code", "label_zh", "label_en", "required", "needs_local_confirmation")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "forum_list",
        "worker_selectable",
        "active",
        "needs_local_confirmation",
    )
    list_editable = ("worker_selectable", "active")
    list_filter = (ForumFilter, "active", "worker_selectable", "needs_local_confirmation")
    search_fields = ("code", "name_zh", "name_en", "legal_basis_zh", "legal_basis_en")
    fieldsets = (
        (None, {"fields": ("code", "name_zh", "name_en", "sort_order", "active")}),
        (
            _("Worker wording"),
            {"fields": ("worker_label_zh", "worker_label_en", "worker_selectable")},
        ),
        (
            _("Legal basis and forums"),
            {"fields": ("legal_basis_zh", "legal_basis_en", "forums", "needs_local_confirmation")},
        ),
    )
    inlines = [EvidenceItemInline]

    @admin.display(description=_("forums"))
    def forum_list(self, obj: Category) -> str:
        return "、".join(obj.forum_labels)


@admin.register(EvidenceItem)
class EvidenceItemAdmin(admin.ModelAdmin):
    list_display = (
        "category",
        "code",
        "label_zh",
        "label_en",
        "required",
        "needs_local_confirmation",
    )
    list_filter = ("required", "needs_local_confirmation", "category")
    list_select_related = ("category",)
    search_fields = ("code", "label_zh", "label_en", "category__code")


from . import deadline_admin  # noqa: E402,F401
