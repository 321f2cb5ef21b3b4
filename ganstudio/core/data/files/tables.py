"""Point tables (.csv, .tsv, .txt, .dat): one example per line, parsed into numbers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

from ganstudio.core.data.files.arrays import encode_labels
from ganstudio.core.data.files.common import LABEL_COLUMNS, POINTS_HINT
from ganstudio.errors import DataError


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
class Table:
    """What a point table held: the usable rows, their labels, and the rows skipped."""

    values: list[list[float]]
    labels: list[str]
    bad: dict[str, list[int]]
    columns: list[str] | None  # header names of the coordinate columns
    labeled: bool




def parse_table(stream: IO[str], name: str, limit: int | None) -> Table:
    first = next(
        (ln.strip() for ln in stream if ln.strip() and not ln.lstrip().startswith("#")), None
    )
    delimiter = None if first is None else "," if "," in first else ";" if ";" in first else None
    stream.seek(0)
    rows = _rows(stream, delimiter)
    head_row = next(rows, None)
    if head_row is None:
        raise DataError(f"'{name}' holds no rows (it is empty).", hint=POINTS_HINT)
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
        raise DataError(f"'{name}' has no columns besides the labels.", hint=POINTS_HINT)

    largest = float(np.finfo(np.float32).max)
    table = Table(
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


def labels_from_text(labels: list[str]) -> tuple[np.ndarray, list[str] | None]:
    """Text labels: whole numbers >= 0 are kept; anything else is numbered in sorted order."""
    try:
        numbers = np.asarray([float(v) for v in labels], np.float64)
    except ValueError:
        numbers = None
    if numbers is not None:
        encoded, names = encode_labels(numbers)
        if encoded is not None:
            return encoded, names
    unique, inverse = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    return inverse.astype(np.int32), [str(v) for v in unique]
