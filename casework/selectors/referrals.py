"""Reads for the provider's side: the coordinator's inbox, the providers a case may go to, the
lawyer's own cases and a case's proceedings. Fixed queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.db.models.signals import m2m_changed
from django.utils import timezone

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from rights.local_copy import LocalCopy

from ..choices import CaseState, ReferralState
from ..models import Case, Proceeding, Referral
from ..permissions import principal_for, visible_cases
from .staff import Deadline, coordinator_inbox, deadline_of


def provider_inbox(user, *, page_number=1):
    """The coordinator's inbox (/referrals/): pending referrals to their provider(s) as limited
    summaries — categories, claims and amounts, deadlines, employer name and district, the
    conflict check — never the worker's identity or evidence. None for non-coordinators."""
    return coordinator_inbox(user, page_number=page_number)


def _build_providers() -> list[tuple[Organisation, frozenset[int]]]:
    providers = (
        Organisation.objects.filter(kind__in=OrganisationKind.providers())
        .prefetch_related("matter_types")
        .order_by("kind", "name_zh")
    )
    return [(org, frozenset(c.pk for c in org.matter_types.all())) for org in providers]


_providers = LocalCopy("casework:providers-version", _build_providers)
_providers.invalidate_on_change(Organisation, "casework_providers_org")
m2m_changed.connect(
    lambda **kwargs: _providers.invalidate(),
    sender=Organisation.matter_types.through,
    weak=False,
    dispatch_uid="casework_providers_matter_types",
)


def providers_for_case(case: Case, *, category_ids=None) -> list[Organisation]:
    """Legal-aid providers that take this case: matter types (none set: all) meeting the case's
    categories, then the districts served against the employer's district. The providers are
    a process-local copy, rebuilt after an edit. `category_ids`: the case's categories when the
    caller has them already."""
    from ..services.referrals import case_district

    if category_ids is None:
        category_ids = list(case.categories.values_list("pk", flat=True))
    wanted = set(category_ids)
    district = case_district(case)
    return [
        org
        for org, matter_types in _providers.get()
        if (not matter_types or matter_types & wanted) and org.serves_district(district)
    ]


@dataclass
class LawyerRow:
    case: Case
    referral: Referral
    deadline: Deadline


def lawyer_cases(user) -> list[LawyerRow]:
    """ "My cases": the cases the user was assigned as lawyer on an accepted referral and still
    sees through the gate, nearest deadline first. Two queries."""
    p = principal_for(user)
    if not p.lawyer_org_ids:
        return []
    mine = Referral.objects.filter(
        lawyer_id=user.pk, state=ReferralState.ACCEPTED, provider_id__in=p.lawyer_org_ids
    ).select_related("provider")
    cases = (
        visible_cases(user)
        .filter(pk__in=mine.values("case_id"))
        .select_related("primary_employer")
        .prefetch_related(Prefetch("referrals", queryset=mine, to_attr="my_referrals"))
        .order_by("next_deadline", "id")
    )
    today = timezone.localdate()
    rows = [
        LawyerRow(case=c, referral=c.my_referrals[0], deadline=deadline_of(c, today))
        for c in cases
        if c.my_referrals
    ]
    # Open cases first (nearest deadline first), then the ended ones.
    rows.sort(key=lambda r: (r.case.state in CaseState.ended(), r.case.next_deadline or date.max))
    return rows


def case_proceedings(case: Case) -> list[Proceeding]:
    from .case_rows import case_rows

    return case_rows(case, "proceedings", case.proceedings.order_by("filed_on", "id"))
