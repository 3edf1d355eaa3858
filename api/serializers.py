"""Shapes of the API's input and output. Input serializers only parse types; every rule of the
domain is checked by the service they feed (casework.services, documents.services), whose
refusals come back as problem details with field errors."""

from __future__ import annotations

from rest_framework import serializers

from casework.choices import (
    CaseState,
    Channel,
    ConsentScope,
    DeclineReason,
    OutcomeCode,
    ProceedingsStage,
    RejectReason,
    ReopenReason,
    Route,
)
from casework.masking import mask_id_number, mask_phone
from documents.models import DocumentKind

# --- small shared shapes ---------------------------------------------------------------------


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="name_zh")
    name_en = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class DeadlineSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True)
    days_left = serializers.IntegerField(allow_null=True)
    urgent = serializers.BooleanField()


# --- cases: the queue --------------------------------------------------------------------------


class CaseListQuerySerializer(serializers.Serializer):
    """The staff queue's filters (casework.selectors.staff.QueueFilters)."""

    state = serializers.ChoiceField(
        choices=[("open", "open"), *CaseState.choices], required=False, allow_blank=True
    )
    category = serializers.CharField(required=False, allow_blank=True, max_length=40)
    assignee = serializers.RegexField(
        r"^(me|unassigned|[0-9]{1,18})$",
        required=False,
        allow_blank=True,
        help_text="me, unassigned or a user id",
    )
    urgent = serializers.BooleanField(required=False, default=False)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="reference, worker or employer name, or credit code",
    )
    sort = serializers.ChoiceField(
        choices=["newest", "oldest", "deadline"], required=False, default="newest"
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000, default=1)


class CaseRowSerializer(serializers.Serializer):
    """One row of the queue (QueueRow): no worker identity."""

    reference = serializers.CharField(source="case.reference")
    state = serializers.ChoiceField(source="case.state", choices=CaseState.choices)
    state_label = serializers.CharField(source="case.get_state_display")
    channel = serializers.CharField(source="case.channel")
    owning_org = OrganisationRefSerializer(source="case.owning_org")
    assignee = UserRefSerializer(source="case.assignee", allow_null=True)
    employer_name = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    claimant_count = serializers.IntegerField(source="case.claimant_count")
    deadline = DeadlineSerializer()
    created_at = serializers.DateTimeField(source="case.created_at")
    version = serializers.IntegerField(source="case.version")

    def get_employer_name(self, row) -> str:
        employer = row.case.primary_employer
        return employer.name if employer else ""

    def get_categories(self, row) -> list[str]:
        return [c.code for c in row.case.categories.all()]


class CaseListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseRowSerializer(many=True)


# --- cases: one case ---------------------------------------------------------------------------


class WorkerPartySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="worker.id")
    name = serializers.CharField(source="worker.name")
    sex = serializers.CharField(source="worker.sex")
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    occupation = serializers.CharField(source="worker.occupation")
    union_member = serializers.BooleanField(source="worker.union_member")
    migrant_worker = serializers.BooleanField(source="worker.migrant_worker")

    def _shown(self) -> bool:
        return bool(self.context.get("show_identity"))

    def get_phone(self, party) -> str:
        value = party.worker.phone or ""
        return value if self._shown() else mask_phone(value)

    def get_id_number(self, party) -> str:
        value = party.worker.id_number or ""
        return value if self._shown() else mask_id_number(value)


class EmployerPartySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="employer.id")
    role = serializers.CharField()
    name = serializers.CharField(source="employer.name")
    credit_code = serializers.CharField(source="employer.credit_code")
    district = serializers.CharField(source="employer.district")
    industrial_chain = serializers.CharField(source="employer.industrial_chain")


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = OrganisationRefSerializer()
    state = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    response_due = serializers.DateField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    conflict_found = serializers.BooleanField(allow_null=True)
    conflict_cleared = serializers.SerializerMethodField()
    lawyer = UserRefSerializer(allow_null=True)

    def get_conflict_cleared(self, referral) -> bool:
        return referral.conflict_cleared_at is not None


