from .audit import AuditEvent
from .case import Case, CaseGroupObjectPermission, CaseUserObjectPermission, ReferenceCounter
from .eligibility import EligibilityAssessment  # noqa: F401
from .parties import CaseParty, Employer, Worker
from .proceedings import Proceeding
from .records import Claim, ConsentRecord, Message, Note, Notification, Referral
from .search import CaseSearchTerm, SearchKind
from .tally import CaseTally

__all__ = [
    "AuditEvent",
    "Case",
    "CaseGroupObjectPermission",
    "CaseParty",
    "CaseTally",
    "CaseSearchTerm",
    "CaseUserObjectPermission",
    "Claim",
    "ConsentRecord",
    "Employer",
    "Message",
    "Note",
    "Notification",
    "Proceeding",
    "ReferenceCounter",
    "Referral",
    "SearchKind",
    "Worker",
]
