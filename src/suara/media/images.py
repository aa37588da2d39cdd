"""Turning an uploaded file into a photo Suara can keep: checked from its bytes, re-encoded without metadata.

A phone writes where it stood into every picture (EXIF GPS), editors add XMP and comments, and an
attacker can append a script to a valid image (a polyglot) or send a small file that decodes to
gigabytes (a decompression bomb). So: the type comes from the first bytes (JPEG, PNG, WebP only),
the size and the pixel count are checked before any pixel is decoded, and what is kept is a new
JPEG drawn from the decoded pixels alone, turned upright, with nothing of the original file in it.
Decoding runs in worker threads, a few at a time (`Decoder`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps

from suara.common.errors import DomainError

MAX_SIDE = 2048
"""The kept photo's longest side at most: enough to read a plate or a sign. A JPEG is decoded at the
smallest of libjpeg's scales that keeps at least half of this, so it is kept at 1,024 to 2,048 px."""
THUMBNAIL_SIDE = 480
QUALITY = 85
THUMBNAIL_QUALITY = 80
CONTENT_TYPE = "image/jpeg"

SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)


def sniff(data: bytes) -> str | None:
    """The format the bytes are (JPEG, PNG or WebP), whatever the file was called; else None."""
    for signature, name in SIGNATURES:
        if data.startswith(signature):
            return name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


class PhotoRefused(DomainError):
    """A file that is not a photo Suara keeps; nothing was stored."""

    def __init__(self, code: str, message_id: str, message_en: str):
        super().__init__(code)
        self.code = code
        self.message_id = message_id
        self.message_en = message_en


def not_an_image() -> PhotoRefused:
    return PhotoRefused("not_an_image", "Berkas itu bukan foto JPEG, PNG atau WebP.",
                        "The file is not a JPEG, PNG or WebP photo.")


def too_large(max_bytes: int) -> PhotoRefused:
    megabytes = max_bytes // (1024 * 1024)
    return PhotoRefused("photo_too_large", f"Foto paling besar {megabytes} MB.", f"A photo may be at most {megabytes} MB.")


def too_many_pixels(max_pixels: int) -> PhotoRefused:
    megapixels = max_pixels // 1_000_000
    return PhotoRefused("photo_too_many_pixels", f"Foto paling banyak {megapixels} megapiksel.",
                        f"A photo may have at most {megapixels} megapixels.")


def unreadable() -> PhotoRefused:
    return PhotoRefused("photo_unreadable", "Foto itu rusak atau tidak dapat dibaca.",
                        "The photo is damaged or cannot be read.")


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 8 * 1024 * 1024
    max_pixels: int = 25_000_000


