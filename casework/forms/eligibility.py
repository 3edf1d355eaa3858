"""Forms of the legal-aid eligibility screen: the facts to screen, and an override."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rights.eligibility_rules import MATTER_TYPES

from ..models.eligibility import EligibilityResult
from .staff import ActionForm, _textarea

MONEY = {"min_value": 0, "max_digits": 12, "decimal_places": 2}


class EligibilityForm(ActionForm):
    name, button = "eligibility", _("Assess eligibility")

    matter_types = forms.MultipleChoiceField(
        label=_("Matter type"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Taken from the case's categories."),
    )
    claims_wages_or_injury = forms.BooleanField(
        label=_("The claim is for wages or work-injury compensation"), required=False
    )
    migrant_worker = forms.BooleanField(label=_("migrant worker"), required=False)
    union_member = forms.BooleanField(label=_("union member"), required=False)
    represented = forms.BooleanField(
        label=_("The worker already has a lawyer or other agent"), required=False
    )
    no_fixed_income_group = forms.BooleanField(
        label=_("Minor, elderly or disabled person without fixed income"), required=False
    )
    assistance_recipient = forms.BooleanField(
        label=_("Receives social assistance, judicial assistance or special care"),
        required=False,
    )
    serious_infringement = forms.BooleanField(
        label=_("There is evidence of a serious infringement"),
        required=False,
        help_text=_("Union legal aid only."),
    )
    household_income = forms.DecimalField(
        label=_("Monthly household income per person (¥)"),
        required=False,
        help_text=_("As the worker states it. Leave empty if not known."),
        **MONEY,
    )
    income_standard = forms.DecimalField(
        label=_("Local economic-difficulty standard (¥ a month per person)"),
        required=False,
        help_text=_("In Jiangsu: the local monthly minimum wage. To be confirmed locally."),
        **MONEY,
    )

    def setup(self, options: dict) -> None:
        english = (get_language() or "").startswith("en")
        self.fields["matter_types"].choices = [
            (code, en if english else zh) for code, en, zh in MATTER_TYPES
        ]

    def facts(self) -> dict:
        data = self.cleaned_data
        return {
            "matter_types": list(data["matter_types"]),
            "claims_wages_or_injury": data["claims_wages_or_injury"],
            "migrant_worker": data["migrant_worker"],
            "union_member": data["union_member"],
            "represented": data["represented"],
            "no_fixed_income_group": data["no_fixed_income_group"],
            "assistance_recipient": data["assistance_recipient"],
            "serious_infringement": data["serious_infringement"],
            "household_income": data["household_income"],
            "income_standard": data["income_standard"],
        }


class EligibilityOverrideForm(ActionForm):
    name, button = "eligibility_override", _("Override the result")

    assessment = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[("", "—")]
        + [(c.value, c.label) for c in EligibilityResult if c != "needs_information"],
    )
    reason = forms.CharField(
        label=_("Reason for the override"),
        widget=_textarea(),
        max_length=20_000,
        help_text=_("Required. Kept with the assessment."),
    )
