"""The demo holds referrals in every state (pending, waiting for approval, accepted with a
lawyer, declined, withdrawn, expired) and a case in proceedings with an award, all made through
the real services (casework/demo/)."""

import re

from casework.choices import CaseState, ReferralState
from casework.models import Referral
from tests.casework.test_seed import demo  # noqa: F401 - the demo, built once per module

S = CaseState


def test_the_demo_holds_referrals_in_every_state_and_an_award(demo, db):  # noqa: F811
    from casework.models import Proceeding

    assert set(Referral.objects.values_list("state", flat=True)) == set(ReferralState.values)
    # one waiting for the supervisor's approval, one accepted with a lawyer
    assert Referral.objects.filter(state=ReferralState.PENDING, sent_at=None).exists()
    assert Referral.objects.filter(state=ReferralState.ACCEPTED, lawyer__isnull=False).exists()
    # a case in proceedings whose award was given and received
    award = Proceeding.objects.filter(
        case__state=S.PROCEEDINGS, decided_on__isnull=False, served_on__isnull=False
    ).first()
    assert award is not None
    assert _deadline_codes(award.case) >= {"POST_AWARD_WORKER", "ARB_AWARD"}
    assert re.search(r"referrals: awaiting_approval [1-9].* withdrawn [1-9]", demo), demo


def _deadline_codes(case) -> set[str]:
    from rights.deadline_models import CaseDeadline

    return set(CaseDeadline.objects.filter(case=case).values_list("rule__code", flat=True))
