"""Point tables (.csv, .tsv, .txt, .dat): one example per line, read into float32.

The table is read a line at a time and its numbers kept as float32 as they come, so loading
one takes a few times the memory of its points. What one file may hold is bounded: its size
(`MAX_TABLE_BYTES`), a line's length (`MAX_LINE_LENGTH`), the columns (`MAX_POINT_COLUMNS`)
and the rows (`MAX_POINT_ROWS`); past a bound the load stops at once with a `DataError`.

The text is UTF-8 (a byte-order mark is fine), or UTF-16 or UTF-32 with a byte-order mark;
anything else (Latin-1, binary data) is refused with a message saying to save it as UTF-8.
"""

from __future__ import annotations

import csv
import io
import os
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from ganstudio.core.data.files.arrays import encode_labels
from ganstudio.core.data.files.common import (
    LABEL_COLUMNS,
    POINTS_HINT,
    SKIP_LISTED,
    limits,
    open_source,
    os_reason,
    size_text,
)
from ganstudio.errors import DataError
from ganstudio.textfile import text_encoding

_TOO_WIDE_HINT = (
    "A points table holds one example per line, a few numbers each. Images go in a folder of "
    "image files or a .npy array [N, H, W]."
)
_TEXT_HINT = "Save it as UTF-8 text (most editors and spreadsheets offer 'CSV UTF-8')."


@dataclass
class BadRows:
    """The rows skipped for one reason: how many, and the first line numbers."""

    count: int = 0
    lines: list[int] = field(default_factory=list)  # at most SKIP_LISTED + 1: enough to list

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.lines) <= SKIP_LISTED:
            self.lines.append(line)


@dataclass
class Table:
    """What a point table held: the usable rows, their labels, and the rows skipped."""

    x: np.ndarray  # float32 [N, D]
    label_texts: list[str]  # the distinct labels, in the order they first appear
    label_codes: np.ndarray | None  # int32 [N], index into label_texts; None: no label column
    bad: dict[str, BadRows]
    columns: list[str] | None  # header names of the coordinate columns


def read_table(path: Path, name: str, limit: int | None) -> Table:
    """Reads a point table (see the module docstring for its format and bounds).

    Args:
        path: The file.
        name: The file as named in messages.
        limit: Stop after this many usable rows.

    Returns:
        The usable rows as float32, their labels, and the rows skipped by reason.

    Raises:
        DataError: The file cannot be opened, is not UTF-8/16/32 text, is empty, or goes past
            one of the bounds.
    """
    with open_source(path, name) as file:
        size = os.fstat(file.fileno()).st_size
        largest = limits().MAX_TABLE_BYTES
        if size > largest:
            raise DataError(
                f"'{name}' holds {size_text(size)}; a points table may hold "
                f"{size_text(largest)} at most.",
                hint="Save the points as an [N, D] array with np.save (a .npy file).",
            )
        encoding = text_encoding(file.read(4))
        file.seek(0)
        text = io.TextIOWrapper(file, encoding=encoding, errors="strict", newline="")
        try:
            return _parse(text, name, limit)
        except UnicodeDecodeError as err:
            raise DataError(_not_text(name, encoding, err), hint=_TEXT_HINT) from None
        except OSError as err:
            raise DataError(f"could not read '{name}' ({os_reason(err)}).") from None


def _not_text(name: str, encoding: str, err: UnicodeDecodeError) -> str:
    if encoding == "utf-8-sig":
        byte = err.object[err.start : err.start + 1].hex() or "??"
        return f"'{name}' is not UTF-8 or UTF-16 text (byte 0x{byte}: {err.reason})."
    return f"'{name}' is not valid {encoding.upper()} text ({err.reason})."




def _lines(text: TextIO, name: str) -> Iterator[str]:
    """The file's lines, each checked for its length and for NUL characters."""
    longest = limits().MAX_LINE_LENGTH
    number = 0
    while line := text.readline(longest + 1):
        number += 1
        if len(line) > longest and line[-1] not in "\r\n":
            raise DataError(
                f"line {number} of '{name}' is longer than {longest:,} characters.",
                hint=_TOO_WIDE_HINT,
            )
        if "\0" in line:
            raise DataError(
                f"'{name}' holds NUL characters (line {number}): it is binary data, or UTF-16 "
                "text without a byte-order mark, not a text table.",
                hint=_TEXT_HINT,
            )
        yield line


