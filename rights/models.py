from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .forums import Forum, forum_label


def _english() -> bool:
    return (get_language() or "").startswith("en")


class Category(models.Model):
    """A grievance category (domain.md §3.1, glossary §2.14).

    Staff and filings use the name; the worker picks a category by its plain wording.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    worker_label_zh = models.CharField(_("worker wording (Chinese)"), max_length=100)
    worker_label_en = models.CharField(_("worker wording (English)"), max_length=150)
    worker_selectable = models.BooleanField(_("workers may choose it"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    legal_basis_zh = models.CharField(
        _("main legal basis (Chinese)"),
        max_length=300,
        blank=True,
        help_text=_("Screen form: short law titles and Arabic article numbers."),
    )
    legal_basis_en = models.CharField(_("main legal basis (English)"), max_length=300, blank=True)
    # The forums are a JSON list of Forum codes, not an M2M to a Forum table, because
    # (1) their order carries meaning: the first is the primary forum of domain.md §3.1, which
    #     an M2M would need a through model to keep;
    # (2) the set is fixed by statute and each forum needs a translated label anyway, so a new
    #     forum is a code change (rights/forums.py) whatever the storage; a table would only
    #     duplicate the choices;
    # (3) a case page reads the forums with its categories in one query, no join.
    # Admin editing keeps the stored order (CategoryAdminForm) and the list filter works on
    # every database (ForumFilter).
    forums = models.JSONField(
        _("forums"),
        default=list,
        blank=True,
        help_text=_("Where the claim is taken; the first is the primary forum."),
    )
    needs_local_confirmation = models.BooleanField(
        _("to be confirmed locally"),
        default=False,
        help_text=_("The legal basis or forum rests on an unverified source (domain.md [S]/[U])."),
    )

    class Meta:
        verbose_name = _("grievance category")
        verbose_name_plural = _("grievance categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def worker_label(self) -> str:
        return self.worker_label_en if _english() else self.worker_label_zh

    @property
    def legal_basis(self) -> str:
        return self.legal_basis_en if _english() else self.legal_basis_zh

    @property
    def forum_labels(self) -> list[str]:
        return [forum_label(code) for code in self.forums or []]

    def clean(self) -> None:
        super().clean()
        forums = self.forums or []
        if not isinstance(forums, list) or any(f not in Forum.values for f in forums):
            raise ValidationError({"forums": _("Choose forums from the list.")})
        if len(set(forums)) != len(forums):
            raise ValidationError({"forums": _("Each forum may be listed once.")})
        if self.active and not forums:
            raise ValidationError({"forums": _("An active category needs at least one forum.")})


class EvidenceItem(models.Model):
    """One line of a category's evidence checklist (证据清单): what a caseworker should collect
    before a filing. `code` is stable so later uploads can be matched against the checklist."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="evidence_items",
        verbose_name=_("grievance category"),
    )
    code = models.SlugField(_("code"), max_length=40)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=250)
    sort_order = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(_("required"), default=True)
    needs_local_confirmation = models.BooleanField(_("to be confirmed locally"), default=False)

    class Meta:
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence checklist")
        ordering = ["category_id", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], name="rights_evidence_item_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if _english() else self.label_zh


from .deadline_models import *  # noqa: E402,F401,F403
from .parameter_models import Parameter  # noqa: E402,F401
