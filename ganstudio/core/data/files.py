"""A user's own data: image folders, .zip archives, .npz/.npy arrays and point tables.

Every loader returns a `Dataset` in its own units (images float32 NHWC in [0, 1]; points
float32 [N, D] in their original coordinates) with a `LoadReport` saying what was read and
what was skipped, and why. A bad file never stops a load: it is skipped with a reason. Only
"nothing usable at all" (or a source that cannot be opened) raises a `DataError`, whose message
names the source and says what was wrong.

Folders and .zip archives (the zip is read in memory, never extracted) follow the same rules:

- The search is recursive (symlinked folders are followed, each once). Hidden entries (a name starting with ".", `__MACOSX`) are ignored.
- Files whose suffix is not in `SUPPORTED_IMAGE_SUFFIXES` are skipped with the reason
  "not an image file type" (so `Thumbs.db` or a stray `notes.txt` shows up in the report).
- If every image lies under one single top-level folder (as when a folder is zipped), that
  folder is looked through: `faces.zip` holding `faces/cats/...` and `faces/dogs/...` has the
  classes `cats` and `dogs`.
- The first-level subfolders are the classes, sorted by name; a label is the index in that list.
  When there are subfolders, images lying directly in the root get the class `"(root)"`; when
  there are none, the data is unlabeled (`y` is `None`). Whether there are classes is decided
  by the layout of image-type files; the class names are those that gave at least one usable
  image (a stray corrupt file does not make an empty class; with `limit`, among those kept).
- Examples are taken in sorted relative-path order; `limit` keeps the first `limit` usable ones.
  A list of files is read in the order given and is unlabeled.

Captions: a `captions.csv` or `captions.txt` in the root (or in the single top folder that holds
every image) captions the images (formats in `ganstudio.core.data.captions`). The dataset then
holds only captioned images, in `Dataset.captions`, aligned with `x`; an image without a
caption, or with an empty one, is skipped with that reason. Problems with the caption file
(not UTF-8, a line naming a file that is not an image here, a file captioned twice) are listed
in the report's `caption_issues`; a caption file that cannot be used leaves the data uncaptioned.
A .npz may hold a `captions` array of strings (one per example, dtype `<U..`); an example with an
empty caption is skipped, and a length that differs from `x` is a `DataError`.

Images are center-cropped to a square and resized to `image_size` (default: the shorter side of
the most common original size, capped at 64 and at least 8). Alpha is composited on white;
palette, 1-bit, 16-bit, 32-bit integer and float, CMYK, YCbCr and HSV images are converted; EXIF
orientation is applied. Other modes (LAB, ...) are skipped as unsupported.

Point tables (.csv, .tsv, .txt, .dat) hold one example per line, comma-, semicolon- or
whitespace-separated, with an optional header row (detected when the first line is not all
numbers) and `#` comment lines. A column is used as labels only when the header names it
`label`, `labels`, `class` or `target` (not `y`: a header `x,y` names two coordinates).
Rows with a wrong number of columns, a non-number or a non-finite value are skipped and
summarized in the report with their line numbers.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import operator
import os
import re
import stat
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ganstudio.core.data.base import IMAGES, POINTS, Dataset, LoadReport, SkippedFile
from ganstudio.core.data.captions import (
    CAPTION_FILES,
    is_caption_file,
    match_captions,
    read_caption_file,
)
from ganstudio.errors import ConfigError, DataError

PathLike = str | os.PathLike

SUPPORTED_IMAGE_SUFFIXES: tuple[str, ...] = (
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".bmp",
    ".gif",
    ".webp",
    ".tif",
    ".tiff",
    ".ppm",
    ".pgm",
    ".pbm",
    ".pnm",
    ".tga",
)
"""File suffixes (lower case) read as images; any other file in a folder or zip is skipped."""

POINTS_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".dat")
"""Text tables read as points."""

ARRAY_SUFFIXES: tuple[str, ...] = (".npz", ".npy")
"""NumPy files: points when `x` is [N, D], images when it is [N, H, W] or [N, H, W, C]."""

MAX_IMAGE_PIXELS = 50_000_000
"""Images with more pixels than this are skipped (decompression-bomb guard)."""

MAX_MEMBER_BYTES = 256 * 1024 * 1024
"""Zip members that unpack to more bytes than this are skipped without being read."""

DEFAULT_MAX_SIZE = 64
DEFAULT_MIN_SIZE = 8

COLOR_TOLERANCE = 3
"""An RGB image whose channels never differ by more than this (of 255) counts as grayscale.

JPEG compression leaves a little chroma noise in gray photos; this keeps them grayscale.
"""

LABEL_COLUMNS: tuple[str, ...] = ("label", "labels", "class", "target")
"""Header names (case-insensitive) that mark a point table's label column."""

ROOT_CLASS = "(root)"
"""Class name of images lying directly in the root when the root also has class subfolders."""

# Pillow formats tried on image files; limiting them keeps exotic plugins (EPS runs Ghostscript)
# away from files that merely carry an image suffix. (JPEG also opens MPO, as phones write.)
_PILLOW_FORMATS = ("PNG", "JPEG", "BMP", "DIB", "GIF", "WEBP", "TIFF", "PPM", "TGA")
_RESAMPLE = Image.Resampling.LANCZOS
_GRAY_MODES = ("1", "L", "LA", "La", "I", "F", "I;16", "I;16B", "I;16L", "I;16N")
_RGB_CONVERTIBLE_MODES = ("RGB", "RGBX", "CMYK", "YCbCr", "HSV")
_ORIENTATION_TAG = 0x0112
_SKIP_LISTED = 10

