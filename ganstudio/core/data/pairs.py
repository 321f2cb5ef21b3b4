"""Two-domain data for unpaired translation: domain A, domain B, and where it is known, the truth.

A two-domain `Dataset` is domain A with domain B in `domain_b`. The built-in pairs split their
source examples in two disjoint halves (stratified by class, so both halves hold every class),
A from one half and B made from the other: training never sees an example in both domains.
Where the true mapping is known, `truth` holds every source example beside its true image in
the other domain, for the metrics only (the mean absolute error of each direction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.core.data.base import IMAGES, Dataset

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


def is_pair(dataset: Dataset) -> bool:
    """Whether a dataset holds two domains."""
    return dataset.domain_b is not None


def check_pair_kinds(dataset: Dataset) -> None:
    """Both domains of a pair are the same kind of example (both images or both points).

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
