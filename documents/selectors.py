from .models import DocumentKind, DocumentStatus, GeneratedDocument


def referral_packet_ready(case) -> bool:
    """A referral packet has been rendered for the case (DESIGN §2: the guard of refer)."""
    return GeneratedDocument.objects.filter(
        case=case, kind=DocumentKind.REFERRAL_PACKET, status=DocumentStatus.READY
    ).exists()
