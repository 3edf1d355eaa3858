"""The daily sweep: deadline reminders (7, 3, 1 days and missed, each once), referrals past
their response deadline back to the union's queue, stuck renders retried, due and failed
email/SMS deliveries sent. Idempotent: safe to run twice, or twice at once."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from notifications.sweep import sweep_run


class Command(BaseCommand):
    help = "Run the daily sweep (idempotent). Schedule it daily, e.g. from cron or a systemd timer."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the date to sweep as of (YYYY-MM-DD); default: today")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="enqueue the sweep as a background task instead of running it here",
        )

    def handle(self, *args, today=None, enqueue=False, **options):
        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError("--today takes a date such as 2026-11-25") from exc
        if enqueue:
            from notifications.tasks import sweep

            result = sweep.enqueue(day.isoformat() if day else None)
            self.stdout.write(f"sweep enqueued ({result.id})")
            return
        report = sweep_run(today=day)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in report.as_dict().items()))