_IMAGES_HINT = (
    "Add .png/.jpg/.bmp/.gif/.webp/.tiff images (subfolders become classes), or check the path."
)
_POINTS_HINT = (
    "A points file holds one example per line with 1 or more numeric columns (comma- or "
    "whitespace-separated, optional header row), or an [N, D] array in a .npy/.npz file."
)
_CAPTIONS_ARRAY_HINT = (
    "Save one caption per example as a string array: np.savez(path, x=images, "
    "captions=np.array(list_of_captions)) (not dtype=object, which is not loaded)."
)
_SOURCE_HINT = (
    "Give a folder of images, a .zip of images, a .npz/.npy array, a .csv/.txt points table, "
    "or a list of image files."
)


# --------------------------------------------------------------------------------------------
# Public API


def looks_like_user_data(name: PathLike | Sequence[PathLike]) -> bool:
    """Tells a user's data apart from a dataset name.

    Args:
        name: What the user asked for: a dataset name, a path, or a list of paths.

    Returns:
        `True` if `name` is an existing file or folder, or a non-empty list or tuple of paths;
        `False` otherwise (for example a registry name such as `"mnist"`).
    """
    if isinstance(name, (str, os.PathLike)):
        text = os.fspath(name)
        if not text or not str(text).strip():
            return False
        try:
            return Path(text).expanduser().exists()
        except (OSError, ValueError):
            return False
    return _is_path_list(name)


def load_user_data(
    source: PathLike | Sequence[PathLike],
    image_size: int | None = None,
    color: str = "auto",
    limit: int | None = None,
) -> Dataset:
    """Loads whatever the user pointed at, choosing the loader from what it is.

    Folders, .zip archives, image files and lists of files are read with `load_images`;
    .csv/.tsv/.txt/.dat tables with `load_points`. A .npz (array `x`, optional `y`) or .npy is
    read once and becomes points when `x` is [N, D] (or [N]), and images when it is
    [N, H, W] or [N, H, W, C]; a 2-D `x` whose width is a square of 8 or more (784 = 28 x 28)
    is taken as flattened grayscale images.

    Args:
        source: A path, or a list of image file paths.
        image_size: Side of the square images; `None` picks it from the data. Ignored for points.
        color: `"auto"`, `"grayscale"` or `"rgb"`. Ignored for points.
        limit: Keep at most this many examples (the first ones, in sorted path order).

    Returns:
        The `Dataset`, kind `"images"` or `"points"`, with its `LoadReport`.

    Raises:
        DataError: The source does not exist, cannot be read, or holds nothing usable.
        ConfigError: `image_size`, `color` or `limit` has a value that is not allowed.
    """
    if _is_path_list(source):
        return load_images(source, image_size=image_size, color=color, limit=limit)
    path = _existing_path(source)
    suffix = path.suffix.lower()
    if path.is_file() and suffix in POINTS_SUFFIXES:
        return load_points(path, limit=limit)
    if path.is_file() and suffix in ARRAY_SUFFIXES:
        image_size = _check_image_size(image_size)
        color = _check_color(color)
        limit = _check_limit(limit)
        arrays = _read_arrays(path)
        if _array_holds_points(arrays["x"]):
            return _points_from_arrays(path, arrays, limit)
        return _images_from_arrays(path, arrays, image_size, color, limit)
    return load_images(path, image_size=image_size, color=color, limit=limit)


def load_images(
    source: PathLike | Sequence[PathLike],
    image_size: int | None = None,
    color: str = "auto",
    limit: int | None = None,
) -> Dataset:
    """Loads images from a folder, a .zip, a .npz/.npy array, one image file or a list of files.

    See the module docstring for the folder rules (recursion, classes from subfolders, what is
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

    Returns:
        A `Dataset` of kind `"images"`: `x` float32 [N, S, S, C] in [0, 1], `y` int32 [N] or
        `None`, `class_names`, `captions` (from a caption file beside the images or a .npz
        `captions` array, else `None`), and a `LoadReport` listing every skipped file with its
        reason and every caption problem.

    Raises:
        DataError: The source does not exist, is not a kind of file we read, the zip or array
            file is corrupt, no usable image is left (the message counts what was skipped), a
            caption file captions none of the images, or a .npz `captions` array is not one
            string per example.
        ConfigError: `image_size`, `color` or `limit` has a value that is not allowed.

    Example:

    >>> data = load_images("~/Pictures/cats_and_dogs", image_size=32)  # doctest: +SKIP
    >>> data.x.shape, data.class_names  # doctest: +SKIP
    ((1200, 32, 32, 3), ['cats', 'dogs'])
    """
    image_size = _check_image_size(image_size)
    color = _check_color(color)
    limit = _check_limit(limit)
    if _is_path_list(source):
        return _load_file_list(list(source), image_size, color, limit)
    path = _existing_path(source)
    name = str(source)
    if path.is_dir():
        entries, skipped = _folder_entries(path)
        captions = _caption_file(entries, skipped, lambda shown: (path / shown).read_bytes())
        return _load_entries(
            name, entries, skipped, image_size, color, limit, labeled=True, captions=captions
        )
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _load_zip(path, name, image_size, color, limit)
    if suffix in ARRAY_SUFFIXES:
        arrays = _read_arrays(path)
        return _images_from_arrays(path, arrays, image_size, color, limit)
    if suffix in SUPPORTED_IMAGE_SUFFIXES:
        return _load_file_list([source], image_size, color, limit)
    raise DataError(
        f"'{source}' is not a folder, .zip, .npz/.npy or image file (suffix '{suffix}').",
        hint=_SOURCE_HINT,
    )


