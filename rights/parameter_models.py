"""Dated, region-scoped parameters of the calculators (domain.md §6.5): minimum wage tiers, the
local average wage, … Each row holds one value for one region over one period of validity.

Region codes are the national administrative division codes, shortened to their level: "32"
Jiangsu, "3204" Changzhou, "320412" Wujin; "" means the whole country. A lookup falls back
from the district to the city, the province and the country (rights/parameters.py).

Local figures domain.md marks [U] are seeded with ``confirmed=False`` and are shown as "to be
confirmed locally" wherever a calculation uses them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ParameterKey(models.TextChoices):
    MINIMUM_WAGE_MONTHLY = "minimum_wage_monthly", _("local minimum wage (monthly)")
    MINIMUM_WAGE_HOURLY = "minimum_wage_hourly", _("local minimum wage (hourly)")
    LOCAL_AVERAGE_WAGE_MONTHLY = (
        "local_average_wage_monthly",
        _("local average monthly wage of the previous year"),
    )
    REGIONAL_AVERAGE_WAGE_MONTHLY = (
        "regional_average_wage_monthly",
        _("regional average monthly wage of the previous year (work injury)"),
    )
    NATIONAL_URBAN_DISPOSABLE_INCOME_ANNUAL = (
        "national_urban_disposable_income_annual",
        _("national urban per-capita disposable income of the previous year"),
    )
    LEGAL_AID_INCOME_STANDARD = (
        "legal_aid_income_standard",
        _("legal-aid economic-difficulty standard (monthly income)"),
    )


class ParameterUnit(models.TextChoices):
    YUAN_PER_MONTH = "yuan_per_month", _("yuan a month")
    YUAN_PER_HOUR = "yuan_per_hour", _("yuan an hour")
    YUAN_PER_YEAR = "yuan_per_year", _("yuan a year")
    YUAN = "yuan", _("yuan")


def region_chain(region_code: str) -> list[str]:
    """The region and its parents, most specific first: "320412" → ["320412", "3204", "32", ""]."""
    code = (region_code or "").strip()
    chain = [code[:n] for n in (6, 4, 2) if len(code) >= n]
    return list(dict.fromkeys([*chain, ""]))


class Parameter(models.Model):
    key = models.CharField(_("parameter"), max_length=60, choices=ParameterKey.choices)
    region_code = models.CharField(
        _("region code"),
        max_length=6,
        blank=True,
        help_text=_(
            "Administrative division code: 32 Jiangsu, 3204 Changzhou, 320412 Wujin; "
            "empty for the whole country."
        ),
    )
    region_name = models.CharField(_("region"), max_length=60, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, choices=ParameterUnit.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Last day in force; empty if still in force."),
    )
    source = models.TextField(_("source"), blank=True)
    confirmed = models.BooleanField(
        _("confirmed"),
        default=False,
        help_text=_("Untick while the figure is still to be confirmed locally."),
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "rights"
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        ordering = ["key", "region_code", "-valid_from"]
        indexes = [models.Index(fields=["key", "region_code", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="parameter_valid_to_after_valid_from",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="parameter_value_not_negative"),
        ]

    def __str__(self) -> str:
        until = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.key} {self.region_code or '*'} {self.valid_from.isoformat()}–{until}"

    def overlapping(self):
        """Other rows of the same key and region whose validity overlaps this one's."""
        qs = Parameter.objects.filter(key=self.key, region_code=self.region_code)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        if self.valid_to is not None:
            qs = qs.filter(valid_from__lte=self.valid_to)
        return qs

    def clean(self):
        super().clean()
        self.region_code = (self.region_code or "").strip()
        if self.region_code and (
            not self.region_code.isdigit() or len(self.region_code) not in (2, 4, 6)
        ):
            raise ValidationError(
                {"region_code": _("A region code has 2, 4 or 6 digits, or is empty.")}
            )
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity is before its start.")})
        if self.key and self.valid_from and self.overlapping().exists():
            raise ValidationError(
                _(
                    "Another row for this parameter and region is in force during part of "
                    "this period. End that row first."
                )
            )
