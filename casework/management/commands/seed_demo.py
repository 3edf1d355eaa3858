"""Load the demo: organisations, demo users (password `rightsdesk-demo`) and about 60 grievances
in every state, through the real services. Idempotent: a second run only checks the demo
accounts. See casework/demo/."""

import logging

from django.core.management.base import BaseCommand, CommandError

from casework.demo.people import DEMO_PASSWORD, USERS
from casework.demo.second_factor import DEMO_TOTP_SECRET, ensure_demo_devices
from casework.demo.seed import DemoRefused, seed_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent). Demo users have the password rightsdesk-demo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="add the demo even though the database already holds other organisations or cases",
        )

    def handle(self, *args, force=False, **options):
        # The seed runs a few hundred tasks and two dozen renders in-process; their progress
        # lines would bury the summary.
        for name in ("django.tasks", "weasyprint", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            summary = seed_demo(force=force)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        ensure_demo_devices()
        if not summary.created:
            self.stdout.write("Demo already loaded: demo accounts checked, nothing else changed.")
        states = ", ".join(f"{state} {count}" for state, count in summary.states.items())
        self.stdout.write(f"{summary.cases} cases: {states}")
        referrals = ", ".join(f"{state} {n}" for state, n in summary.referrals.items())
        self.stdout.write(f"referrals: {referrals}")
        self.stdout.write(
            f"{summary.audit_events} audit events, {summary.notifications} notifications, "
            f"{summary.documents} generated documents ({summary.seconds:.1f} s)"
        )
        if summary.created:
            self.stdout.write(
                f"Demo users (password {DEMO_PASSWORD}): " + ", ".join(u.username for u in USERS)
            )
            for reference, code in summary.receipts:
                self.stdout.write(
                    f"Anonymous demo case {reference}: receipt code {code} (try /track/)"
                )
            self.stdout.write(self.style.SUCCESS("Demo loaded."))
        self.stdout.write(
            f"Demo staff sign in with a second step: add the demo-only key {DEMO_TOTP_SECRET} to "
            "an authenticator app, or run `manage.py demo_totp` for the current code."
        )
