import datetime as dt

from casework.choices import CaseState
from rights.models import CaseDeadline
from tests.factories import drive_to


def case_with_one_deadline(world, due: dt.date, state=CaseState.UNDER_REVIEW):
    """A case worked by world.caseworker with a single open deadline, its last day `due`."""
    case = drive_to(world, state)
    deadlines = CaseDeadline.objects.filter(case=case).order_by("id")
    keep = deadlines.filter(rule__kind="deadline").first()
    assert keep is not None
    deadlines.exclude(pk=keep.pk).delete()
    CaseDeadline.objects.filter(pk=keep.pk).update(due_date=due, met_at=None)
    keep.refresh_from_db()
    return case, keep
