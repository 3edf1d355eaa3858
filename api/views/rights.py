"""The rights knowledge: grievance categories, deadline computation for given dates, and each
claim calculator as a POST endpoint. The calculators' inputs are parsed and run by the same
forms as the case's calculator screen (casework.forms.calculators): the API adds no rule."""

from __future__ import annotations

from django import forms as djforms
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from casework.errors import GuardFailed
from casework.forms.calculators import CALCULATORS
from rights.deadline_models import DeadlineRule, db_calendar
from rights.deadline_rules import TRIGGERS
from rights.deadlines import rule_due_date
from rights.models import Category

from .base import IDEMPOTENCY_PARAMETER, ApiView

# --- categories ------------------------------------------------------------------------------


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_zh")
    name_en = serializers.CharField()
    legal_basis = serializers.CharField(source="legal_basis_zh")
    legal_basis_en = serializers.CharField()
    forums = serializers.JSONField()
    worker_selectable = serializers.BooleanField()


class CategoryListView(ApiView):
    serializer_class = CategorySerializer

    @extend_schema(operation_id="rights_categories", responses={200: CategorySerializer(many=True)})
    def get(self, request):
        """Active grievance categories, in their order."""
        qs = Category.objects.filter(active=True).order_by("sort_order", "code")
        return Response(CategorySerializer(qs, many=True).data)


# --- deadlines -------------------------------------------------------------------------------


class DeadlineQuerySerializer(serializers.Serializer):
    dates = serializers.DictField(
        child=serializers.DateField(),
        help_text='trigger code → date, e.g. {"knew_date": "2026-08-15"}',
    )
    rules = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=100,
        help_text="only these rule codes (default: every rule one of the dates triggers)",
    )


class DeadlineLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    trigger = serializers.CharField()
    trigger_date = serializers.DateField()
    due_date = serializers.DateField()
    period = serializers.IntegerField()
    unit = serializers.CharField()
    working_days = serializers.BooleanField()
    citation = serializers.CharField()
    confirmed = serializers.BooleanField()


class DeadlineComputeView(ApiView):
    serializer_class = DeadlineQuerySerializer

    @extend_schema(
        operation_id="rights_deadlines",
        request=DeadlineQuerySerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: DeadlineLineSerializer(many=True)},
    )
    def post(self, request):
        """The last day of every deadline rule triggered by the given dates (the holiday
        calendar with its adjusted working days), ordered by date then code. Computes only:
        nothing is stored."""
        body = DeadlineQuerySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dates = body.validated_data["dates"]
        unknown = sorted(set(dates) - set(TRIGGERS))
        if unknown:
            message = _("Unknown trigger: %(names)s") % {"names": ", ".join(unknown[:5])}
            raise GuardFailed(message, field_errors={"dates": [message]})
        wanted = set(body.validated_data.get("rules") or [])
        calendar = db_calendar()
        lines = []
        rules = DeadlineRule.objects.filter(kind="deadline").order_by("code")
        for rule in rules:
            if wanted and rule.code not in wanted:
                continue
            for trigger in (rule.trigger, *(rule.alternative_triggers or [])):
                if trigger in dates:
                    try:
                        due = rule_due_date(rule, dates[trigger], calendar=calendar)
                    except (ValueError, OverflowError):
                        continue  # outside the calendar's arithmetic: not computed
                    lines.append(
                        {
                            "code": rule.code,
                            "name": rule.name_zh,
                            "name_en": rule.name_en,
                            "trigger": trigger,
                            "trigger_date": dates[trigger],
                            "due_date": due,
                            "period": rule.period,
                            "unit": rule.unit,
                            "working_days": rule.working_days,
                            "citation": rule.citation,
                            "confirmed": rule.confirmed,
                        }
                    )
                    break
        lines.sort(key=lambda x: (x["due_date"], x["code"]))
        return Response(DeadlineLineSerializer(lines, many=True).data)


# --- calculators -----------------------------------------------------------------------------


def _drf_field(field: djforms.Field) -> serializers.Field:
    """The DRF field for a form field of a calculator form: types and bounds only (for the
    schema); the form validates again."""
    common = {"required": field.required, "help_text": str(field.help_text or "") or None}
    if not field.required:
        common["allow_null"] = True
    if isinstance(field, djforms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, djforms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits or 14,
            decimal_places=field.decimal_places or 2,
            min_value=field.min_value,
            max_value=field.max_value,
            **common,
        )
    if isinstance(field, djforms.IntegerField):
        return serializers.IntegerField(
            min_value=field.min_value, max_value=field.max_value, **common
        )
    if isinstance(field, djforms.BooleanField):
        return serializers.BooleanField(required=False, default=False)
    if isinstance(field, djforms.ChoiceField):
        common.pop("allow_null", None)
        return serializers.ChoiceField(choices=list(field.choices), **common)
    common.pop("allow_null", None)
    return serializers.CharField(
        max_length=getattr(field, "max_length", None) or 200, allow_blank=True, **common
    )


class LineSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField()
    unit = serializers.CharField()
    formula_zh = serializers.CharField()
    formula_en = serializers.CharField()
    is_item = serializers.BooleanField()


class CalculationSerializer(serializers.Serializer):
    calculator = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    lines = LineSerializer(many=True)
    citations = serializers.ListField(child=serializers.CharField())
    parameters = serializers.DictField(child=serializers.CharField())
    flags = serializers.ListField(child=serializers.CharField())
    reference_date = serializers.DateField(allow_null=True)
    region = serializers.CharField()
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    unconfirmed_parameters = serializers.BooleanField()


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def calculator_view(name: str, form_class) -> type[ApiView]:
    fields = {n: _drf_field(f) for n, f in form_class().fields.items()}
    fields.pop("item_label", None)
    input_serializer = type(
        f"{''.join(p.title() for p in name.split('_'))}InputSerializer",
        (serializers.Serializer,),
        fields,
    )

    class CalculatorView(ApiView):
        serializer_class = input_serializer

        @extend_schema(
            operation_id=f"rights_calculators_{name}",
            request=input_serializer,
            parameters=[IDEMPOTENCY_PARAMETER],
            responses={200: CalculationSerializer},
            description=(
                f"Run the {name.replace('_', ' ')} calculator with the parameters in force on "
                "the reference date in the region. Computes only: nothing is stored."
            ),
        )
        def post(self, request):
            body = input_serializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = {k: _plain(v) for k, v in body.validated_data.items() if v not in (None, "")}
            form = form_class(data=data)
            calculation = form.calculate()
            if calculation is None:
                errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
                first = next(iter(errors.values()), [_("The request is not valid.")])[0]
                raise GuardFailed(first, field_errors=errors)
            result = calculation.result.as_dict()
            return Response(
                CalculationSerializer(
                    {
                        **result,
                        "parameters": {k: _plain(v) for k, v in result["parameters"].items()},
                        "reference_date": calculation.reference_date,
                        "region": calculation.region_code,
                        "period_start": calculation.period_start,
                        "period_end": calculation.period_end,
                        "unconfirmed_parameters": calculation.unconfirmed,
                    }
                ).data
            )

    CalculatorView.__name__ = f"{input_serializer.__name__[:-15]}View"
    return CalculatorView


CALCULATOR_VIEWS = {name: calculator_view(name, cls) for name, cls in CALCULATORS.items()}
