from django.db.models import OuterRef, Subquery

from .models import DocumentKind, DocumentStatus, GeneratedDocument

KIND_ORDER = {kind: i for i, kind in enumerate(DocumentKind.values)}


def referral_packet_ready(case) -> bool:
    """A referral packet has been rendered for the case (DESIGN §2: the guard of refer)."""
    return GeneratedDocument.objects.filter(
        case=case, kind=DocumentKind.REFERRAL_PACKET, status=DocumentStatus.READY
    ).exists()


def case_documents(case) -> list[GeneratedDocument]:
    """The latest version of each kind of filing generated for the case, in the order of
    DocumentKind, with its status. One query; the snapshot is not loaded. The caller has
    already checked that the user has full access to the case."""
    latest = (
        GeneratedDocument.objects.filter(case=OuterRef("case"), kind=OuterRef("kind"))
        .order_by("-version")
        .values("version")[:1]
    )
    rows = GeneratedDocument.objects.filter(case=case, version=Subquery(latest)).defer("snapshot")
    return sorted(rows, key=lambda d: KIND_ORDER.get(d.kind, len(KIND_ORDER)))
