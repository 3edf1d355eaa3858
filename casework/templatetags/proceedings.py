"""`{% proceedings_panel case %}`: the proceedings of a case on the staff case page; the
assigned lawyer (the gate's `start_proceedings`) gets the forms."""

from django import template

from ..choices import ProceedingsStage
from ..permissions import may
from ..selectors.referrals import case_proceedings

register = template.Library()


@register.inclusion_tag("lawyer/_proceedings.html", takes_context=True)
def proceedings_panel(context, case):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "case": case,
        "stages": case_proceedings(case),
        "is_lawyer": user is not None and may(user, "start_proceedings", case),
        "stage_choices": ProceedingsStage.choices,
        "csrf_token": context.get("csrf_token"),
    }
