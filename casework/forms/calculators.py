"""The calculator screen of a case: one form per claim calculator (glossary §2.15).

A form parses the inputs, prefills them from the case, looks up the dated, region-scoped
parameters in force on the reference date (rights.parameters) and runs the pure calculator
(rights.calculators). `form.calculate()` returns a `Calculation` or None, with the reason as a
form error (bad input, or no parameter in force), in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rights import calculators as calc
from rights.parameter_models import ParameterKey
from rights.parameters import (
    CHANGZHOU,
    CHANGZHOU_DISTRICTS,
    ParameterNotFound,
    parameter_in_force,
    parameter_row,
    region_for_district,
)

MAX_MONTHS = 60
MAX_WAGE = Decimal("10000000")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, *, required=True, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=_date_input(), help_text=help_text
    )


def _money(label, *, required=True, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=MAX_WAGE,
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
    )


def _number(label, *, required=False, max_value=1000, decimal_places=2) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=Decimal(max_value),
        max_digits=8,
        decimal_places=decimal_places,
    )


def region_choices() -> list[tuple[str, str]]:
    return [(CHANGZHOU, "常州市")] + [(code, name) for name, code in CHANGZHOU_DISTRICTS.items()]


# Messages for the CalculatorInputError keys a person can cause through these forms; any other
# key gets the generic message. (field, message)
INPUT_ERRORS = {
    "end_before_start": ("end_date", _("The end date is before the start date.")),
    "service_ended_before_2008": (
        "end_date",
        _("Service that ended before 2008 is outside LCL Art. 47: work it out by hand."),
    ),
    "pre_2008_amount_without_pre_2008_service": (
        "pre_2008_amount",
        _("An amount for service before 2008 needs a start date before 1 Jan 2008."),
    ),
    "signed_before_start": (
        "contract_signed_date",
        _("The contract cannot be signed before employment started."),
    ),
    "arrears_incomplete": (None, _("Give the monthly wage and the months owed.")),
    "days_elapsed_invalid": (
        "days_elapsed_in_year",
        _("Days of the leave year worked must be between 0 and 365."),
    ),
    "monthly_wage_not_positive": ("monthly_wage", _("The monthly wage must be more than zero.")),
    "months_empty": (None, _("Give at least one month.")),
}


def _check_order(form, data) -> None:
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        form.add_error("end_date", INPUT_ERRORS["end_before_start"][1])


@dataclass
class Calculation:
    """A calculator result with what it used: the parameter rows, the region and the date."""

    result: calc.CalculationResult
    reference_date: date | None
    region_code: str
    rows: list = field(default_factory=list)  # rights Parameter rows, in order of first use
    period_start: date | None = None
    period_end: date | None = None

    @property
    def parameter_rows(self) -> list[dict]:
        return [parameter_row(row) for row in self.rows]

    @property
    def unconfirmed(self) -> bool:
        return any(not row.confirmed for row in self.rows)

    def stored_context(self, inputs: dict) -> dict:
        """Context stored with the claim beside the result."""
        return {
            "reference_date": self.reference_date.isoformat() if self.reference_date else None,
            "region_code": self.region_code,
            "inputs": {
                k: (v.isoformat() if isinstance(v, date) else str(v) if v is not None else None)
                for k, v in inputs.items()
                if k not in ("action",)
            },
        }


class CalculatorForm(forms.Form):
    """Fields every calculator has; subclasses add theirs and implement `run`."""

    name = ""
    label = ""
    uses_parameters = False

    item_label = forms.CharField(
        label=_("Claim"),
        max_length=200,
        required=False,
        help_text=_("How the claim is listed on the case; empty for the calculator's name."),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if self.uses_parameters:
            self.fields["region"] = forms.ChoiceField(
                label=_("Region"),
                choices=region_choices(),
                help_text=_("Where the employer is; parameters fall back to Changzhou."),
            )
            self.fields["reference_date"] = _date(
                _("Parameters in force on"),
                required=False,
                help_text=_("Empty for the end of employment."),
            )
        self.order_fields([f for f in self.fields if f != "item_label"] + ["item_label"])

    # --- prefill ------------------------------------------------------------------------------

    @classmethod
    def prefill(cls, case) -> dict:
        employer = getattr(case, "primary_employer", None)
        initial = {
            "item_label": str(cls.label),
            "region": region_for_district(getattr(employer, "district", "")),
            "start_date": case.employment_start,
            "end_date": case.employment_end,
            "reference_date": case.employment_end or case.knew_date,
        }
        return {k: v for k, v in initial.items() if v is not None}

    # --- running ------------------------------------------------------------------------------

    def run(self, data: dict, lookup) -> tuple[calc.CalculationResult, date | None, date | None]:
        raise NotImplementedError

    def reference_date(self, data: dict) -> date:
        return data.get("reference_date") or data.get("end_date") or timezone.localdate()

    def calculate(self) -> Calculation | None:
        """Validate, look up the parameters and run the calculator. None (with form errors)
        when the input or the parameters do not allow a result."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        region = data.get("region") or CHANGZHOU
        rows = {}

        def lookup(key: str, on: date) -> Decimal:
            row = parameter_in_force(key, region=region, on=on)
            rows.setdefault(row.pk, row)
            return row.value

        try:
            result, start, end = self.run(data, lookup)
        except ParameterNotFound as missing:
            self.add_error(None, missing.message)
            return None
        except calc.CalculatorInputError as error:
            where, message = INPUT_ERRORS.get(
                error.key,
                (None, _("The calculator cannot work with these figures. Check the inputs.")),
            )
            self.add_error(where if where in self.fields else None, message)
            return None
        return Calculation(
            result=result,
            reference_date=self.reference_date(data) if self.uses_parameters else None,
            region_code=region,
            rows=list(rows.values()),
            period_start=start,
            period_end=end,
        )

    @property
    def claim_label(self) -> str:
        return (self.cleaned_data.get("item_label") or "").strip() or str(self.label)


