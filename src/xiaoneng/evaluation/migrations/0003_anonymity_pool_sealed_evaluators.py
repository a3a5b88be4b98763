"""Anonymity of the answers and encryption of the pool (docs/evaluation.md §5, §3).

- Evaluators: name, phone, masked ID number and organisation move into one encrypted token
  (``identity_token``, Fernet under ``XIAONENG_IDENTITY_KEY``); the clear columns are dropped.
- Codes: the day of use (``used_on``) becomes a plain ``used`` flag.
- Sheets: the day received (``received_on``) is dropped; the free-text exclusion reason (it
  could name a day or a serial) becomes the rule the sheet was excluded under. In campaigns
  already tallied every existing exclusion is kept as ``legacy`` (逐份复核剔除（旧办法）): their
  published results stand. In the others the exclusions are lifted, to be decided again by rule.
- Every sheet and opinion is written again in a random order (same ids): the rows' physical
  order, which followed the order of submission, no longer does.
- The anonymity pool (``PendingSheet``) is created.

What a migration cannot reach: the dropped values linger in the database file's free pages
(SQLite) or dead tuples (PostgreSQL) until ``VACUUM`` / ``VACUUM FULL``, and in backups taken
before; docs/evaluation.md §5 says what to run.
"""

import secrets
import uuid

import django.db.models.deletion
from django.db import migrations, models

TALLIED = ("tallied", "published")


def encrypt_evaluators(apps, schema_editor):
    from xiaoneng import crypto

    Evaluator = apps.get_model("evaluation", "Evaluator")
    people = list(Evaluator.objects.only("pk", "name", "phone", "id_masked", "organisation"))
    for e in people:
        e.identity_token = crypto.encrypt_identity(
            {
                "name": e.name,
                "phone": e.phone,
                "id_masked": e.id_masked,
                "organisation": e.organisation,
            }
        )
    Evaluator.objects.bulk_update(people, ["identity_token"], batch_size=500)


def decrypt_evaluators(apps, schema_editor):
    from xiaoneng import crypto

    Evaluator = apps.get_model("evaluation", "Evaluator")
    people = list(Evaluator.objects.only("pk", "identity_token"))
    for e in people:
        contact = crypto.decrypt_identity(e.identity_token)
        e.name = contact.get("name", "")
        e.phone = contact.get("phone", "")
        e.id_masked = contact.get("id_masked", "")
        e.organisation = contact.get("organisation", "")
    Evaluator.objects.bulk_update(
        people, ["name", "phone", "id_masked", "organisation"], batch_size=500
    )


def mark_used(apps, schema_editor):
    AccessCode = apps.get_model("evaluation", "AccessCode")
    AccessCode.objects.filter(used_on__isnull=False).update(used=True)


def exclusions_to_rules(apps, schema_editor):
    AnswerSheet = apps.get_model("evaluation", "AnswerSheet")
    excluded = AnswerSheet.objects.filter(excluded=True)
    excluded.filter(campaign__status__in=TALLIED).update(exclusion_rule="legacy")
    excluded.exclude(campaign__status__in=TALLIED).update(excluded=False)


def reshuffle(apps, schema_editor):
    """Delete and insert again every sheet and opinion, in a random order, keeping their ids
    (published workbooks name the sheets) and the paper forms' links."""
    AnswerSheet = apps.get_model("evaluation", "AnswerSheet")
    Opinion = apps.get_model("evaluation", "Opinion")
    PaperForm = apps.get_model("evaluation", "PaperForm")
    sheets = list(AnswerSheet.objects.all())
    opinions = list(Opinion.objects.all())
    forms = dict(PaperForm.objects.filter(sheet__isnull=False).values_list("pk", "sheet_id"))
    if not sheets:
        return
    rng = secrets.SystemRandom()
    PaperForm.objects.filter(pk__in=list(forms)).update(sheet=None)
    Opinion.objects.all().delete()
    AnswerSheet.objects.all().delete()
    rng.shuffle(sheets)
    rng.shuffle(opinions)
    AnswerSheet.objects.bulk_create(sheets, batch_size=500)
    Opinion.objects.bulk_create(opinions, batch_size=500)
    for form_pk, sheet_pk in forms.items():
        PaperForm.objects.filter(pk=form_pk).update(sheet=sheet_pk)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_answer_draft"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="exclusion_rules",
            field=models.JSONField(
                blank=True, default=dict, editable=False, verbose_name="采用的剔除规则"
            ),
        ),
        migrations.AddField(
            model_name="evaluator",
            name="identity_token",
            field=models.TextField(default="", editable=False, verbose_name="身份信息（加密）"),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_evaluators, decrypt_evaluators),
        migrations.RemoveField(model_name="evaluator", name="name"),
        migrations.RemoveField(model_name="evaluator", name="phone"),
        migrations.RemoveField(model_name="evaluator", name="id_masked"),
        migrations.RemoveField(model_name="evaluator", name="organisation"),
        migrations.AddField(
            model_name="accesscode",
            name="used",
            field=models.BooleanField(default=False, verbose_name="已使用"),
        ),
        migrations.RunPython(mark_used, migrations.RunPython.noop),
        migrations.RemoveField(model_name="accesscode", name="used_on"),
        migrations.AddField(
            model_name="answersheet",
            name="exclusion_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("straight_lining", "一律同选"),
                    ("duplicate_serial", "问卷编号重复"),
                    ("identical_answers", "答卷完全相同"),
                    ("legacy", "逐份复核剔除（旧办法）"),
                ],
                max_length=20,
                verbose_name="剔除依据",
            ),
        ),
        migrations.RunPython(exclusions_to_rules, migrations.RunPython.noop),
        migrations.RemoveField(model_name="answersheet", name="exclusion_reason"),
        migrations.RemoveField(model_name="answersheet", name="received_on"),
        migrations.RunPython(reshuffle, migrations.RunPython.noop),
        migrations.CreateModel(
            name="PendingSheet",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("sealed", models.TextField(editable=False)),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pending",
                        to="evaluation.campaign",
                    ),
                ),
                (
                    "stratum",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="evaluation.stratum",
                    ),
                ),
            ],
            options={
                "verbose_name": "待入库评议表",
                "verbose_name_plural": "待入库评议表",
            },
        ),
    ]
