"""Photos as they are kept: decoded once, outside any transaction, and re-encoded.

Every photo the DMS stores goes through `reencode_photo`: turned upright as the camera held it,
bounded in size, transparent parts on white, and written again as a JPEG, which carries none of
the original's metadata (EXIF: the phone's GPS position, its serial number, the time). Pillow
decodes in memory and on the CPU: callers do this before `transaction.atomic()`, so that no write
lock is held while an image is decoded (on SQLite the one write lock would stall every other
writer past its busy timeout).
"""

import io

from django.utils.translation import gettext as _

from .errors import DomainError

MAX_PIXELS = 60_000_000  # a 60-megapixel photo; phones take 12 to 50
EDGE = 1600  # pixels on the longer side of a kept photo


def reencode_photo(content: bytes, *, field: str = "photos", edge: int = EDGE, quality: int = 85) -> bytes:
    """The photo as a JPEG without metadata, at most `edge` pixels a side; DomainError on `field`
    saying why when it is not a photo or too large to decode."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:  # reads the header only
            if image.width * image.height > MAX_PIXELS:
                raise _too_large(field)
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((edge, edge))
            if upright.mode in ("RGBA", "LA", "P", "PA"):  # transparent parts on white, not black
                upright = upright.convert("RGBA")
                flat = Image.new("RGB", upright.size, (255, 255, 255))
                flat.paste(upright, mask=upright.getchannel("A"))
                upright = flat
            out = io.BytesIO()
            upright.convert("RGB").save(out, "JPEG", quality=quality)  # no exif= given: none written
    except Image.DecompressionBombError:
        raise _too_large(field) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise DomainError(_("This file is not a photo (JPEG, PNG or WebP)."), field=field) from None
    return out.getvalue()


def strip_stored_metadata(storage, name: str) -> bool:
    """Re-encode a stored photo that still carries metadata (one kept before photos were re-encoded
    at upload); whether it was rewritten. A file that is missing or not a photo is left alone."""
    from PIL import Image

    try:
        with storage.open(name, "rb") as f:
            content = f.read()
        with Image.open(io.BytesIO(content)) as image:
            if not image.getexif() and not image.info.get("exif") and "xmp" not in image.info:
                return False
        clean = reencode_photo(content)
    except (OSError, DomainError, ValueError):
        return False
    storage.delete(name)
    storage.save(name, io.BytesIO(clean))
    return True


def _too_large(field: str) -> DomainError:
    return DomainError(
        _(
            "This image has too many pixels to be a photo (at most %(mp)d million); take the photo again or send a smaller one."
        )
        % {"mp": MAX_PIXELS // 1_000_000},
        field=field,
    )
