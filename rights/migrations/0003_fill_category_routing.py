"""Fill the legal basis, forums and evidence checklist of the categories that exist (domain.md
§3.1, §3.4–3.5). Idempotent: rows already filled, or edited in the admin, are left alone."""

from django.db import migrations


def fill(apps, schema_editor):
    from rights.taxonomy import ensure_categories

    ensure_categories(apps.get_model("rights", "Category"))


class Migration(migrations.Migration):
    dependencies = [("rights", "0002_category_routing_evidence")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
