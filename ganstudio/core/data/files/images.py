"""Images: `load_images`, and the one place an image `Dataset` is assembled.

Image files (from a folder, a .zip or a list) are decoded one by one; a .npz/.npy array is
converted as a whole. Both end in `_image_dataset`, which picks the size and the channels the
same way and writes the same description.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ganstudio.core.data.base import IMAGES, Dataset, LoadReport, SkippedFile
from ganstudio.core.data.files.arrays import (
    array_captions,
    array_labels,
    holds_points,
    kept_examples,
    read_arrays,
    square_side,
)
from ganstudio.core.data.files.caption_files import FoundCaptions, caption_file, first_issue
from ganstudio.core.data.files.common import (
    ARRAY_SUFFIXES,
    COLOR_TOLERANCE,
    DEFAULT_MAX_SIZE,
    DEFAULT_MIN_SIZE,
    IMAGES_HINT,
    SOURCE_HINT,
    SUPPORTED_IMAGE_SUFFIXES,
    PathLike,
    Skip,
    check_color,
    check_image_size,
    check_limit,
    existing_path,
    is_path_list,
    user_dataset,
)
from ganstudio.core.data.files.decoding import RESAMPLE, Decoded, decode, resize_images
from ganstudio.core.data.files.sources import (
    Entry,
    class_keys,
    file_list_entries,
    folder_entries,
    folder_reader,
    open_zip,
    zip_entries,
    zip_reader,
)
from ganstudio.errors import DataError

_VALUES_HINT = "Images must be uint8 in 0..255 or floats in [0, 1] or [-1, 1]."


def load_images(
    source: PathLike | Sequence[PathLike],
    image_size: int | None = None,
    color: str = "auto",
    limit: int | None = None,
    follow_links: bool = False,
) -> Dataset:
    """Loads images from a folder, a .zip, a .npz/.npy array, one image file or a list of files.

    See the package docstring for the folder rules (recursion, classes from subfolders, what is
    skipped). Each image is decoded with a decompression-bomb guard, EXIF-oriented, converted to
    grayscale or RGB (alpha composited on white), center-cropped to a square and resized.

    Args:
        source: A folder, a .zip, a .npz (array `x`, optional labels `y`) or .npy file, an
            image file, or a list of image files.
        image_size: Side of the square output images. `None` uses the shorter side of the most
            common original size, capped at 64 and at least 8.
        color: `"grayscale"` (C=1), `"rgb"` (C=3) or `"auto"`: RGB if any image has color,
            else grayscale. `"gray"` and `"color"` are accepted too.
        limit: Keep at most this many images: the first usable ones in sorted path order
            (a list of files: the order given).
        follow_links: In a folder, follow links that lead outside it too (by default only
            links whose target lies inside the folder are followed).

    Returns:
        A `Dataset` of kind `"images"`: `x` float32 [N, S, S, C] in [0, 1], `y` int32 [N] or
        `None`, `class_names`, `captions` (from a caption file beside the images or a .npz
        `captions` array, else `None`), and a `LoadReport` listing every skipped file with its
        reason and every caption problem.

    Raises:
        DataError: The source does not exist, is not a kind of file we read, the zip or array
            file is corrupt, a folder holds more than `MAX_FOLDER_ENTRIES` files and folders,
            no usable image is left (the message counts what was skipped), a
            caption file captions none of the images, or a .npz `captions` array is not one
            string per example.
        ConfigError: `image_size`, `color` or `limit` has a value that is not allowed.

    Example:

    >>> data = load_images("~/Pictures/cats_and_dogs", image_size=32)  # doctest: +SKIP
    >>> data.x.shape, data.class_names  # doctest: +SKIP
    ((1200, 32, 32, 3), ['cats', 'dogs'])
    """
    image_size = check_image_size(image_size)
    color = check_color(color)
    limit = check_limit(limit)
    if is_path_list(source):
        return _load_file_list(list(source), image_size, color, limit)
    path = existing_path(source)
    name = str(source)
    if path.is_dir():
        entries, skipped = folder_entries(path, follow_links)
        captions = caption_file(entries, skipped, folder_reader(path))
        return _load_entries(
            name, entries, skipped, image_size, color, limit, labeled=True, captions=captions
        )
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _load_zip(path, name, image_size, color, limit)
    if suffix in ARRAY_SUFFIXES:
        return images_from_arrays(path, read_arrays(path), image_size, color, limit)
    if suffix in SUPPORTED_IMAGE_SUFFIXES:
        return _load_file_list([source], image_size, color, limit)
    raise DataError(
        f"'{source}' is not a folder, .zip, .npz/.npy or image file (suffix '{suffix}').",
        hint=SOURCE_HINT,
    )


def _load_zip(
    path: Path, name: str, image_size: int | None, color: str, limit: int | None
) -> Dataset:
    with open_zip(path, name) as (file, archive):
        entries, skipped = zip_entries(file, archive)
        captions = caption_file(entries, skipped, zip_reader(file, archive))
        return _load_entries(
            name, entries, skipped, image_size, color, limit, labeled=True, captions=captions
        )


def _load_file_list(
    paths: list[PathLike], image_size: int | None, color: str, limit: int | None
) -> Dataset:
    entries, skipped = file_list_entries(paths)
    first = os.fspath(paths[0])
    name = str(first) if len(paths) == 1 else f"{first} and {len(paths) - 1} more files"
    return _load_entries(name, entries, skipped, image_size, color, limit, labeled=False)


# --------------------------------------------------------------------------------------------
# Image files


def _category(reason: str) -> str:
    return reason.split(" (", 1)[0]


def _nothing_usable(what: str, source: str, skipped: list[SkippedFile], unit: str) -> str:
    counts = Counter(_category(s.reason) for s in skipped)
    detail = ", ".join(f"{n} {cat}" for cat, n in counts.most_common())
    plural = "" if len(skipped) == 1 else "s"
    return f"no usable {what} in '{source}': {len(skipped)} {unit}{plural} skipped ({detail})."


def _load_entries(
    name: str,
    entries: list[Entry],
    skipped: list[SkippedFile],
    image_size: int | None,
    color: str,
    limit: int | None,
    labeled: bool,
    captions: FoundCaptions | None = None,
) -> Dataset:
    if not entries and not skipped:
        only = f" (only {captions.source})" if captions is not None else ""
        raise DataError(f"no files found in '{name}'{only}.", hint=IMAGES_HINT)
    keys = class_keys(entries) if labeled else None
    report = LoadReport(source=name, skipped=list(skipped))
    texts = captions.by_image if captions is not None else None
    if captions is not None:
        report.caption_issues.extend(captions.issues)
    decoded: list[Decoded] = []
    kept_keys: list[str] = []
    kept_captions: list[str] = []
    uncaptioned = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        for i, entry in enumerate(entries):
            if limit is not None and len(decoded) >= limit:
                break
            if texts is not None and captions is not None and entry.display not in texts:
                line = captions.empty.get(entry.display)
                if line is None:
                    uncaptioned += 1
                    reason = f"no caption (not in {captions.source})"
                else:
                    reason = f"empty caption ({captions.source} line {line})"
                report.skipped.append(SkippedFile(entry.display, reason))
                continue
            try:
                item = decode(entry, image_size)
            except Skip as skip:
                report.skipped.append(SkippedFile(entry.display, skip.reason))
                continue
            decoded.append(item)
            if keys is not None:
                kept_keys.append(keys[i])
            if texts is not None:
                kept_captions.append(texts[entry.display])
    if uncaptioned and captions is not None:
        plural = "s have" if uncaptioned > 1 else " has"
        report.caption_issues.append(
            f"{uncaptioned} image{plural} no caption in {captions.source} and "
            f"{'were' if uncaptioned > 1 else 'was'} left out."
        )
    if not decoded and texts is not None and captions is not None and entries and not texts:
        raise DataError(
            f"no image in '{name}' has a caption in {captions.source} "
            f"({len(entries)} images; {first_issue(report.caption_issues)}).",
            hint="Each line names an image (its path relative to the caption file, or its name) "
            "and then its caption, e.g. 'cat1.png,a cat on a sofa'.",
        )
    if not decoded:
        raise DataError(_nothing_usable("images", name, report.skipped, "file"), hint=IMAGES_HINT)

    sizes = Counter(d.size for d in decoded)
    report.files_read = len(decoded)
    report.sizes = {f"{w}x{h}": n for (w, h), n in sizes.most_common(5)}
    if image_size is None:
        image_size = _default_side(*sizes.most_common(1)[0][0])
    channels = _channels(color, any(d.color for d in decoded))
    mode = "RGB" if channels == 3 else "L"
    pixels = np.empty((len(decoded), image_size, image_size, channels), np.uint8)
    for i, item in enumerate(decoded):
        img = item.image if item.image.mode == mode else item.image.convert(mode)
        if img.size != (image_size, image_size):
            img = img.resize((image_size, image_size), RESAMPLE)
        pixels[i] = np.asarray(img).reshape(image_size, image_size, channels)
    x = pixels.astype(np.float32)
    x /= np.float32(255.0)
    y, class_names = None, None
    if keys is not None:
        class_names = sorted(set(kept_keys))
        index = {key: i for i, key in enumerate(class_names)}
        y = np.asarray([index[key] for key in kept_keys], np.int32)
    return _image_dataset(
        name, x, y, class_names, report, kept_captions if texts is not None else None
    )


# --------------------------------------------------------------------------------------------
# Arrays


def _to_unit_range(x: np.ndarray, source: Path) -> np.ndarray:
    """Maps uint8 0..255, 16-bit, 0/1 masks, floats in [0, 1], [-1, 1] or [0, 255] to [0, 1]."""
    if x.size == 0:
        return x.astype(np.float32)
    if x.dtype.kind == "b":
        return x.astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    eps = 1e-3
    if x.dtype.kind in "iu":
        if lo >= 0 and hi <= 1:
            scale = 1.0  # a 0/1 mask
        elif lo >= 0 and hi <= 255:
            scale = 255.0
        elif lo >= 0 and hi <= 65535:
            scale = 65535.0
        else:
            scale = 0.0
        if scale:
            return x.astype(np.float32) / np.float32(scale)
    elif lo >= -eps and hi <= 1 + eps:
        return np.clip(x, 0.0, 1.0).astype(np.float32)
    elif lo >= -1 - eps and hi <= 1 + eps:
        return np.clip((x.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)
    elif lo >= -eps and hi <= 255 + eps:
        return np.clip(x.astype(np.float32) / np.float32(255.0), 0.0, 1.0)
    raise DataError(
        f"'{source}': image values run from {lo:g} to {hi:g}.",
        hint=_VALUES_HINT,
    )


def images_from_arrays(
    path: Path,
    arrays: dict[str, np.ndarray],
    image_size: int | None,
    color: str,
    limit: int | None,
) -> Dataset:
    """The image `Dataset` of a .npz/.npy whose `x` is [N, H, W], [N, H, W, C] or [N, S*S].

    Raises:
        DataError: `x` is not images, holds no usable one, or its labels or captions do not
            match it.
    """
    x = np.asarray(arrays["x"])
    name = str(path)
    if x.dtype.kind not in "biuf":
        raise DataError(f"'{path}': x holds {x.dtype} values, not numbers.", hint=IMAGES_HINT)
    if x.ndim <= 2 and holds_points(x):
        raise DataError(
            f"'{path}' holds an array of shape {tuple(x.shape)}: points, not images.",
            hint="Load it as points, or save images as [N, H, W] or [N, H, W, C].",
        )
    if x.ndim == 2:
        side = square_side(x.shape[1])
        x = x.reshape(len(x), side, side, 1)  # flattened square grayscale images
    elif x.ndim == 3:
        x = x[..., np.newaxis]
    elif x.ndim == 4 and x.shape[-1] not in (1, 3, 4) and x.shape[1] in (1, 3, 4):
        x = np.transpose(x, (0, 2, 3, 1))  # NCHW
    if x.ndim != 4 or x.shape[-1] not in (1, 3, 4):
        raise DataError(
            f"'{path}': x has shape {tuple(np.asarray(arrays['x']).shape)}.",
            hint="Images must be [N, H, W] (grayscale) or [N, H, W, C] with C = 1, 3 or 4.",
        )
    count = len(x)
    if count == 0 or x.shape[1] == 0 or x.shape[2] == 0:
        raise DataError(f"'{path}' holds no images (x has shape {tuple(x.shape)}).")
    y, class_names = array_labels(arrays.get("y"), count, path, arrays.get("class_names"))
    captions = array_captions(arrays.get("captions"), count, path)

    report = LoadReport(source=name, files_read=1)
    if x.dtype.kind == "f":
        finite = np.isfinite(x.reshape(count, -1)).all(axis=1)
    else:
        finite = np.ones(count, bool)
    keep = kept_examples(finite, captions, limit, path, report, "images", _VALUES_HINT)
    if len(keep) < count:
        x = x[keep]
        y = y[keep] if y is not None else None
    if captions is not None:
        captions = [captions[i] for i in keep]

    unit = _to_unit_range(x, path)
    if unit.shape[-1] == 4:
        alpha = unit[..., 3:]
        unit = unit[..., :3] * alpha + (1.0 - alpha)
    height, width = unit.shape[1:3]
    report.sizes = {f"{width}x{height}": len(unit)}
    if image_size is None:
        image_size = _default_side(width, height)
    has_color = unit.shape[-1] == 3 and bool(
        (unit.max(axis=-1) - unit.min(axis=-1)).max() > COLOR_TOLERANCE / 255.0
    )
    channels = _channels(color, has_color)
    if channels == 1 and unit.shape[-1] == 3:
        luma = np.asarray([0.299, 0.587, 0.114], np.float32)
        unit = (unit @ luma)[..., np.newaxis]
    elif channels == 3 and unit.shape[-1] == 1:
        unit = np.repeat(unit, 3, axis=-1)
    out = resize_images(unit.astype(np.float32, copy=False), image_size)
    return _image_dataset(name, out, y, class_names, report, captions)


# --------------------------------------------------------------------------------------------
# The dataset


def _default_side(width: int, height: int) -> int:
    """The side used when none is asked for: the shorter side, capped at 64, at least 8."""
    return min(max(min(width, height), DEFAULT_MIN_SIZE), DEFAULT_MAX_SIZE)


def _channels(color: str, has_color: bool) -> int:
    """3 for `"rgb"`, or for `"auto"` when some image has color; else 1."""
    return 3 if color == "rgb" or (color == "auto" and has_color) else 1


def _image_dataset(
    name: str,
    x: np.ndarray,
    y: np.ndarray | None,
    class_names: list[str] | None,
    report: LoadReport,
    captions: list[str] | None,
) -> Dataset:
    """The image `Dataset` of float32 [N, S, S, C] pixels in [0, 1], described for the user."""
    side, kind = x.shape[1], "RGB" if x.shape[-1] == 3 else "grayscale"
    captioned = "captioned " if captions is not None else ""
    what = f"{captioned}{kind} images {side}x{side}"
    return user_dataset(name, IMAGES, x, y, class_names, report, what, captions)