class CaseDetailSerializer(serializers.Serializer):
    """The whole file, for staff with full access. Phone and ID numbers are masked unless the
    caller may see them (the gate's `view_identity`); each unmasked answer is audited."""

    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = serializers.CharField(source="get_state_display")
    channel = serializers.CharField()
    confidentiality = serializers.CharField()
    owning_org = OrganisationRefSerializer()
    assignee = UserRefSerializer(allow_null=True)
    categories = serializers.SerializerMethodField()
    facts = serializers.CharField()
    employment_start = serializers.DateField(allow_null=True)
    employment_end = serializers.DateField(allow_null=True)
    knew_date = serializers.DateField(allow_null=True)
    injury_date = serializers.DateField(allow_null=True)
    stage = serializers.CharField()
    forum = serializers.CharField()
    filing_date = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    amount_awarded = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    amount_recovered = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    next_deadline = serializers.DateField(allow_null=True)
    claimant_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    identity_shown = serializers.SerializerMethodField()
    workers = serializers.SerializerMethodField()
    employers = serializers.SerializerMethodField()
    claims = serializers.SerializerMethodField()
    referrals = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    def get_categories(self, case) -> list[str]:
        return [c.code for c in self.context["categories"]]

    def get_identity_shown(self, case) -> bool:
        return bool(self.context.get("show_identity"))

    def get_workers(self, case) -> list[dict]:
        return WorkerPartySerializer(self.context["workers"], many=True, context=self.context).data  # type: ignore[return-value]

    def get_employers(self, case) -> list[dict]:
        return EmployerPartySerializer(self.context["employers"], many=True).data  # type: ignore[return-value]

    def get_claims(self, case) -> list[dict]:
        return ClaimSerializer(self.context["claims"], many=True).data  # type: ignore[return-value]

    def get_referrals(self, case) -> list[dict]:
        return ReferralSerializer(self.context["referrals"], many=True).data  # type: ignore[return-value]

    def get_allowed_transitions(self, case) -> list[str]:
        return self.context["allowed_transitions"]


# --- cases: intake -----------------------------------------------------------------------------


class ClaimInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=200, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)


class CaseCreateSerializer(serializers.Serializer):
    """An intake recorded by union staff or their integration (casework.services.case_file):
    the fields of IntakeData. The service checks everything and says what is missing."""

    owning_org = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="One of the caller's unions; default: the caller's union, or the union of the "
        "employer's district",
    )
    worker_name = serializers.CharField(max_length=100, allow_blank=True)
    sex = serializers.CharField(max_length=10, required=False, default="unstated")
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    skill_grade = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    union_member = serializers.BooleanField(required=False, default=False)
    migrant_worker = serializers.BooleanField(required=False, default=False)
    co_claimant_names = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=500
    )
    employer_name = serializers.CharField(max_length=200, allow_blank=True)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    employer_address = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    legal_representative = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    employer_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    district = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    industrial_chain = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    category_codes = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=20
    )
    facts = serializers.CharField(max_length=20_000, allow_blank=True)
    employment_start = serializers.DateField(required=False, allow_null=True)
    employment_end = serializers.DateField(required=False, allow_null=True)
    knew_date = serializers.DateField(required=False, allow_null=True)
    injury_date = serializers.DateField(required=False, allow_null=True)
    claims = ClaimInputSerializer(many=True, required=False, default=list, max_length=50)
    consent_union_handling = serializers.BooleanField(
        help_text="The worker's consent to union handling (recorded as given on paper)"
    )
    consent_employer_disclosure = serializers.BooleanField(required=False, default=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.API)
    hotline_ticket = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )


class CaseCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    state = serializers.CharField()
    owning_org = OrganisationRefSerializer()
    version = serializers.IntegerField()


# --- transitions -------------------------------------------------------------------------------


class TransitionInputSerializer(serializers.Serializer):
    """Fields of every transition; each transition reads the ones it needs (see its
    description). `expected_state`: the state the caller saw — another state answers 409."""

    expected_state = serializers.ChoiceField(
        choices=CaseState.choices, required=False, allow_null=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=30)
    route = serializers.ChoiceField(choices=Route.choices, required=False)
    question = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    answer = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    terms = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    reveals_identity = serializers.BooleanField(required=False, default=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    provider = serializers.IntegerField(required=False, min_value=1)
    lawyer = serializers.IntegerField(required=False, min_value=1)
    stage = serializers.ChoiceField(choices=ProceedingsStage.choices, required=False)
    forum = serializers.CharField(required=False, allow_blank=True, max_length=200)
    filing_date = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=OutcomeCode.choices, required=False)
    amount_awarded = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    amount_recovered = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    worker_request_note = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


REASON_CHOICES = {
    "reject": RejectReason,
    "decline_referral": DeclineReason,
    "reopen": ReopenReason,
}


class TransitionResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    transition = serializers.CharField()
    state = serializers.ChoiceField(choices=CaseState.choices)
    version = serializers.IntegerField()
    awaiting_approval = serializers.BooleanField()
    referral = serializers.IntegerField(allow_null=True)


