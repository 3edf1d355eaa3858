"""What a report is about: the period, the organisation subtree, a category, an industrial chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from casework.choices import IndustrialChain
from rights.models import Category

# The longest period one report covers: the monthly table stays readable and the queries bounded.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class ReportFilters:
    date_from: dt.date
    date_to: dt.date
    organisation_id: int | None = None
    category: str = ""
    chain: str = ""

    @classmethod
    def default(cls, today: dt.date | None = None) -> ReportFilters:
        """The last twelve months: from the first day of the month eleven months ago to today."""
        today = today or timezone.localdate()
        month = today.month - 11
        year = today.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        return cls(date_from=dt.date(year, month, 1), date_to=today)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat()
        data["date_to"] = self.date_to.isoformat()
        return data

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:24]


def union_choices(scope: tuple[str, ...]) -> list[tuple[str, str]]:
    """The unions in the user's report scope, indented by depth, for the organisation filter."""
    if not scope:
        return []
    from django.db.models import Q

    q = Q()
    for path in scope:
        q |= Q(path__startswith=path)
    orgs = Organisation.objects.filter(q, kind__in=OrganisationKind.unions()).order_by("path")
    base = min(path.count("/") for path in scope)
    return [(str(o.pk), "\u2003" * (o.path.count("/") - base) + o.name) for o in orgs]


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    chain = forms.ChoiceField(label=_("Industrial chain"), required=False)

    def __init__(self, data=None, *, scope: tuple[str, ...], today: dt.date | None = None):
        self.today = today or timezone.localdate()
        default = ReportFilters.default(self.today)
        super().__init__(data, initial={"date_from": default.date_from, "date_to": default.date_to})
        self.fields["organisation"].choices = [("", _("All in my scope"))] + union_choices(scope)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, c.name) for c in Category.objects.filter(active=True).order_by("sort_order")
        ]
        self.fields["chain"].choices = [("", _("All chains"))] + list(IndustrialChain.choices)

    def clean(self):
        data = super().clean()
        default = ReportFilters.default(self.today)
        start = data.get("date_from") or default.date_from
        end = data.get("date_to") or default.date_to
        if start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        data["date_from"], data["date_to"] = start, end
        return data

    def filters(self) -> ReportFilters:
        """The chosen filters; the default ones when the form is not valid."""
        if not self.is_valid():
            return ReportFilters.default(self.today)
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            organisation_id=data.get("organisation"),
            category=data.get("category") or "",
            chain=data.get("chain") or "",
        )
