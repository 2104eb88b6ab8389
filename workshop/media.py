"""Photos: read an upload with Pillow, re-encode it, and keep it under a random name in MEDIA_DIR.

Re-encoding is the privacy step: the stored JPEG is made from the pixels alone, so EXIF (camera,
time, GPS position) never leaves the phone's original. The EXIF orientation is applied first, so an
iPhone photo taken upright stays upright. HEIC/HEIF (what iPhones send) is read by pillow-heif.
Every check happens before the pixels are decoded: a 20,000 x 20,000 PNG or a decompression bomb
is refused from its header, not after it has filled the server's memory.
"""

import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .errors import N_, DomainError, Invalid

MAX_BYTES = 15 * 1024 * 1024  # the largest photo file accepted (a 48 MP iPhone HEIC is ~10 MB)
MAX_PIXELS = 50_000_000  # width x height read from the header; 48 MP iPhone photos fit
MAX_SIDE = 2048  # the stored photo's long side at most
THUMB_SIDE = 480  # the thumbnail's (wall column, console, phone feed)
QUALITY = 85
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")  # what Image.open may read: nothing else is tried
EXTENSION = "jpg"
MIMETYPE = "image/jpeg"


class TooLarge(DomainError):
    status = 413
    code = "photo_too_large"


@dataclass(frozen=True)
class Photo:
    """A re-encoded photo, not stored yet: the full image, its thumbnail and its size."""

    full: bytes
    thumb: bytes
    width: int
    height: int


def not_an_image() -> Invalid:
    return Invalid(
        N_("That file is not a photo we can read: send a JPEG, PNG, WebP or HEIC image."),
        code="not_an_image",
        field="photo",
    )


def read(stream) -> Photo:
    """Check and re-encode an uploaded photo; 413 when too large, 422 `not_an_image` otherwise."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    register_heif()
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge(N_("That photo is larger than 15 MB."), field="photo")
    if not data:
        raise not_an_image()
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size  # from the header; nothing is decoded yet
            if width * height > MAX_PIXELS:
                raise TooLarge(
                    N_("That photo has too many pixels (at most 50 megapixels)."),
                    code="image_too_large",
                    field="photo",
                )
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale
            image.load()
            # Scale down first and in place: every later step then copies a 2,048 px image,
            # not a 48 MP one (a 48 MP PNG peaked at 700 MB of memory the other way round).
            if image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
                image = flatten(image)  # palettes and 16-bit grey: scaled as colours
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
            flat = flatten(ImageOps.exif_transpose(image))
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        if isinstance(error, Image.DecompressionBombError):
            raise TooLarge(
                N_("That photo has too many pixels (at most 50 megapixels)."),
                code="image_too_large",
                field="photo",
            ) from error
        raise not_an_image() from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:  # truncated or corrupt data
        raise not_an_image() from error
    thumb = flat.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return Photo(encode(flat), encode(thumb), flat.width, flat.height)


def flatten(image):
    """Plain RGB: transparency on white (a PNG of a flip chart), every other mode converted."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        image = image.point(lambda value: value / 256).convert("L")  # 16-bit grey to 8-bit
    return image.convert("RGB")


def encode(image) -> bytes:
    """A fresh JPEG of the pixels only: no EXIF, no XMP, no ICC profile, no comment."""
    fresh = image.copy()
    fresh.info.clear()
    buffer = io.BytesIO()
    fresh.save(buffer, "JPEG", quality=QUALITY, optimize=True, progressive=True, exif=b"")
    return buffer.getvalue()


def register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()  # idempotent; only on first use, like the other heavy imports


def media_dir() -> Path:
    """MEDIA_DIR, or the instance folder's media/: never under static/, so nothing skips the
    visibility check in views/media.py."""
    configured = current_app.config.get("MEDIA_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "media"


def file_name(name: str, thumb: bool = False) -> str:
    return f"{name}.thumb.{EXTENSION}" if thumb else f"{name}.{EXTENSION}"


def path_of(name: str, thumb: bool = False) -> Path:
    return media_dir() / file_name(name, thumb)


def store(photo: Photo) -> str:
    """Write the photo and its thumbnail under a new random name (128 bits) and return it."""
    folder = media_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(16)
    for thumb, content in ((False, photo.full), (True, photo.thumb)):
        target = folder / file_name(name, thumb)
        partial = target.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, target)  # a reader never sees half a file
    return name


def delete(name: str | None) -> None:
    if not name:
        return
    for thumb in (False, True):
        path_of(name, thumb).unlink(missing_ok=True)