def load_points(path: PathLike, limit: int | None = None) -> Dataset:
    """Loads points: a .csv/.tsv/.txt/.dat table, a .npy [N, D] array, or a .npz with `x` [N, D].

    Tables are comma-, semicolon- or whitespace-separated, with an optional header row and `#`
    comments. A column becomes the labels only when the header names it `label`, `labels`,
    `class` or `target`; numeric labels that are whole numbers >= 0 are kept as they are,
    anything else (words, negative numbers) is numbered in sorted order with `class_names`.
    Rows that are not usable (wrong column count, not a number, not finite) are skipped and
    summarized in the report; an array's non-finite rows likewise.

    Args:
        path: The file.
        limit: Keep at most this many points (the first usable rows).

    Returns:
        A `Dataset` of kind `"points"`: `x` float32 [N, D] in the file's own coordinates,
        `y` int32 [N] or `None`, and a `LoadReport` (files_read is 1).

    Raises:
        DataError: The file does not exist or cannot be read, its array has the wrong shape, or
            no usable row is left.
        ConfigError: `limit` is not a positive whole number.
    """
    limit = _check_limit(limit)
    file = _existing_path(path)
    if file.is_dir():
        raise DataError(f"'{path}' is a folder; points come from one file.", hint=_POINTS_HINT)
    suffix = file.suffix.lower()
    if suffix in ARRAY_SUFFIXES:
        return _points_from_arrays(file, _read_arrays(file), limit)
    if suffix in POINTS_SUFFIXES:
        return _points_from_table(file, str(path), limit)
    raise DataError(
        f"'{path}' is not a points file (suffix '{suffix}'): expected "
        f"{', '.join(POINTS_SUFFIXES + ARRAY_SUFFIXES)}.",
        hint=_POINTS_HINT,
    )


# --------------------------------------------------------------------------------------------
# Argument checks


def _is_path_list(source: object) -> bool:
    if isinstance(source, (str, bytes, os.PathLike)) or not isinstance(source, Sequence):
        return False
    return len(source) > 0 and all(isinstance(p, (str, os.PathLike)) for p in source)


def _existing_path(source: object) -> Path:
    if isinstance(source, (list, tuple)) and not source:
        raise DataError("no files given.", hint=_SOURCE_HINT)
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(f"{source!r} is not a path.", hint=_SOURCE_HINT)
    text = os.fspath(source)
    if not str(text).strip():
        raise DataError("no path given (the path is empty).", hint=_SOURCE_HINT)
    path = Path(text).expanduser()
    try:
        exists = path.exists()
    except (OSError, ValueError):
        exists = False
    if not exists:
        raise DataError(f"'{source}' does not exist.", hint=f"Check the path. {_SOURCE_HINT}")
    return path


def _check_count(name: str, value: int | None, unit: str = "") -> int | None:
    """`None`, or `value` as an int of at least 1; else a ConfigError naming `name`."""
    if value is None:
        return None
    try:
        number = operator.index(value)
    except TypeError:
        number = 0
    if isinstance(value, bool) or number < 1:
        raise ConfigError(f"{name} must be a whole number{unit} of at least 1, got {value!r}.")
    return number


def _check_limit(limit: int | None) -> int | None:
    return _check_count("limit", limit)


def _check_image_size(image_size: int | None) -> int | None:
    return _check_count("image_size", image_size, " of pixels")


def _check_color(color: str) -> str:
    aliases = {
        "auto": "auto",
        "grayscale": "grayscale",
        "greyscale": "grayscale",
        "gray": "grayscale",
        "grey": "grayscale",
        "l": "grayscale",
        "rgb": "rgb",
        "color": "rgb",
        "colour": "rgb",
    }
    key = color.strip().lower() if isinstance(color, str) else None
    if key not in aliases:
        raise ConfigError(f"color must be 'auto', 'grayscale' or 'rgb', got {color!r}.")
    return aliases[key]


# --------------------------------------------------------------------------------------------
# Finding image files


