"""NumPy files (.npy, .npz): reading the arrays, and the labels and captions they hold."""

from __future__ import annotations

import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ganstudio.core.data.base import LoadReport, SkippedFile
from ganstudio.core.data.files.common import (
    CAPTIONS_ARRAY_HINT,
    DEFAULT_MIN_SIZE,
    listed,
    open_source,
    short,
)
from ganstudio.errors import DataError


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Reads `x` (and `y`, `class_names` if present) from a .npz, or a .npy as `x`."""
    with open_source(path, str(path)) as file:
        try:
            loaded = np.load(file, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
            raise DataError(
                f"could not read '{path}' as a NumPy file ({short(err)}).",
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
                    f"could not read the arrays in '{path}' ({short(err)}).",
                    hint="Re-save the file with np.savez(path, x=..., y=...).",
                ) from None
            if "captions" in keys:
                try:
                    arrays["captions"] = loaded["captions"]
                except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
                    raise DataError(
                        f"could not read the captions array in '{path}' ({short(err)}).",
                        hint=CAPTIONS_ARRAY_HINT,
                    ) from None
            return arrays


def array_captions(raw: np.ndarray | None, count: int, source: Path) -> list[str] | None:
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
            hint=CAPTIONS_ARRAY_HINT,
        )
    if values.dtype.kind == "S":
        try:
            texts = [bytes(v).decode("utf-8") for v in values]
        except UnicodeDecodeError:
            raise DataError(
                f"'{source}': the captions array holds bytes that are not UTF-8 text.",
                hint=CAPTIONS_ARRAY_HINT,
            ) from None
    elif values.dtype.kind == "U":
        texts = [str(v) for v in values]
    else:
        raise DataError(
            f"'{source}': captions holds {values.dtype} values, not text.",
            hint=CAPTIONS_ARRAY_HINT,
        )
    if len(texts) != count:
        raise DataError(
            f"'{source}': captions holds {len(texts)} captions but x holds {count} examples.",
            hint="Give exactly one caption per example, in the same order as x.",
        )
    return [" ".join(t.split()) for t in texts]


def kept_examples(
    finite: np.ndarray,
    captions: list[str] | None,
    limit: int | None,
    path: Path,
    report: LoadReport,
    unit: str,
    hint: str,
) -> np.ndarray:
    """The indices of an array's examples to keep, the ones left out summarized in `report`.

    Args:
        finite: bool [N], False for the examples holding NaN or infinite values.
        captions: One caption per example, or `None`: an empty caption leaves its example out.
        limit: Keep at most this many (the first ones).
        path: The file, as named in messages.
        report: Gets a line for the non-finite examples and one for the uncaptioned ones.
        unit: What an example is called: `"images"` or `"rows"`.
        hint: What to do when no example is finite.

    Returns:
        int64 indices, ascending.

    Raises:
        DataError: No example is left.
    """
    name, count = str(path), len(finite)
    what = "images" if unit == "images" else "points"
    bad = np.flatnonzero(~finite)
    if len(bad):
        reason = f"{len(bad)} {unit} skipped (not finite): {listed(bad.tolist(), 'index')}"
        report.skipped.append(SkippedFile(name, reason))
    keep = np.flatnonzero(finite)
    if len(keep) == 0:
        detail = f": all {count} {unit} hold NaN or infinite values" if count else " (it is empty)"
        raise DataError(f"no usable {what} in '{path}'{detail}.", hint=hint)
    keep = _drop_empty_captions(captions, keep, name, report, unit)
    if len(keep) == 0:
        raise DataError(
            f"no usable {what} in '{path}': every caption is empty.", hint=CAPTIONS_ARRAY_HINT
        )
    return keep if limit is None else keep[:limit]


def _drop_empty_captions(
    captions: list[str] | None, keep: np.ndarray, name: str, report: LoadReport, unit: str
) -> np.ndarray:
    """Leaves out the examples (of `keep`) whose caption is empty, and reports them."""
    if captions is None:
        return keep
    empty = [int(i) for i in keep if not captions[i]]
    if not empty:
        return keep
    reason = f"{len(empty)} {unit} skipped (empty caption): {listed(empty, 'index')}"
    report.skipped.append(SkippedFile(name, reason))
    plural = "s are" if len(empty) > 1 else " is"
    report.caption_issues.append(
        f"{len(empty)} caption{plural} empty ({listed(empty, 'index')}); "
        f"{'those' if len(empty) > 1 else 'that'} {unit} left out."
    )
    return np.asarray([i for i in keep if captions[i]], dtype=np.int64)


def square_side(width: int) -> int:
    """The side of a square image of `width` pixels (784 -> 28), or 0 if there is none."""
    side = math.isqrt(width)
    return side if side * side == width else 0


def holds_points(x: np.ndarray) -> bool:
    """True when an array is points ([N] or [N, D]), not (flattened) images."""
    if x.ndim <= 1:
        return True
    return x.ndim == 2 and square_side(x.shape[1]) < DEFAULT_MIN_SIZE


def array_labels(
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
    labels, class_names = encode_labels(y)
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


def encode_labels(values: np.ndarray) -> tuple[np.ndarray | None, list[str] | None]:
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

