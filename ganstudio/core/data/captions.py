"""Captions: reading a caption file that lies beside a user's images, and holding captions out.

A folder (or .zip) of images is captioned by a `captions.csv` or `captions.txt` in its root
(or in the single top folder that holds all the images):

- `captions.csv`: rows `file,caption` read with the csv module (quote a caption holding commas,
  or leave it unquoted: the fields after the first are joined back with ", "); an optional
  header row whose first field is `file`, `filename`, `image`, `path` or `name`.
- `captions.txt`: one line per image: the file name, then a tab, spaces or a comma, then the
  caption. A name may hold spaces when it ends in a file suffix (`my cat.png a cat`).

In both, blank lines and lines starting with `#` are ignored, and a file is named by its path
relative to the caption file's folder (`cats/c1.png`) or to the folder or .zip given, or, when
that is unambiguous, by its bare name (`c1.png`). The file must be UTF-8 (a byte-order mark is
fine).

This module only parses and matches; `files` decides what to do with the result, and reports
every problem in the `LoadReport`'s `caption_issues`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from ganstudio.errors import DataError

CAPTION_FILES: tuple[str, ...] = ("captions.csv", "captions.txt")
"""The names (matched case-insensitively) of caption files, in order of preference."""

HEADER_NAMES: tuple[str, ...] = ("file", "filename", "file_name", "image", "path", "name")
"""First fields that mark a caption file's first row as a header."""

_WORD = re.compile(r"[\w'-]+")
_NAMED_WITH_SUFFIX = re.compile(r"^(.+?\.[A-Za-z0-9]{2,5})(?:[\t ,]+(.*))?$")
_LISTED = 10


@dataclass(frozen=True)
class CaptionRow:
    """One row of a caption file: its line number, the file it names, and the caption."""

    line: int
    file: str
    caption: str


@dataclass
class CaptionFile:
    """What a caption file held.

    Args:
        name: The caption file's path as shown to the user.
        rows: The rows naming a file (the caption may be empty), in file order.
        issues: Problems found while reading (not UTF-8, a row with no file name).
        readable: False when the file could not be used at all (then `rows` is empty).
    """

    name: str
    rows: list[CaptionRow] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    readable: bool = True


@dataclass
class CaptionMatch:
    """Captions matched to images.

    Args:
        captions: Image (as listed by the loader) to its caption; only non-empty captions.
        empty: Image to the line of its empty caption.
        issues: Lines naming no image, naming one ambiguously, or captioning one twice.
    """

    captions: dict[str, str] = field(default_factory=dict)
    empty: dict[str, int] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)


def is_caption_file(name: str) -> bool:
    """True when a file name (no folder) is `captions.csv` or `captions.txt`, in any case."""
    return name.lower() in CAPTION_FILES