class _Skip(Exception):
    """A file is left out; `reason` is shown to the user as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Entry:
    """One image-type file: where it is shown, its path parts for classes, how to open it."""

    display: str
    parts: tuple[str, ...]
    open: Callable[[], IO[bytes]]
    nbytes: int | None = None  # known up front for zip members; files are checked when opened


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in SUPPORTED_IMAGE_SUFFIXES


def _open_file(path: str) -> IO[bytes]:
    # Non-blocking, then checked: opening a FIFO named like an image would wait for a writer
    # forever; a device or socket is no image either.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise _Skip(f"unreadable ({_os_reason(err)})") from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError as err:
        os.close(fd)
        raise _Skip(f"unreadable ({_os_reason(err)})") from None
    if not regular:
        os.close(fd)
        raise _Skip("not a regular file (a pipe, device or socket)")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _os_reason(err: OSError) -> str:
    return err.strerror or str(err) or type(err).__name__


def _folder_entries(root: Path) -> tuple[list[_Entry], list[SkippedFile]]:
    entries: list[_Entry] = []
    skipped: list[SkippedFile] = []
    root_text = os.fspath(root)

    def on_error(err: OSError) -> None:
        where = os.path.relpath(err.filename, root_text) if err.filename else root_text
        skipped.append(
            SkippedFile(where.replace(os.sep, "/"), f"unreadable folder ({_os_reason(err)})")
        )

    seen = {os.path.realpath(root_text)}  # symlinked folders are followed, each once
    for dirpath, dirnames, filenames in os.walk(root_text, onerror=on_error, followlinks=True):
        keep = []
        for folder in dirnames:
            real = os.path.realpath(os.path.join(dirpath, folder))
            if not _hidden(folder) and real not in seen:
                seen.add(real)
                keep.append(folder)
        dirnames[:] = keep
        rel_dir = os.path.relpath(dirpath, root_text)
        prefix = () if rel_dir == "." else tuple(rel_dir.split(os.sep))
        for name in filenames:
            if _hidden(name):
                continue
            parts = (*prefix, name)
            display = "/".join(parts)
            if not _is_image_name(name):
                skipped.append(SkippedFile(display, "not an image file type"))
                continue
            full = os.path.join(dirpath, name)
            entries.append(_Entry(display, parts, partial(_open_file, full)))
    entries.sort(key=lambda e: e.display)
    skipped.sort(key=lambda s: s.path)
    return entries, skipped


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    if info.flag_bits & 0x1:
        raise _Skip("unreadable (encrypted zip member)")
    if info.file_size > MAX_MEMBER_BYTES:
        raise _Skip(f"too large ({info.file_size} bytes unpacked)")
    try:
        return io.BytesIO(archive.read(info))
    except (
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
    ) as err:
        raise _Skip(f"unreadable (corrupt zip member: {err})") from None


def _zip_entries(archive: zipfile.ZipFile) -> tuple[list[_Entry], list[SkippedFile]]:
    entries: list[_Entry] = []
    skipped: list[SkippedFile] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = info.filename.replace("\\", "/")
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if not parts or any(_hidden(p) for p in parts):
            continue
        if not _is_image_name(parts[-1]):
            skipped.append(SkippedFile(name, "not an image file type"))
            continue
        entries.append(
            _Entry(name, parts, partial(_zip_member, archive, info), nbytes=info.file_size)
        )
    entries.sort(key=lambda e: "/".join(e.parts))
    skipped.sort(key=lambda s: s.path)
    return entries, skipped


def _load_zip(
    path: Path, name: str, image_size: int | None, color: str, limit: int | None
) -> Dataset:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        reason = _os_reason(err) if isinstance(err, OSError) else str(err)
        raise DataError(
            f"'{name}' is not a readable .zip file ({reason}).",
            hint="Re-create the archive, or unzip it and give the folder.",
        ) from None
    with archive:
        entries, skipped = _zip_entries(archive)
        members = {i.filename.replace("\\", "/"): i for i in archive.infolist()}

        def read(shown: str) -> bytes:
            if shown not in members:
                raise _Skip("not found in the archive")
            return _zip_member(archive, members[shown]).read()

        captions = _caption_file(entries, skipped, read)
        return _load_entries(
            name, entries, skipped, image_size, color, limit, labeled=True, captions=captions
        )


def _load_file_list(
    paths: list[PathLike], image_size: int | None, color: str, limit: int | None
) -> Dataset:
    entries: list[_Entry] = []
    skipped: list[SkippedFile] = []
    for item in paths:
        display = os.fspath(item)
        path = Path(display).expanduser()
        if not path.exists():
            skipped.append(SkippedFile(str(display), "not found"))
        elif path.is_dir():
            skipped.append(SkippedFile(str(display), "a folder, not an image file"))
        elif not _is_image_name(path.name):
            skipped.append(SkippedFile(str(display), "not an image file type"))
        else:
            entries.append(_Entry(str(display), (path.name,), partial(_open_file, str(path))))
    first = os.fspath(paths[0])
    name = str(first) if len(paths) == 1 else f"{first} and {len(paths) - 1} more files"
    return _load_entries(name, entries, skipped, image_size, color, limit, labeled=False)


def _class_keys(entries: list[_Entry]) -> list[str] | None:
    """Each entry's class: its first-level folder, after looking through a single top folder.

    Returns `None` (unlabeled) when no image-type file lies in a subfolder; otherwise files
    directly in the root get the class `ROOT_CLASS`.
    """
    parts = [e.parts for e in entries]
    while parts and all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1:
        parts = [p[1:] for p in parts]
    if not any(len(p) > 1 for p in parts):
        return None
    return [p[0] if len(p) > 1 else ROOT_CLASS for p in parts]


# --------------------------------------------------------------------------------------------
# Decoding one image


@dataclass
class _Decoded:
    image: Image.Image  # "L" or "RGB", square, side <= the requested size
    size: tuple[int, int]  # original (width, height) as displayed (after EXIF orientation)
    color: bool


def _bomb_reason(err: BaseException) -> str:
    match = re.search(r"\((\d+) pixels\)", str(err))
    amount = f"{match.group(1)} pixels" if match else str(err)
    return f"too large (decompression-bomb guard: {amount})"


def _short(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _decode(entry: _Entry, image_size: int | None) -> _Decoded:
    if entry.nbytes == 0:
        raise _Skip("zero bytes")
    stream = entry.open()
    with stream:
        if entry.nbytes is None:
            try:
                nbytes = os.fstat(stream.fileno()).st_size
            except (OSError, AttributeError, io.UnsupportedOperation):
                nbytes = None
            if nbytes == 0:
                raise _Skip("zero bytes")
        return _decode_stream(stream, image_size)


def _decode_stream(stream: IO[bytes], image_size: int | None) -> _Decoded:
    try:
        img = Image.open(stream, formats=_PILLOW_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _Skip(_bomb_reason(err)) from None
    except UnidentifiedImageError:
        raise _Skip("not an image (Pillow cannot identify the file's contents)") from None
    except MemoryError:
        raise _Skip("too large (out of memory)") from None
    except Exception as err:  # a decoder plugin can raise almost anything on a broken header
        raise _Skip(f"corrupt or truncated image data ({_short(err)})") from None

    width, height = img.size
    if width * height > MAX_IMAGE_PIXELS:
        raise _Skip(f"too large (decompression-bomb guard: {width}×{height} pixels)")
    if width < 1 or height < 1:
        raise _Skip("empty image (0 pixels)")
    if img.format in ("JPEG", "MPO"):
        # Decode big JPEGs at 1/2, 1/4 or 1/8 scale: still at least the side we need.
        want = image_size or DEFAULT_MAX_SIZE
        img.draft(None, (want, want))
    try:
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _Skip(_bomb_reason(err)) from None
    except MemoryError:
        raise _Skip("too large (out of memory)") from None
    except Exception as err:  # truncated or corrupt data: OSError, SyntaxError, ValueError, ...
        raise _Skip(f"corrupt or truncated image data ({_short(err)})") from None

    orientation = _orientation(img)
    size = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    if orientation in range(2, 9):
        with contextlib.suppress(Exception):  # broken EXIF does not make the pixels unusable
            img = ImageOps.exif_transpose(img)
    try:
        image = _square(_to_gray_or_rgb(img), image_size)
    except _Skip:
        raise
    except MemoryError:
        raise _Skip("too large (out of memory)") from None
    except Exception as err:  # Pillow cannot convert this file's pixels
        raise _Skip(f"unsupported image mode ({img.mode}: {_short(err)})") from None
    return _Decoded(image, size, _has_color(image))


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
    raise _Skip(f"unsupported image mode ({mode})")


def _square(img: Image.Image, image_size: int | None) -> Image.Image:
    """Center-crops to a square; resizes to `image_size`, or down to 64 when it is `None`."""
    width, height = img.size
    side = min(width, height)
    if width != height:
        left, top = (width - side) // 2, (height - side) // 2
        img = img.crop((left, top, left + side, top + side))
    target = image_size if image_size is not None else min(side, DEFAULT_MAX_SIZE)
    if target != side:
        img = img.resize((target, target), _RESAMPLE)
    return img


def _has_color(img: Image.Image) -> bool:
    if img.mode != "RGB":
        return False
    pixels = np.asarray(img)
    spread = pixels.max(axis=2).astype(np.int16) - pixels.min(axis=2)
    return bool(spread.max() > COLOR_TOLERANCE)


# --------------------------------------------------------------------------------------------
# Captions beside images (see `captions` for the file formats)


@dataclass
class _Captions:
    """A caption file found beside the images, matched to them."""

    source: str  # the caption file, as listed
    by_image: dict[str, str] | None  # None: the file could not be used (see issues)
    empty: dict[str, int]  # image -> line of its empty caption
    issues: list[str]


def _look_through_folder(entries: list[_Entry]) -> str:
    """The folder all images lie under (looked through for classes), "" for the root."""
    parts = [e.parts for e in entries]
    common: list[str] = []
    while parts and all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1:
        common.append(parts[0][0])
        parts = [p[1:] for p in parts]
    return "/".join(common)


def _caption_file(
    entries: list[_Entry], skipped: list[SkippedFile], read: Callable[[str], bytes]
) -> _Captions | None:
    """Finds `captions.csv` / `captions.txt` beside the images, reads it and matches it.

    The caption file lies in the root, or in the single top folder holding every image. It is
    taken off `skipped` (where it was listed as not an image). Returns `None` without one.
    """
    top = _look_through_folder(entries)
    found: dict[str, SkippedFile] = {}
    for item in skipped:
        folder, _, base = item.path.rpartition("/")
        if folder in ("", top) and is_caption_file(base):
            found.setdefault(base.lower(), item)
    if not found:
        return None
    for item in found.values():
        skipped.remove(item)
    chosen = next(found[n] for n in CAPTION_FILES if n in found)
    issues = [
        f"{item.path} is ignored: {chosen.path} is used." for item in found.values()
        if item is not chosen
    ]
    try:
        data = read(chosen.path)
    except (OSError, _Skip) as err:
        reason = err.reason if isinstance(err, _Skip) else _os_reason(err)
        issues.append(f"{chosen.path} could not be read ({reason}), so no caption was used.")
        return _Captions(chosen.path, None, {}, issues)
    table = read_caption_file(data, chosen.path)
    issues.extend(table.issues)
    if not table.readable:
        return _Captions(chosen.path, None, {}, issues)
    folder = chosen.path.rpartition("/")[0]
    match = match_captions(table, [e.display for e in entries], folder)
    issues.extend(match.issues)
    return _Captions(chosen.path, match.captions, match.empty, issues)


# --------------------------------------------------------------------------------------------
# Assembling a dataset from image files


def _category(reason: str) -> str:
    return reason.split(" (", 1)[0]


def _nothing_usable(what: str, source: str, skipped: list[SkippedFile], unit: str) -> str:
    counts = Counter(_category(s.reason) for s in skipped)
    detail = ", ".join(f"{n} {cat}" for cat, n in counts.most_common())
    plural = "" if len(skipped) == 1 else "s"
    return f"no usable {what} in '{source}': {len(skipped)} {unit}{plural} skipped ({detail})."


def _load_entries(
    name: str,
    entries: list[_Entry],
    skipped: list[SkippedFile],
    image_size: int | None,
    color: str,
    limit: int | None,
    labeled: bool,
    captions: _Captions | None = None,
) -> Dataset:
    if not entries and not skipped:
        only = f" (only {captions.source})" if captions is not None else ""
        raise DataError(f"no files found in '{name}'{only}.", hint=_IMAGES_HINT)
    keys = _class_keys(entries) if labeled else None
    report = LoadReport(source=name, skipped=list(skipped))
    texts = captions.by_image if captions is not None else None
    if captions is not None:
        report.caption_issues.extend(captions.issues)
    decoded: list[_Decoded] = []
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
                item = _decode(entry, image_size)
            except _Skip as skip:
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
            f"({len(entries)} images; {_first_issue(report.caption_issues)}).",
            hint="Each line names an image (its path relative to the caption file, or its name) "
            "and then its caption, e.g. 'cat1.png,a cat on a sofa'.",
        )
    if not decoded:
        raise DataError(_nothing_usable("images", name, report.skipped, "file"), hint=_IMAGES_HINT)

    sizes = Counter(d.size for d in decoded)
    report.files_read = len(decoded)
    report.sizes = {f"{w}x{h}": n for (w, h), n in sizes.most_common(5)}
    if image_size is None:
        width, height = sizes.most_common(1)[0][0]
        image_size = min(max(min(width, height), DEFAULT_MIN_SIZE), DEFAULT_MAX_SIZE)
    channels = 3 if color == "rgb" or (color == "auto" and any(d.color for d in decoded)) else 1
    mode = "RGB" if channels == 3 else "L"
    pixels = np.empty((len(decoded), image_size, image_size, channels), np.uint8)
    for i, item in enumerate(decoded):
        img = item.image if item.image.mode == mode else item.image.convert(mode)
        if img.size != (image_size, image_size):
            img = img.resize((image_size, image_size), _RESAMPLE)
        pixels[i] = np.asarray(img).reshape(image_size, image_size, channels)
    x = pixels.astype(np.float32)
    x /= np.float32(255.0)
    y, class_names = None, None
    if keys is not None:
        class_names = sorted(set(kept_keys))
        index = {key: i for i, key in enumerate(class_names)}
        y = np.asarray([index[key] for key in kept_keys], np.int32)
        report.classes = list(class_names)
    kind = "RGB" if channels == 3 else "grayscale"
    captioned = "captioned " if texts is not None else ""
    return Dataset(
        name=name,
        kind=IMAGES,
        x=x,
        y=y,
        class_names=class_names,
        report=report,
        description=f"{len(x)} {captioned}{kind} images {image_size}x{image_size} from {name}",
        captions=kept_captions if texts is not None else None,
    )


def _first_issue(issues: list[str]) -> str:
    """The caption issue that best explains why no image got a caption, shortened."""
    if not issues:
        return "its lines name none of them"
    text = next((i for i in issues if "not an image here" in i), issues[0]).rstrip(".")
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------------------------
# Arrays (.npz / .npy)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Reads `x` (and `y`, `class_names` if present) from a .npz, or a .npy as `x`."""
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(
            f"could not read '{path}' as a NumPy file ({_short(err)}).",
            hint="Save arrays with np.savez(path, x=..., y=...) or np.save; object arrays "
            "(pickles) are not loaded.",
        ) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        return {"x": loaded}
    with loaded:
        keys = list(loaded.files)
        if "x" not in keys:
            have = ", ".join(f"'{k}'" for k in keys) or "no arrays"
            raise DataError(
                f"'{path}' has no array named 'x' (it has: {have}).",
                hint="Save the examples as x (and integer labels as y): "
                "np.savez(path, x=examples, y=labels).",
            )
        try:
            arrays = {k: loaded[k] for k in ("x", "y", "class_names") if k in keys}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            raise DataError(
                f"could not read the arrays in '{path}' ({_short(err)}).",
                hint="Re-save the file with np.savez(path, x=..., y=...).",
            ) from None
        if "captions" in keys:
            try:
                arrays["captions"] = loaded["captions"]
            except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
                raise DataError(
                    f"could not read the captions array in '{path}' ({_short(err)}).",
                    hint=_CAPTIONS_ARRAY_HINT,
                ) from None
        return arrays


