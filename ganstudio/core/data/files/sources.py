"""Finding image files: a folder's tree, a .zip's members, a list of files.

Each finder returns the image-type files as `Entry`s, sorted as the dataset will hold them,
and the files it left out (hidden ones aside) as `SkippedFile`s with their reasons.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
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
    open_source,
    os_reason,
)
from ganstudio.core.data.files.zip_members import read_member
from ganstudio.errors import DataError

NOT_IMAGE_TYPE = "not an image file type"


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


def folder_entries(
    root: Path, follow_links: bool = False
) -> tuple[list[Entry], list[SkippedFile]]:
    """The image-type files under `root` and the files skipped, each sorted by path.

    The tree is walked with a stack, not recursion, to `MAX_FOLDER_DEPTH` levels: deeper
    folders are left out with one report line. A link (to a file or a folder) is followed when
    its target lies inside `root`, or always with `follow_links`; a folder is searched once
    however many links lead to it (where it is met first, shallowest and in name order), so a
    link loop ends. A link leading outside `root` or to nothing is skipped with its reason.

    Args:
        root: The dataset folder.
        follow_links: Follow links that lead outside `root` too.

    Returns:
        The image-type files as `Entry`s and the files skipped, each sorted by path.

    Raises:
        DataError: The tree holds more than `MAX_FOLDER_ENTRIES` files and folders.
    """
    max_depth = limits().MAX_FOLDER_DEPTH
    root_text = os.fspath(root)
    real_root = os.path.realpath(root_text)
    entries: list[Entry] = []
    skipped: list[SkippedFile] = []
    seen: set[tuple[int, int]] = set()
    with contextlib.suppress(OSError):  # an unreadable root is reported when it is listed
        seen.add(_identity(os.stat(root_text)))
    too_deep: str | None = None  # the first folder left out for its depth
    deeper = walked = 0
    stack: list[tuple[str, tuple[str, ...]]] = [(root_text, ())]
    while stack:
        folder, prefix = stack.pop()
        try:
            items, walked = _visible_items(folder, root, walked)
        except OSError as err:
            shown = "/".join(prefix) or "."
            skipped.append(SkippedFile(shown, f"unreadable folder ({os_reason(err)})"))
            continue
        subfolders = []
        for item in items:
            parts = (*prefix, item.name)
            display = "/".join(parts)
            try:
                is_folder, identity = _what_it_is(item, real_root, follow_links)
            except Skip as skip:
                skipped.append(SkippedFile(display, skip.reason))
                continue
            if is_folder:
                if identity in seen:
                    continue  # searched already (through another link, or a loop)
                seen.add(identity)
                if len(parts) <= max_depth:
                    subfolders.append((item.path, parts))
                else:
                    too_deep = too_deep or display
                    deeper += 1
            elif not is_image_name(item.name):
                skipped.append(SkippedFile(display, NOT_IMAGE_TYPE))
            else:
                entries.append(Entry(display, parts, partial(open_file, item.path)))
        stack.extend(reversed(subfolders))  # searched in name order
    if too_deep is not None:
        more = f"; {deeper - 1} more such folders" if deeper > 1 else ""
        reason = (f"folders nested more than {max_depth} levels deep are not searched "
                  f"(this one is {max_depth + 1} deep{more})")
        skipped.append(SkippedFile(too_deep, reason))
    entries.sort(key=lambda e: e.display)
    skipped.sort(key=lambda s: s.path)
    return entries, skipped


def _visible_items(folder: str, root: Path, walked: int) -> tuple[list[os.DirEntry], int]:
    """A folder's entries that are not hidden, by name, and `walked` plus all its entries.

    Raises:
        OSError: The folder cannot be listed.
        DataError: More than `MAX_FOLDER_ENTRIES` entries have been walked.
    """
    most = limits().MAX_FOLDER_ENTRIES
    items = []
    with os.scandir(folder) as listing:
        for item in listing:
            walked += 1
            if walked > most:
                raise DataError(
                    f"'{root}' holds more than {most:,} files and folders; the search stopped "
                    "there.",
                    hint="Give a smaller folder, or save the images as a .npy/.npz array.",
                )
            if not hidden(item.name):
                items.append(item)
    return sorted(items, key=lambda i: i.name), walked


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(os.path.join(folder, ""))


def _what_it_is(
    item: os.DirEntry, real_root: str, follow_links: bool
) -> tuple[bool, tuple[int, int] | None]:
    """(whether it is a folder, a folder's identity), following a link if it may be followed.

    Raises:
        Skip: It cannot be looked at, or it is a link that leads to nothing, cannot be
            followed (a loop of links), or leads outside the dataset folder (without
            `follow_links`).
    """
    try:
        if not item.is_symlink():
            if not item.is_dir(follow_symlinks=False):
                return False, None
            return True, _identity(item.stat(follow_symlinks=False))
    except OSError as err:
        raise Skip(f"unreadable ({os_reason(err)})") from None
    target = os.path.realpath(item.path)
    try:
        info = os.stat(item.path)
    except FileNotFoundError:
        raise Skip(f"dangling link (nothing at {target})") from None
    except OSError as err:
        raise Skip(f"unreadable link ({os_reason(err)})") from None
    if not follow_links and not _inside(target, real_root):
        raise Skip(f"link leads outside the dataset folder ({target})")
    if stat.S_ISDIR(info.st_mode):
        return True, _identity(info)
    return False, None


def folder_reader(root: Path) -> Callable[[str], bytes]:
    """Reads a file named as `folder_entries` lists it (for the caption file)."""

    def read(shown: str) -> bytes:
        with open_file(os.path.join(root, *shown.split("/"))) as file:
            size = os.fstat(file.fileno()).st_size
            if size > limits().MAX_MEMBER_BYTES:
                raise Skip(f"too large ({size} bytes)")
            return file.read()

    return read


# --------------------------------------------------------------------------------------------
# A .zip


@contextlib.contextmanager
def open_zip(path: Path, name: str) -> Iterator[tuple[IO[bytes], zipfile.ZipFile]]:
    """Opens a .zip for reading: the file and its directory, or raises a DataError naming it."""
    with open_source(path, name) as file:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
            reason = os_reason(err) if isinstance(err, OSError) else str(err)
            raise DataError(
                f"'{name}' is not a readable .zip file ({reason}).",
                hint="Re-create the archive, or unzip it and give the folder.",
            ) from None
        with archive:
            yield file, archive


def zip_entries(
    file: IO[bytes], archive: zipfile.ZipFile
) -> tuple[list[Entry], list[SkippedFile]]:
    """The image-type members of a .zip and the members skipped, each sorted by path.

    Args:
        file: The archive file, open (see `open_zip`).
        archive: Its directory.
    """
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
            skipped.append(SkippedFile(name, NOT_IMAGE_TYPE))
            continue
        entries.append(
            Entry(name, parts, partial(_member_stream, file, info), nbytes=info.file_size)
        )
    entries.sort(key=lambda e: "/".join(e.parts))
    skipped.sort(key=lambda s: s.path)
    return entries, skipped


def _member_stream(file: IO[bytes], info: zipfile.ZipInfo) -> IO[bytes]:
    return io.BytesIO(read_member(file, info, limits().MAX_MEMBER_BYTES))


def zip_reader(file: IO[bytes], archive: zipfile.ZipFile) -> Callable[[str], bytes]:
    """Reads a member named as `zip_entries` lists it (for the caption file)."""
    members = {i.filename.replace("\\", "/"): i for i in archive.infolist()}

    def read(shown: str) -> bytes:
        if shown not in members:
            raise Skip("not found in the archive")
        return read_member(file, members[shown], limits().MAX_MEMBER_BYTES)

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
            skipped.append(SkippedFile(str(display), NOT_IMAGE_TYPE))
        else:
            entries.append(Entry(str(display), (path.name,), partial(open_file, str(path))))
    return entries, skipped
