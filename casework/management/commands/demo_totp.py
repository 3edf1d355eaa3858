"""Print the current second-factor code of the demo's published authenticator key, for trying
the demo without a phone (casework/demo/second_factor.py). It knows no other key."""

from django.core.management.base import BaseCommand

from casework.demo.second_factor import DEMO_TOTP_SECRET, demo_totp_code


class Command(BaseCommand):
    help = "Print the current code for the demo staff accounts' second factor (demo key only)."

    def handle(self, *args, **options):
        self.stdout.write(f"{demo_totp_code()}  (demo key {DEMO_TOTP_SECRET}, valid about 30 s)")
