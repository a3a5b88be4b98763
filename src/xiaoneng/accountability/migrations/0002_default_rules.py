"""The default policy and rules (DESIGN C9, the issue's examples); the office edits them."""

from django.db import migrations

RULES = [
    # cause, category, count, sanction, auto_open
    ("red_card", "", 1, "reminder", True),
    ("red_card", "", 2, "education", True),
    ("red_card", "", 3, "admonition", True),
    ("red_accumulation", "", 1, "education", True),
    ("red_accumulation", "", 2, "admonition", True),
    ("complaint", "", 1, "education", True),
    ("complaint", "", 2, "criticism", True),
    ("complaint", "吃拿卡要", 1, "criticism", True),
    ("rectify_refused", "", 1, "reminder", False),
    ("rectify_refused", "", 2, "education", False),
    ("rating", "", 1, "reminder", False),
    ("rating", "", 3, "education", False),
    ("inspection", "", 1, "education", True),
]


def forwards(apps, schema_editor):
    Policy = apps.get_model("accountability", "Policy")
    Rule = apps.get_model("accountability", "Rule")
    Policy.objects.get_or_create(
        pk=1, defaults={"leadership_levels": ["talk", "transfer", "demotion", "dismissal"]}
    )
    if not Rule.objects.exists():
        Rule.objects.bulk_create(
            [
                Rule(cause=c, category=k, count=n, months=12, sanction=s, auto_open=a)
                for c, k, n, s, a in RULES
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("accountability", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
