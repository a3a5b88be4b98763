"""Checking uploaded files the same way everywhere: how many, how large, and whether the first
bytes match the extension (an ``.exe`` renamed ``.png`` is refused). Used for complaint
attachments and rectification evidence (images and PDF) and for 专项活动 reports (also Word)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    magics: tuple[bytes, ...]


PNG = FileType("png", "image/png", (b"\x89PNG\r\n\x1a\n",))
JPG = FileType("jpg", "image/jpeg", (b"\xff\xd8\xff",))
JPEG = FileType("jpeg", "image/jpeg", (b"\xff\xd8\xff",))
GIF = FileType("gif", "image/gif", (b"GIF87a", b"GIF89a"))
PDF = FileType("pdf", "application/pdf", (b"%PDF-",))
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (b"PK\x03\x04",),
)
IMAGES_AND_PDF: tuple[FileType, ...] = (PNG, JPG, JPEG, GIF, PDF)
DOCUMENTS: tuple[FileType, ...] = (DOCX, PDF, PNG, JPG, JPEG)
#: How a refusal names what is allowed.
KINDS = {
    IMAGES_AND_PDF: "PNG、JPG、GIF 图片和 PDF 文件",
    DOCUMENTS: "Word（.docx）、PDF 文件和 PNG、JPG 图片",
}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, with the type its bytes proved."""

    upload: UploadedFile
    content_type: str
    extension: str


def _kinds(allowed: Sequence[FileType]) -> str:
    return KINDS.get(tuple(allowed)) or "、".join(t.extension.upper() for t in allowed) + " 文件"


def check_upload(
    upload: UploadedFile,
    *,
    allowed: Sequence[FileType] = IMAGES_AND_PDF,
    max_bytes: int = MAX_FILE_BYTES,
    field: str = "attachments",
    what: str = "附件",
) -> CheckedFile:
    """The upload's proven type, or a ValidationError on ``field`` saying what is wrong."""
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = next((t for t in allowed if t.extension == ext), None)
    if kind is None:
        raise ValidationError({field: f"{what}“{name}”的类型不允许：只接受 {_kinds(allowed)}"})
    if upload.size > max_bytes:
        raise ValidationError({field: f"{what}“{name}”超过{max_bytes // (1024 * 1024)}MB"})
    if upload.size == 0:
        raise ValidationError({field: f"{what}“{name}”是空文件"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in kind.magics):
        raise ValidationError(
            {field: f"{what}“{name}”的内容与扩展名不符（不是真正的{ext.upper()}文件）"}
        )
    return CheckedFile(upload, kind.content_type, ext)


def check_uploads(
    files: Sequence[UploadedFile],
    *,
    allowed: Sequence[FileType] = IMAGES_AND_PDF,
    max_files: int = MAX_FILES,
    field: str = "attachments",
    what: str = "附件",
) -> list[CheckedFile]:
    if len(files) > max_files:
        raise ValidationError({field: f"{what}最多{max_files}个"})
    return [check_upload(f, allowed=allowed, field=field, what=what) for f in files]
