"""The database cache's table (settings.CACHES without REDIS_URL), so that `migrate` alone
readies a fresh database: the public throttles count in it."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "xiaoneng_cache"


def create(apps, schema_editor):
    # Django's own command builds the table; it leaves an existing one alone.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create, drop)]
