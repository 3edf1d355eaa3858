from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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
        return (
            self.worker_label_en
            if (get_language() or "").startswith("en")
            else self.worker_label_zh
        )
