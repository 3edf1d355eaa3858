"""Forms of the deadlines panel: the key dates, a suspension, an interruption."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .staff import ActionForm
from .widgets import Select


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


def _rule_choices(options: dict, flag: str) -> list:
    return [(r.code, r.name) for r in options.get("rules", []) if getattr(r, flag)]


class KeyDatesForm(ActionForm):
    name, button = "key_dates", _("Change the key dates")
    version = forms.IntegerField(widget=forms.HiddenInput)
    knew_date = forms.DateField(
        label=_("date the worker knew or should have known of the infringement"),
        required=False,
        widget=_DateInput(),
    )
    employment_start = forms.DateField(
        label=_("start of employment"), required=False, widget=_DateInput()
    )
    employment_end = forms.DateField(
        label=_("end of employment"), required=False, widget=_DateInput()
    )
    injury_date = forms.DateField(
        label=_("date of injury or diagnosis"), required=False, widget=_DateInput()
    )

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "expected_version": d["version"],
            "knew_date": d["knew_date"],
            "employment_start": d["employment_start"],
            "employment_end": d["employment_end"],
            "injury_date": d["injury_date"],
        }


class SuspendForm(ActionForm):
    name, button = "suspend", _("Record a suspension")
    rule = forms.ChoiceField(widget=Select, label=_("deadline"))
    start = forms.DateField(label=_("suspended from"), widget=_DateInput())
    end = forms.DateField(label=_("suspended until (inclusive)"), widget=_DateInput())
    note = forms.CharField(
        label=_("cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def setup(self, options: dict) -> None:
        self.fields["rule"].choices = _rule_choices(options, "suspension")

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"rule_code": d["rule"], "start": d["start"], "end": d["end"], "note": d["note"]}


class InterruptForm(ActionForm):
    name, button = "interrupt", _("Record an interruption")
    rule = forms.ChoiceField(widget=Select, label=_("deadline"))
    on = forms.DateField(label=_("date of the interruption"), widget=_DateInput())
    note = forms.CharField(
        label=_("cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def setup(self, options: dict) -> None:
        self.fields["rule"].choices = _rule_choices(options, "interruption")

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"rule_code": d["rule"], "on": d["on"], "note": d["note"]}


FORMS = {f.name: f for f in (KeyDatesForm, SuspendForm, InterruptForm)}
