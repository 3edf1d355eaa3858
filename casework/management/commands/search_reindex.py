"""Fill the staff search index afresh from the database: `manage.py search_reindex`.

Needed after rows were written around the services (bulk loads, the bench seeder, a restore
from an old backup); the services keep the index in step themselves."""

from django.core.management.base import BaseCommand

from casework.services.search import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the staff search index (references, names, credit codes) from the database."

    def handle(self, *args, **options):
        rows, seconds = search_index_rebuild()
        self.stdout.write(f"{rows} search terms indexed in {seconds:.1f} s.")
