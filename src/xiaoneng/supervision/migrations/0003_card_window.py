"""Cards learn the window (受理窗口) of the case they are about, so the window's staff see them.

Cards raised before this change get the window of their case.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast


def fill_windows(apps, schema_editor):
    Card = apps.get_model("supervision", "Card")
    Case = apps.get_model("cases", "Case")
    window = Case.objects.filter(pk=Cast(OuterRef("subject_id"), models.BigIntegerField()))
    Card.objects.filter(subject_type="cases.case", window__isnull=True).update(
        window_id=Subquery(window.values("window_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("org", "0001_initial"),
        ("supervision", "0002_complaint_card_causes"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="window",
            field=models.ForeignKey(
                blank=True,
                help_text="卡所涉办件的受理窗口",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.unit",
                verbose_name="受理窗口",
            ),
        ),
        migrations.RunPython(fill_windows, migrations.RunPython.noop),
    ]
