"""Purge the personal data of cases that ended longer ago than the retention period
(RIGHTSDESK["RETENTION_DAYS_AFTER_CLOSE"], env RIGHTSDESK_RETENTION_DAYS). Run it daily; the
same work is `privacy.purge.purge_due_cases()` for a scheduled sweep."""

from django.core.management.base import BaseCommand

from privacy.purge import purge_due_cases


class Command(BaseCommand):
    help = "Purge the personal data of cases ended before the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="override the retention period (days)")
        parser.add_argument("--limit", type=int, help="purge at most this many cases")

    def handle(self, *args, days=None, limit=None, **options):
        purged = purge_due_cases(days=days, limit=limit)
        self.stdout.write(f"{len(purged)} case(s) purged.")
