"""Forms of the staff pages: the queue's filters and one form per action on the case page.

The forms only parse input; the services decide (guards, permissions, choices that depend on
the case). Every transition form carries `expected_state`, the state the user saw, so that a
stale page loses the race cleanly (409) instead of acting on a case that has moved on.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import (
    CaseState,
    ConsentScope,
    DeclineReason,
    OutcomeCode,
    ProceedingsStage,
    RejectReason,
    ReopenReason,
    Route,
)
from ..selectors.staff import ME, OPEN, SORTS, UNASSIGNED, QueueFilters
from .widgets import ErrorList, FieldGroup, Select, label_html

BLANK = [("", "—")]


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


# --- the queue -------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """GET filters of the queue; invalid values are ignored rather than refused."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Case ref., worker or employer name, or unified social credit code"),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    urgent = forms.BooleanField(label=_("Urgent only"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(self, data=None, *, categories=(), people=()):
        super().__init__(data, auto_id="id_filter_%s")
        self.fields["state"].choices = [
            ("", _("All states")),
            (OPEN, _("Open cases")),
            *CaseState.choices,
        ]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, c.name) for c in categories
        ]
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            (ME, _("Me")),
            (UNASSIGNED, _("Unassigned")),
        ] + [(str(u.pk), str(u)) for u in people]
        self.fields["sort"].choices = list(
            zip(
                SORTS,
                [_("Newest first"), _("Oldest first"), _("Nearest deadline first")],
                strict=True,
            )
        )

    def filters(self, page=1) -> QueueFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueFilters(
            state=data.get("state") or "",
            category=data.get("category") or "",
            assignee=data.get("assignee") or "",
            urgent=bool(data.get("urgent")),
            q=data.get("q") or "",
            sort=data.get("sort") or "newest",
            page=page,
        )


# --- actions on the case page --------------------------------------------------------------


class ActionForm(forms.Form):
    """A form of the case page. `options` carries the choices that depend on the case
    (providers, lawyers, assignable people) as loaded by the selector."""

    name = ""
    button = ""
    bound_field_class = FieldGroup

    def __init__(self, data=None, *, initial=None, options=None):
        super().__init__(data, initial=initial, auto_id=f"id_{self.name}_%s", error_class=ErrorList)
        self.setup(options or {})

    def setup(self, options: dict) -> None:
        pass

    def render(self, template_name=None, context=None, renderer=None):
        # Every field's <label> comes through here: written directly, the same markup.
        if template_name == self.template_name_label and context is not None:
            return label_html(context)
        return super().render(template_name, context, renderer)

    def service_kwargs(self) -> dict:
        return {}

    def add_domain_errors(self, error) -> None:
        """A domain error's field errors on their fields; the rest above the form."""
        if not error.field_errors:
            self.add_error(None, str(error.message))
        for field, messages in error.field_errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, str(message))


class TransitionForm(ActionForm):
    expected_state = forms.ChoiceField(choices=CaseState.choices, widget=forms.HiddenInput)

    def expected(self) -> str:
        return self.cleaned_data["expected_state"]


class SubmitForm(TransitionForm):
    name, button = "submit", _("Submit")


class AcceptForReviewForm(TransitionForm):
    name, button = "accept_for_review", _("Accept for review")


class RejectForm(TransitionForm):
    name, button = "reject", _("Reject")
    reason = forms.ChoiceField(
        widget=Select, label=_("Reason"), choices=BLANK + RejectReason.choices
    )
    route = forms.ChoiceField(
        widget=Select, label=_("Where the worker can go instead"), choices=BLANK + Route.choices
    )

    def service_kwargs(self):
        return {"reason": self.cleaned_data["reason"], "route": self.cleaned_data["route"]}


class RequestInfoForm(TransitionForm):
    name, button = "request_info", _("Ask the worker")
    question = forms.CharField(
        label=_("Question to the worker"),
        widget=_textarea(),
        max_length=20_000,
        help_text=_("Ask for everything that is missing in one request."),
    )

    def service_kwargs(self):
        return {"question": self.cleaned_data["question"]}


class ResumeForm(TransitionForm):
    name, button = "resume", _("Resume review")
    answer = forms.CharField(
        label=_("Message to the worker (optional)"),
        widget=_textarea(2),
        required=False,
        max_length=20_000,
    )

    def service_kwargs(self):
        return {"answer": self.cleaned_data["answer"]}


class StartMediationForm(TransitionForm):
    name, button = "start_mediation", _("Start mediation")
    reveals_identity = forms.BooleanField(
        label=_("Mediation reveals the worker's identity to the employer"),
        required=False,
        initial=True,
        help_text=_("Needs the worker's consent to disclosure of identity to the employer."),
    )

    def service_kwargs(self):
        return {"reveals_identity": self.cleaned_data["reveals_identity"]}


class MediationFailedForm(TransitionForm):
    name, button = "mediation_failed", _("Record mediation failed")
    note = forms.CharField(
        label=_("Why mediation failed (internal note)"), widget=_textarea(), max_length=20_000
    )

    def service_kwargs(self):
        return {"note": self.cleaned_data["note"]}


