"""Forms of the worker's pages: the filing steps, the receipt code, and the case page's actions.

Words follow glossary.md (worker register: plain, second person). Forms only parse and check
what a person typed; the services decide what may be filed or done.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from rights.selectors import active_categories

from ..choices import ConsentScope, IndustrialChain, Sex, SkillGrade
from ..masking import mask_id_number
from ..validators import is_valid_credit_code, is_valid_id_number

# Changzhou's districts, county-level city and development zone. The stored value is the
# Chinese name: intake routes a filing to the district union whose region contains it.
DISTRICTS = [
    ("天宁区", _("Tianning District")),
    ("钟楼区", _("Zhonglou District")),
    ("新北区", _("Xinbei District")),
    ("武进区", _("Wujin District")),
    ("金坛区", _("Jintan District")),
    ("溧阳市", _("Liyang City")),
    ("常州经开区", _("Changzhou Economic Development Zone")),
]

# The worker picks a category by its plain wording; the list is grouped so that a phone
# screen shows eleven headings instead of forty checkboxes.
CATEGORY_GROUPS = [
    ("WAGE", _("Wages and pay")),
    ("CONTRACT", _("Labour contract")),
    ("TERM", _("Dismissal or leaving a job")),
    ("SI", _("Social insurance")),
    ("INJURY", _("Injury or illness from work")),
    ("HOURS LEAVE", _("Working hours and leave")),
    ("REL", _("Who your employer is")),
    ("SAFETY", _("Safety at work")),
    ("UNION", _("Union activity")),
    ("SKILL", _("Skill grades")),
    ("OTHER COLLECTIVE", _("Something else")),
]

MAX_CLAIM_ROWS = 10
MAX_CO_WORKERS = 500

# What the worker reads for each consent scope (glossary §2.10).
CONSENT_TEXT = {
    ConsentScope.UNION_HANDLING: _(
        "I agree that the union may take up my grievance and use what I have told it for that purpose."
    ),
    ConsentScope.UNION_MEDIATION: _("I agree that the union may mediate with my employer."),
    ConsentScope.EMPLOYER_DISCLOSURE: _(
        "I agree that the union may tell my employer who I am, for mediation."
    ),
    ConsentScope.LEGAL_AID_PROVIDER: _(
        "I agree that the union may give my case file, including my identity and evidence, "
        "to %(provider)s."
    ),
    ConsentScope.LABOUR_INSPECTORATE: _(
        "I agree that the union may pass my information to the labour inspectorate."
    ),
}


def max_text() -> int:
    return settings.RIGHTSDESK["MAX_TEXT_LENGTH"]


def _date_input(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def _too_long(limit: int) -> str:
    return _("At most %(limit)d characters.") % {"limit": limit}


class WorkerForm(forms.Form):
    """Shared behaviour: plain error messages, accessible attributes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.error_messages.setdefault("invalid", _("Please check this entry."))
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = _("Please enter a real date.")
            limit = getattr(field, "max_length", None)
            if limit:
                field.error_messages["max_length"] = _too_long(limit)
            described = []
            if field.help_text:
                described.append(f"{self.auto_id % self.add_prefix(name)}-hint")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    # For the check before submitting: shorter labels for some fields, and masks.
    summary_labels: dict = {}
    summary_masks: dict = {}

    def summary_rows(self, *, date_text, join, yes, no) -> list[dict]:
        """The cleaned answers as (label, words) rows, in the order of the form."""
        rows = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if name in self.summary_masks:
                text = self.summary_masks[name](value or "")
            elif isinstance(field, forms.BooleanField):
                text = yes if value else no
            elif isinstance(field, forms.MultipleChoiceField):
                labels = dict(field.choices)
                text = join(str(labels.get(v, v)) for v in value or [])
            elif isinstance(field, forms.ChoiceField):
                text = str(dict(field.choices).get(value, value)) if value else ""
            elif isinstance(field, forms.DateField):
                text = date_text(value)
            elif isinstance(value, list):
                text = join(value)
            else:
                text = str(value or "")
            rows.append({"label": self.summary_labels.get(name, field.label), "value": text})
        return rows

    def mark_invalid(self) -> None:
        """Point screen readers at each field's error (call after validation)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                error_id = f"{self.auto_id % self.add_prefix(name)}-error"
                described = widget.attrs.get("aria-describedby", "")
                if error_id not in described:
                    widget.attrs["aria-describedby"] = f"{described} {error_id}".strip()
                widget.attrs["aria-invalid"] = "true"


def _not_in_future(value, message=None):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message or _("This date cannot be in the future."))
    return value


# --- step 1: about you ------------------------------------------------------------------------


class AboutYouForm(WorkerForm):
    summary_labels = {"union_member": _("Union member"), "migrant_worker": _("Migrant worker")}
    summary_masks = {"id_number": mask_id_number}

    worker_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": _("Please give your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=Sex.choices,
        initial=Sex.UNSTATED,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose from the list.")},
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=_date_input())
    id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        max_length=18,
        help_text=_("18 characters. You can leave it out; the union may ask for it later."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_(
            "So the union can call you. Leave it out if your phone is shared or was given to "
            "you by your employer; you can follow up online instead."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    occupation = forms.CharField(
        label=_("Your job"),
        required=False,
        max_length=100,
        help_text=_("For example: machine operator, weaver, electrician."),
    )
    skill_grade = forms.ChoiceField(
        label=_("Skill grade"),
        required=False,
        choices=[("", _("None, or I don't know"))] + list(SkillGrade.choices),
    )
    union_member = forms.BooleanField(label=_("I am a union member"), required=False)
    migrant_worker = forms.BooleanField(
        label=_("I came from the countryside to work in the city (migrant worker)"), required=False
    )
    co_workers = forms.CharField(
        label=_("Co-workers with the same problem"),
        required=False,
        help_text=_(
            "Only if co-workers have the same grievance against the same employer and want "
            "to file it together with you. One name per line."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )

    def clean_id_number(self):
        # Full-width digits and letters typed with a Chinese input method become ASCII.
        value = unicodedata.normalize("NFKC", self.cleaned_data["id_number"])
        value = value.strip().replace(" ", "").upper()
        if value and not is_valid_id_number(value):
            raise forms.ValidationError(_("This is not a valid resident ID number."))
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        digits = value.replace(" ", "").replace("-", "")
        if value and (not digits.isdigit() or not 5 <= len(digits) <= 20):
            raise forms.ValidationError(_("A phone number has digits only."))
        return value

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value >= timezone.localdate():
            raise forms.ValidationError(_("The date of birth must be in the past."))
        return value

    def clean_co_workers(self):
        names = [n.strip() for n in self.cleaned_data["co_workers"].splitlines() if n.strip()]
        if len(names) > MAX_CO_WORKERS:
            raise forms.ValidationError(_("At most 500 co-workers can be listed on one grievance."))
        if any(len(n) > 100 for n in names):
            raise forms.ValidationError(_too_long(100))
        return names


# --- step 2: your employer --------------------------------------------------------------------


class EmployerForm(WorkerForm):
    employer_name = forms.CharField(
        label=_("Employer's name"),
        max_length=200,
        help_text=_("As on your contract, your pay slip or the company's sign."),
        error_messages={"required": _("Please give the employer's name.")},
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=24,
        help_text=_(
            "18 characters, printed on the business licence. Leave it out if you do not know it."
        ),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    employer_address = forms.CharField(
        label=_("Employer's address"), required=False, max_length=300
    )
    legal_representative = forms.CharField(
        label=_("Legal representative"),
        required=False,
        max_length=100,
        help_text=_("The person named on the business licence."),
    )
    employer_phone = forms.CharField(
        label=_("Employer's phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    district = forms.ChoiceField(
        label=_("District"),
        required=False,
        choices=[("", _("I don't know"))] + DISTRICTS,
        help_text=_("Where you work. Your grievance goes to the union of that district."),
    )
    industrial_chain = forms.ChoiceField(
        label=_("Industry"),
        required=False,
        choices=[("", _("I don't know"))] + list(IndustrialChain.choices),
    )

    def clean_credit_code(self):
        value = unicodedata.normalize("NFKC", self.cleaned_data["credit_code"])
        value = value.strip().replace(" ", "").upper()
        if value and not is_valid_credit_code(value):
            raise forms.ValidationError(
                _(
                    "The unified social credit code must be 18 characters and its last "
                    "character must match the check digit."
                )
            )
        return value


# --- step 3: what happened and when -----------------------------------------------------------


def worker_category_choices() -> list[tuple[str, str]]:
    """The categories a worker may choose, in taxonomy order, from the process-local copy of
    the active ones (rebuilt after an edit; the intake service checks the chosen codes against
    the database again)."""
    return [(c.code, c.worker_label) for c in active_categories() if c.worker_selectable]


class EventsForm(WorkerForm):
    category_codes = forms.MultipleChoiceField(
        label=_("What is the problem?"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose everything that applies."),
        error_messages={
            "required": _("Please choose at least one kind of problem."),
            "invalid_choice": _("Please choose from the list."),
        },
    )
    facts = forms.CharField(
        label=_("What happened"),
        help_text=_(
            "In your own words: what happened, since when, and who was involved. "
            "At most 20,000 characters."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Please tell us what happened.")},
    )
    employment_start = forms.DateField(
        label=_("Start of employment"), required=False, widget=_date_input()
    )
    employment_end = forms.DateField(
        label=_("End of employment"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave it out if you still work there."),
    )
    knew_date = forms.DateField(
        label=_("When did you find out?"),
        required=False,
        widget=_date_input(),
        help_text=_(
            "The day you found out that your rights were infringed, for example the day "
            "wages were due and not paid."
        ),
    )
    injury_date = forms.DateField(
        label=_("Date of injury or diagnosis"),
        required=False,
        widget=_date_input(),
        help_text=_("Only for an injury or an illness from work."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_codes"].choices = worker_category_choices()
        self.fields["facts"].max_length = max_text()
        self.fields["facts"].widget.attrs["maxlength"] = str(max_text())
        self.fields["facts"].validators.append(MaxLengthValidator(max_text()))
        self.fields["facts"].error_messages["max_length"] = _too_long(max_text())
        today = timezone.localdate().isoformat()
        for name in ("employment_start", "employment_end", "knew_date", "injury_date"):
            self.fields[name].widget.attrs["max"] = today

    def clean_employment_start(self):
        return _not_in_future(self.cleaned_data["employment_start"])

    def clean_employment_end(self):
        return _not_in_future(self.cleaned_data["employment_end"])

    def clean_knew_date(self):
        return _not_in_future(self.cleaned_data["knew_date"])

    def clean_injury_date(self):
        return _not_in_future(self.cleaned_data["injury_date"])

    def clean(self):
        data = super().clean()
        start, end = data.get("employment_start"), data.get("employment_end")
        if start and end and end < start:
            self.add_error("employment_end", _("The end of employment cannot be before its start."))
        return data

    def category_groups(self):
        """The checkboxes grouped under plain headings, for the template."""
        boxes = list(self["category_codes"])
        selected = set(self["category_codes"].value() or [])
        groups = []
        for prefixes, legend in CATEGORY_GROUPS:
            keys = prefixes.split()
            members = [b for b in boxes if b.data["value"].split(".")[0] in keys]
            if members:
                chosen = any(b.data["value"] in selected for b in members)
                groups.append({"legend": legend, "boxes": members, "open": chosen})
        return groups


# --- step 4: what you are asking for ----------------------------------------------------------


class ClaimRowForm(WorkerForm):
    item = forms.CharField(
        label=pgettext_lazy("claim item", "What you are asking for"),
        required=False,
        max_length=200,
        help_text=_("For example: unpaid wages for March to May."),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={
            "invalid": _("Amounts are numbers, such as 3000 or 3000.50."),
            "min_value": _("Amounts are numbers, such as 3000 or 3000.50."),
            "max_digits": _("Amounts are numbers, such as 3000 or 3000.50."),
            "max_decimal_places": _("Amounts are numbers, such as 3000 or 3000.50."),
            "max_whole_digits": _("Amounts are numbers, such as 3000 or 3000.50."),
        },
    )
    period_start = forms.DateField(label=_("Period from"), required=False, widget=_date_input())
    period_end = forms.DateField(label=_("Period to"), required=False, widget=_date_input())

    def clean(self):
        data = super().clean()
        item = (data.get("item") or "").strip()
        has_rest = (
            data.get("amount") is not None or data.get("period_start") or data.get("period_end")
        )
        if has_rest and not item:
            self.add_error("item", _("Please say what this amount or period is for."))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("A claim's period cannot end before it starts."))
        return data


ClaimFormSet = forms.formset_factory(
    ClaimRowForm,
    extra=0,
    min_num=0,
    max_num=MAX_CLAIM_ROWS,
    absolute_max=MAX_CLAIM_ROWS,
    validate_max=True,
)


def claim_formset(data=None, *, rows: int = 3) -> forms.BaseFormSet:
    """The claim rows; `rows` empty rows when nothing was entered yet."""
    if data is None:
        return ClaimFormSet(prefix="claims", initial=[{}] * rows)
    return ClaimFormSet(data, prefix="claims")


# --- step 5: consent and check ----------------------------------------------------------------


class ConsentForm(WorkerForm):
    consent_union_handling = forms.BooleanField(
        label=CONSENT_TEXT[ConsentScope.UNION_HANDLING],
        error_messages={
            "required": _("The union can only take up your grievance with your consent.")
        },
    )
    consent_employer_disclosure = forms.BooleanField(
        label=CONSENT_TEXT[ConsentScope.EMPLOYER_DISCLOSURE],
        required=False,
        help_text=_(
            "Optional. Without it, the union does not tell your employer who you are. "
            "You can change this later."
        ),
    )
    anonymous = forms.BooleanField(
        label=_("File anonymously: do not link this grievance to my account"),
        required=False,
        help_text=_("You will get a receipt code to follow it up instead."),
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not signed_in:
            # Without an account every filing is anonymous: there is nothing to choose.
            del self.fields["anonymous"]


# --- following up ------------------------------------------------------------------------------


class ReceiptCodeForm(WorkerForm):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_(
            "16 characters, for example 7KQF-M2XD-9TRA-4HZC. Upper or lower case, with or without hyphens."
        ),
        error_messages={"required": _("Please enter your receipt code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "mono",
            }
        ),
    )


class MessageForm(WorkerForm):
    body = forms.CharField(
        label=_("Message the union"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("The message is empty.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = max_text()
        self.fields["body"].widget.attrs["maxlength"] = str(max_text())
        self.fields["body"].validators.append(MaxLengthValidator(max_text()))
        self.fields["body"].error_messages["max_length"] = _too_long(max_text())


class AnswerForm(MessageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Your answer")
        self.fields["body"].error_messages["required"] = _("Please write your answer.")


WORKER_GRANTABLE_SCOPES = [
    ConsentScope.UNION_MEDIATION,
    ConsentScope.EMPLOYER_DISCLOSURE,
    ConsentScope.LEGAL_AID_PROVIDER,
    ConsentScope.LABOUR_INSPECTORATE,
]


def provider_queryset():
    return Organisation.objects.filter(kind__in=OrganisationKind.providers()).order_by(
        "kind", "name_zh"
    )


class ConsentGrantForm(WorkerForm):
    scope = forms.ChoiceField(
        choices=[(s.value, s.label) for s in WORKER_GRANTABLE_SCOPES], widget=forms.HiddenInput
    )
    provider = forms.ModelChoiceField(
        label=_("Legal-aid provider"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Choose a provider"),
        error_messages={"invalid_choice": _("Please choose from the list.")},
    )

    def __init__(self, *args, providers=None, **kwargs):
        """`providers`, when given, is the already-loaded list to show (no second query);
        validation always checks against the database."""
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        field.queryset = provider_queryset()
        field.label_from_instance = lambda org: org.name
        if providers is not None:
            field.choices = [("", field.empty_label)] + [(org.pk, org.name) for org in providers]

    def clean(self):
        data = super().clean()
        if data.get("scope") == ConsentScope.LEGAL_AID_PROVIDER and not data.get("provider"):
            self.add_error("provider", _("Please choose a legal-aid provider."))
        return data


class ConsentWithdrawForm(forms.Form):
    consent_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ExpectedStateForm(forms.Form):
    """The state the worker saw, so that a change in the meantime reads as a conflict."""

    state = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)
