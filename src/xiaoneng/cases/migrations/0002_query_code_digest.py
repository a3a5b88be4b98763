"""Query codes (查询码) are kept only as a keyed digest: existing codes are hashed, then dropped.

The digest is keyed by ``XIAONENG_IDENTITY_KEY`` (the first key), so every code printed on an
existing receipt keeps working. The clear column is dropped; its old values may still sit in the
database file's free pages until ``VACUUM`` (see docs/security.md, 升级).
"""

from django.db import migrations, models

BATCH = 2000


def hash_codes(apps, schema_editor):
    from xiaoneng.cases.services import code_digests

    Case = apps.get_model("cases", "Case")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Case._meta.db_table)
    last = 0
    with connection.cursor() as cursor:
        while True:
            # In id order, a batch at a time: never an open scan over the rows being updated.
            rows = list(
                Case.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "number", "query_code")[:BATCH]
            )
            if not rows:
                return
            cursor.executemany(
                f"UPDATE {table} SET code_digest = %s WHERE id = %s",
                [(code_digests(number, code)[0], pk) for pk, number, code in rows if code],
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="code_digest",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="查询码摘要"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(hash_codes, migrations.RunPython.noop),
        # blank only (no schema change): going back re-adds the column empty, as the codes
        # cannot come back from their digests.
        migrations.AlterField(
            model_name="case",
            name="query_code",
            field=models.CharField(blank=True, max_length=12, verbose_name="查询码"),
        ),
        migrations.RemoveField(model_name="case", name="query_code"),
    ]
