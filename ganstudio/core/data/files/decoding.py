"""Decoding one image file: Pillow's formats and modes, EXIF orientation, square and resize."""

from __future__ import annotations

import contextlib
import io
import os
import re
from dataclasses import dataclass
from typing import IO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ganstudio.core.data.files.common import (
    COLOR_TOLERANCE,
    DEFAULT_MAX_SIZE,
    Skip,
    limits,
    short,
)
from ganstudio.core.data.files.sources import Entry

# Pillow formats tried on image files; limiting them keeps exotic plugins (EPS runs Ghostscript)
# away from files that merely carry an image suffix. (JPEG also opens MPO, as phones write.)
_PILLOW_FORMATS = ("PNG", "JPEG", "BMP", "DIB", "GIF", "WEBP", "TIFF", "PPM", "TGA")
RESAMPLE = Image.Resampling.LANCZOS
_GRAY_MODES = ("1", "L", "LA", "La", "I", "F", "I;16", "I;16B", "I;16L", "I;16N")
_RGB_CONVERTIBLE_MODES = ("RGB", "RGBX", "CMYK", "YCbCr", "HSV")
_ORIENTATION_TAG = 0x0112


@dataclass
class Decoded:
    """One decoded image, ready to be stacked with the others."""

    image: Image.Image  # "L" or "RGB", square, side <= the requested size
    size: tuple[int, int]  # original (width, height) as displayed (after EXIF orientation)
    color: bool


def _bomb_reason(err: BaseException) -> str:
    match = re.search(r"\((\d+) pixels\)", str(err))
    amount = f"{match.group(1)} pixels" if match else str(err)
    return f"too large (decompression-bomb guard: {amount})"


def decode(entry: Entry, image_size: int | None) -> Decoded:
    """Opens and decodes one image file: square, "L" or "RGB", resized (see `_square`).

    Raises:
        Skip: The file is empty, not an image, corrupt, too large or of an unsupported mode.
    """
    if entry.nbytes == 0:
        raise Skip("zero bytes")
    stream = entry.open()
    with stream:
        if entry.nbytes is None:
            try:
                nbytes = os.fstat(stream.fileno()).st_size
            except (OSError, AttributeError, io.UnsupportedOperation):
                nbytes = None
            if nbytes == 0:
                raise Skip("zero bytes")
        return _decode_stream(stream, image_size)


def _decode_stream(stream: IO[bytes], image_size: int | None) -> Decoded:
    try:
        img = Image.open(stream, formats=_PILLOW_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise Skip(_bomb_reason(err)) from None
    except UnidentifiedImageError:
        raise Skip("not an image (Pillow cannot identify the file's contents)") from None
    except MemoryError:
        raise Skip("too large (out of memory)") from None
    except Exception as err:  # a decoder plugin can raise almost anything on a broken header
        raise Skip(f"corrupt or truncated image data ({short(err)})") from None

    width, height = img.size
    if width * height > limits().MAX_IMAGE_PIXELS:
        raise Skip(f"too large (decompression-bomb guard: {width}×{height} pixels)")
    if width < 1 or height < 1:
        raise Skip("empty image (0 pixels)")
    if img.format in ("JPEG", "MPO"):
        # Decode big JPEGs at 1/2, 1/4 or 1/8 scale: still at least the side we need.
        want = image_size or DEFAULT_MAX_SIZE
        img.draft(None, (want, want))
    try:
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise Skip(_bomb_reason(err)) from None
    except MemoryError:
        raise Skip("too large (out of memory)") from None
    except Exception as err:  # truncated or corrupt data: OSError, SyntaxError, ValueError, ...
        raise Skip(f"corrupt or truncated image data ({short(err)})") from None

    orientation = _orientation(img)
    size = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    if orientation in range(2, 9):
        with contextlib.suppress(Exception):  # broken EXIF does not make the pixels unusable
            img = ImageOps.exif_transpose(img)
    try:
        image = _square(_to_gray_or_rgb(img), image_size)
    except Skip:
        raise
    except MemoryError:
        raise Skip("too large (out of memory)") from None
    except Exception as err:  # Pillow cannot convert this file's pixels
        raise Skip(f"unsupported image mode ({img.mode}: {short(err)})") from None
    return Decoded(image, size, has_color(image))


def _orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(_ORIENTATION_TAG, 1) or 1)
    except Exception:  # unreadable EXIF: keep the pixels as stored
        return 1


