import json

from django.core.management.base import BaseCommand, CommandError

from casework.models import Case
from casework.selectors.access_log import case_access_events


class Command(BaseCommand):
    help = (
        "Print a case's read-access log: every view of its page or its API record, every view "
        "of workers' identities and every download, oldest first, one line each (UTC time, "
        "account, action, ids)."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="the case's reference, e.g. CZ-2026-000012")

    def handle(self, *args, reference: str, **options):
        case = Case.objects.filter(reference=reference.strip().upper()).first()
        if case is None:
            raise CommandError(f"no case {reference}")
        for event in case_access_events(case).iterator():
            actor = event.actor
            who = f"actor={actor.pk} ({actor.username})" if actor else f"actor={event.actor_kind}"
            when = event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            payload = json.dumps(event.payload, sort_keys=True, separators=(",", ":"))
            self.stdout.write(f"{when} {who} {event.verb} {payload}")