def _array_captions(raw: np.ndarray | None, count: int, source: Path) -> list[str] | None:
    """One caption per example from a `captions` array of strings, or raises DataError."""
    if raw is None:
        return None
    values = np.asarray(raw)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise DataError(
            f"'{source}': captions has shape {tuple(values.shape)}; it must be one caption per "
            "example.",
            hint=_CAPTIONS_ARRAY_HINT,
        )
    if values.dtype.kind == "S":
        try:
            texts = [bytes(v).decode("utf-8") for v in values]
        except UnicodeDecodeError:
            raise DataError(
                f"'{source}': the captions array holds bytes that are not UTF-8 text.",
                hint=_CAPTIONS_ARRAY_HINT,
            ) from None
    elif values.dtype.kind == "U":
        texts = [str(v) for v in values]
    else:
        raise DataError(
            f"'{source}': captions holds {values.dtype} values, not text.",
            hint=_CAPTIONS_ARRAY_HINT,
        )
    if len(texts) != count:
        raise DataError(
            f"'{source}': captions holds {len(texts)} captions but x holds {count} examples.",
            hint="Give exactly one caption per example, in the same order as x.",
        )
    return [" ".join(t.split()) for t in texts]


def _drop_empty_captions(
    captions: list[str] | None, keep: np.ndarray, name: str, report: LoadReport, unit: str
) -> np.ndarray:
    """Leaves out the examples (of `keep`) whose caption is empty, and reports them."""
    if captions is None:
        return keep
    empty = [int(i) for i in keep if not captions[i]]
    if not empty:
        return keep
    reason = f"{len(empty)} {unit} skipped (empty caption): {_listed(empty, 'index')}"
    report.skipped.append(SkippedFile(name, reason))
    plural = "s are" if len(empty) > 1 else " is"
    report.caption_issues.append(
        f"{len(empty)} caption{plural} empty ({_listed(empty, 'index')}); "
        f"{'those' if len(empty) > 1 else 'that'} {unit} left out."
    )
    return np.asarray([i for i in keep if captions[i]], dtype=np.int64)


