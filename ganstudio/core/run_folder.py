"""What may be written where: run folders and exports never overwrite what they do not own.

A run folder holds one run (its `config.toml`, `checkpoints/`, `history.json`, `run.json`,
`generator/`, `samples.png`); an export folder holds one SavedModel with GAN Studio's metadata.
Before anything is written, `check_run_target` and `check_export_target` look at the destination:
a missing or empty folder is fine, the run's own folder is fine, and anything else is refused
with a message that says what is there and what to do. `RunLock` keeps a second process from
writing into a run folder while one is writing it.

The studio's networks that are saved nowhere yet train into an autosave folder
(`autosave_folder`); one that no live process holds any more was left by a crash, and
`adopt_autosaves` keeps it as an ordinary run folder.

No TensorFlow here: the CLI checks its destination before it starts TensorFlow.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ganstudio.errors import ConfigError

__all__ = ["AUTOSAVE_PREFIX", "LOCK_FILE", "KeptRun", "RunLock", "adopt_autosaves",
           "autosave_folder", "check_export_target", "check_run_target", "folder_in_use",
           "folder_state", "is_export_folder", "is_own_export", "is_run_folder", "recovery_name",
           "remove_autosave", "same_folder"]

LOCK_FILE = ".ganstudio.lock"
EXPORT_METADATA = ("assets", "ganstudio.json")
RUN_MARKERS = ("config.toml", "run.json", "history.json", "checkpoints")


def is_export_folder(path: str | Path) -> bool:
    """True when `path` holds a SavedModel written by GAN Studio."""
    path = Path(path)
    return (path / "saved_model.pb").is_file() and path.joinpath(*EXPORT_METADATA).is_file()


def is_run_folder(path: str | Path) -> bool:
    """True when `path` holds a run written by GAN Studio (`ganstudio train`, Save run)."""
    path = Path(path)
    return path.is_dir() and any((path / name).exists() for name in RUN_MARKERS)


def folder_state(path: str | Path) -> str:
    """What is at `path`: `missing`, `file`, `empty`, `export`, `run` or `other`."""
    path = Path(path)
    if not path.exists():
        return "missing"
    if not path.is_dir():
        return "file"
    try:
        names = [p.name for p in path.iterdir() if p.name != LOCK_FILE]
    except OSError as exc:
        raise ConfigError(f"cannot read {str(path)!r}: {exc.strerror or exc}.",
                          "Choose a folder you can read and write.") from None
    if not names:
        return "empty"
    if is_export_folder(path):
        return "export"
    if is_run_folder(path):
        return "run"
    return "other"


def same_folder(a: str | Path | None, b: str | Path) -> bool:
    """True when `a` and `b` are the same folder (`a` may be `None`: never)."""
    if a is None:
        return False
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def check_run_target(path: str | Path, own: str | Path | None = None) -> None:
    """Refuses a run folder that holds something other than this run.

    Args:
        path: Where the run will write.
        own: This run's own folder (the folder it resumed from or already wrote), which it may
            write again.

    Raises:
        ConfigError: when `path` is a file, another run's folder, or a non-empty folder that is
            not a run; nothing there is changed.
    """
    state = folder_state(path)
    if state in ("missing", "empty") or same_folder(own, path):
        return
    shown = str(path)
    if state == "file":
        raise ConfigError(f"{shown!r} is a file, not a folder.", "Choose a folder for the run.")
    if state == "run":
        raise ConfigError(
            f"{shown!r} holds an earlier run; a new run there would mix its checkpoints with "
            "the old ones.",
            f"Continue it with `ganstudio train --resume {shown}`, or choose a new folder.")
    raise ConfigError(
        f"{shown!r} is not empty and is not a GAN Studio run; nothing in it was changed.",
        "Choose a new or empty folder.")


def is_own_export(path: str | Path, run_dir: str | Path | None) -> bool:
    """True when `path` is the run's own `generator/` folder, which the run may replace."""
    return run_dir is not None and same_folder(Path(run_dir) / "generator", path)


def check_export_target(path: str | Path, replace: bool = False) -> None:
    """Refuses an export destination that holds anything but an earlier export (or, without
    `replace`, an earlier export too).

    Args:
        path: The export folder.
        replace: Allow replacing an earlier GAN Studio export there (`--force`; a run's own
            `generator/` folder).

    Raises:
        ConfigError: when `path` is a file, a folder with other files, or (without `replace`)
            an earlier export; nothing there is changed.
    """
    state = folder_state(path)
    shown = str(path)
    if state in ("missing", "empty") or state == "export" and replace:
        return
    if state == "file":
        raise ConfigError(f"{shown!r} is a file; an export is a folder.",
                          "Choose a new folder for the export.")
    if state == "export":
        raise ConfigError(f"{shown!r} holds an earlier export.",
                          "Add --force to replace it, or choose a new folder.")
    raise ConfigError(
        f"{shown!r} is not empty and is not a GAN Studio export; nothing in it was changed.",
        "Choose a new or empty folder for the export.")