Image.MAX_IMAGE_PIXELS = PhotoLimits.max_pixels
"""Pillow's own net under our check (which refuses first): it warns past this and refuses, already in
Image.open, past twice this — also for any other Pillow use in the process."""


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as Suara keeps it: a new JPEG and its thumbnail, no byte of the upload in either."""

    data: bytes
    thumbnail: bytes
    width: int
    height: int
    source_digest: str
    """SHA-256 of the upload: the same photo sent again (an idempotent retry) is recognised."""
    content_type: str = CONTENT_TYPE


SMOOTH_MODES = ("RGB", "RGBA", "L", "LA", "CMYK", "YCbCr")
"""Modes Pillow resizes with the filter asked for; palettes, 1-bit and 16-bit images are converted first."""


def _smooth(image: Image.Image) -> Image.Image:
    if image.mode in SMOOTH_MODES:
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = image.mode in ("PA",) or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def _upright_rgb(image: Image.Image) -> Image.Image:
    """The pixels turned as the camera meant (EXIF orientation), transparency over white, in RGB."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    """A JPEG of these pixels only. The pixels are copied into a new image first, so no EXIF, XMP, ICC
    profile or comment of the upload can ride along in ``info``."""
    fresh = Image.new("RGB", image.size)
    fresh.paste(image)
    out = io.BytesIO()
    fresh.save(out, format="JPEG", quality=quality)  # baseline: progressive costs several times the time
    return out.getvalue()


def clean_photo(data: bytes, limits: PhotoLimits) -> CleanPhoto:
    """Check and re-encode one upload (blocking: call it through a `Decoder`). Raises PhotoRefused."""
    if len(data) > limits.max_bytes:
        raise too_large(limits.max_bytes)
    kind = sniff(data)
    if kind is None:
        raise not_an_image()
    try:
        image = Image.open(io.BytesIO(data), formats=[kind])  # reads the header only
    except Image.DecompressionBombError:
        raise too_many_pixels(limits.max_pixels) from None
    except Exception:  # noqa: BLE001 — any parser failure on hostile bytes is the same refusal
        raise unreadable() from None
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise unreadable()
        if width * height > limits.max_pixels:
            raise too_many_pixels(limits.max_pixels)  # before a single pixel is decoded
        try:
            if kind == "JPEG":  # libjpeg decodes at 1/2, 1/4 or 1/8 scale: a 12-megapixel photo costs 3 in memory
                image.draft("RGB", (MAX_SIDE // 2, MAX_SIDE // 2))
            image.load()
            pixels = _smooth(image)
            # Made small first (in place: the full-size pixels go), then turned and converted: at most
            # one full-size copy of a photo is ever in memory.
            pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
            upright = _upright_rgb(pixels)
        except Image.DecompressionBombError:
            raise too_many_pixels(limits.max_pixels) from None
        except Exception:  # noqa: BLE001 — truncated, corrupt or unsupported: refused, never a 500
            raise unreadable() from None
    photo = _encode(upright, QUALITY)
    kept_width, kept_height = upright.size
    upright.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumbnail = _encode(upright, THUMBNAIL_QUALITY)
    return CleanPhoto(data=photo, thumbnail=thumbnail, width=kept_width, height=kept_height,
                      source_digest=hashlib.sha256(data).hexdigest())


def decoded_pixels(data: bytes, limits: PhotoLimits) -> int:
    """How many pixels decoding this upload will hold, from its header alone (no pixel is decoded);
    refuses what is no image, or has too many pixels, before any thread is spent on it."""
    kind = sniff(data)
    if kind is None:
        raise not_an_image()
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        raise too_many_pixels(limits.max_pixels) from None
    except Exception:  # noqa: BLE001
        raise unreadable() from None
    if width <= 0 or height <= 0:
        raise unreadable()
    if width * height > limits.max_pixels:
        raise too_many_pixels(limits.max_pixels)
    if kind != "JPEG":
        return width * height
    ratio = min(width // (MAX_SIDE // 2), height // (MAX_SIDE // 2))  # as JpegImageFile.draft chooses its scale
    scale = next(factor for factor in (8, 4, 2, 1) if ratio >= factor or factor == 1)
    return -(-width // scale) * -(-height // scale)


Reader = Callable[[int], Awaitable[bytes]]
"""Reads at most that many bytes of an upload (as Starlette's UploadFile.read does)."""


class PixelBudget:
    """At most ``total`` pixels decoded at once in this process: two phone JPEGs (decoded at a reduced
    scale) go side by side, a 25-megapixel PNG (about 75 MB of pixels) goes alone."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0
        self._changed = asyncio.Condition()

    async def acquire(self, cost: int) -> int:
        cost = min(cost, self.total)
        async with self._changed:
            await self._changed.wait_for(lambda: self.used + cost <= self.total)
            self.used += cost
        return cost

    async def release(self, cost: int) -> None:
        async with self._changed:
            self.used -= cost
            self._changed.notify_all()


class Decoder:
    """Decodes photos in worker threads of its own, off the event loop: at most ``concurrency`` at once
    and at most ``limits.max_pixels`` pixels in memory at once, so many parallel uploads queue instead of
    multiplying the memory they take."""

    def __init__(self, limits: PhotoLimits, concurrency: int = 2):
        self.limits = limits
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._pixels = PixelBudget(limits.max_pixels)
        # Threads of their own: decodes never wait behind other blocking work, and only this many
        # threads ever hold decoded pixels (each thread's malloc arena keeps what it once held).
        self._threads = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="photo-decode")
        if limits.max_pixels > (Image.MAX_IMAGE_PIXELS or 0):  # a server configured for larger photos
            Image.MAX_IMAGE_PIXELS = limits.max_pixels

    async def clean(self, source: bytes | Reader) -> CleanPhoto:
        """Check and re-encode one photo: its bytes, or a reader of them (an upload still on disk), which
        is read only once a decode slot is free — ten clients waiting hold no ten photos in memory."""
        async with self._slots:
            data = source if isinstance(source, bytes) else await self._read(source)
            if len(data) > self.limits.max_bytes:
                raise too_large(self.limits.max_bytes)
            cost = decoded_pixels(data, self.limits)  # the header only: cheap refusals need no thread
            held = await self._pixels.acquire(cost)
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    self._threads, clean_photo, data, self.limits)
            finally:
                await self._pixels.release(held)

    async def _read(self, read: Reader) -> bytes:
        data = await read(self.limits.max_bytes + 1)  # one byte past the limit tells too large
        if not isinstance(data, bytes):
            raise not_an_image()
        return data