def read_caption_file(data: bytes, name: str) -> CaptionFile:
    """Parses the bytes of a `captions.csv` or `captions.txt`.

    Args:
        data: The file's contents.
        name: Its path as shown to the user; a name ending in `.csv` is read as CSV, any other
            as text lines.

    Returns:
        A `CaptionFile`. A file that is not UTF-8 gives `readable=False` and one issue saying
        where the first bad byte is; nothing in it is used.
    """
    out = CaptionFile(name=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        out.readable = False
        out.issues.append(
            f"{name} is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}), "
            "so no caption was used; save it as UTF-8."
        )
        return out
    rows = _csv_rows(text) if name.lower().endswith(".csv") else _text_rows(text)
    first = True
    for line, fields in rows:
        if first:
            first = False
            if fields and fields[0].strip().lower() in HEADER_NAMES:
                continue
        file = fields[0].strip().replace("\\", "/") if fields else ""
        if not file:
            out.issues.append(f"{name} line {line}: no file name.")
            continue
        # Fields past the second are an unquoted caption's commas (spaces after them were eaten).
        rest = [f.strip() for f in fields[1:]]
        while rest and not rest[-1]:
            rest.pop()  # trailing delimiters
        caption = " ".join(", ".join(rest).split())
        out.rows.append(CaptionRow(line, file, caption))
    return out


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    rows = []
    try:
        for fields in reader:
            if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
                continue
            rows.append((reader.line_num, fields))
    except csv.Error:  # e.g. a quote left open: keep the rows read so far
        pass
    return rows


def _text_rows(text: str) -> list[tuple[int, list[str]]]:
    rows = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "\t" in line:
            file, _, caption = line.partition("\t")
        else:
            named = _NAMED_WITH_SUFFIX.match(line)
            if named:
                file, caption = named.group(1), named.group(2) or ""
            else:
                parts = re.split(r"[\s,]+", line, maxsplit=1)
                file, caption = parts[0], parts[1] if len(parts) > 1 else ""
        rows.append((number, [file.strip(), caption.strip()]))
    return rows


def match_captions(table: CaptionFile, images: Sequence[str], folder: str = "") -> CaptionMatch:
    """Matches a caption file's rows to the images a loader found.

    A row names an image by its path relative to `folder` (the caption file's folder) or to
    the source, or by its bare name when only one image has that name; case is ignored when
    that is unambiguous.

    Args:
        table: The parsed caption file.
        images: Each image as the loader lists it (a path relative to the source, with "/").
        folder: The caption file's folder, relative to the source, with "/" ("" for the root).

    Returns:
        A `CaptionMatch`: the captions by image, the images whose caption is empty, and an
        issue for each row that names no image, names one ambiguously or repeats one.
    """
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    exact = {image: [image] for image in images}
    lowered: dict[str, list[str]] = {}
    bare: dict[str, list[str]] = {}
    bare_lowered: dict[str, list[str]] = {}
    for image in images:
        base = image.rsplit("/", 1)[-1]
        lowered.setdefault(image.lower(), []).append(image)
        bare.setdefault(base, []).append(image)
        bare_lowered.setdefault(base.lower(), []).append(image)

    out = CaptionMatch()
    seen: dict[str, int] = {}
    missing: list[str] = []
    for row in table.rows:
        name = row.file[2:] if row.file.startswith("./") else row.file
        path = prefix + name
        candidates = (
            exact.get(path)
            or exact.get(name)
            or lowered.get(path.lower())
            or lowered.get(name.lower())
            or ("/" not in name and (bare.get(name) or bare_lowered.get(name.lower())))
            or []
        )
        where = f"{table.name} line {row.line}"
        if not candidates:
            missing.append(f"line {row.line}: {row.file!r}")
            continue
        if len(candidates) > 1:
            shown = ", ".join(candidates[:3]) + (", ..." if len(candidates) > 3 else "")
            out.issues.append(
                f"{where}: {row.file!r} could be any of {len(candidates)} images ({shown}); "
                "give its path relative to the caption file."
            )
            continue
        image = candidates[0]
        if image in seen:
            out.issues.append(
                f"{where}: {image} already has a caption (line {seen[image]}); the first is kept."
            )
            continue
        seen[image] = row.line
        if row.caption:
            out.captions[image] = row.caption
        else:
            out.empty[image] = row.line
            out.issues.append(f"{where}: the caption of {image} is empty.")
    if missing:
        shown = "; ".join(missing[:_LISTED]) + ("; ..." if len(missing) > _LISTED else "")
        plural = "s name" if len(missing) > 1 else " names"
        out.issues.append(
            f"{table.name}: {len(missing)} line{plural} a file that is not an image here "
            f"({shown})."
        )
    return out


def caption_words(text: str) -> list[str]:
    """The lower-case words of a caption or holdout fragment (punctuation left out)."""
    return _WORD.findall(str(text).lower())


def holdout_fragments(
    holdout: str, vocabulary: Collection[str] | None = None, what: str = "the captions"
) -> list[frozenset[str]]:
    """Splits a holdout setting into its fragments, each the set of its words.

    Args:
        holdout: Comma-separated caption fragments, e.g. `"large yellow triangle, blue circle"`.
        vocabulary: When given, every word must be in it.
        what: How to name the captions in an error message.

    Returns:
        One word set per non-empty fragment.

    Raises:
        DataError: a word is not in `vocabulary` (the message names it).
    """
    fragments = []
    for fragment in str(holdout).split(","):
        words = caption_words(fragment)
        if not words:
            continue
        if vocabulary is not None:
            unknown = [w for w in words if w not in vocabulary]
            if unknown:
                raise DataError(
                    f"data.holdout: {', '.join(repr(w) for w in unknown)} in "
                    f"{fragment.strip()!r} is not a word of {what}.",
                    hint="Hold out combinations of words the captions use, e.g. "
                    "'large yellow triangle'.",
                )
        fragments.append(frozenset(words))
    return fragments


def holdout_mask(
    captions: Sequence[str], holdout: str, vocabulary: Collection[str] | None = None
) -> np.ndarray:
    """Tells which captions hold every word of at least one holdout fragment.

    Args:
        captions: The captions.
        holdout: Comma-separated caption fragments; empty holds out nothing.
        vocabulary: When given, every fragment word must be in it.

    Returns:
        bool array [len(captions)], True where held out.

    Raises:
        DataError: a word is not in `vocabulary`.
    """
    fragments = holdout_fragments(holdout, vocabulary)
    out = np.zeros(len(captions), dtype=bool)
    if not fragments:
        return out
    cache: dict[str, bool] = {}
    for i, caption in enumerate(captions):
        hit = cache.get(caption)
        if hit is None:
            words = set(caption_words(caption))
            hit = cache[caption] = any(fragment <= words for fragment in fragments)
        out[i] = hit
    return out