class RecordAgreementForm(TransitionForm):
    name, button = "record_agreement", _("Record agreement")
    terms = forms.CharField(
        label=_("Terms of the agreement"), widget=_textarea(4), max_length=20_000
    )
    amount = forms.DecimalField(
        label=_("Amount agreed (¥)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def service_kwargs(self):
        return {"terms": self.cleaned_data["terms"], "amount": self.cleaned_data["amount"]}


class ReferForm(TransitionForm):
    name, button = "refer_to_legal_aid", _("Refer to legal aid")
    provider = forms.ChoiceField(widget=Select, label=_("Legal-aid provider"))

    def setup(self, options):
        self.fields["provider"].choices = BLANK + [
            (str(o.pk), o.name) for o in options.get("providers", [])
        ]

    def service_kwargs(self):
        return {"provider_id": int(self.cleaned_data["provider"])}


class ApproveReferralForm(TransitionForm):
    name, button = "approve_referral", _("Approve referral")


class AcceptReferralForm(TransitionForm):
    name, button = "accept_referral", _("Accept referral")
    lawyer = forms.ChoiceField(widget=Select, label=_("Assign lawyer"))

    def setup(self, options):
        self.fields["lawyer"].choices = BLANK + [
            (str(u.pk), str(u)) for u in options.get("lawyers", [])
        ]

    def service_kwargs(self):
        return {"lawyer_id": int(self.cleaned_data["lawyer"])}


class DeclineReferralForm(TransitionForm):
    name, button = "decline_referral", _("Decline referral")
    reason = forms.ChoiceField(
        widget=Select, label=_("Reason"), choices=BLANK + DeclineReason.choices
    )
    note = forms.CharField(label=_("Note"), widget=_textarea(2), required=False, max_length=2000)

    def service_kwargs(self):
        return {"reason": self.cleaned_data["reason"], "note": self.cleaned_data["note"]}


class StartProceedingsForm(TransitionForm):
    name, button = "start_proceedings", _("Start proceedings")
    stage = forms.ChoiceField(
        widget=Select, label=_("Stage"), choices=BLANK + ProceedingsStage.choices
    )
    forum = forms.CharField(
        label=_("Forum"),
        max_length=200,
        help_text=_("The arbitration commission or court, by its own name."),
    )
    filing_date = forms.DateField(
        label=_("Filing date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def service_kwargs(self):
        return {key: self.cleaned_data[key] for key in ("stage", "forum", "filing_date")}


class RecordOutcomeForm(TransitionForm):
    name, button = "record_outcome", _("Record outcome and close")
    outcome = forms.ChoiceField(
        widget=Select, label=_("Outcome"), choices=BLANK + OutcomeCode.choices
    )
    amount_awarded = forms.DecimalField(
        label=_("Amount awarded (¥)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    amount_recovered = forms.DecimalField(
        label=_("Amount recovered (¥)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )

    def service_kwargs(self):
        return {
            key: self.cleaned_data[key] for key in ("outcome", "amount_awarded", "amount_recovered")
        }


class WithdrawForm(TransitionForm):
    name, button = "withdraw", pgettext_lazy("action", "Withdraw")
    worker_request_note = forms.CharField(
        label=_("How and when the worker asked to withdraw"),
        widget=_textarea(2),
        max_length=20_000,
    )

    def service_kwargs(self):
        return {"worker_request_note": self.cleaned_data["worker_request_note"]}


class ReopenForm(TransitionForm):
    name, button = "reopen", _("Reopen")
    reason = forms.ChoiceField(
        widget=Select, label=_("Reason"), choices=BLANK + ReopenReason.choices
    )
    note = forms.CharField(label=_("Note"), widget=_textarea(2), required=False, max_length=20_000)

    def service_kwargs(self):
        return {"reason": self.cleaned_data["reason"], "note": self.cleaned_data["note"]}


# The transitions a person starts from the case page, in the order the page shows them.
TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    form.name: form
    for form in (
        SubmitForm,
        AcceptForReviewForm,
        RequestInfoForm,
        ResumeForm,
        StartMediationForm,
        MediationFailedForm,
        RecordAgreementForm,
        ReferForm,
        AcceptReferralForm,
        DeclineReferralForm,
        StartProceedingsForm,
        RecordOutcomeForm,
        RejectForm,
        WithdrawForm,
        ReopenForm,
    )
}


# --- actions beside the state machine -------------------------------------------------------


class ClaimForm(ActionForm):
    name, button = "claim", pgettext_lazy("case", "Claim")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class AssignForm(ActionForm):
    name, button = "assign", pgettext_lazy("within a union", "Assign")
    assignee = forms.ChoiceField(widget=Select, label=_("Assignee"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def setup(self, options):
        self.fields["assignee"].choices = BLANK + [
            (str(u.pk), str(u)) for u in options.get("assignable", [])
        ]


class NoteForm(ActionForm):
    name, button = "note", _("Add internal note")
    body = forms.CharField(
        label=_("Internal note (not shown to the worker)"), widget=_textarea(), max_length=20_000
    )


class MessageForm(ActionForm):
    name, button = "message", _("Send message")
    body = forms.CharField(label=_("Message to the worker"), widget=_textarea(), max_length=20_000)


class ConsentPaperForm(ActionForm):
    name, button = "consent", _("Record consent given on paper")
    scope = forms.ChoiceField(widget=Select, label=_("Scope"), choices=BLANK + ConsentScope.choices)
    provider = forms.ChoiceField(
        widget=Select,
        label=_("Legal-aid provider"),
        required=False,
        help_text=_("Only for sharing with a named legal-aid provider."),
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


class ConflictCheckForm(ActionForm):
    name, button = "conflict_check", _("Run conflict check")
    result = forms.ChoiceField(
        label=_("Result of the conflict check"),
        widget=forms.RadioSelect,
        choices=[("clear", _("No conflict found")), ("conflict", _("Possible conflict"))],
    )

    def service_kwargs(self):
        return {"conflict_found": self.cleaned_data["result"] == "conflict"}
