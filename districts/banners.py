"""Column banners (专栏横幅): the image a division shows at the top of its public column.

The image is checked by its bytes, not its name or the browser's word: only JPEG, PNG and WebP
up to 2 MiB, so that an HTML or SVG page renamed ``.png`` can never be served from the site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

if TYPE_CHECKING:
    from .models import Division

BANNER_MAX_BYTES = 2 * 1024 * 1024
# The kinds a banner may be, as (content type, the extensions a file of that kind may carry).
KINDS = {
    "jpeg": ("image/jpeg", {"jpg", "jpeg"}),
    "png": ("image/png", {"png"}),
    "webp": ("image/webp", {"webp"}),
}


def sniff_image(head: bytes) -> str | None:
    """Return "jpeg", "png" or "webp" from a file's first bytes, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def banner_kind(file) -> str | None:
    """Return the image kind of an open file (its position is kept), or None."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    return sniff_image(head or b"")


def validate_banner(file) -> None:
    """Refuse a banner that is not a JPEG, PNG or WebP by its bytes, or is over 2 MiB.

    A file already stored was checked when it came in; only a new upload is read here, so
    that saving a division never depends on its stored banner being readable.
    """
    if getattr(file, "_committed", False):
        return
    size = getattr(file, "size", None)
    if size is not None and size > BANNER_MAX_BYTES:
        raise ValidationError(
            "横幅图片有%(size).1f MB，超过了2 MB的上限，请压缩后再上传。",
            code="banner_too_large",
            params={"size": size / 1048576},
        )
    if size == 0:
        raise ValidationError("横幅图片是空文件。", code="banner_empty")
    kind = banner_kind(file)
    if kind is None:
        raise ValidationError(
            "横幅图片的内容不是JPEG、PNG或WebP图片（按文件内容检查，不看扩展名）。",
            code="banner_type",
        )
    name = getattr(file, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in KINDS[kind][1]:
        raise ValidationError(
            "横幅图片的扩展名与内容不符：内容是%(kind)s图片，扩展名应为 .%(ext)s。",
            code="banner_extension",
            params={"kind": kind.upper(), "ext": sorted(KINDS[kind][1])[0]},
        )


@transaction.atomic
def division_banner_set(*, division: Division, banner, alt: str, user=None) -> Division:
    """Replace (or with ``banner=None`` remove) the division's banner and its alt text.

    The old file is deleted only after the new row is committed, so a failed save never
    leaves the column pointing at a missing image.
    """
    from .policies import divisions as division_policy

    if user is not None and not division_policy.allows(user, "change", division):
        raise PermissionDenied(f"您无权修改{division.name}的专栏横幅。")
    old = division.banner.name if division.banner else ""
    if banner is None:
        division.banner = ""
        division.banner_alt = ""
    else:
        if banner is not False:  # False: keep the current file, change the alt text only
            division.banner = banner
        division.banner_alt = (alt or "").strip()
    division.full_clean()
    division.save(update_fields=["banner", "banner_alt"])
    new = division.banner.name if division.banner else ""
    if old and old != new:
        storage = division.banner.storage
        transaction.on_commit(lambda: storage.delete(old))
    return division
