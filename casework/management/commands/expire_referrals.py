"""Return every referral left unanswered past its response deadline (Legal Aid Law Art. 43:
seven days by default, set per provider) to the union's queue. Idempotent: safe to run twice,
or twice at once; the daily sweep calls the same service."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from casework.services.referrals import referrals_expire_due


class Command(BaseCommand):
    help = "Expire referrals whose response deadline has passed (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the date to expire as of (YYYY-MM-DD); default: today")

    def handle(self, *args, today=None, **options):
        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError("--today takes a date such as 2026-11-25") from exc
        count = referrals_expire_due(day)
        self.stdout.write(f"expired {count} referral(s)")
