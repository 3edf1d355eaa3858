"""The words a filing prints, in both languages at once (glossary §1.1, register "filing").

A bilingual filing prints the Chinese text and its English translation side by side whatever
language the reader's screen is in, so these pairs are not gettext messages: they are the
document's own fixed wording, taken from glossary.md, and they are copied into the snapshot so
that a document rendered again from its snapshot reads exactly as it did.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bilingual:
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


# glossary §2.12
DOCUMENT_TITLES = {
    "complaint_receipt": Bilingual("受理回执", "Acceptance receipt"),
    "arbitration_application": Bilingual("劳动仲裁申请书", "Labour arbitration application"),
    "legal_aid_application": Bilingual("法律援助申请表", "Legal-aid application form"),
    "mediation_agreement": Bilingual("调解协议书", "Mediation agreement"),
    "referral_packet": Bilingual("转介材料", "Referral packet"),
    "closing_report": Bilingual("结案报告", "Closing report"),
}

# glossary §2.5 (staff labels)
CASE_STATES = {
    "draft": Bilingual("草稿", "Draft"),
    "submitted": Bilingual("待受理", "Awaiting acceptance"),
    "under_review": Bilingual("审查中", "Under review"),
    "awaiting_worker": Bilingual("待职工补充", "Waiting for the worker"),
    "mediation": Bilingual("调解中", "In mediation"),
    "referred": Bilingual("已转介，待答复", "Referred, awaiting reply"),
    "legal_aid": Bilingual("法律援助中", "With legal aid"),
    "proceedings": Bilingual("仲裁诉讼中", "In proceedings"),
    "closed": Bilingual("已结案", "Closed"),
    "rejected": Bilingual("不予办理", "Rejected"),
    "withdrawn": Bilingual("已撤回", "Withdrawn"),
}

# glossary §2.10
CONSENT_SCOPES = {
    "union_handling": Bilingual("同意工会处理", "union handling"),
    "union_mediation": Bilingual("同意工会调解", "union mediation"),
    "employer_disclosure": Bilingual(
        "同意向用人单位披露身份", "disclosure of identity to the employer"
    ),
    "legal_aid_provider": Bilingual("同意向{provider}提供材料", "sharing with {provider}"),
    "labour_inspectorate": Bilingual(
        "同意向劳动保障监察机构提供", "sharing with the labour inspectorate"
    ),
}

CONSENT_METHODS = {
    "online": Bilingual("网上确认", "confirmed online"),
    "paper": Bilingual("书面签字（扫描件）", "signed on paper (scan)"),
}

ACTOR_KINDS = {
    "staff": Bilingual("工作人员", "staff"),
    "worker": Bilingual("职工", "worker"),
    "system": Bilingual("系统", "system"),
}

# glossary §2.6, timeline column; placeholders are filled from the event's payload codes only.
TIMELINE_VERBS = {
    "filed": Bilingual("登记了诉求", "filed the grievance"),
    "submit": Bilingual("提交了诉求", "submitted the grievance"),
    "accept_for_review": Bilingual("受理了本案", "accepted the case for review"),
    "reject": Bilingual("决定不予办理", "rejected the case"),
    "request_info": Bilingual("请职工补充信息", "asked the worker for more information"),
    "resume": Bilingual("恢复审查", "resumed the review"),
    "start_mediation": Bilingual("开始了调解", "started mediation"),
    "mediation_failed": Bilingual(
        "调解不成，恢复审查", "mediation ended without agreement; back under review"
    ),
    "record_agreement": Bilingual(
        "达成调解协议，结案", "reached a mediation agreement; case closed"
    ),
    "referral_requested": Bilingual("提交了转介审批", "sent the referral for approval"),
    "refer_to_legal_aid": Bilingual("转介法律援助", "referred the case to legal aid"),
    "conflict_checked": Bilingual("完成利益冲突审查", "ran the conflict check"),
    "accept_referral": Bilingual("接收了转介", "accepted the referral"),
    "decline_referral": Bilingual(
        "不予接收转介，案件退回工会", "declined the referral; the case is back with the union"
    ),
    "expire_referral": Bilingual(
        "转介超过答复期限未获答复，案件退回工会",
        "the referral expired without a reply; the case is back with the union",
    ),
    "start_proceedings": Bilingual("启动法律程序", "started proceedings"),
    "record_outcome": Bilingual("记录结果并结案", "recorded the outcome and closed the case"),
    "withdraw": Bilingual("撤回了诉求", "withdrew the grievance"),
    "reopen": Bilingual("重新办理本案", "reopened the case"),
    "claimed": Bilingual("承办本案", "took the case on"),
    "assigned": Bilingual("指定了承办人", "assigned the case"),
    "note_added": Bilingual("添加了内部备注", "added an internal note"),
    "message_sent": Bilingual("发送了消息", "sent a message"),
    "consent_granted": Bilingual("记录了同意", "recorded a consent"),
    "consent_withdrawn": Bilingual("撤回了同意", "withdrew a consent"),
    "document_requested": Bilingual(
        "生成了{document}（第{version}版）", "generated the {document} (version {version})"
    ),
    "document_retried": Bilingual(
        "重新生成{document}（第{version}版）", "generated the {document} again (version {version})"
    ),
    "draft_saved": Bilingual("保存了草稿", "saved the draft"),
    "claim_added": Bilingual("添加了请求事项", "added a claim"),
    "evidence_uploaded": Bilingual("添加了证据", "added evidence"),
    "evidence_refused_malware": Bilingual(
        "上传的文件未通过病毒检查，未保存",
        "an uploaded file failed the virus check and was not saved",
    ),
    "evidence_held_malware": Bilingual(
        "证据文件未通过病毒检查，不再提供下载",
        "an evidence file failed the virus check and is not served",
    ),
    "evidence_released": Bilingual(
        "证据文件经更新后的病毒检查未发现问题，恢复提供下载",
        "an evidence file passed a later virus check and is served again",
    ),
    "key_dates_changed": Bilingual("更正了关键日期", "corrected the key dates"),
    "deadline_suspended": Bilingual("记录了时效中止", "recorded a suspension of a period"),
    "deadline_interrupted": Bilingual("记录了时效中断", "recorded an interruption of a period"),
    "eligibility_assessed": Bilingual("评估了法律援助条件", "assessed legal-aid eligibility"),
    "eligibility_overridden": Bilingual(
        "调整了法律援助条件评估结果", "overrode the eligibility result"
    ),
    "conflict_cleared": Bilingual(
        "复核了利益冲突审查：不构成冲突", "reviewed the conflict check: no conflict"
    ),
    "referral_returned": Bilingual("将转介退回修改", "returned the referral for changes"),
    "referral_withdrawn": Bilingual("撤回了转介", "withdrew the referral"),
    "withdraw_referral": Bilingual(
        "因职工撤回同意，转介已撤回，案件退回工会",
        "the referral was withdrawn because the worker withdrew consent; back with the union",
    ),
    "representation_ended": Bilingual(
        "职工撤回同意，代理终止", "the worker withdrew consent; representation ended"
    ),
    "stage_updated": Bilingual("更新了程序阶段", "updated the stage of proceedings"),
    "proceeding_updated": Bilingual("记录了法律程序的日期", "recorded dates of the proceedings"),
}

# Bookkeeping of the system itself, not steps in the case: left out of a filing's timeline.
TIMELINE_HIDDEN = {
    "access_granted",
    "access_revoked",
    "case_viewed",
    "document_rendered",
    "document_downloaded",
    "document_render_failed",
    "evidence_downloaded",
    "identity_viewed",
    # Sign-in and sign-out events belong to no case (accounts.services): never in a timeline.
    "sign_in_failed",
    "signed_in",
    "signed_out",
}

OTHER_EVENT = Bilingual("其他记录（{verb}）", "other record ({verb})")

# glossary §2.8 (staff column): what a closed case came to.
OUTCOMES = {
    "settled": Bilingual("协商和解", "settled"),
    "mediation_agreement": Bilingual("达成调解协议", "mediation agreement"),
    "arbitral_mediation": Bilingual("仲裁调解结案", "settled by arbitral mediation"),
    "award_won": Bilingual("仲裁裁决：请求全部获支持", "award: all claims upheld"),
    "award_partly_won": Bilingual("仲裁裁决：请求部分获支持", "award: claims partly upheld"),
    "award_lost": Bilingual("仲裁裁决：请求被驳回", "award: claims dismissed"),
    "judgment": Bilingual("法院判决", "court judgment"),
    "enforced": Bilingual("执行到位 / 部分执行到位", "enforced in full / in part"),
    "withdrawn": Bilingual("撤回仲裁申请或撤诉", "application or suit withdrawn"),
    "deemed_withdrawn": Bilingual("视为撤回", "deemed withdrawn"),
    "time_barred": Bilingual("超过仲裁时效", "time-barred"),
    "referred_out": Bilingual("已转办", "passed to another authority"),
    "ineligible": Bilingual("不符合援助条件", "not eligible"),
}

# casework.choices.Sex; "unstated" prints as a blank to fill in by hand.
SEXES = {
    "female": Bilingual("女", "female"),
    "male": Bilingual("男", "male"),
}

# casework.choices.ProceedingsStage
PROCEEDINGS_STAGES = {
    "arbitration": Bilingual("劳动争议仲裁", "arbitration"),
    "litigation": Bilingual("诉讼（一审、二审）", "litigation (first / second instance)"),
    "enforcement": Bilingual("强制执行", "enforcement"),
}

# documents.models.EvidenceSource, as the source column of an evidence list.
EVIDENCE_SOURCES = {
    "worker": Bilingual("申请人提供", "provided by the applicant"),
    "staff": Bilingual("工会收集", "collected by the union"),
}

# casework.models.eligibility.EligibilityResult
ELIGIBILITY_RESULTS = {
    "eligible": Bilingual("符合条件", "eligible"),
    "not_eligible": Bilingual("不符合条件", "not eligible"),
    "needs_information": Bilingual("尚需补充信息", "needs information"),
}

# rights.eligibility criterion outcomes
CRITERION_OUTCOMES = {
    "pass": Bilingual("符合", "met"),
    "fail": Bilingual("不符合", "not met"),
    "not_applicable": Bilingual("不适用", "not applicable"),
    "unknown": Bilingual("待核实", "to be verified"),
}

# How a deadline of a closed case stood when it closed (closing report).
DEADLINE_STANDING = {
    "met": Bilingual("已遵守", "met"),
    "missed": Bilingual("已届满而未遵守", "passed without being met"),
    "not_reached": Bilingual("结案时尚未届满", "not yet due when the case closed"),
}
