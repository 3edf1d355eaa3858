from django.core.management.base import BaseCommand, CommandError

from casework.audit import audit_verify


class Command(BaseCommand):
    help = "Walk the audit chains and report the first broken link (exit status 1 if any)."

    def handle(self, *args, **options):
        checked, broken = audit_verify()
        if broken is not None:
            raise CommandError(
                f"audit chain broken at event {broken.event_id} (chain {broken.chain_key}): {broken.reason}; "
                f"{checked} events before it are intact"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events verified"))
