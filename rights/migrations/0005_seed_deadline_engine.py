"""Seeds the holiday calendar and the deadline rules from rights/holidays.py and
rights/deadline_rules.py (existing rows with the same date / code are left as edited)."""

from django.db import migrations


def seed(apps, schema_editor):
    from rights.deadline_rules import RULES
    from rights.holidays import CALENDAR_DAYS

    Holiday = apps.get_model("rights", "Holiday")
    DeadlineRule = apps.get_model("rights", "DeadlineRule")
    have = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create(
        Holiday(
            date=d.date,
            kind=d.kind,
            name_zh=d.name_zh,
            name_en=d.name_en,
            source=d.source,
            confirmed=d.confirmed,
        )
        for d in CALENDAR_DAYS
        if d.date not in have
    )
    codes = set(DeadlineRule.objects.values_list("code", flat=True))
    DeadlineRule.objects.bulk_create(
        DeadlineRule(
            code=r.code,
            name_zh=r.name_zh,
            name_en=r.name_en,
            trigger=r.trigger,
            alternative_triggers=list(r.alternative_triggers),
            period=r.period,
            unit=r.unit,
            working_days=r.working_days,
            roll_to_working_day=r.roll_to_working_day,
            suspension=r.suspension,
            interruption=r.interruption,
            direction=r.direction,
            extension=r.extension,
            kind=r.kind,
            organisation_configurable=r.organisation_configurable,
            group=r.group,
            citation=r.citation,
            confirmed=r.confirmed,
            notes=r.notes,
        )
        for r in RULES
        if r.code not in codes
    )


class Migration(migrations.Migration):
    dependencies = [("rights", "0004_deadline_engine")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
