from django.core.management.base import BaseCommand

from api.idempotency import idempotency_records_purge


class Command(BaseCommand):
    help = "Forget stored answers to Idempotency-Key requests older than API_IDEMPOTENCY_KEEP_HOURS (run daily)."

    def handle(self, *args, **options):
        count = idempotency_records_purge()
        self.stdout.write(f"{count} idempotency records purged")
