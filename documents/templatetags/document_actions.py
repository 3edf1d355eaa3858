from django import template

from ..permissions import may_request_document as _may_request

register = template.Library()


@register.simple_tag(takes_context=True)
def may_request_document(context, case, kind: str) -> bool:
    """{% may_request_document case "referral_packet" as can_generate %}: asks the gate once."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and _may_request(user, case, kind)
