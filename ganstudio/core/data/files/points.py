"""Points: `load_points`, and the point `Dataset` of a table or of an [N, D] array."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganstudio.core.data.base import POINTS, Dataset, LoadReport, SkippedFile
from ganstudio.core.data.files.arrays import (
    array_captions,
    array_labels,
    kept_examples,
    read_arrays,
)
from ganstudio.core.data.files.common import (
    ARRAY_SUFFIXES,
    POINTS_HINT,
    POINTS_SUFFIXES,
    PathLike,
    check_limit,
    existing_path,
    listed,
    user_dataset,
)
from ganstudio.core.data.files.tables import labels_from_text, read_table
from ganstudio.errors import DataError


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
        DataError: The file does not exist or cannot be read (a pipe or device, text that is
            not UTF-8/16/32), a table goes past a bound (`MAX_TABLE_BYTES`,
            `MAX_LINE_LENGTH`, `MAX_POINT_COLUMNS`, `MAX_POINT_ROWS`), an array has the wrong
            shape or is refused from its header, or no usable row is left.
        ConfigError: `limit` is not a positive whole number.
    """
    limit = check_limit(limit)
    file = existing_path(path)
    if file.is_dir():
        raise DataError(f"'{path}' is a folder; points come from one file.", hint=POINTS_HINT)
    suffix = file.suffix.lower()
    if suffix in ARRAY_SUFFIXES:
        return points_from_arrays(file, read_arrays(file), limit)
    if suffix in POINTS_SUFFIXES:
        return _points_from_table(file, str(path), limit)
    raise DataError(
        f"'{path}' is not a points file (suffix '{suffix}'): expected "
        f"{', '.join(POINTS_SUFFIXES + ARRAY_SUFFIXES)}.",
        hint=POINTS_HINT,
    )


def _points_dataset(
    name: str,
    x: np.ndarray,
    y: np.ndarray | None,
    class_names: list[str] | None,
    report: LoadReport,
    columns: list[str] | None = None,
    captions: list[str] | None = None,
) -> Dataset:
    report.files_read = 1
    dims = f" ({', '.join(columns)})" if columns else ""
    what = f"points in {x.shape[1]}-D{dims}"
    return user_dataset(name, POINTS, x, y, class_names, report, what, captions)


def points_from_arrays(path: Path, arrays: dict[str, np.ndarray], limit: int | None) -> Dataset:
    """The point `Dataset` of a .npz/.npy whose `x` is [N, D] or [N]; non-finite rows skipped.

    Raises:
        DataError: `x` is not numbers of shape [N, D], no row is usable, or its labels or
            captions do not match it.
    """
    x = np.asarray(arrays["x"])
    name = str(path)
    if x.dtype.kind not in "biuf":
        raise DataError(f"'{path}' holds {x.dtype} values, not numbers.", hint=POINTS_HINT)
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or x.shape[1] < 1:
        raise DataError(
            f"'{path}' holds an array of shape {tuple(x.shape)}; points need [N, D], D >= 1.",
            hint=POINTS_HINT,
        )
    count = len(x)
    y, class_names = array_labels(arrays.get("y"), count, path, arrays.get("class_names"))
    captions = array_captions(arrays.get("captions"), count, path)
    values = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        finite = (np.abs(values) <= np.finfo(np.float32).max).all(axis=1)
    report = LoadReport(source=name)
    keep = kept_examples(finite, captions, limit, path, report, "rows", POINTS_HINT)
    points = values[keep].astype(np.float32)
    labels = y[keep] if y is not None else None
    kept_captions = [captions[i] for i in keep] if captions is not None else None
    return _points_dataset(name, points, labels, class_names, report, captions=kept_captions)


def _points_from_table(path: Path, name: str, limit: int | None) -> Dataset:
    table = read_table(path, name, limit)
    report = LoadReport(source=name)
    for category, rows in table.bad.items():
        reason = f"{rows.count} rows skipped ({category}): {listed(rows.lines, 'lines')}"
        report.skipped.append(SkippedFile(name, reason))
    if not len(table.x):
        if not table.bad:
            raise DataError(f"'{name}' has a header but no rows.", hint=POINTS_HINT)
        total = sum(rows.count for rows in table.bad.values())
        detail = ", ".join(f"{rows.count} {k}" for k, rows in table.bad.items())
        raise DataError(
            f"no usable points in '{name}': {total} rows skipped ({detail}).", hint=POINTS_HINT
        )
    y, class_names = None, None
    if table.label_codes is not None:
        y, class_names = labels_from_text(table.label_texts, table.label_codes)
    return _points_dataset(name, table.x, y, class_names, report, table.columns)
