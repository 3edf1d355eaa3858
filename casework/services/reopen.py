"""Reopen (重新办理) a closed case: DESIGN §2, issue 5 part 5.

A supervisor reopens a closed case when the employer did not carry out what was agreed or
decided (a mediation agreement, LDMAL Art. 14–16; an award or judgment), when the worker suffered
retaliation for the grievance (Inspection Reg. Art. 30), when new facts or evidence appear, or
for another reason they write down. The case returns to review and keeps its whole history: the
closing outcome stays in the audit trail (the reopen event records it), the deadlines are
recomputed by the engine, and the worker is told in plain words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..choices import ReopenReason
from ..errors import GuardFailed
from ..models import Case, Note
from .transitions import _require_choice, _transition

NOTE_MAX = 20_000


def case_reopen(
    *, case: Case, user: User, reason: str, note: str = "", expected_state: str | None = None
) -> Case:
    """Reopen a closed case with a reason code; "other" needs the reason written out. The note,
    if any, is kept as an internal note (free text never goes into the audit event)."""
    _require_choice(reason, ReopenReason, "reason")
    text = (note or "").strip()
    if reason == ReopenReason.OTHER and not text:
        message = _("Please write the reason for reopening.")
        raise GuardFailed(message, field_errors={"note": [message]})
    if len(text) > NOTE_MAX:
        message = _("At most %(limit)d characters.") % {"limit": NOTE_MAX}
        raise GuardFailed(message, field_errors={"note": [message]})
    closed = {}

    def apply(c: Case):
        # What the closing said, before the transition clears it: kept in the reopen event.
        closed.update(
            previous_outcome=c.outcome or None,
            closed_at=c.closed_at.isoformat() if c.closed_at else None,
        )

    def after(c: Case):
        extra = dict(closed)
        if text:
            extra["note"] = Note.objects.create(case=c, author=user, body=text).pk
        return extra

    return _transition(
        case=case,
        user=user,
        name="reopen",
        expected_state=expected_state,
        apply=apply,
        after=after,
        payload={"reason": reason},
    )
