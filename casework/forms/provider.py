"""Forms of the provider's side: the conflict review and the proceedings stages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import CaseState, ProceedingsStage

BLANK = [("", "—")]


def _date(label, required=False, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ConflictClearForm(forms.Form):
    note = forms.CharField(
        label=_("Why this is not a conflict"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class ProceedingStartForm(forms.Form):
    expected_state = forms.ChoiceField(choices=CaseState.choices, widget=forms.HiddenInput)
    stage = forms.ChoiceField(label=_("Stage"), choices=BLANK + ProceedingsStage.choices)
    forum = forms.CharField(
        label=_("Forum"),
        max_length=200,
        help_text=_("The arbitration commission or court, by its own name."),
    )
    filed_on = _date(_("Filing date"), required=True)
    case_number = forms.CharField(
        label=_("Arbitration or court case no."), max_length=60, required=False
    )


class ProceedingDatesForm(forms.Form):
    case_number = forms.CharField(
        label=_("Arbitration or court case no."), max_length=60, required=False
    )
    accepted_on = _date(_("Accepted on"))
    hearing_on = _date(_("Hearing date"))
    decided_on = _date(_("Award or judgment given on"))
    served_on = _date(_("Award or judgment received on"))
    final_award = forms.BooleanField(label=_("Final award (LDMAL Art. 47)"), required=False)
    award_extended = forms.BooleanField(
        label=_("Award period extended by 15 days (LDMAL Art. 43)"), required=False
    )
    performance_due = _date(_("Last day set for performance"))


class ReturnForChangesForm(forms.Form):
    note = forms.CharField(
        label=_("What should change"), widget=forms.Textarea(attrs={"rows": 2}), max_length=20_000
    )
