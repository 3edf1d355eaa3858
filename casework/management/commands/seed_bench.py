"""Generate benchmark data at scale with bulk inserts: `manage.py seed_bench --cases 10000`.

Writes what the services would have written (audit chains, grants, references); refuses a
database that already holds other data unless --force. See casework/demo/bulk.py."""

from django.core.management.base import BaseCommand, CommandError

from casework.demo.bulk import BenchRefused, seed_bench


class Command(BaseCommand):
    help = "Generate N benchmark cases with bulk inserts (use a dedicated database)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="number of cases, e.g. 10000")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="add bench data even though the database already holds data",
        )

    def handle(self, *args, cases, seed, force, **options):
        self.stdout.write(f"Seeding {cases} bench cases (seed {seed})…")
        try:
            summary = seed_bench(cases=cases, seed=seed, force=force, progress=self.stdout.write)
        except BenchRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{summary.cases} cases, {summary.organisations} organisations, {summary.users} users, "
            f"{summary.audit_events} audit events, {summary.evidence} evidence files, "
            f"{summary.grants} grants in {summary.seconds:.1f} s"
        )
        self.stdout.write(
            f"bench caseworker {summary.caseworker}, supervisor {summary.supervisor} "
            f"(password rightsdesk-bench)"
        )
        self.stdout.write(self.style.SUCCESS("Bench data ready."))