def _square_side(width: int) -> int:
    side = math.isqrt(width)
    return side if side * side == width else 0


def _array_holds_points(x: np.ndarray) -> bool:
    if x.ndim <= 1:
        return True
    return x.ndim == 2 and _square_side(x.shape[1]) < DEFAULT_MIN_SIZE


def _labels(
    y: np.ndarray | None, count: int, source: Path, names: np.ndarray | None = None
) -> tuple[np.ndarray | None, list[str] | None]:
    """Integer labels [count] (and class names) from a `y` array, or raises DataError."""
    if y is None:
        return None, None
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[0] == count and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2 and y.shape[0] == count and y.shape[1] > 1 and y.dtype.kind in "biuf":
        y = np.argmax(y, axis=1)  # one-hot
    if y.ndim != 1 or len(y) != count:
        raise DataError(
            f"'{source}': y has shape {tuple(y.shape)} but x holds {count} examples.",
            hint="y must hold one integer class label per example.",
        )
    labels, class_names = _encode_labels(y)
    if labels is None:
        raise DataError(
            f"'{source}': y holds {y.dtype} values that are not whole-number class labels.",
            hint="y must hold one integer class label per example (or a class name).",
        )
    if names is not None and class_names is None:
        given = [str(n) for n in np.asarray(names).ravel()]
        if len(labels) == 0 or len(given) > int(labels.max()):
            class_names = given
    return labels, class_names


