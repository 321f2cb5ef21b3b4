"""Finding image files: a folder's tree, a .zip's members, a list of files.

Each finder returns the image-type files as `Entry`s, sorted as the dataset will hold them,
and the files it left out (hidden ones aside) as `SkippedFile`s with their reasons.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from ganstudio.core.data.base import SkippedFile
from ganstudio.core.data.files.common import (
    ROOT_CLASS,
    SUPPORTED_IMAGE_SUFFIXES,
    PathLike,
    Skip,
    limits,
    open_file,
    os_reason,
)
from ganstudio.errors import DataError


@dataclass(frozen=True)
class Entry:
    """One image-type file: where it is shown, its path parts for classes, how to open it."""

    display: str
    parts: tuple[str, ...]
    open: Callable[[], IO[bytes]]
    nbytes: int | None = None  # known up front for zip members; files are checked when opened


def hidden(name: str) -> bool:
    """True for names the loaders ignore: dot files and macOS's `__MACOSX` folder."""
    return name.startswith(".") or name == "__MACOSX"


def is_image_name(name: str) -> bool:
    """True when a file name has one of `SUPPORTED_IMAGE_SUFFIXES` (in any case)."""
    return os.path.splitext(name)[1].lower() in SUPPORTED_IMAGE_SUFFIXES


def look_through(
    parts: list[tuple[str, ...]],
) -> tuple[list[str], list[tuple[str, ...]]]:
    """Takes off the single top folder(s) that every path lies under.

    Returns:
        The folders taken off (outermost first) and the paths below them.
    """
    common: list[str] = []
    while parts and all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1:
        common.append(parts[0][0])
        parts = [p[1:] for p in parts]
    return common, parts


def class_keys(entries: list[Entry]) -> list[str] | None:
    """Each entry's class: its first-level folder, after looking through a single top folder.

    Returns `None` (unlabeled) when no image-type file lies in a subfolder; otherwise files
    directly in the root get the class `ROOT_CLASS`.
    """
    _, parts = look_through([e.parts for e in entries])
    if not any(len(p) > 1 for p in parts):
        return None
    return [p[0] if len(p) > 1 else ROOT_CLASS for p in parts]


# --------------------------------------------------------------------------------------------
# A folder


def folder_entries(root: Path) -> tuple[list[Entry], list[SkippedFile]]:
    """The image-type files under `root` and the files skipped, each sorted by path."""
    entries: list[Entry] = []
    skipped: list[SkippedFile] = []
    root_text = os.fspath(root)

    def on_error(err: OSError) -> None:
        where = os.path.relpath(err.filename, root_text) if err.filename else root_text
        skipped.append(
            SkippedFile(where.replace(os.sep, "/"), f"unreadable folder ({os_reason(err)})")
        )

    seen = {os.path.realpath(root_text)}  # symlinked folders are followed, each once
    for dirpath, dirnames, filenames in os.walk(root_text, onerror=on_error, followlinks=True):
        keep = []
        for folder in dirnames:
            real = os.path.realpath(os.path.join(dirpath, folder))
            if not hidden(folder) and real not in seen:
                seen.add(real)
                keep.append(folder)
        dirnames[:] = keep
        rel_dir = os.path.relpath(dirpath, root_text)
        prefix = () if rel_dir == "." else tuple(rel_dir.split(os.sep))
        for name in filenames:
            if hidden(name):
                continue
            parts = (*prefix, name)
            display = "/".join(parts)
            if not is_image_name(name):
                skipped.append(SkippedFile(display, "not an image file type"))
                continue
            full = os.path.join(dirpath, name)
            entries.append(Entry(display, parts, partial(open_file, full)))
    entries.sort(key=lambda e: e.display)
    skipped.sort(key=lambda s: s.path)
    return entries, skipped


# --------------------------------------------------------------------------------------------
# A .zip


def open_zip(path: Path, name: str) -> zipfile.ZipFile:
    """Opens a .zip of images for reading, or raises a DataError naming it."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        reason = os_reason(err) if isinstance(err, OSError) else str(err)
        raise DataError(
            f"'{name}' is not a readable .zip file ({reason}).",
            hint="Re-create the archive, or unzip it and give the folder.",
        ) from None


def zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """One member's unpacked bytes as a stream, or raises `Skip` saying why not."""
    if info.flag_bits & 0x1:
        raise Skip("unreadable (encrypted zip member)")
    if info.file_size > limits().MAX_MEMBER_BYTES:
        raise Skip(f"too large ({info.file_size} bytes unpacked)")
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
        raise Skip(f"unreadable (corrupt zip member: {err})") from None


def zip_entries(archive: zipfile.ZipFile) -> tuple[list[Entry], list[SkippedFile]]:
    """The image-type members of a .zip and the members skipped, each sorted by path."""
    entries: list[Entry] = []
    skipped: list[SkippedFile] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = info.filename.replace("\\", "/")
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if not parts or any(hidden(p) for p in parts):
            continue
        if not is_image_name(parts[-1]):
            skipped.append(SkippedFile(name, "not an image file type"))
            continue
        entries.append(
            Entry(name, parts, partial(zip_member, archive, info), nbytes=info.file_size)
        )
    entries.sort(key=lambda e: "/".join(e.parts))
    skipped.sort(key=lambda s: s.path)
    return entries, skipped


def zip_reader(archive: zipfile.ZipFile) -> Callable[[str], bytes]:
    """Reads a member named as `zip_entries` lists it (for the caption file)."""
    members = {i.filename.replace("\\", "/"): i for i in archive.infolist()}

    def read(shown: str) -> bytes:
        if shown not in members:
            raise Skip("not found in the archive")
        return zip_member(archive, members[shown]).read()

    return read


# --------------------------------------------------------------------------------------------
# A list of files


def file_list_entries(paths: list[PathLike]) -> tuple[list[Entry], list[SkippedFile]]:
    """The image files of a list, in the order given, and the ones skipped."""
    entries: list[Entry] = []
    skipped: list[SkippedFile] = []
    for item in paths:
        display = os.fspath(item)
        path = Path(display).expanduser()
        if not path.exists():
            skipped.append(SkippedFile(str(display), "not found"))
        elif path.is_dir():
            skipped.append(SkippedFile(str(display), "a folder, not an image file"))
        elif not is_image_name(path.name):
            skipped.append(SkippedFile(str(display), "not an image file type"))
        else:
            entries.append(Entry(str(display), (path.name,), partial(open_file, str(path))))
    return entries, skipped
