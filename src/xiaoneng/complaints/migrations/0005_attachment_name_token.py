"""Attachments' original file names are kept only encrypted with the identity key.

Existing names are encrypted, then the clear column is dropped. A stored file whose name is not
already random (uploads have always been given one; this guards against files put there by hand
or by an older copy) is moved to a random name. Old values may remain in the database file's
free pages until ``VACUUM`` and in backups (docs/security.md, 升级).
"""

import posixpath
import re
import secrets

from django.db import migrations, models

RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "application/pdf": "pdf"}


def _neutral_path(name: str, content_type: str) -> str:
    folder, base = posixpath.split(name)
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if ext not in ("png", "jpg", "jpeg", "gif", "pdf"):
        ext = EXTENSIONS.get(content_type, "bin")
    return posixpath.join(folder or "complaints", f"{secrets.token_hex(16)}.{ext}")


def encrypt_names(apps, schema_editor):
    from django.core.files.storage import default_storage

    from xiaoneng.complaints.crypto import encrypt_identity

    Attachment = apps.get_model("complaints", "Attachment")
    moved = []
    # A few per complaint at most: read them all before writing any.
    for attachment in list(Attachment.objects.order_by("pk")):
        attachment.name_token = encrypt_identity({"name": attachment.original_name})
        attachment.original_name = ""
        stored = attachment.file.name or ""
        if stored and not RANDOM_NAME.match(posixpath.basename(stored)):
            target = _neutral_path(stored, attachment.content_type)
            if default_storage.exists(stored):
                with default_storage.open(stored, "rb") as source:
                    target = default_storage.save(target, source)
                moved.append(stored)
            attachment.file.name = target
        attachment.save(update_fields=["name_token", "original_name", "file"])
    # The old files go only once the new paths are committed.
    schema_editor.connection.on_commit(lambda: [default_storage.delete(n) for n in moved])


def decrypt_names(apps, schema_editor):
    from xiaoneng.complaints.crypto import decrypt_identity

    Attachment = apps.get_model("complaints", "Attachment")
    for attachment in Attachment.objects.order_by("pk").iterator(chunk_size=500):
        name = decrypt_identity(attachment.name_token).get("name", "")
        Attachment.objects.filter(pk=attachment.pk).update(original_name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_stage_clock"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="name_token",
            field=models.TextField(blank=True, editable=False, verbose_name="原文件名（加密）"),
        ),
        # blank only (no schema change): the column can come back, refilled from the tokens.
        migrations.AlterField(
            model_name="attachment",
            name="original_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="原文件名"),
        ),
        migrations.RunPython(encrypt_names, decrypt_names),
        migrations.RemoveField(model_name="attachment", name="original_name"),
    ]
