"""Atomic checkpoints of the whole training state, and resume.

A checkpoint is one `.npz` file holding every variable (weights, optimizer slots, the random
seed state) and a JSON metadata string (config, step, normalizer). It is written to a temporary
file in the same folder and moved into place with `os.replace`, so a crash mid-write leaves the
previous checkpoint as it was. `latest.json` names the newest one; it is rewritten the same way.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.errors import ModelError, TrainingError

_NAME = re.compile(r"^ckpt-(\d{8,})\.npz$")
META_KEY = "__meta__"
STALE_TMP_SECONDS = 3600.0  # a temporary checkpoint file this old was left by a killed run


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint read from disk."""

    path: Path
    step: int
    arrays: list[np.ndarray]
    meta: dict[str, Any]


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _current_umask()  # read once, at import (setting it is process-wide)


def normal_permissions(path: str | Path) -> None:
    """Gives a file made by `tempfile` (0600, or 0700 for a folder) the permissions any other
    new file gets under the user's umask (usually 0644 / 0755)."""
    path = Path(path)
    mode = 0o777 if path.is_dir() else 0o666
    os.chmod(path, mode & ~UMASK)


def _atomic_write_bytes(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    normal_permissions(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Writes a text file so that readers see the old or the new content, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(path, lambda fh: fh.write(text.encode("utf-8")))


def save_checkpoint(folder: str | Path, step: int, values: list[np.ndarray], meta: dict[str, Any],
                    keep: int = 3) -> Path:
    """Writes `ckpt-<step>.npz` atomically, points `latest.json` at it, keeps the newest `keep`.

    Args:
        folder: The checkpoints folder (created if needed).
        step: Training step of this state.
        values: Every state variable's value, in the recipe's stable order.
        meta: JSON-friendly metadata (config, normalizer, family, ...).
        keep: How many checkpoints to keep.

    Returns:
        The checkpoint's path.
    """
    folder = Path(folder)
    bad = count_non_finite(values)
    if bad:
        raise TrainingError(
            f"not saving a checkpoint at step {step}: {bad} state variables hold NaN or "
            f"infinite values (training diverged); {last_good_checkpoint(folder)}.",
            "Resume from it with lower learning rates, or use wgan-gp or spectral "
            "normalization.")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"ckpt-{step:08d}.npz"
    payload = {f"v{i:05d}": np.asarray(v) for i, v in enumerate(values)}
    payload[META_KEY] = np.array(json.dumps({**meta, "step": step}))
    _atomic_write_bytes(path, lambda fh: np.savez(fh, **payload))
    atomic_write_text(folder / "latest.json", json.dumps({"checkpoint": path.name, "step": step}))
    # Only checkpoints older than this one are pruned: a later-numbered file is not this run's
    # history, and never deleted here.
    older = [p for p in list_checkpoints(folder) if checkpoint_step(p) < step]
    for old in older[: max(0, len(older) - (keep - 1))]:
        old.unlink(missing_ok=True)
    for stale in folder.glob(".ckpt-*.tmp"):  # left by a process killed mid-write
        if _older_than(stale, STALE_TMP_SECONDS):
            stale.unlink(missing_ok=True)
    return path


def checkpoint_step(path: Path) -> int:
    """The step in a checkpoint file's name (`ckpt-00001000.npz` -> 1000)."""
    return int(_NAME.match(path.name).group(1))


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


def count_non_finite(values: list[np.ndarray]) -> int:
    """How many of the arrays hold a NaN or an infinity (integer arrays never do)."""
    return sum(1 for v in values if np.issubdtype(np.asarray(v).dtype, np.floating)
               and not np.isfinite(v).all())


def last_good_checkpoint(folder: str | Path | None) -> str:
    """Where a diverged run can go back to, for its error message: "the last good checkpoint
    is ckpt-….npz" (all checkpoints are finite), or that there is none."""
    good = latest_checkpoint(folder) if folder is not None else None
    return (f"the last good checkpoint is {good.name}" if good is not None
            else "there is no earlier checkpoint")


def latest_checkpoint(folder: str | Path) -> Path | None:
    """The checkpoint `latest.json` names (if it exists), else the highest-numbered one."""
    folder = Path(folder)
    try:
        name = json.loads((folder / "latest.json").read_text(encoding="utf-8"))["checkpoint"]
        named = folder / str(name)
        if _NAME.match(named.name) and named.is_file():
            return named
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = list_checkpoints(folder)
    return found[-1] if found else None


def list_checkpoints(folder: str | Path) -> list[Path]:
    """Returns the checkpoint files in `folder`, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _NAME.match(p.name)]
    return sorted(found, key=checkpoint_step)


def find_checkpoint_folder(path: str | Path) -> Path:
    """Accepts a run folder (with `checkpoints/`) or a checkpoints folder itself."""
    path = Path(path)
    if (path / "checkpoints").is_dir():
        return path / "checkpoints"
    return path


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Reads the newest good checkpoint from a run folder, a checkpoints folder or a file.

    In a folder, the newest is the one `latest.json` names; a checkpoint that cannot be read
    (for instance cut short by a full disk) is skipped in favour of the one before it.

    Raises:
        ModelError: if there is no readable checkpoint there.
    """
    path = Path(path)
    if path.is_file():
        candidates = [path]
    else:
        folder = find_checkpoint_folder(path)
        if not folder.is_dir():
            raise ModelError(f"no checkpoints at {str(path)!r}: the folder does not exist.",
                             "Give the --out folder of an earlier run.")
        candidates = list(reversed(list_checkpoints(folder)))
        latest = latest_checkpoint(folder)
        if latest is not None:  # the one latest.json names first, then the older ones
            step = checkpoint_step(latest)
            candidates = [latest] + [p for p in candidates if checkpoint_step(p) < step]
        if not candidates:
            raise ModelError(f"no checkpoints in {str(folder)!r}.",
                             "Give the --out folder of an earlier run that saved checkpoints.")
    errors = []
    for candidate in candidates:
        try:
            with np.load(candidate, allow_pickle=False) as data:
                meta = json.loads(str(data[META_KEY]))
                keys = sorted(k for k in data.files if k != META_KEY)
                arrays = [data[k] for k in keys]
            return Checkpoint(candidate, int(meta["step"]), arrays, meta)
        except Exception as exc:  # a damaged file: try the one before
            errors.append(f"{candidate.name}: {type(exc).__name__}")
    raise ModelError(f"no readable checkpoint at {str(path)!r} ({'; '.join(errors)}).")


def restore_values(variables: list, arrays: list[np.ndarray]) -> None:
    """Assigns saved arrays to variables, checking count and shapes first.

    Raises:
        ModelError: if the checkpoint was made with a different architecture.
    """
    if len(variables) != len(arrays):
        raise ModelError(
            f"the checkpoint holds {len(arrays)} variables but this model has {len(variables)}.",
            "Resume with the same dataset, net and objective settings it was trained with.",
        )
    for var, value in zip(variables, arrays, strict=True):
        if tuple(var.shape) != tuple(value.shape):
            raise ModelError(
                f"checkpoint variable {getattr(var, 'path', var.name)} has shape {value.shape}, "
                f"the model expects {tuple(var.shape)}.",
                "Resume with the same dataset, net and objective settings it was trained with.",
            )
    for var, value in zip(variables, arrays, strict=True):
        var.assign(value)
