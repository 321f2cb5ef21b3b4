"""Two-domain data for unpaired translation: domain A, domain B, and where it is known, the truth.

A two-domain `Dataset` is domain A with domain B in `domain_b`. The built-in pairs split their
source examples in two disjoint halves (stratified by class, so both halves hold every class),
A from one half and B made from the other: training never sees an example in both domains.
Where the true mapping is known, `truth` holds every source example beside its true image in
the other domain, for the metrics only (the mean absolute error of each direction).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ganstudio.core.data.base import IMAGES, POINTS, Dataset

SPLIT_SEED = 12345  # the built-in pairs' A/B split: fixed, so every run trains on the same halves


@dataclass(frozen=True)
class PairTruth:
    """Aligned examples of both domains, where the true mapping between them is known.

    Args:
        a: [N, ...] examples of domain A (for the digit pairs: all 1,797 digits).
        b: [N, ...] the true image of each `a` in domain B.
        y: [N] the examples' labels, or `None`.
    """

    a: np.ndarray
    b: np.ndarray
    y: np.ndarray | None = None

    def __len__(self) -> int:
        return int(len(self.a))


def split_halves(labels: np.ndarray, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Splits example indices in two disjoint halves, each holding about half of every class.

    Args:
        labels: [N] integer labels (one class for unlabelled data: pass zeros).
        seed: The split's seed.

    Returns:
        (indices of half A, indices of half B), each sorted; together they are `0..N-1`, with
        no index in both.
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    first, second = [], []
    for value in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == value))
        cut = (len(idx) + rng.integers(0, 2)) // 2  # odd classes alternate at random
        first.append(idx[:cut])
        second.append(idx[cut:])
    return np.sort(np.concatenate(first)), np.sort(np.concatenate(second))


def inverted(x: np.ndarray) -> np.ndarray:
    """The `digits2inverted` mapping: 1 − x (images in [0, 1])."""
    return (1.0 - np.asarray(x, np.float32)).astype(np.float32)


def edges(x: np.ndarray) -> np.ndarray:
    """The `digits2edges` mapping (CoGAN's): clip(grey dilation of x with a 3×3 window − x, 0, 1).

    Args:
        x: [N, H, W, C] images in [0, 1]; the dilation runs over H and W (outside the image
            counts as 0).

    Returns:
        The edge images, same shape, float32 in [0, 1].
    """
    x = np.asarray(x, np.float32)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, w = x.shape[1:3]
    dilated = np.max([padded[:, i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=0)
    return np.clip(dilated - x, 0.0, 1.0).astype(np.float32)


def mapped_pair(source: Dataset, name: str, mapping, names: tuple[str, str],
                description: str, seed: int = SPLIT_SEED) -> Dataset:
    """A two-domain dataset from labelled images and a known mapping A → B.

    Args:
        source: The labelled source examples (domain A's kind of example).
        name: The pair's registry name.
        mapping: numpy function from A examples to their true B images.
        names: The domains' names (A, B).
        description: One line for listings.
        seed: The split's seed.

    Returns:
        Domain A (one half of `source`) with `domain_b` (the mapping of the other half) and
        `truth` (every source example beside its mapping).
    """
    half_a, half_b = split_halves(source.y if source.y is not None
                                  else np.zeros(len(source), np.int32), seed)
    a = source.take(half_a)
    b = source.take(half_b)
    b = Dataset(f"{name}:B", b.kind, mapping(b.x), b.y, b.class_names,
                description=f"{names[1]} ({len(b)})")
    a = Dataset(name, a.kind, a.x, a.y, a.class_names, description=description,
                domain_b=b, domain_names=names,
                truth=PairTruth(source.x, mapping(source.x), source.y))
    return a


def digits2inverted(seed: int = SPLIT_SEED) -> Dataset:
    """scikit-learn's digits (A) and inverted digits 1 − x (B), from disjoint halves."""
    from ganstudio.core.data.builtin import digits

    return mapped_pair(digits(), "digits2inverted", inverted, ("digits", "inverted digits"),
                       "digits ↔ inverted digits (B = 1 − A), disjoint halves", seed)


def digits2edges(seed: int = SPLIT_SEED) -> Dataset:
    """scikit-learn's digits (A) and their edges (B, CoGAN's recipe), from disjoint halves."""
    from ganstudio.core.data.builtin import digits

    return mapped_pair(digits(), "digits2edges", edges, ("digits", "digit edges"),
                       "digits ↔ edges (B = clip(dilate3x3(A) − A, 0, 1)), disjoint halves",
                       seed)


def digits2printed(seed: int = SPLIT_SEED) -> Dataset:
    """scikit-learn's digits (A, one half) and digits drawn from fonts (B), labelled alike.

    Domain B holds as many printed digits as the other half of the split, with that half's
    labels, drawn by `printed.printed_digits` (no handwritten digit is in B). There is no true
    mapping (`truth` is `None`): translations are judged by label agreement.

    Args:
        seed: The split's seed; the drawing's seed too.

    Returns:
        Domain A with `domain_b` (printed digits).
    """
    from ganstudio.core.data.builtin import digits
    from ganstudio.core.data.printed import printed_dataset

    source = digits()
    half_a, half_b = split_halves(source.y, seed)
    b = printed_dataset(source.y[half_b], seed, name="digits2printed:B")
    a = source.take(half_a)
    return replace(a, name="digits2printed", domain_b=b, domain_names=("digits", "printed digits"),
                   description="digits ↔ printed digits (fonts), no true pairs: judged by label "
                               "agreement")


def point_pair(name: str, a: Dataset, b: Dataset, description: str) -> Dataset:
    """A two-domain dataset of two point sets drawn independently (no true mapping).

    Args:
        name: The pair's registry name.
        a: Domain A's points.
        b: Domain B's points.
        description: One line for listings.

    Returns:
        `a` renamed, with `domain_b` (`b` named `"{name}:B"`) and the domains named after the
        two sets.
    """
    return replace(a, name=name, description=description,
                   domain_b=replace(b, name=f"{name}:B"), domain_names=(a.name, b.name))


def toy_pair(name: str, set_a: str, set_b: str, n: int, seed: int) -> Dataset:
    """Two of `toy2d`'s point sets as a pair, each drawn on its own (no true pairs).

    Args:
        name: The pair's registry name.
        set_a: Domain A's set (a `toy2d` function: `moons`, `spiral`, ...), drawn with `seed`.
        set_b: Domain B's set, drawn with `seed + 1`.
        n: Points in each domain.
        seed: Seed of domain A.
    """
    from ganstudio.core.data import toy2d

    return point_pair(name, getattr(toy2d, set_a)(n, seed), getattr(toy2d, set_b)(n, seed + 1),
                      f"{set_a} ↔ {set_b}, independent draws, no true pairs")


def moons2ring8(n: int = 100_000, seed: int = 0) -> Dataset:
    """Two half-moons (A) and the 8 Gaussians on a ring (B), each drawn on its own
    (`toy_pair`: B draws with `seed + 1`)."""
    return toy_pair("moons2ring8", "moons", "ring8", n, seed)


def spiral2moons(n: int = 100_000, seed: int = 0) -> Dataset:
    """A spiral (A) and two half-moons (B), each drawn on its own (`toy_pair`: B draws with
    `seed + 1`)."""
    return toy_pair("spiral2moons", "spiral", "moons", n, seed)


def is_pair(dataset: Dataset) -> bool:
    """Whether a dataset holds two domains."""
    return dataset.domain_b is not None


def check_pair_kinds(dataset: Dataset) -> None:
    """Both domains of a pair are the same kind of example (both images or both points), of
    the same image size or the same number of coordinates.

    Raises:
        DataError: when they are not.
    """
    from ganstudio.errors import DataError

    b = dataset.domain_b
    if b is not None and b.kind != dataset.kind:
        raise DataError(f"the two domains of {dataset.name!r} differ: A is {dataset.kind}, "
                        f"B is {b.kind}.", "Give two folders of images, or two tables of "
                        "points with the same number of columns.")
    if b is not None and b.kind == IMAGES and dataset.shape[:2] != b.shape[:2]:
        raise DataError(f"the two domains of {dataset.name!r} have different image sizes "
                        f"({dataset.shape} and {b.shape}).", "Set --image-size so both are "
                        "resized alike.")
    if b is not None and b.kind == POINTS and dataset.shape != b.shape:
        raise DataError(f"the two domains of {dataset.name!r} have points of different sizes: "
                        f"A has {_columns(dataset)}, B has {_columns(b)}.",
                        "Give two tables with the same number of coordinate columns (a label "
                        "column aside).")


def _columns(ds: Dataset) -> str:
    n = int(np.prod(ds.shape)) if ds.shape else 1
    return f"{n} coordinate{'s' if n != 1 else ''}"


def join_domains(a: Dataset, b: Dataset, name: str, names: tuple[str, str]) -> Dataset:
    """Two datasets as the two domains of one (a user's pair: two folders or two tables).

    Both must be one-domain datasets of the same kind, and already of the same image size or
    number of coordinates: for images of different sizes load B at A's size first (the
    registry's `load_dataset` does). Images whose channels differ (grayscale and RGB) both
    become RGB.

    Args:
        a: Domain A.
        b: Domain B (its `report`, if any, stays with it: `domain_b.report`).
        name: The pair's name (the path the user gave for A, or the folder holding both).
        names: The domains' names, for views and the export's metadata.

    Returns:
        `a` named `name`, with `domain_b`, `domain_names` and no `truth`.

    Raises:
        DataError: if the kinds, image sizes or point sizes differ, or either already holds
            two domains.
    """
    from ganstudio.errors import DataError

    for which, ds in (("A", a), ("B", b)):
        if ds.domain_b is not None:
            raise DataError(f"dataset {which} ({ds.name!r}) already holds two domains.",
                            "Give it alone as the dataset, without a second one.")
    if a.kind == IMAGES and b.kind == IMAGES and a.shape[-1] != b.shape[-1]:
        a, b = (replace(ds, x=np.repeat(ds.x, 3, axis=-1)) if ds.shape[-1] == 1 else ds
                for ds in (a, b))
    pair = replace(a, name=name, domain_b=b, domain_names=names, truth=None,
                   description=f"{names[0]} ↔ {names[1]}: {len(a):,} and {len(b):,} "
                               f"{a.kind}")
    check_pair_kinds(pair)
    return pair