# --- the eight calculators ---------------------------------------------------------------------


class WageArrearsForm(CalculatorForm):
    name, label = "wage_arrears", _("wage arrears")
    monthly_wage = _money(_("Monthly wage"))
    months_owed = _number(_("Months owed"), required=True, max_value=MAX_MONTHS)
    period_start = _date(_("Period from"), required=False)
    period_end = _date(_("Period to"), required=False)

    def run(self, data, lookup):
        result = calc.wage_arrears(
            monthly_wage=data["monthly_wage"], months_owed=data["months_owed"]
        )
        return result, data.get("period_start"), data.get("period_end")


def _months(first: date, last: date) -> list[date]:
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class MinimumWageShortfallForm(CalculatorForm):
    name, label = "minimum_wage_shortfall", _("minimum-wage shortfall")
    uses_parameters = True
    month_from = _date(_("First month"), help_text=_("Any day of the month."))
    month_to = _date(_("Last month"), help_text=_("Any day of the month."))
    wage_paid = _money(_("Wage paid each month for normal hours"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reference_date"]  # each month uses the minimum wage of that month

    @classmethod
    def prefill(cls, case):
        initial = super().prefill(case)
        last = case.employment_end or case.knew_date
        if last:
            initial["month_to"] = last
        return initial

    def clean(self):
        data = super().clean()
        first, last = data.get("month_from"), data.get("month_to")
        if first and last:
            if last < first:
                self.add_error("month_to", _("The last month is before the first."))
            elif len(_months(first, last)) > MAX_MONTHS:
                self.add_error("month_to", _("At most 60 months at a time."))
        return data

    def reference_date(self, data):
        return data.get("month_to")

    def run(self, data, lookup):
        months = [
            calc.MonthWage(
                month=m,
                minimum_wage=lookup(ParameterKey.MINIMUM_WAGE_MONTHLY, m),
                wage_paid=data["wage_paid"],
            )
            for m in _months(data["month_from"], data["month_to"])
        ]
        result = calc.minimum_wage_shortfall(months=months)
        last = months[-1].month
        end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
        return result, months[0].month, date.fromordinal(end.toordinal() - 1)


class OvertimePayForm(CalculatorForm):
    name, label = "overtime_pay", _("overtime pay")
    monthly_wage = _money(
        _("Monthly wage"),
        help_text=_("The wage base for overtime (contract or actual wage: Jiangsu rules)."),
    )
    weekday_hours = _number(_("Weekday overtime hours (150%)"), max_value=10000)
    rest_day_hours = _number(_("Rest-day hours without time off in lieu (200%)"), max_value=10000)
    holiday_hours = _number(_("Statutory-holiday hours (300%)"), max_value=10000)
    period_start = _date(_("Period from"), required=False)
    period_end = _date(_("Period to"), required=False)

    def run(self, data, lookup):
        result = calc.overtime_pay(
            monthly_wage=data["monthly_wage"],
            weekday_hours=data.get("weekday_hours") or 0,
            rest_day_hours=data.get("rest_day_hours") or 0,
            holiday_hours=data.get("holiday_hours") or 0,
        )
        return result, data.get("period_start"), data.get("period_end")


class EconomicCompensationForm(CalculatorForm):
    name, label = "economic_compensation", _("economic compensation (N)")
    uses_parameters = True
    start_date = _date(_("Start of employment"))
    end_date = _date(_("End of employment"))
    avg_monthly_wage_12m = _money(_("Average monthly wage over the last 12 months"))
    pre_2008_amount = _money(
        _("Amount for service before 2008"),
        required=False,
        help_text=_("Only for service that started before 1 Jan 2008; worked out by hand."),
    )

    def clean(self):
        data = super().clean()
        _check_order(self, data)
        return data

    def _parameters(self, data, lookup) -> dict:
        on = self.reference_date(data)
        return {
            "local_min_wage_monthly": lookup(ParameterKey.MINIMUM_WAGE_MONTHLY, on),
            "local_avg_monthly_wage": lookup(ParameterKey.LOCAL_AVERAGE_WAGE_MONTHLY, on),
        }

    def run(self, data, lookup):
        result = calc.economic_compensation(
            start_date=data["start_date"],
            end_date=data["end_date"],
            avg_monthly_wage_12m=data["avg_monthly_wage_12m"],
            pre_2008_amount=data.get("pre_2008_amount"),
            **self._parameters(data, lookup),
        )
        return result, data["start_date"], data["end_date"]


class NoticePayForm(EconomicCompensationForm):
    name, label = "notice_pay", _("pay in lieu of notice (+1)")
    last_month_wage = _money(_("Wage of the previous month"))

    def run(self, data, lookup):
        result = calc.compensation_with_notice_pay(
            start_date=data["start_date"],
            end_date=data["end_date"],
            avg_monthly_wage_12m=data["avg_monthly_wage_12m"],
            last_month_wage=data["last_month_wage"],
            pre_2008_amount=data.get("pre_2008_amount"),
            **self._parameters(data, lookup),
        )
        return result, data["start_date"], data["end_date"]


class UnlawfulTerminationForm(EconomicCompensationForm):
    name, label = "unlawful_termination_damages", _("damages for unlawful termination (2N)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["pre_2008_amount"]  # 2N counts all service from the start (Impl. Reg. 25)

    def run(self, data, lookup):
        result = calc.unlawful_termination_damages(
            start_date=data["start_date"],
            end_date=data["end_date"],
            avg_monthly_wage_12m=data["avg_monthly_wage_12m"],
            **self._parameters(data, lookup),
        )
        return result, data["start_date"], data["end_date"]


class DoubleWageForm(CalculatorForm):
    name, label = "double_wage", _("double wage for no written contract")
    start_date = _date(_("Start of employment"))
    monthly_wage = _money(_("Monthly wage"))
    contract_signed_date = _date(_("Written contract signed on"), required=False)
    end_date = _date(_("End of employment"), required=False)

    def clean(self):
        data = super().clean()
        _check_order(self, data)
        return data

    def run(self, data, lookup):
        result = calc.double_wage(
            start_date=data["start_date"],
            monthly_wage=data["monthly_wage"],
            contract_signed_date=data.get("contract_signed_date"),
            end_date=data.get("end_date"),
        )
        window = {ln.key: ln.value for ln in result.lines}
        return result, window.get("window_start"), window.get("window_end")


class AnnualLeavePayForm(CalculatorForm):
    name, label = "annual_leave_pay", _("pay for untaken annual leave")
    monthly_wage = _money(_("Average monthly wage over the last 12 months, without overtime pay"))
    cumulative_years = forms.IntegerField(
        label=_("Years of service (all employers)"), min_value=0, max_value=60
    )
    days_taken = forms.IntegerField(label=_("Days of leave taken"), min_value=0, max_value=366)
    days_elapsed_in_year = forms.IntegerField(
        label=_("Days of the leave year worked"),
        min_value=0,
        max_value=365,
        required=False,
        help_text=_("Only when employment ended during the year."),
    )

    @classmethod
    def prefill(cls, case):
        initial = super().prefill(case)
        initial["days_taken"] = 0
        if case.employment_end:
            initial["days_elapsed_in_year"] = min(case.employment_end.timetuple().tm_yday, 365)
        return initial

    def run(self, data, lookup):
        result = calc.annual_leave_pay(
            monthly_wage=data["monthly_wage"],
            cumulative_years=data["cumulative_years"],
            days_taken=data["days_taken"],
            days_elapsed_in_year=data.get("days_elapsed_in_year"),
        )
        return result, None, None


CALCULATORS: dict[str, type[CalculatorForm]] = {
    form.name: form
    for form in (
        WageArrearsForm,
        MinimumWageShortfallForm,
        OvertimePayForm,
        EconomicCompensationForm,
        NoticePayForm,
        UnlawfulTerminationForm,
        DoubleWageForm,
        AnnualLeavePayForm,
    )
}
