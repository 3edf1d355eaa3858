from django.db import migrations, models


def load_categories(apps, schema_editor):
    from rights.taxonomy import CATEGORIES

    Category = apps.get_model("rights", "Category")
    for order, (code, zh, en, wzh, wen, selectable) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults=dict(name_zh=zh, name_en=en, worker_label_zh=wzh, worker_label_en=wen,
                          worker_selectable=selectable, sort_order=order),
        )


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Category",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=40, unique=True, verbose_name="code")),
                ("name_zh", models.CharField(max_length=100, verbose_name="name (Chinese)")),
                ("name_en", models.CharField(max_length=150, verbose_name="name (English)")),
                ("worker_label_zh", models.CharField(max_length=100, verbose_name="worker wording (Chinese)")),
                ("worker_label_en", models.CharField(max_length=150, verbose_name="worker wording (English)")),
                ("worker_selectable", models.BooleanField(default=True, verbose_name="workers may choose it")),
                ("sort_order", models.PositiveSmallIntegerField(default=0)),
                ("active", models.BooleanField(default=True)),
            ],
            options={"verbose_name": "grievance category", "verbose_name_plural": "grievance categories", "ordering": ["sort_order", "code"]},
        ),
        migrations.RunPython(load_categories, migrations.RunPython.noop),
    ]
