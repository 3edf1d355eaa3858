"""Recompute the deadlines of every open case (and clear the nearest deadline of closed ones
that still carry one), in batches: after a holiday or rule edit, and nightly (days left and
the nearest deadline move with the date)."""

from django.core.management.base import BaseCommand

from casework.services.deadlines import BATCH, deadlines_recompute_many


class Command(BaseCommand):
    help = "Recompute the deadlines of all open cases."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, batch: int, **options):
        result = deadlines_recompute_many(batch=batch)
        self.stdout.write(
            f"recomputed {result['cases']} cases; nearest deadline changed on {result['changed']}"
        )
