"""NumPy files (.npy, .npz): reading the arrays, and the labels and captions they hold."""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path
from typing import IO

import numpy as np

from ganstudio.core.data.base import LoadReport, SkippedFile
from ganstudio.core.data.files.common import (
    CAPTIONS_ARRAY_HINT,
    DEFAULT_MIN_SIZE,
    Skip,
    limits,
    listed,
    open_source,
    short,
    size_text,
)
from ganstudio.core.data.files.zip_members import open_member
from ganstudio.errors import DataError

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a member first, or an empty archive
_KEYS = ("x", "y", "class_names", "captions")
_FILE_HINT = (
    "Save arrays with np.savez(path, x=..., y=...) or np.save; object arrays (pickles) are not "
    "loaded."
)
_RESAVE_HINT = "Save the file again with np.savez(path, x=..., y=...) or np.save(path, x)."
_CHUNK = 16 * 1024 * 1024


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Reads `x` (and `y`, `class_names`, `captions` if present) from a .npz, or a .npy as `x`.

    Each array's header is read first: an array that would take more than `MAX_ARRAY_BYTES`
    (all of a file's arrays together), a file shorter than its header says, a header longer
    than `MAX_NPY_HEADER_BYTES` and an array of Python objects are refused before any data is
    read. A .npz member is unpacked a bounded piece at a time (see `zip_members`).

    Args:
        path: A .npy or .npz file (told apart by its contents, as `np.load` does).

    Returns:
        The arrays by name; a .npy gives `{"x": array}`.

    Raises:
        DataError: The file cannot be opened, is not NumPy data, has no `x`, or an array is
            refused (the message names it and says why).
    """
    name = str(path)
    with open_source(path, name) as file:
        magic = file.read(len(_NPY_MAGIC))
        file.seek(0)
        if magic == _NPY_MAGIC:
            size = os.fstat(file.fileno()).st_size
            budget = limits().MAX_ARRAY_BYTES
            return {"x": _read_array(file, size, f"'{name}'", _FILE_HINT, budget)}
        if magic[:4] in _ZIP_MAGICS:
            return _read_npz(file, name)
    raise DataError(
        f"could not read '{name}' as a NumPy file (it holds neither .npy nor .npz data).",
        hint=_FILE_HINT,
    )


def _read_npz(file: IO[bytes], name: str) -> dict[str, np.ndarray]:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise DataError(
            f"could not read '{name}' as a NumPy file ({short(err)}).", hint=_FILE_HINT
        ) from None
    with archive:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            members.setdefault(key, info)
        if "x" not in members:
            have = ", ".join(f"'{k}'" for k in members) or "no arrays"
            raise DataError(
                f"'{name}' has no array named 'x' (it has: {have}).",
                hint="Save the examples as x (and integer labels as y): "
                "np.savez(path, x=examples, y=labels).",
            )
        budget = limits().MAX_ARRAY_BYTES
        arrays: dict[str, np.ndarray] = {}
        for key in _KEYS:
            if key not in members:
                continue
            info = members[key]
            what = f"the {key} array in '{name}'"
            hint = CAPTIONS_ARRAY_HINT if key == "captions" else _RESAVE_HINT
            try:
                with open_member(file, info) as member:
                    arrays[key] = _read_array(member, info.file_size, what, hint, budget)
                    member.read(1)  # at the member's end, this checks its size and CRC-32
            except Skip as skip:
                raise DataError(f"could not read {what} ({skip.reason}).", hint=hint) from None
            budget -= arrays[key].nbytes
        return arrays


def _read_array(
    stream: IO[bytes], available: int, what: str, hint: str, budget: int
) -> np.ndarray:
    """One .npy array from `stream`, whose header is checked before any data is read.

    Args:
        stream: At the start of the .npy data.
        available: How many bytes the .npy data takes (the file's or member's size).
        what: The array as named in messages ("'x.npy'", "the y array in 'd.npz'").
        hint: What to do when the array is refused.
        budget: The most bytes the array may take.
    """
    shape, fortran_order, dtype, header_size = _read_header(stream, what, hint)
    if dtype.hasobject:
        raise DataError(f"{what} holds Python objects (dtype=object), which are not loaded.",
                        hint=hint)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    shown = f"a {'×'.join(str(n) for n in shape) or 'scalar'} {dtype} array"
    if nbytes > budget:
        raise DataError(
            f"{what} is {shown} of {size_text(nbytes)}: more than the {size_text(budget)} "
            "loaded arrays may take on this machine.",
            hint="Save fewer examples per file, or images as uint8 (1 byte a value) rather "
            "than float64 (8).",
        )
    follows = available - header_size
    if follows < nbytes:
        raise DataError(
            f"{what} is truncated: its header says {shown} of {nbytes:,} bytes but only "
            f"{max(follows, 0):,} follow.",
            hint="The file was cut short (an interrupted copy or download?): save it again.",
        )
    array = np.empty(count, dtype)
    if nbytes:
        view = memoryview(array.view(np.uint8))
        done = 0
        while done < nbytes:
            got = stream.readinto(view[done : done + _CHUNK])
            if not got:
                raise DataError(f"{what} is truncated: its data ends after {done:,} of "
                                f"{nbytes:,} bytes.", hint=hint)
            done += got
    return array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)


def _read_header(
    stream: IO[bytes], what: str, hint: str
) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, Fortran order, dtype, header size) of .npy data, read with numpy's own parser.

    The header's length field is checked before the header is read: a corrupt one can claim
    up to 4 GiB.
    """
    magic = _read_exact(stream, len(_NPY_MAGIC) + 2)
    if len(magic) < len(_NPY_MAGIC) + 2 or not magic.startswith(_NPY_MAGIC):
        raise DataError(f"could not read {what}: it is not NumPy .npy data.", hint=hint)
    version = (magic[-2], magic[-1])
    if version not in ((1, 0), (2, 0)):
        raise DataError(
            f"could not read {what}: NumPy format version {version[0]}.{version[1]} is not "
            "read here.",
            hint=_RESAVE_HINT,
        )
    length_field = _read_exact(stream, 2 if version == (1, 0) else 4)
    length = int.from_bytes(length_field, "little")
    max_length = limits().MAX_NPY_HEADER_BYTES
    if length > max_length:
        raise DataError(
            f"could not read {what}: its header claims {length:,} bytes, more than the "
            f"{max_length:,} a NumPy header may have (it is corrupt, or not NumPy data).",
            hint=hint,
        )
    header = length_field + _read_exact(stream, length)
    parse = np.lib.format.read_array_header_1_0
    if version == (2, 0):
        parse = np.lib.format.read_array_header_2_0
    try:
        shape, fortran_order, dtype = parse(io.BytesIO(header), max_header_size=max_length)
    except (ValueError, TypeError, SyntaxError) as err:
        raise DataError(f"could not read {what}: its header is not valid ({short(err)}).",
                        hint=hint) from None
    if any(n < 0 for n in shape):
        raise DataError(f"could not read {what}: its header gives the shape {shape}.", hint=hint)
    return shape, fortran_order, dtype, len(magic) + len(header)


def _read_exact(stream: IO[bytes], count: int) -> bytes:
    """`count` bytes, or fewer only at the end of the stream."""
    parts, left = [], count
    while left:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


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

