"""What every loader of a user's files shares: file types, limits, hints, argument checks.

The limits (`MAX_*`) are defined here and exported by the package. The loaders read them from
the package at call time (`limits().MAX_IMAGE_PIXELS`), so that changing one there
(`files.MAX_IMAGE_PIXELS = ...`, or a test's monkeypatch) applies to every loader.
"""

from __future__ import annotations

import operator
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import IO

import numpy as np

from ganstudio.core.data.base import Dataset, LoadReport
from ganstudio.errors import ConfigError, DataError
from ganstudio.textfile import NotARegularFile, open_regular_file

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
"""Zip members declaring more unpacked bytes than this are skipped unread (caption files too)."""

MAX_FOLDER_DEPTH = 32
"""Folders nested deeper than this below the dataset folder are not searched (one report line)."""

MAX_FOLDER_ENTRIES = 2_000_000
"""A folder tree with more files and folders than this is refused (a DataError)."""


def _half_the_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows), or no answer
        return 8 * 1024**3


MAX_ARRAY_BYTES = _half_the_memory()
"""The most bytes the arrays of one .npy/.npz file may take: half this machine's memory.

An array needing more is refused from its header, before its data is read.
"""

MAX_NPY_HEADER_BYTES = 10_000
""".npy headers longer than this are refused (numpy's own default `max_header_size`)."""

MAX_TABLE_BYTES = 1024**3
"""Point tables larger than this (1 GiB) are refused: save that many points as a .npy."""

MAX_LINE_LENGTH = 1_000_000
"""A point table's lines may be this many characters long; a longer one stops the load."""

MAX_POINT_COLUMNS = 4096
"""A point table may have this many columns (images do not belong in a table)."""

MAX_POINT_ROWS = 10_000_000
"""A point table may hold this many usable rows (more: give a `limit`, or use a .npy)."""

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

SKIP_LISTED = 10
"""How many line numbers or indices a report line lists before it says "..."."""

IMAGES_HINT = (
    "Add .png/.jpg/.bmp/.gif/.webp/.tiff images (subfolders become classes), or check the path."
)
POINTS_HINT = (
    "A points file holds one example per line with 1 or more numeric columns (comma- or "
    "whitespace-separated, optional header row), or an [N, D] array in a .npy/.npz file."
)
CAPTIONS_ARRAY_HINT = (
    "Save one caption per example as a string array: np.savez(path, x=images, "
    "captions=np.array(list_of_captions)) (not dtype=object, which is not loaded)."
)
SOURCE_HINT = (
    "Give a folder of images, a .zip of images, a .npz/.npy array, a .csv/.txt points table, "
    "or a list of image files."
)


def limits() -> ModuleType:
    """The `files` package, whose `MAX_*` limits the loaders read at call time."""
    return sys.modules[__package__]


# --------------------------------------------------------------------------------------------
# Opening files


class Skip(Exception):
    """A file is left out; `reason` is shown to the user as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NOT_REGULAR = "not a regular file (a pipe, device or socket)"


def open_file(path: str) -> IO[bytes]:
    """Opens a regular file for reading, or raises `Skip` saying why not.

    The open does not block, and the file is checked before it is read: opening a FIFO named
    like an image would wait for a writer forever; a device or socket is no data file either.
    """
    try:
        return open_regular_file(path)
    except NotARegularFile:
        raise Skip(NOT_REGULAR) from None
    except OSError as err:
        raise Skip(f"unreadable ({os_reason(err)})") from None


def open_source(path: Path, name: str) -> IO[bytes]:
    """Opens the one file a loader reads (a table, an array, a .zip), or raises a DataError.

    Like `open_file`, it never waits on a FIFO: a pipe, device or socket is refused.
    """
    try:
        return open_file(os.fspath(path))
    except Skip as skip:
        if skip.reason == NOT_REGULAR:
            raise DataError(
                f"'{name}' is {NOT_REGULAR}.",
                hint="Save the data to a file and give that file.",
            ) from None
        why = skip.reason.removeprefix("unreadable ")  # "(Permission denied)"
        raise DataError(f"could not read '{name}' {why}.") from None


# --------------------------------------------------------------------------------------------
# The dataset


def user_dataset(
    name: str,
    kind: str,
    x: np.ndarray,
    y: np.ndarray | None,
    class_names: list[str] | None,
    report: LoadReport,
    what: str,
    captions: list[str] | None = None,
) -> Dataset:
    """A `Dataset` of a user's data, described as "N {what} from {name}".

    The report's `classes` are set from `class_names`.
    """
    report.classes = list(class_names or [])
    return Dataset(
        name=name,
        kind=kind,
        x=x,
        y=y,
        class_names=class_names,
        report=report,
        description=f"{len(x)} {what} from {name}",
        captions=captions,
    )


# --------------------------------------------------------------------------------------------
# Wording


def os_reason(err: OSError) -> str:
    """The operating system's words for an `OSError` ("Permission denied")."""
    return err.strerror or str(err) or type(err).__name__


def short(err: BaseException) -> str:
    """An exception's message in at most 120 characters."""
    text = str(err).strip() or type(err).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def size_text(nbytes: int) -> str:
    """`"1.5 GiB"`: a number of bytes for people."""
    if nbytes < 1024:
        return f"{nbytes:,} bytes"
    size = nbytes / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TiB"


def listed(indices: Sequence[int], word: str) -> str:
    """`"lines 3, 4, ..."`: the first `SKIP_LISTED` numbers after `word`."""
    shown = ", ".join(str(i) for i in indices[:SKIP_LISTED])
    more = ", ..." if len(indices) > SKIP_LISTED else ""
    return f"{word} {shown}{more}"


# --------------------------------------------------------------------------------------------
# Argument checks


def is_path_list(source: object) -> bool:
    """True for a non-empty list or tuple of paths (not for one path)."""
    if isinstance(source, (str, bytes, os.PathLike)) or not isinstance(source, Sequence):
        return False
    return len(source) > 0 and all(isinstance(p, (str, os.PathLike)) for p in source)


def existing_path(source: object) -> Path:
    """`source` as an existing `Path` (user folder expanded), or a DataError naming it."""
    if isinstance(source, (list, tuple)) and not source:
        raise DataError("no files given.", hint=SOURCE_HINT)
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(f"{source!r} is not a path.", hint=SOURCE_HINT)
    text = os.fspath(source)
    if not str(text).strip():
        raise DataError("no path given (the path is empty).", hint=SOURCE_HINT)
    path = Path(text).expanduser()
    try:
        exists = path.exists()
    except (OSError, ValueError):
        exists = False
    if not exists:
        raise DataError(f"'{source}' does not exist.", hint=f"Check the path. {SOURCE_HINT}")
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


def check_limit(limit: int | None) -> int | None:
    """`limit` as an int of at least 1, or `None`; else a ConfigError."""
    return _check_count("limit", limit)


def check_image_size(image_size: int | None) -> int | None:
    """`image_size` as an int of at least 1, or `None`; else a ConfigError."""
    return _check_count("image_size", image_size, " of pixels")


def check_color(color: str) -> str:
    """`"auto"`, `"grayscale"` or `"rgb"` from `color` or an alias; else a ConfigError."""
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
