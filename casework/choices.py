"""Enumerations of the case domain; words from glossary.md §2."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting acceptance")
    UNDER_REVIEW = "under_review", _("Under review")
    AWAITING_WORKER = "awaiting_worker", _("Waiting for the worker")
    MEDIATION = "mediation", _("In mediation")
    REFERRED = "referred", _("Referred, awaiting reply")
    LEGAL_AID = "legal_aid", _("With legal aid")
    PROCEEDINGS = "proceedings", _("In proceedings")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("case state", "Withdrawn")

    @classmethod
    def ended(cls) -> list[str]:
        return [cls.CLOSED, cls.REJECTED, cls.WITHDRAWN]

    @classmethod
    def open(cls) -> list[str]:
        # Asked once per row of a list: computed once (the choices' lookups are not cheap).
        return list(_OPEN_STATES)


_OPEN_STATES = tuple(s for s in CaseState.values if s not in CaseState.ended())


# What the worker reads for each state (glossary §2.5): never a staff label.
WORKER_STATE_LABELS = {
    CaseState.DRAFT: _("Not sent yet"),
    CaseState.SUBMITTED: _("Received"),
    CaseState.UNDER_REVIEW: _("The union is working on it"),
    CaseState.AWAITING_WORKER: _("We need more from you"),
    CaseState.MEDIATION: _("Mediation under way"),
    CaseState.REFERRED: _("Passed to legal aid, waiting for a reply"),
    CaseState.LEGAL_AID: _("A legal-aid lawyer has taken it on"),
    CaseState.PROCEEDINGS: _("At arbitration or in court"),
    CaseState.CLOSED: _("Finished"),
    CaseState.REJECTED: _("The union cannot take this on"),
    CaseState.WITHDRAWN: _("You withdrew it"),
}


class ProceedingsStage(models.TextChoices):
    ARBITRATION = "arbitration", _("Arbitration")
    LITIGATION = "litigation", _("Litigation (first / second instance)")
    ENFORCEMENT = "enforcement", _("Enforcement")


WORKER_STAGE_LABELS = {
    ProceedingsStage.ARBITRATION: _("At arbitration"),
    ProceedingsStage.LITIGATION: _("In court"),
    ProceedingsStage.ENFORCEMENT: _("Asking the court to enforce"),
}


class Channel(models.TextChoices):
    WEB = "web", _("online")
    WALK_IN = "walk_in", _("walk-in")
    PHONE = "phone", pgettext_lazy("channel", "phone")
    HOTLINE_12351 = "hotline_12351", _("12351 hotline")
    API = "api", _("API")
    INJURY_CENTRE = "injury_centre", _("referral from the work-injury insurance service centre")


class Confidentiality(models.TextChoices):
    NORMAL = "normal", _("normal")
    SENSITIVE = "sensitive", _("sensitive")
    RESTRICTED = "restricted", _("restricted")


class PartyRole(models.TextChoices):
    CLAIMANT = "claimant", _("worker")
    REPRESENTATIVE = "representative", _("representative")
    RESPONDENT = "respondent", _("employer")
    CO_RESPONDENT = "co_respondent", _("co-respondent")


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    UNSTATED = "unstated", _("prefer not to say")


class SkillGrade(models.TextChoices):
    """The new eight-level worker system (glossary §2.16); grade names, never bare numbers."""

    APPRENTICE = "apprentice", _("apprentice")
    JUNIOR = "junior", _("junior worker")
    INTERMEDIATE = "intermediate", _("intermediate worker")
    SENIOR = "senior", _("senior worker")
    TECHNICIAN = "technician", _("technician")
    SENIOR_TECHNICIAN = "senior_technician", _("senior technician")
    PRINCIPAL_TECHNICIAN = "principal_technician", _("principal technician")
    CHIEF_TECHNICIAN = "chief_technician", _("chief technician")


class IndustrialChain(models.TextChoices):
    CARBON_FIBRE = "carbon_fibre", _("carbon fibre")
    TEXTILES = "textiles", _("textiles")
    NEW_ENERGY = "new_energy", _("new energy")
    EQUIPMENT = "equipment", _("equipment manufacturing")
    CONSTRUCTION = "construction", _("construction")
    LOGISTICS = "logistics", _("logistics")
    SERVICES = "services", _("services")
    OTHER = "other", _("other")


class OutcomeCode(models.TextChoices):
    SETTLED = "settled", _("settled")
    MEDIATION_AGREEMENT = "mediation_agreement", _("mediation agreement")
    ARBITRAL_MEDIATION = "arbitral_mediation", _("settled by arbitral mediation")
    AWARD_WON = "award_won", _("award: all claims upheld")
    AWARD_PARTLY_WON = "award_partly_won", _("award: claims partly upheld")
    AWARD_LOST = "award_lost", _("award: claims dismissed")
    JUDGMENT = "judgment", _("court judgment")
    ENFORCED = "enforced", _("enforced in full / in part")
    WITHDRAWN = "withdrawn", _("application or suit withdrawn")
    DEEMED_WITHDRAWN = "deemed_withdrawn", _("deemed withdrawn")
    TIME_BARRED = "time_barred", _("time-barred")
    REFERRED_OUT = "referred_out", _("passed to another authority")
    INELIGIBLE = "ineligible", _("not eligible")


WORKER_OUTCOME_LABELS = {
    OutcomeCode.SETTLED: _("You reached a settlement with your employer"),
    OutcomeCode.MEDIATION_AGREEMENT: _("Mediation succeeded"),
    OutcomeCode.ARBITRAL_MEDIATION: _("Mediation at arbitration succeeded"),
    OutcomeCode.AWARD_WON: _("Arbitration upheld all your claims"),
    OutcomeCode.AWARD_PARTLY_WON: _("Arbitration upheld some of your claims"),
    OutcomeCode.AWARD_LOST: _("Arbitration did not uphold your claims"),
    OutcomeCode.JUDGMENT: _("The court has given judgment"),
    OutcomeCode.ENFORCED: _("The court has enforced the decision"),
    OutcomeCode.WITHDRAWN: _("The arbitration application or lawsuit was withdrawn"),
    OutcomeCode.DEEMED_WITHDRAWN: _("Treated as withdrawn under the rules"),
    OutcomeCode.TIME_BARRED: _("The time limit for arbitration had passed"),
    OutcomeCode.REFERRED_OUT: _("Passed to another authority"),
    OutcomeCode.INELIGIBLE: _("Not eligible for legal aid"),
}


class RejectReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("not a labour matter")
    OTHER_FORUM = "other_forum", _("belongs to another authority")
    TIME_BARRED = "time_barred", _("limitation period expired")
    DUPLICATE = "duplicate", _("duplicate of another case")
    NO_CONTACT = "no_contact", _("worker cannot be reached")
    OTHER_UNION = "other_union", _("belongs to another union")


class Route(models.TextChoices):
    """Where the worker can go instead (glossary §2.7)."""

    ARBITRATION = "route_arbitration", _("labour dispute arbitration commission")
    INSPECTION = "route_inspection", _("labour inspectorate")
    SI = "route_si", _("social-insurance agency or tax authority")
    INJURY = "route_injury", _("social-insurance administration (work-injury recognition)")
    LEGAL_AID_CENTRE = "route_legal_aid_centre", _("legal-aid centre (12348)")
    COURT = "route_court", _("people's court")
    MEDIATION = "route_mediation", _("people's mediation")
    OTHER_UNION = "route_other_union", _("another union")


WORKER_ROUTE_TEXT = {
    Route.ARBITRATION: _(
        "You can apply to the labour dispute arbitration commission for arbitration; it is free."
    ),
    Route.INSPECTION: _("You can complain to the labour inspectorate."),
    Route.SI: _(
        "Back-payment of social insurance is handled by the social-insurance agency or the tax authority."
    ),
    Route.INJURY: _(
        "You can apply to the social-insurance administration for work-injury recognition."
    ),
    Route.LEGAL_AID_CENTRE: _("You can apply to the legal-aid centre; call 12348."),
    Route.COURT: _("You can sue in the people's court."),
    Route.MEDIATION: _("You can ask for people's mediation."),
    Route.OTHER_UNION: _("Please contact another union."),
}


class ReopenReason(models.TextChoices):
    NON_PERFORMANCE = "non_performance", _("employer did not perform")
    RETALIATION = "retaliation", _("retaliation")
    NEW_FACTS = "new_facts", _("new facts or evidence")
    OTHER = "other", pgettext_lazy("reopen reason", "other")


# Why the union reopened the grievance, in the worker's words (glossary §2.7). "other" says
# nothing more: its free text is staff text, kept in an internal note.
WORKER_REOPEN_TEXT = {
    ReopenReason.NON_PERFORMANCE: _(
        "Your employer has not carried out what was agreed or decided."
    ),
    ReopenReason.RETALIATION: _("You may have been treated unfairly because of your grievance."),
    ReopenReason.NEW_FACTS: _("There are new facts or evidence."),
}


class DeclineReason(models.TextChoices):
    CONFLICT = "conflict", _("conflict of interest")
    CAPACITY = "capacity", _("no capacity")
    INELIGIBLE = "ineligible", _("not eligible")
    OUT_OF_AREA = "out_of_area", _("outside our area or matter types")


class ConsentScope(models.TextChoices):
    UNION_HANDLING = "union_handling", _("union handling")
    UNION_MEDIATION = "union_mediation", _("union mediation")
    EMPLOYER_DISCLOSURE = "employer_disclosure", _("disclosure of identity to the employer")
    LEGAL_AID_PROVIDER = "legal_aid_provider", _("sharing with a named legal-aid provider")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("sharing with the labour inspectorate")


class ConsentMethod(models.TextChoices):
    ONLINE = "online", _("confirmed online")
    PAPER = "paper", _("signed on paper (scan)")


class ReferralState(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral state", "withdrawn")
    EXPIRED = "expired", _("expired")
