"""A caption file beside the images: finding it, reading it, matching it to the images.

The file formats are parsed in `ganstudio.core.data.captions`; this module decides which file
captions a folder or .zip, and turns what went wrong with it into report lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ganstudio.core.data.base import SkippedFile
from ganstudio.core.data.captions import (
    CAPTION_FILES,
    is_caption_file,
    match_captions,
    read_caption_file,
)
from ganstudio.core.data.files.common import Skip, os_reason
from ganstudio.core.data.files.sources import NOT_IMAGE_TYPE, Entry, look_through


@dataclass
class FoundCaptions:
    """A caption file found beside the images, matched to them."""

    source: str  # the caption file, as listed
    by_image: dict[str, str] | None  # None: the file could not be used (see issues)
    empty: dict[str, int]  # image -> line of its empty caption
    issues: list[str]


def caption_file(
    entries: list[Entry], skipped: list[SkippedFile], read: Callable[[str], bytes]
) -> FoundCaptions | None:
    """Finds `captions.csv` / `captions.txt` beside the images, reads it and matches it.

    The caption file lies in the root, or in the single top folder holding every image. It is
    taken off `skipped` (where it was listed as not an image file type; one skipped for another
    reason, such as a link leading outside the folder, is left there).

    Args:
        entries: The images, as a finder in `sources` listed them.
        skipped: The files skipped; the caption file is among them and is taken off.
        read: Reads a file named as listed; raises `Skip` or `OSError` when it cannot.

    Returns:
        The captions matched to the images with every problem found, or `None` when there is
        no caption file.
    """
    top = "/".join(look_through([e.parts for e in entries])[0])
    found: dict[str, SkippedFile] = {}
    for item in skipped:
        folder, _, base = item.path.rpartition("/")
        if folder in ("", top) and is_caption_file(base) and item.reason == NOT_IMAGE_TYPE:
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
    except (OSError, Skip) as err:
        reason = err.reason if isinstance(err, Skip) else os_reason(err)
        issues.append(f"{chosen.path} could not be read ({reason}), so no caption was used.")
        return FoundCaptions(chosen.path, None, {}, issues)
    table = read_caption_file(data, chosen.path)
    issues.extend(table.issues)
    if not table.readable:
        return FoundCaptions(chosen.path, None, {}, issues)
    folder = chosen.path.rpartition("/")[0]
    match = match_captions(table, [e.display for e in entries], folder)
    issues.extend(match.issues)
    return FoundCaptions(chosen.path, match.captions, match.empty, issues)


def first_issue(issues: list[str]) -> str:
    """The caption issue that best explains why no image got a caption, shortened."""
    if not issues:
        return "its lines name none of them"
    text = next((i for i in issues if "not an image here" in i), issues[0]).rstrip(".")
    return text if len(text) <= 200 else text[:197] + "..."
