"""A folder that holds two domains side by side: `A/` and `B/` (or CycleGAN's `trainA/`, `trainB/`).

A folder is read as two domains when its subfolders (hidden ones aside) are exactly `A` and `B`,
or are `trainA` and `trainB` with, optionally, `testA` and `testB` (the layout of CycleGAN's
datasets; the test folders are not read). Names match as written: lower-case `a/` and `b/` stay
two classes of one dataset (classes named exactly `A` and `B` need other names to be read as
one dataset). Each domain is then an ordinary dataset folder of its own (its subfolders are its classes); files lying beside the
two folders are not read. A folder with `A/` (or `trainA/`) alone, or `B/` alone, is a
mistake the loader names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ganstudio.core.data.files.common import PathLike
from ganstudio.core.data.files.sources import hidden

# (A's folder, B's folder, folders allowed beside them)
PAIR_LAYOUTS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("A", "B", frozenset()),
    ("trainA", "trainB", frozenset({"testA", "testB"})),
)


@dataclass(frozen=True)
class PairFolders:
    """The two domains' folders found in a folder (one may be missing: a half layout).

    Args:
        root: The folder looked in.
        a: Domain A's folder, or `None`.
        b: Domain B's folder, or `None`.
    """

    root: Path
    a: Path | None
    b: Path | None

    @property
    def complete(self) -> bool:
        """Whether both domains' folders are there."""
        return self.a is not None and self.b is not None


def find_pair_folders(source: PathLike) -> PairFolders | None:
    """Looks for the two-domain layout in a folder.

    Args:
        source: A path (anything but a folder gives `None`).

    Returns:
        `None` when `source` is not a folder laid out as two domains; else the `PairFolders`
        found, complete (`A/` and `B/`) or half (`A/` alone or `B/` alone: no other subfolder
        beside it), which the caller reports as a mistake.

    Example:
        >>> find_pair_folders("horse2zebra")  # doctest: +SKIP
        PairFolders(root=PosixPath('horse2zebra'), a=PosixPath('horse2zebra/trainA'), ...)
    """
    root = Path(source).expanduser()
    try:
        if not root.is_dir():
            return None
        subfolders = {child.name: child for child in root.iterdir()
                      if not hidden(child.name) and child.is_dir()}
    except OSError:  # unreadable: the ordinary loader says why
        return None
    names = set(subfolders)
    for a, b, beside in PAIR_LAYOUTS:
        found = names & {a, b}
        if found and names <= {a, b} | beside:
            return PairFolders(root, subfolders.get(a), subfolders.get(b))
    return None
