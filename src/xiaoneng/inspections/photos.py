"""现场照片: check a photo from a phone and make the copy that is stored.

A photo must be a real JPEG or PNG (its bytes, not its name, decide) within the size limit and
a sane number of pixels. The stored copy is re-encoded by Pillow from the pixels, so nothing but
what we write back survives: the EXIF block with the time it was taken (``DateTimeOriginal``)
and the orientation, without the GPS block unless the office keeps it (``Rules.keep_gps``).
XMP, comments and maker notes are not written back.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from xiaoneng.web import uploads
from xiaoneng.workdays import SHANGHAI

PHOTO_TYPES = (uploads.JPG, uploads.JPEG, uploads.PNG)
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 6
#: EXIF tags: the GPS block's pointer, the Exif block's pointer, times.
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME = 0x0132
DATETIME_ORIGINAL = 0x9003


@dataclass(frozen=True)
class CleanPhoto:
    """A checked photo as it will be stored."""

    data: bytes
    extension: str
    content_type: str
    taken_at: datetime | None
    gps_kept: bool


def _taken_at(exif: Image.Exif) -> datetime | None:
    text = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


def clean(upload: UploadedFile, *, keep_gps: bool, max_bytes: int) -> CleanPhoto:
    """The photo to store, or a ValidationError on ``photos`` saying what is wrong."""
    checked = uploads.check_upload(
        upload, allowed=PHOTO_TYPES, max_bytes=max_bytes, field="photos", what="照片"
    )
    name = upload.name or ""
    upload.seek(0)
    raw = upload.read()
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"photos": f"照片“{name}”像素过多"})
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombWarning):
        raise ValidationError({"photos": f"照片“{name}”无法识别为图片"}) from None
    picture: Image.Image = image
    exif = picture.getexif()
    taken_at = _taken_at(exif)
    gps_kept = keep_gps and GPS_IFD in exif
    if not keep_gps and GPS_IFD in exif:
        del exif[GPS_IFD]
    out = io.BytesIO()
    if checked.content_type == "image/png":
        picture.save(out, format="PNG", exif=exif.tobytes())
    else:
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        picture.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    extension = "png" if checked.content_type == "image/png" else "jpg"
    return CleanPhoto(out.getvalue(), extension, checked.content_type, taken_at, gps_kept)
