from django.db import models


class CaseTally(models.Model):
    """How many cases each organisation owns in each state, as signed deltas written by the
    database itself: triggers on the case table (migration 0006) add +1 for a new case, -1/+1
    when a case changes state, organisation or confidentiality, and -1 when one is deleted.

    The queue's counts sum these rows instead of counting a large organisation's cases. Rows
    are only ever inserted by the triggers (so concurrent filings never wait on a shared
    counter row) and folded together by `casework.services.tally.tally_compact`, which the
    daily sweep runs."""

    org_id = models.BigIntegerField()
    state = models.CharField(max_length=30)
    restricted = models.BooleanField()
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["org_id", "state", "restricted", "n"], name="casetally_org_idx")
        ]

    def __str__(self) -> str:
        return f"{self.org_id}/{self.state}/{self.restricted}: {self.n:+d}"