def _rows(
    lines: Iterable[str], delimiter: str | None, name: str
) -> Iterator[tuple[int, list[str]]]:
    """Yields (line number, fields) for each line that is not blank or a `#` comment."""
    if delimiter is None:
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield number, text.split()
        return
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    try:
        for fields in reader:
            if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
                continue
            yield reader.line_num, [f.strip() for f in fields]
    except csv.Error as err:
        raise DataError(
            f"line {reader.line_num} of '{name}' cannot be read ({err}).", hint=POINTS_HINT
        ) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_row(text: TextIO, name: str) -> str | None:
    """The first line that is not blank or a comment, stripped; the stream is rewound."""
    first = next(
        (ln.strip() for ln in _lines(text, name) if ln.strip() and not ln.lstrip().startswith("#")),
        None,
    )
    text.seek(0)
    return first


def _parse(text: TextIO, name: str, limit: int | None) -> Table:
    first = _first_row(text, name)
    delimiter = None if first is None else "," if "," in first else ";" if ";" in first else None
    rows = _rows(_lines(text, name), delimiter, name)
    head_row = next(rows, None)
    if head_row is None:
        raise DataError(f"'{name}' holds no rows (it is empty).", hint=POINTS_HINT)
    head_number, head = head_row
    widest = limits().MAX_POINT_COLUMNS
    if len(head) > widest:
        raise DataError(
            f"'{name}' has {len(head):,} columns; a points table may have {widest:,} at most.",
            hint=_TOO_WIDE_HINT,
        )
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
        raise DataError(f"'{name}' has no columns besides the labels.", hint=POINTS_HINT)

    largest = float(np.finfo(np.float32).max)
    most_rows = limits().MAX_POINT_ROWS
    values = array("f")
    codes = array("i")
    label_index: dict[str, int] = {}
    bad: dict[str, BadRows] = {}
    kept = 0
    for number, fields in _chain(pending, rows):
        if limit is not None and kept >= limit:
            break
        while len(fields) > width and not fields[-1]:
            fields.pop()  # a trailing delimiter
        if len(fields) != width:
            bad.setdefault("wrong number of columns", BadRows()).add(number)
            continue
        try:
            row = [float(fields[i]) for i in coords]
        except ValueError:
            bad.setdefault("not a number", BadRows()).add(number)
            continue
        if not all(abs(v) <= largest for v in row):  # NaN, inf, or beyond float32
            bad.setdefault("not finite", BadRows()).add(number)
            continue
        if label_col is not None:
            label = fields[label_col]
            if not label:
                bad.setdefault("no label", BadRows()).add(number)
                continue
            codes.append(label_index.setdefault(label, len(label_index)))
        if kept == most_rows:
            raise DataError(
                f"'{name}' has more than {most_rows:,} rows of points.",
                hint="Give a limit to load its first rows, or save the points as an [N, D] "
                "array with np.save (a .npy file).",
            )
        values.extend(row)
        kept += 1
    return Table(
        x=np.frombuffer(values, np.float32).reshape(kept, len(coords)),
        label_texts=list(label_index),
        label_codes=np.frombuffer(codes, np.int32) if label_col is not None else None,
        bad=bad,
        columns=[header[i] for i in coords] if header is not None else None,
    )


def _chain(
    pending: list[tuple[int, list[str]]], rows: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from pending
    yield from rows


def labels_from_text(texts: list[str], codes: np.ndarray) -> tuple[np.ndarray, list[str] | None]:
    """Text labels: whole numbers >= 0 are kept; anything else is numbered in sorted order.

    Args:
        texts: The distinct labels.
        codes: Each row's label, as an index into `texts`.

    Returns:
        int32 labels [N], and the class names (`None` when the labels are kept as numbers).
    """
    try:
        numbers = np.asarray([float(v) for v in texts], np.float64)
    except ValueError:
        numbers = None
    if numbers is not None:
        encoded, names = encode_labels(numbers)
        if encoded is not None:
            return encoded[codes], names
    unique, inverse = np.unique(np.asarray(texts, dtype=str), return_inverse=True)
    return inverse.astype(np.int32)[codes], [str(v) for v in unique]