def _over_white(channels: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composites uint8 channels [H, W, C] with alpha [H, W, 1] on white."""
    a = alpha.astype(np.uint16)
    out = (channels.astype(np.uint16) * a + 255 * (255 - a) + 127) // 255
    return out.astype(np.uint8)


def _scale_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """Maps 16-bit, 32-bit integer or float pixels to 0..255."""
    data = values.astype(np.float64)
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return np.zeros(values.shape, np.uint8)
    lo, hi = float(finite.min()), float(finite.max())
    if mode.startswith("I;16"):
        scaled = data / 65535.0
    elif mode == "F" and lo >= 0.0 and hi <= 1.0:
        scaled = data
    elif lo >= 0.0 and hi <= 255.0:
        scaled = data / 255.0
    elif lo >= 0.0 and hi <= 65535.0:
        scaled = data / 65535.0
    else:
        scaled = (data - lo) / ((hi - lo) or 1.0)
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(np.rint(scaled * 255.0), 0, 255).astype(np.uint8)


def _to_gray_or_rgb(img: Image.Image) -> Image.Image:
    """Converts any supported mode to "L" or "RGB"; alpha is composited on white."""
    mode = img.mode
    if mode == "L" or mode == "RGB":
        return img
    if mode == "1":
        return img.convert("L")
    if mode in ("LA", "La"):
        pixels = np.asarray(img.convert("LA") if mode == "La" else img)
        return Image.fromarray(_over_white(pixels[..., :1], pixels[..., 1:])[..., 0], "L")
    if mode in _GRAY_MODES:  # I, F, I;16*
        return Image.fromarray(_scale_to_uint8(np.asarray(img), mode), "L")
    if mode == "P":
        has_alpha = "transparency" in img.info or (
            img.palette is not None and img.palette.mode == "RGBA"
        )
        img = img.convert("RGBA" if has_alpha else "RGB")
        mode = img.mode
    if mode in ("PA", "RGBa"):
        img = img.convert("RGBA")
        mode = img.mode
    if mode == "RGBA":
        pixels = np.asarray(img)
        return Image.fromarray(_over_white(pixels[..., :3], pixels[..., 3:]), "RGB")
    if mode in _RGB_CONVERTIBLE_MODES:
        return img.convert("RGB")
    raise Skip(f"unsupported image mode ({mode})")


def _square(img: Image.Image, image_size: int | None) -> Image.Image:
    """Center-crops to a square; resizes to `image_size`, or down to 64 when it is `None`."""
    width, height = img.size
    side = min(width, height)
    if width != height:
        left, top = (width - side) // 2, (height - side) // 2
        img = img.crop((left, top, left + side, top + side))
    target = image_size if image_size is not None else min(side, DEFAULT_MAX_SIZE)
    if target != side:
        img = img.resize((target, target), RESAMPLE)
    return img


def has_color(img: Image.Image) -> bool:
    """True when an image's channels differ by more than `COLOR_TOLERANCE` somewhere."""
    if img.mode != "RGB":
        return False
    pixels = np.asarray(img)
    spread = pixels.max(axis=2).astype(np.int16) - pixels.min(axis=2)
    return bool(spread.max() > COLOR_TOLERANCE)


def resize_images(x: np.ndarray, side: int) -> np.ndarray:
    """Center-crops [N, H, W, C] float images to squares and resizes them to `side`.

    Args:
        x: Float images in [0, 1], [N, H, W, C].
        side: The side of the square output images.

    Returns:
        float32 [N, side, side, C] in [0, 1] (Lanczos resampling, clipped).
    """
    count, height, width, channels = x.shape
    crop = min(height, width)
    top, left = (height - crop) // 2, (width - crop) // 2
    x = x[:, top : top + crop, left : left + crop, :]
    if crop == side:
        return np.ascontiguousarray(x, dtype=np.float32)
    out = np.empty((count, side, side, channels), np.float32)
    for i in range(count):
        for c in range(channels):
            plane = Image.fromarray(np.ascontiguousarray(x[i, :, :, c], dtype=np.float32), "F")
            out[i, :, :, c] = np.asarray(plane.resize((side, side), RESAMPLE))
    np.clip(out, 0.0, 1.0, out=out)
    return out
