"""The shared upload checks: the type by extension and first bytes, size, count, in words."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile as File

from xiaoneng.web import uploads

PDF = b"%PDF-1.4\n"


def test_allowed_files_pass_with_their_proven_type():
    checked = uploads.check_upload(File("报告.PDF", PDF))
    assert (checked.content_type, checked.extension) == ("application/pdf", "pdf")
    docx = uploads.check_upload(File("方案.docx", b"PK\x03\x04rest"), allowed=uploads.DOCUMENTS)
    assert docx.extension == "docx"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (File("a.exe", b"MZ"), "附件“a.exe”的类型不允许：只接受 PNG、JPG、GIF 图片和 PDF 文件"),
        (File("a.png", PDF), "附件“a.png”的内容与扩展名不符（不是真正的PNG文件）"),
        (File("a.pdf", b""), "附件“a.pdf”是空文件"),
        (File("a.pdf", PDF + b"0" * (5 * 1024 * 1024)), "附件“a.pdf”超过5MB"),
    ],
)
def test_refusals_say_what_is_wrong(upload, message):
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(upload)
    assert refused.value.message_dict == {"attachments": [message]}


def test_at_most_five_files():
    with pytest.raises(ValidationError, match="附件最多5个"):
        uploads.check_uploads([File(f"{n}.pdf", PDF) for n in range(6)])
