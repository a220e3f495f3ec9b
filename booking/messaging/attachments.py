"""Which files may be attached to a message: images and PDF, recognised by
their first bytes (never by name or by the browser's word), up to a size."""

import secrets

from django.conf import settings
from django.core.files.base import ContentFile

from booking.core.errors import BookingError

# (content type, what the file must start with, extension kept on disk)
SIGNATURES = (
    ("image/png", (b"\x89PNG\r\n\x1a\n",), "png"),
    ("image/jpeg", (b"\xff\xd8\xff",), "jpg"),
    ("image/gif", (b"GIF87a", b"GIF89a"), "gif"),
    ("application/pdf", (b"%PDF-",), "pdf"),
)
WEBP = ("image/webp", "webp")


class AttachmentRefused(BookingError):
    code = "attachment_refused"


def content_type_of(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) the first bytes announce, or None."""
    for content_type, starts, extension in SIGNATURES:
        if head.startswith(starts):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def checked(upload) -> tuple[ContentFile, str, str]:
    """(file under a random name, shown name, content type) of an upload, or
    AttachmentRefused saying why not."""
    limit = settings.MESSAGING_ATTACHMENT_MAX_BYTES
    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][-200:]
    if upload.size > limit:
        raise AttachmentRefused(
            f"“{name}” is {upload.size // 1024} KB; attachments may be at most "
            f"{limit // 1024} KB. Send a smaller file."
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise AttachmentRefused(
            f"“{name}” is too large; attachments may be at most {limit // 1024} KB."
        )
    found = content_type_of(data[:16])
    if found is None:
        raise AttachmentRefused(
            f"“{name}” is not an image (PNG, JPEG, GIF, WebP) or a PDF. Only those "
            "can be attached."
        )
    content_type, extension = found
    stored = ContentFile(data, name=f"{secrets.token_hex(16)}.{extension}")
    return stored, name, content_type
