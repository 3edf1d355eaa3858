"""The case page's documents panel asks here which filings the user may generate now."""

from dataclasses import dataclass

from django import template
from django.utils.translation import get_language

from casework.permissions import Access, access, may

from .. import labels
from ..kinds import FILINGS
from ..models import DocumentStatus
from ..permissions import may_request_document as _may_request

register = template.Library()


@register.simple_tag(takes_context=True)
def may_request_document(context, case, kind: str) -> bool:
    """{% may_request_document case "referral_packet" as can_generate %}: asks the gate once."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and _may_request(user, case, kind)


@dataclass(frozen=True)
class FilingRow:
    kind: str
    title: str
    generate_label: str
    document: object  # the latest GeneratedDocument of this kind, or None
    may_generate: bool
    # A failed render can be tried again from the same snapshot (documents.services.document_retry)
    may_retry: bool = False

    @property
    def next_version(self) -> int:
        return (self.document.version if self.document is not None else 0) + 1


@register.simple_tag(takes_context=True)
def case_filings(context, case, documents) -> list[FilingRow]:
    """{% case_filings case documents as filings %}: one row for each kind of filing, in the
    fixed order of documents.kinds.FILINGS, that has been generated for the case (`documents`:
    the latest version of each kind, already loaded) or that the user may generate now.

    The gate is asked once for the user's access and once per distinct action, on the loaded
    case (documents.permissions.may_request_document's rules), so the panel costs the same few
    queries whatever the number of kinds."""
    request = context.get("request")
    user = getattr(request, "user", None)
    latest = {doc.kind: doc for doc in documents or ()}
    full = user is not None and access(user, case) == Access.FULL
    allowed: dict[str, bool] = {}
    rows = []

    def permitted(action: str) -> bool:
        if action not in allowed:
            allowed[action] = full and may(user, action, case)
        return allowed[action]

    for kind, spec in FILINGS.items():
        offered = full and spec.offered(case) and permitted(spec.action)
        document = latest.get(kind)
        if document is None and not offered:
            continue
        rows.append(
            FilingRow(
                kind=kind,
                title=_title(kind),
                generate_label=spec.generate_label,
                document=document,
                may_generate=offered,
                may_retry=(
                    document is not None
                    and document.status == DocumentStatus.FAILED
                    and permitted(spec.action)
                ),
            )
        )
    return rows


def _title(kind: str) -> str:
    """The filing's title as its PDF prints it (glossary §2.12: 受理回执 is the "acceptance
    receipt"), in the reader's language."""
    title = labels.DOCUMENT_TITLES[kind]
    return title.zh if (get_language() or "zh").startswith("zh") else title.en
