"""A simulated clock for the demo's history.

The services stamp everything with `django.utils.timezone.now()` (audit events, created_at,
submitted_at, referral deadlines) and check dates against `timezone.localdate()`. To give the
demo a past — cases filed months ago, referrals answered last week — the seed runs those same
services while `timezone.now` reads this clock. Audit hashes are computed from the stamped
time, so the chains stay valid; the clock always moves forward, so each chain is in time order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone

_real_now = timezone.now


def real_now() -> dt.datetime:
    return _real_now()


class DemoClock:
    """Reads as a fixed moment that advances by one second at each reading, so that events
    written one after another are strictly ordered. Always UTC-aware (as `timezone.now()` is):
    the audit hash covers `occurred_at.isoformat()`, which must read back identically."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        self._now += dt.timedelta(seconds=1)
        return self._now

    def peek(self) -> dt.datetime:
        return self._now

    def set(self, moment: dt.datetime) -> None:
        """Move to `moment`, never backwards."""
        moment = moment.astimezone(dt.UTC)
        if moment > self._now:
            self._now = moment

    def set_day(self, day: dt.date, hour: int = 9, minute: int = 0) -> None:
        """Move to a local working hour of `day` (Asia/Shanghai by default)."""
        local = dt.datetime.combine(
            day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone()
        )
        self.set(local)

    def today(self) -> dt.date:
        return timezone.localtime(self._now).date()


@contextmanager
def simulated_time(start: dt.datetime) -> Iterator[DemoClock]:
    """While inside, `django.utils.timezone.now()` (and so `localdate()` and every
    `auto_now_add`) reads the demo clock."""
    clock = DemoClock(start)
    with mock.patch.object(timezone, "now", clock.now):
        yield clock
