"""Legal-aid eligibility assessments (issue 3, item 5): one row per screening, history kept."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EligibilityResult(models.TextChoices):
    ELIGIBLE = "eligible", _("eligible")
    NOT_ELIGIBLE = "not_eligible", _("not eligible")
    NEEDS_INFORMATION = "needs_information", _("needs information")


class EligibilityAssessment(models.Model):
    """The facts screened, the result of rights.eligibility.evaluate (one line per criterion)
    and, if a caseworker overrode it, the override with its written reason."""

    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, related_name="eligibility_assessments"
    )
    facts = models.JSONField(_("facts"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    overall = models.CharField(_("result"), max_length=20, choices=EligibilityResult.choices)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), auto_now_add=True, db_index=True)
    override = models.BooleanField(_("overridden"), default=False)
    override_result = models.CharField(
        _("result after override"), max_length=20, choices=EligibilityResult.choices, blank=True
    )
    override_reason = models.TextField(_("reason for the override"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)

    class Meta:
        verbose_name = _("eligibility assessment")
        verbose_name_plural = _("eligibility assessments")
        ordering = ["-assessed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(override=False)
                | (~models.Q(override_result="") & ~models.Q(override_reason="")),
                name="eligibility_override_has_result_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.effective_result}"

    @property
    def effective_result(self) -> str:
        return self.override_result if self.override else self.overall

    def get_effective_result_display(self) -> str:
        return EligibilityResult(self.effective_result).label