def _encode_labels(values: np.ndarray) -> tuple[np.ndarray | None, list[str] | None]:
    """Whole numbers >= 0 stay as they are; anything else is numbered in sorted order."""
    if values.dtype.kind in "biu" or (
        values.dtype.kind == "f"
        and bool(np.isfinite(values).all())
        and bool((values == np.round(values)).all())
    ):
        as_int = values.astype(np.int64)
        if len(as_int) == 0 or as_int.min() >= 0:
            return as_int.astype(np.int32), None
        unique, inverse = np.unique(as_int, return_inverse=True)
        return inverse.astype(np.int32), [str(v) for v in unique]
    if values.dtype.kind in "US":
        unique, inverse = np.unique(values.astype(str), return_inverse=True)
        return inverse.astype(np.int32), [str(v) for v in unique]
    return None, None


def _listed(indices: Sequence[int], word: str) -> str:
    shown = ", ".join(str(i) for i in indices[:_SKIP_LISTED])
    more = ", ..." if len(indices) > _SKIP_LISTED else ""
    return f"{word} {shown}{more}"


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
        hint="Images must be uint8 in 0..255 or floats in [0, 1] or [-1, 1].",
    )


def resize_images(x: np.ndarray, side: int) -> np.ndarray:
    """Center-crops [N, H, W, C] float images to squares and resizes them to `side`."""
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
            out[i, :, :, c] = np.asarray(plane.resize((side, side), _RESAMPLE))
    np.clip(out, 0.0, 1.0, out=out)
    return out


def _images_from_arrays(
    path: Path,
    arrays: dict[str, np.ndarray],
    image_size: int | None,
    color: str,
    limit: int | None,
) -> Dataset:
    x = np.asarray(arrays["x"])
    name = str(path)
    if x.dtype.kind not in "biuf":
        raise DataError(f"'{path}': x holds {x.dtype} values, not numbers.", hint=_IMAGES_HINT)
    if x.ndim <= 2 and _array_holds_points(x):
        raise DataError(
            f"'{path}' holds an array of shape {tuple(x.shape)}: points, not images.",
            hint="Load it as points, or save images as [N, H, W] or [N, H, W, C].",
        )
    if x.ndim == 2:
        side = _square_side(x.shape[1])
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
    y, class_names = _labels(arrays.get("y"), count, path, arrays.get("class_names"))
    captions = _array_captions(arrays.get("captions"), count, path)

    report = LoadReport(source=name, files_read=1, classes=list(class_names or []))
    keep = np.arange(count)
    if x.dtype.kind == "f":
        finite = np.isfinite(x.reshape(count, -1)).all(axis=1)
        bad = np.flatnonzero(~finite)
        if len(bad):
            reason = f"{len(bad)} images skipped (not finite): {_listed(bad.tolist(), 'index')}"
            report.skipped.append(SkippedFile(name, reason))
            keep = np.flatnonzero(finite)
    if len(keep) == 0:
        raise DataError(
            f"no usable images in '{path}': all {count} hold NaN or infinite values.",
            hint="Images must be uint8 in 0..255 or floats in [0, 1] or [-1, 1].",
        )
    keep = _drop_empty_captions(captions, keep, name, report, "images")
    if len(keep) == 0:
        raise DataError(f"no usable images in '{path}': every caption is empty.",
                        hint=_CAPTIONS_ARRAY_HINT)
    if limit is not None:
        keep = keep[:limit]
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
        image_size = min(max(min(height, width), DEFAULT_MIN_SIZE), DEFAULT_MAX_SIZE)

    has_color = unit.shape[-1] == 3 and bool(
        (unit.max(axis=-1) - unit.min(axis=-1)).max() > COLOR_TOLERANCE / 255.0
    )
    channels = 3 if color == "rgb" or (color == "auto" and has_color) else 1
    if channels == 1 and unit.shape[-1] == 3:
        luma = np.asarray([0.299, 0.587, 0.114], np.float32)
        unit = (unit @ luma)[..., np.newaxis]
    elif channels == 3 and unit.shape[-1] == 1:
        unit = np.repeat(unit, 3, axis=-1)
    out = resize_images(unit.astype(np.float32, copy=False), image_size)
    kind = "RGB" if channels == 3 else "grayscale"
    captioned = "captioned " if captions is not None else ""
    return Dataset(
        name=name,
        kind=IMAGES,
        x=out,
        y=y,
        class_names=class_names,
        report=report,
        description=f"{len(out)} {captioned}{kind} images {image_size}x{image_size} from {name}",
        captions=captions,
    )


# --------------------------------------------------------------------------------------------
# Points


def _points_dataset(
    name: str,
    x: np.ndarray,
    y: np.ndarray | None,
    class_names: list[str] | None,
    report: LoadReport,
    columns: list[str] | None = None,
) -> Dataset:
    report.files_read = 1
    report.classes = list(class_names or [])
    dims = f" ({', '.join(columns)})" if columns else ""
    return Dataset(
        name=name,
        kind=POINTS,
        x=x,
        y=y,
        class_names=class_names,
        report=report,
        description=f"{len(x)} points in {x.shape[1]}-D{dims} from {name}",
    )


