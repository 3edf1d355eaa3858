"""Forms of consent on the staff case page: a consent signed on paper, with its scan, and a
withdrawal the worker made on paper or in person (glossary §2.10)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import ConsentScope
from .staff import BLANK, ActionForm
from .widgets import Select


class _WithFiles(ActionForm):
    """An ActionForm that also takes the uploaded files (multipart)."""

    multipart = True

    def __init__(self, data=None, files=None, *, initial=None, options=None):
        super().__init__(data, initial=initial, options=options)
        if files is not None:
            self.files = files


class ConsentPaperForm(_WithFiles):
    name, button = "consent", _("Record consent given on paper")
    scope = forms.ChoiceField(widget=Select, label=_("Scope"), choices=BLANK + ConsentScope.choices)
    provider = forms.ChoiceField(
        widget=Select,
        label=_("Legal-aid provider"),
        required=False,
        help_text=_("Only for sharing with a named legal-aid provider."),
    )
    scan = forms.FileField(
        label=_("Scan of the signed consent form"),
        help_text=_("PDF or a photo of the signed form; it is kept with the evidence."),
        error_messages={"required": _("Please attach the scan of the signed form.")},
    )

    def setup(self, options):
        self.fields["provider"].choices = BLANK + [
            (str(o.pk), o.name) for o in options.get("providers", [])
        ]

    def clean(self):
        data = super().clean()
        if data.get("scope") == ConsentScope.LEGAL_AID_PROVIDER and not data.get("provider"):
            self.add_error("provider", _("Please choose a legal-aid provider."))
        return data


class ConsentWithdrawForm(_WithFiles):
    name, button = "consent_withdraw", _("Record withdrawal of consent")
    consent_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("How and when the worker withdrew consent"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2_000,
    )
    scan = forms.FileField(
        label=_("Scan of the signed withdrawal"),
        required=False,
        help_text=_("If the worker withdrew in writing."),
    )


class WorkerConsentWithdrawForm(forms.Form):
    """The worker's confirmation: which consent, and an optional word on why."""

    consent_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
