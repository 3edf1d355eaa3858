from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ProceedingsStage
from ..fields import ChoiceLabels


class Proceeding(ChoiceLabels, models.Model):
    """One stage of proceedings (arbitration, litigation, enforcement) the lawyer runs, with
    the dates the statutory periods run from (domain.md §1.6–1.7, §6.2): filing, acceptance,
    hearing, award or judgment, its service on the worker, the last day set for performance.
    The deadline engine reads them as triggers (casework.services.proceedings)."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="proceedings")
    stage = models.CharField(_("stage"), max_length=20, choices=ProceedingsStage.choices)
    forum = models.CharField(_("forum"), max_length=200)
    case_number = models.CharField(_("arbitration or court case no."), max_length=60, blank=True)
    filed_on = models.DateField(_("filing date"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    hearing_on = models.DateField(_("hearing date"), null=True, blank=True)
    decided_on = models.DateField(_("award or judgment given on"), null=True, blank=True)
    served_on = models.DateField(_("award or judgment received on"), null=True, blank=True)
    final_award = models.BooleanField(_("final award (LDMAL Art. 47)"), default=False)
    award_extended = models.BooleanField(
        _("award period extended by 15 days (LDMAL Art. 43)"), default=False
    )
    performance_due = models.DateField(_("last day set for performance"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("proceedings stage")
        verbose_name_plural = _("proceedings")
        ordering = ["filed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_on__isnull=True) | Q(accepted_on__gte=models.F("filed_on")),
                name="proceeding_accepted_after_filing",
            ),
            models.CheckConstraint(
                condition=Q(served_on__isnull=True)
                | Q(decided_on__isnull=False, served_on__gte=models.F("decided_on")),
                name="proceeding_served_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.forum}"
