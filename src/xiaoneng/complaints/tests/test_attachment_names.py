"""附件文件名: a complainant's file name may name them; only the office's audited reveal shows
it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from xiaoneng.accounts.roles import Role
from xiaoneng.api import services as keys
from xiaoneng.api.tests.conftest import ApiClient, Key
from xiaoneng.audit.models import AuditEntry
from xiaoneng.complaints import crypto, services
from xiaoneng.complaints.models import Attachment, Category, Complaint
from xiaoneng.notifications.models import Notification

SECRET = "王小明身份证"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def category(db):
    return Category.objects.get(code="ban_delay")


def file_complaint(users, category, *, anonymous=False) -> Complaint:
    complaint, _ = services.submit_complaint(
        users[Role.OFFICE],
        channel=Complaint.Channel.WALKIN,
        category=category,
        title="办证被刁难",
        content="窗口要求反复提交同一份材料。",
        anonymous=anonymous,
        identity=None if anonymous else services.Identity(name="王小明", phone="13912345678"),
        files=[
            SimpleUploadedFile(f"{SECRET}.png", PNG),
            SimpleUploadedFile("王小明的申请表.PDF", PDF),
        ],
    )
    return complaint


def every_stored_value() -> str:
    """Every value of every table, as text: what someone with a copy of the database reads."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


def media_paths(root) -> list[str]:
    return [str(p.relative_to(root)) for p in Path(root).rglob("*")]


def test_neither_the_database_nor_the_media_directory_holds_the_name(users, category, settings):
    complaint = file_complaint(users, category)
    assert "王小明" not in every_stored_value()
    paths = media_paths(settings.MEDIA_ROOT)
    assert len([p for p in paths if p.endswith((".png", ".pdf"))]) == 2
    assert not any("王小明" in p or "申请表" in p for p in paths)
    stored = {a.file.name.rsplit("/", 1)[-1] for a in complaint.attachments.all()}
    assert all(len(name.split(".")[0]) == 32 for name in stored)


def test_the_unit_sees_and_downloads_neutral_names(client, users, org, category):
    complaint = file_complaint(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a, share_attachments=True)
    client.force_login(users[Role.LIAISON])
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "附件1.png" in page and "附件2.pdf" in page
    assert "王小明" not in page and "查看附件原文件名" not in page
    first, second = complaint.attachments.order_by("pk")
    image = client.get(reverse("complaints:attachment", args=[complaint.pk, first.pk]))
    document = client.get(reverse("complaints:attachment", args=[complaint.pk, second.pk]))
    assert b"".join(image.streaming_content) == PNG
    assert unquote(image["Content-Disposition"]).endswith("附件1.png")
    assert unquote(document["Content-Disposition"]).startswith("attachment")
    assert unquote(document["Content-Disposition"]).endswith("附件2.pdf")
    for response in (image, document):
        assert "王小明" not in unquote(response["Content-Disposition"])


def test_the_office_sees_the_original_only_through_the_audited_reveal(client, users, category):
    complaint = file_complaint(users, category)
    client.force_login(users[Role.OFFICE])
    detail = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "附件1.png" in detail and "王小明" not in detail
    attachment = complaint.attachments.order_by("pk").first()
    download = client.get(reverse("complaints:attachment", args=[complaint.pk, attachment.pk]))
    assert unquote(download["Content-Disposition"]).endswith("附件1.png")

    page = client.post(
        reverse("complaints:reveal", args=[complaint.pk]), {"reason": "核实附件来源"}
    ).content.decode()
    assert f"{SECRET}.png" in page and "王小明的申请表.PDF" in page and "附件2.pdf" in page
    entry = AuditEntry.objects.get(summary="查看投诉人身份")
    assert entry.after["file_names"] == 2 and "王小明" not in json.dumps(entry.after)


def test_an_anonymous_complaints_file_names_are_revealed_alike(client, users, category):
    complaint = file_complaint(users, category, anonymous=True)
    client.force_login(users[Role.OFFICE])
    detail = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "查看附件原文件名" in detail
    page = client.post(
        reverse("complaints:reveal", args=[complaint.pk]), {"reason": "核实附件来源"}
    ).content.decode()
    assert "匿名投诉，没有投诉人身份信息" in page and f"{SECRET}.png" in page
    revealed = services.reveal_identity(users[Role.OFFICE], complaint, "再次核实")
    assert all(isinstance(f, services.RevealedFile) for f in revealed.files)
    assert revealed.identity == {} and [f.label for f in revealed.files] == [
        "附件1.png",
        "附件2.pdf",
    ]


def test_no_audit_entry_notification_or_api_answer_names_the_file(users, org, category):
    complaint = file_complaint(users, category)
    services.accept(users[Role.OFFICE], complaint, unit=org.dept_a, share_attachments=True)
    for entry in AuditEntry.objects.all():
        assert "王小明" not in f"{entry.object_repr} {entry.summary} {entry.before} {entry.after}"
    assert not any("王小明" in n.title + n.body for n in Notification.objects.all())
    hotline = ApiClient(Key(*keys.create_key(users[Role.OFFICE], "12345热线平台", org.root)))
    response = hotline.get(f"/complaints/{complaint.number}")
    assert response.status_code == 200 and "王小明" not in response.content.decode()
    assert str(Attachment.objects.first()) == "投诉附件"


# ---- the migration ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_names_and_renames_files():
    before, after = (
        [("complaints", "0004_stage_clock")],
        [("complaints", "0005_attachment_name_token")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    category = old_apps.get_model("complaints", "Category").objects.create(code="t", name="测试")
    complaint = old_apps.get_model("complaints", "Complaint").objects.create(
        number="TS1",
        channel="walkin",
        category=category,
        title="t",
        content="c",
        submitted_at="2026-03-02T09:00:00+08:00",
    )
    named = default_storage.save(f"complaints/2026/03/{SECRET}.png", SimpleUploadedFile("x", PNG))
    already = default_storage.save(
        "complaints/2026/03/" + "a" * 32 + ".pdf", SimpleUploadedFile("y", PDF)
    )
    row = old_apps.get_model("complaints", "Attachment")
    for path, name, kind in (
        (named, f"{SECRET}.png", "image/png"),
        (already, "申请表.pdf", "application/pdf"),
    ):
        row.objects.create(
            complaint=complaint,
            file=path,
            original_name=name,
            content_type=kind,
            size=1,
            sha256="0",
        )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    first, second = Attachment.objects.order_by("pk")
    assert crypto.decrypt_identity(first.name_token) == {"name": f"{SECRET}.png"}
    assert crypto.decrypt_identity(second.name_token) == {"name": "申请表.pdf"}
    assert second.file.name == already  # already random: left where it was
    assert SECRET not in first.file.name and first.file.name.endswith(".png")
    assert first.file.open("rb").read() == PNG
    assert not default_storage.exists(named)
    assert "王小明" not in every_stored_value() and "申请表" not in every_stored_value()

    # Back again: the names return from their tokens.
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("complaints", "Attachment")
    assert list(old.objects.order_by("pk").values_list("original_name", flat=True)) == [
        f"{SECRET}.png",
        "申请表.pdf",
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
