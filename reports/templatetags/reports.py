from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from ..suppression import SUPPRESSED

register = template.Library()


@register.filter
def report_value(value, kind="count"):
    """A figure of the report as staff read it (glossary §1.3): ¥12,345.60, 3.5 days, 85.0%."""
    if value is None:
        return "—"
    if value == SUPPRESSED:
        return SUPPRESSED
    if kind == "amount":
        try:
            amount = Decimal(value)
        except (InvalidOperation, TypeError):
            return str(value)
        return f"¥{amount:,.2f}"
    if kind == "days":
        return _("%(days)s days") % {"days": formats.number_format(value, 1)}
    if kind == "rate":
        return f"{formats.number_format(value, 1)}%"
    return f"{int(value):,}"
