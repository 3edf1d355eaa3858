"""`manage.py reports_rollup_rebuild`: count the report rollup afresh from every case."""

import time

from django.core.management.base import BaseCommand

from reports.rollup import reports_rollup_rebuild


class Command(BaseCommand):
    help = "Rebuild the reports rollup (reports.rollup) from the cases."

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = reports_rollup_rebuild()
        self.stdout.write(
            f"reports rollup: {result['cells']} cells in {time.perf_counter() - started:.1f} s"
        )