class RunLock:
    """An exclusive, advisory lock on a run folder for as long as one process writes it.

    The lock is the `.ganstudio.lock` file's `flock` (released by the system when the process
    ends, also when it is killed). Within one process the lock is shared: a second `RunLock`
    on the same folder (the CLI's, then the session's) counts up instead of refusing. Without
    `fcntl` (Windows) it does nothing.

    Args:
        folder: The run folder (created if needed).

    Raises:
        ConfigError: from `acquire` when another process holds the lock.

    Example:

    ```python
    with RunLock(out):
        session.run()
    ```
    """

    _held: ClassVar[dict[str, list]] = {}  # real path -> [open lock file, holders]
    _guard = threading.Lock()

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._key: str | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._key is not None

    def acquire(self) -> RunLock:
        """Takes the lock (at once, or raises); taking it twice through one object is a no-op."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        if self._key is not None:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        key = os.path.realpath(self.folder)
        with RunLock._guard:
            entry = RunLock._held.get(key)
            if entry is not None:
                entry[1] += 1
                self._key = key
                return self
            fh = open(self.folder / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - held
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise ConfigError(f"{str(self.folder)!r} is being written by {holder}.",
                                  "Wait for that run to end, or choose another folder.") from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"ganstudio process {os.getpid()}")
            fh.flush()
            RunLock._held[key] = [fh, 1]
            self._key = key
        return self

    def release(self) -> None:
        """Lets the lock go (the file stays; it is empty of meaning without the lock)."""
        if self._key is None:
            return
        with RunLock._guard:
            entry = RunLock._held.get(self._key)
            if entry is not None:
                entry[1] -= 1
                if entry[1] <= 0:
                    entry[0].close()
                    del RunLock._held[self._key]
            self._key = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- the studio's autosave and kept runs ----------------------------------------------------------

AUTOSAVE_PREFIX = "autosave-"
"""The name of a run folder the studio writes while its networks are not saved anywhere."""


def recovery_name(shown: str) -> str:
    """A kept run's folder name: the data's name made safe for a path, and the time now
    (`ring8-20261201-061500`)."""
    name = re.sub(r"[^\w.-]+", "_", Path(shown).name).strip("._") or "run"
    return f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


def autosave_folder(root: str | Path, shown: str) -> Path:
    """A new autosave folder's path under `root` (not created): `autosave-<name>-<time>`, with
    a number added when two runs start within one second."""
    base = Path(root) / f"{AUTOSAVE_PREFIX}{recovery_name(shown)}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def folder_in_use(folder: str | Path) -> bool:
    """True when a live process (this one included) holds `folder`'s `RunLock`."""
    folder = Path(folder)
    if not folder.is_dir():
        return False
    if os.path.realpath(folder) in RunLock._held:
        return True
    try:
        RunLock(folder).acquire().release()  # taken at once only when nobody holds it
    except (ConfigError, OSError):  # held elsewhere, or unreadable: leave it alone
        return True
    return False


@dataclass(frozen=True)
class KeptRun:
    """An autosave left by a studio that did not close (`adopt_autosaves`).

    Attributes:
        folder: The run folder now (renamed without the `autosave-` prefix).
        step: The step of its last checkpoint.
    """

    folder: Path
    step: int


def adopt_autosaves(root: str | Path) -> list[KeptRun]:
    """Finds the autosave folders under `root` that no live process writes (their studio
    crashed or was killed) and keeps them as ordinary run folders, newest first.

    One with a checkpoint is renamed without its `autosave-` prefix, so it is found once and
    opens like any saved run; one without (killed before its first autosave) holds nothing to
    keep and is deleted.

    Args:
        root: The studio's kept-runs folder.

    Returns:
        The runs kept, newest first.
    """
    from ganstudio.core.checkpoint import checkpoint_step, latest_checkpoint

    root = Path(root)
    try:
        found = sorted((p for p in root.iterdir()
                        if p.is_dir() and p.name.startswith(AUTOSAVE_PREFIX)),
                       key=lambda p: p.name, reverse=True)
    except OSError:
        return []
    kept: list[KeptRun] = []
    for folder in found:
        if folder_in_use(folder) or (folder / "run.json").is_file():  # live, or saved there
            continue
        latest = latest_checkpoint(folder / "checkpoints")
        if latest is None:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        target = root / folder.name[len(AUTOSAVE_PREFIX):]
        n = 1
        while target.exists():
            n += 1
            target = root / f"{folder.name[len(AUTOSAVE_PREFIX):]}-{n}"
        try:
            folder.rename(target)
        except OSError:
            target = folder  # kept where it is; still openable
        kept.append(KeptRun(target, checkpoint_step(latest)))
    return kept


def remove_autosave(folder: str | Path) -> None:
    """Deletes an autosave folder (its run was saved elsewhere or discarded); anything that is
    not one is left alone."""
    folder = Path(folder)
    if folder.name.startswith(AUTOSAVE_PREFIX) and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
