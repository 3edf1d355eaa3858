"""Every write to the case domain (STYLE: services). Import from here."""

from .consent import consent_grant, consent_withdraw
from .intake import IntakeData, case_draft_create, case_file, receipt_lookup
from .records import case_assign, case_claim, message_post, note_add
from .referrals import case_referral_conflict_check, referrals_expire_due
from .reopen import case_reopen
from .transitions import (
    case_accept_for_review,
    case_accept_referral,
    case_approve_referral,
    case_decline_referral,
    case_expire_referral,
    case_mediation_failed,
    case_record_agreement,
    case_record_outcome,
    case_refer,
    case_reject,
    case_request_info,
    case_resume,
    case_start_mediation,
    case_start_proceedings,
    case_submit,
    case_withdraw,
)

__all__ = [
    "IntakeData",
    "case_accept_for_review",
    "case_accept_referral",
    "case_approve_referral",
    "case_assign",
    "case_claim",
    "case_decline_referral",
    "case_draft_create",
    "case_expire_referral",
    "case_file",
    "case_mediation_failed",
    "case_record_agreement",
    "case_record_outcome",
    "case_refer",
    "case_referral_conflict_check",
    "case_reject",
    "case_reopen",
    "case_request_info",
    "case_resume",
    "case_start_mediation",
    "case_start_proceedings",
    "case_submit",
    "case_withdraw",
    "consent_grant",
    "consent_withdraw",
    "message_post",
    "note_add",
    "receipt_lookup",
    "referrals_expire_due",
]