# --- notes, messages --------------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = UserRefSerializer(read_only=True, allow_null=True)
    body = serializers.CharField(max_length=20_000, allow_blank=True)
    created_at = serializers.DateTimeField(read_only=True)


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = UserRefSerializer(read_only=True, allow_null=True)
    from_worker = serializers.BooleanField(read_only=True)
    is_question = serializers.BooleanField(read_only=True)
    body = serializers.CharField(max_length=20_000, allow_blank=True)
    created_at = serializers.DateTimeField(read_only=True)


# --- evidence and generated documents ---------------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    description = serializers.CharField()
    evidence_date = serializers.DateField(allow_null=True)
    source = serializers.CharField()
    created_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField()

    def get_download(self, item) -> str:
        from django.urls import reverse

        return reverse("api:evidence-download", args=[item.pk])


class EvidenceUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), max_length=20)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    evidence_date = serializers.DateField(required=False, allow_null=True)
    source_note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    version = serializers.IntegerField()
    language = serializers.CharField()
    status = serializers.CharField()
    failure_reason = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    pages = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    rendered_at = serializers.DateTimeField(allow_null=True)
    download = serializers.SerializerMethodField()

    def get_download(self, doc) -> str | None:
        from django.urls import reverse

        return reverse("api:document-download", args=[doc.pk]) if doc.status == "ready" else None


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    language = serializers.CharField(required=False, default="zh-hans", max_length=10)


# --- consent ----------------------------------------------------------------------------------


class ConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    provider = OrganisationRefSerializer(allow_null=True)
    method = serializers.CharField()
    granted_at = serializers.DateTimeField()
    granted_by_worker = serializers.BooleanField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    in_force = serializers.SerializerMethodField()

    def get_in_force(self, record) -> bool:
        return record.withdrawn_at is None


class ConsentGrantSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    provider = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ConsentWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2_000)


# --- referrals (the provider's side) ----------------------------------------------------------


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000, default=1)


class InboxRowSerializer(serializers.Serializer):
    """A pending referral as the provider's coordinator sees it: no worker identity."""

    reference = serializers.CharField(source="case.reference")
    state = serializers.CharField(source="case.state")
    categories = serializers.ListField(child=serializers.CharField())
    employer_name = serializers.SerializerMethodField()
    employer_district = serializers.SerializerMethodField()
    claimant_count = serializers.IntegerField(source="case.claimant_count")
    claims_total = serializers.CharField()
    deadline = DeadlineSerializer()
    referral = ReferralSerializer(allow_null=True)

    def get_employer_name(self, row) -> str:
        return row.case.primary_employer.name if row.case.primary_employer else ""

    def get_employer_district(self, row) -> str:
        return row.case.primary_employer.district if row.case.primary_employer else ""


class InboxSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InboxRowSerializer(many=True)


class ClaimLineSerializer(serializers.Serializer):
    item = serializers.CharField(source="claim.item")
    amount = serializers.CharField()


class ReferralSummarySerializer(serializers.Serializer):
    """casework.selectors.staff.CaseSummary: no identity, no facts, no evidence."""

    reference = serializers.CharField(source="case.reference")
    state = serializers.CharField(source="case.state")
    categories = serializers.SerializerMethodField()
    claims = ClaimLineSerializer(many=True)
    claims_total = serializers.CharField()
    employer_name = serializers.CharField()
    employer_district = serializers.CharField()
    referral = ReferralSerializer(allow_null=True)
    deadline = DeadlineSerializer()
    lawyers = UserRefSerializer(many=True)

    def get_categories(self, summary) -> list[str]:
        return [c.code for c in summary.categories]


class AcceptReferralSerializer(serializers.Serializer):
    lawyer = serializers.IntegerField(min_value=1)
    expected_state = serializers.ChoiceField(
        choices=CaseState.choices, required=False, allow_null=True
    )


class DeclineReferralSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2_000)
    expected_state = serializers.ChoiceField(
        choices=CaseState.choices, required=False, allow_null=True
    )


class ConflictCheckSerializer(serializers.Serializer):
    conflict_found = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2_000)


# --- tokens -----------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    role = serializers.CharField(source="membership.role")
    organisation = OrganisationRefSerializer(source="membership.organisation")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class MyCaseSerializer(serializers.Serializer):
    """A worker's own grievance as the worker sees it: plainer state words, no staff data."""

    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    employer_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_state_label(self, case) -> str:
        return str(case.worker_state_label)

    def get_categories(self, case) -> list[str]:
        return [c.code for c in case.categories.all()]

    def get_employer_name(self, case) -> str:
        return case.primary_employer.name if case.primary_employer else ""