def _points_from_arrays(path: Path, arrays: dict[str, np.ndarray], limit: int | None) -> Dataset:
    x = np.asarray(arrays["x"])
    name = str(path)
    if x.dtype.kind not in "biuf":
        raise DataError(f"'{path}' holds {x.dtype} values, not numbers.", hint=_POINTS_HINT)
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or x.shape[1] < 1:
        raise DataError(
            f"'{path}' holds an array of shape {tuple(x.shape)}; points need [N, D], D >= 1.",
            hint=_POINTS_HINT,
        )
    count = len(x)
    y, class_names = _labels(arrays.get("y"), count, path, arrays.get("class_names"))
    captions = _array_captions(arrays.get("captions"), count, path)
    values = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        finite = (np.abs(values) <= np.finfo(np.float32).max).all(axis=1)
    report = LoadReport(source=name)
    bad = np.flatnonzero(~finite)
    if len(bad):
        reason = f"{len(bad)} rows skipped (not finite): {_listed(bad.tolist(), 'index')}"
        report.skipped.append(SkippedFile(name, reason))
    keep = np.flatnonzero(finite)
    if len(keep) == 0:
        detail = f": all {count} rows hold NaN or infinite values" if count else " (it is empty)"
        raise DataError(f"no usable points in '{path}'{detail}.", hint=_POINTS_HINT)
    keep = _drop_empty_captions(captions, keep, name, report, "rows")
    if len(keep) == 0:
        raise DataError(f"no usable points in '{path}': every caption is empty.",
                        hint=_CAPTIONS_ARRAY_HINT)
    if limit is not None:
        keep = keep[:limit]
    points = values[keep].astype(np.float32)
    labels = y[keep] if y is not None else None
    data = _points_dataset(name, points, labels, class_names, report)
    if captions is not None:
        data.captions = [captions[i] for i in keep]
    return data


def _rows(stream: IO[str], delimiter: str | None) -> Iterator[tuple[int, list[str]]]:
    """Yields (line number, fields) for each line that is not blank or a `#` comment."""
    if delimiter is None:
        for number, line in enumerate(stream, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield number, text.split()
        return
    reader = csv.reader(stream, delimiter=delimiter, skipinitialspace=True)
    for fields in reader:
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        yield reader.line_num, [f.strip() for f in fields]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass
class _Table:
    """What a point table held: the usable rows, their labels, and the rows skipped."""

    values: list[list[float]]
    labels: list[str]
    bad: dict[str, list[int]]
    columns: list[str] | None  # header names of the coordinate columns
    labeled: bool


def _points_from_table(path: Path, name: str, limit: int | None) -> Dataset:
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as stream:
            table = _parse_table(stream, name, limit)
    except OSError as err:
        raise DataError(f"could not read '{name}' ({_os_reason(err)}).") from None

    report = LoadReport(source=name)
    for category, numbers in table.bad.items():
        reason = f"{len(numbers)} rows skipped ({category}): {_listed(numbers, 'lines')}"
        report.skipped.append(SkippedFile(name, reason))
    if not table.values:
        if not table.bad:
            raise DataError(f"'{name}' has a header but no rows.", hint=_POINTS_HINT)
        total = sum(len(v) for v in table.bad.values())
        detail = ", ".join(f"{len(v)} {k}" for k, v in table.bad.items())
        raise DataError(
            f"no usable points in '{name}': {total} rows skipped ({detail}).", hint=_POINTS_HINT
        )
    x = np.asarray(table.values, np.float32)
    y, class_names = _labels_from_text(table.labels) if table.labeled else (None, None)
    return _points_dataset(name, x, y, class_names, report, table.columns)


def _parse_table(stream: IO[str], name: str, limit: int | None) -> _Table:
    first = next(
        (ln.strip() for ln in stream if ln.strip() and not ln.lstrip().startswith("#")), None
    )
    delimiter = None if first is None else "," if "," in first else ";" if ";" in first else None
    stream.seek(0)
    rows = _rows(stream, delimiter)
    head_row = next(rows, None)
    if head_row is None:
        raise DataError(f"'{name}' holds no rows (it is empty).", hint=_POINTS_HINT)
    head_number, head = head_row
    header: list[str] | None = None
    pending: list[tuple[int, list[str]]] = []
    if all(_is_number(f) for f in head):
        pending.append((head_number, head))
    else:
        header = [f.strip().strip("'\"") for f in head]
    width = len(head)
    label_col = None
    if header is not None:
        lowered = [h.lower() for h in header]
        label_col = next((i for i, h in enumerate(lowered) if h in LABEL_COLUMNS), None)
    coords = [i for i in range(width) if i != label_col]
    if not coords:
        raise DataError(f"'{name}' has no columns besides the labels.", hint=_POINTS_HINT)

    largest = float(np.finfo(np.float32).max)
    table = _Table(
        values=[],
        labels=[],
        bad={},
        columns=[header[i] for i in coords] if header is not None else None,
        labeled=label_col is not None,
    )
    for number, fields in _chain(pending, rows):
        if limit is not None and len(table.values) >= limit:
            break
        while len(fields) > width and not fields[-1]:
            fields.pop()  # a trailing delimiter
        if len(fields) != width:
            table.bad.setdefault("wrong number of columns", []).append(number)
            continue
        try:
            row = [float(fields[i]) for i in coords]
        except ValueError:
            table.bad.setdefault("not a number", []).append(number)
            continue
        if not all(abs(v) <= largest for v in row):  # NaN, inf, or beyond float32
            table.bad.setdefault("not finite", []).append(number)
            continue
        if label_col is not None:
            if not fields[label_col]:
                table.bad.setdefault("no label", []).append(number)
                continue
            table.labels.append(fields[label_col])
        table.values.append(row)
    return table


def _chain(
    pending: list[tuple[int, list[str]]], rows: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from pending
    yield from rows


def _labels_from_text(labels: list[str]) -> tuple[np.ndarray, list[str] | None]:
    """Text labels: whole numbers >= 0 are kept; anything else is numbered in sorted order."""
    try:
        numbers = np.asarray([float(v) for v in labels], np.float64)
    except ValueError:
        numbers = None
    if numbers is not None:
        encoded, names = _encode_labels(numbers)
        if encoded is not None:
            return encoded, names
    unique, inverse = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    return inverse.astype(np.int32), [str(v) for v in unique]
