"""The dataset registry: built-in names, and a user's own files by path.

This module imports neither TensorFlow nor Qt, so listings are cheap for the CLI and the UI.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ganstudio.config import DataConfig
from ganstudio.core.data import builtin, pairs, toy1d, toy2d
from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.errors import ConfigError, DataError


@dataclass(frozen=True)
class DatasetEntry:
    """A built-in dataset: its kind, a one-line description, whether it needs a download."""

    name: str
    kind: str
    description: str
    needs_download: bool
    loader: Callable[[DataConfig, int], Dataset]


def _toy(fn):
    return lambda cfg, seed: fn(n=cfg.n_points, seed=seed)


def _shapes(cfg: DataConfig, seed: int) -> Dataset:
    from ganstudio.core.data.shapes import shapes_dataset

    # Drawn at cfg.image_size (not drawn at 32 and upscaled); holdout and limit applied here.
    return shapes_dataset(seed=seed, image_size=cfg.image_size, holdout=cfg.holdout,
                          limit=cfg.limit)


def _keras(name):
    def load(cfg: DataConfig, seed: int) -> Dataset:
        from ganstudio.core.data.keras_datasets import load_keras_dataset

        return load_keras_dataset(name)

    return load


BUILTINS: dict[str, DatasetEntry] = {
    e.name: e
    for e in [
        DatasetEntry("ring8", POINTS, "8 Gaussians on a ring, σ=0.01 (VEEGAN/PacGAN)", False,
                     _toy(toy2d.ring8)),
        DatasetEntry("grid25", POINTS, "5x5 grid of Gaussians, σ=0.05 (VEEGAN/PacGAN)", False,
                     _toy(toy2d.grid25)),
        DatasetEntry("spiral", POINTS, "a noisy 2D spiral", False, _toy(toy2d.spiral)),
        DatasetEntry("moons", POINTS, "two half-moons (scikit-learn)", False, _toy(toy2d.moons)),
        DatasetEntry("swissroll", POINTS, "a 2D swiss roll (scikit-learn)", False,
                     _toy(toy2d.swissroll)),
        DatasetEntry("mixture1d", POINTS, "3 Gaussians on a line at −3, 0, 3, σ=0.25 (1D)",
                     False, _toy(toy1d.mixture1d)),
        DatasetEntry("bars1d", POINTS, "2 uniform bars, [−3, −1] and [1, 3] (1D)", False,
                     _toy(toy1d.bars1d)),
        DatasetEntry("points1d", POINTS, "2 point masses at −1 and 1 (1D)", False,
                     _toy(toy1d.points1d)),
        DatasetEntry("digits", IMAGES, "1,797 labelled 8x8 digits (scikit-learn, offline)", False,
                     lambda cfg, seed: builtin.digits()),
        DatasetEntry("shapes", IMAGES, "20,000 captioned 32x32 shapes, e.g. 'a large yellow "
                     "triangle at the top left' (drawn offline)", False, _shapes),
        DatasetEntry("digits2inverted", IMAGES, "two domains: digits ↔ inverted digits "
                     "(B = 1 − A), disjoint halves, for translation", False,
                     lambda cfg, seed: pairs.digits2inverted()),
        DatasetEntry("digits2edges", IMAGES, "two domains: digits ↔ their edges (CoGAN's "
                     "recipe), disjoint halves, for translation", False,
                     lambda cfg, seed: pairs.digits2edges()),
        DatasetEntry("mnist", IMAGES, "70k 28x28 digits (keras.datasets, downloads once)", True,
                     _keras("mnist")),
        DatasetEntry("fashion_mnist", IMAGES, "28x28 clothes (keras.datasets, downloads once)", True,
                     _keras("fashion_mnist")),
        DatasetEntry("cifar10", IMAGES, "32x32 color photos (keras.datasets, downloads once)", True,
                     _keras("cifar10")),
    ]
}

DEFAULT_DATASET = "ring8"


def dataset_names() -> list[str]:
    """The built-in dataset names, in display order."""
    return list(BUILTINS)


def _apply_color(x: np.ndarray, color: str) -> np.ndarray:
    if color == "grayscale" and x.shape[-1] == 3:
        return (x @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    if color == "rgb" and x.shape[-1] == 1:
        return np.repeat(x, 3, axis=-1)
    return x


def _shape_images(x: np.ndarray, cfg: DataConfig) -> np.ndarray:
    x = _apply_color(x, cfg.color)
    if cfg.image_size is not None:
        from ganstudio.core.data.files import resize_images

        x = resize_images(x, cfg.image_size)
    return x


def _shape_builtin_images(ds: Dataset, cfg: DataConfig) -> Dataset:
    if cfg.limit is not None and cfg.limit < len(ds):
        ds = ds.take(slice(0, cfg.limit))  # cuts labels, captions and attributes alike
    if ds.domain_b is not None:  # a pair: both domains and the truth shaped alike
        b = ds.domain_b
        if cfg.limit is not None and cfg.limit < len(b):
            b = b.take(slice(0, cfg.limit))
        truth = ds.truth
        if truth is not None:
            truth = replace(truth, a=_shape_images(truth.a, cfg), b=_shape_images(truth.b, cfg))
        ds = replace(ds, domain_b=replace(b, x=_shape_images(b.x, cfg)), truth=truth)
    return replace(ds, x=_shape_images(ds.x, cfg))


def _apply_holdout(ds: Dataset, holdout: str) -> Dataset:
    """Leaves out the examples whose caption holds every word of one holdout fragment."""
    if not holdout.strip():
        return ds
    if ds.captions is None:
        raise ConfigError(
            f"data.holdout is set ({holdout!r}) but {ds.name!r} has no captions.",
            hint="Clear data.holdout, or use captioned data (shapes, or a folder with "
            "captions.csv / captions.txt, or a .npz with a captions array).",
        )
    from ganstudio.core.data.captions import holdout_mask

    held = holdout_mask(ds.captions, holdout)
    if held.all():
        raise DataError(f"data.holdout {holdout!r} holds out all {len(ds)} examples of "
                        f"{ds.name!r}.", hint="Hold out a few caption combinations only.")
    if not held.any():
        return ds
    out = ds.take(~held)
    out.description = f"{ds.description}; {int(held.sum())} held out ({holdout.strip()})"
    return out


def load_dataset(cfg: DataConfig, seed: int = 0) -> Dataset:
    """Loads a built-in dataset by name, or the user's data from a path.

    Args:
        cfg: Which data, image size, color, limit and (for captioned data) holdout. The
            holdout leaves out every example whose caption holds all the words of one of its
            comma-separated fragments; for a user's files it applies after `limit`.
        seed: Seed for synthetic data (and for drawing `shapes`).

    Returns:
        The `Dataset`, in its own units.

    Raises:
        DataError: for an unknown name, a missing path, files with nothing usable, or a holdout
            that leaves nothing (or, for shapes, names a word its captions never use).
        ConfigError: for a holdout on data without captions.
        OfflineError: for a keras dataset that is not cached while offline.
    """
    name = cfg.name.strip()
    entry = BUILTINS.get(name.lower())
    if entry is not None:
        ds = entry.loader(cfg, seed)  # shapes applies the holdout itself, checking its words
        ds = _apply_holdout(ds, cfg.holdout)
        if ds.kind == IMAGES:
            return _shape_builtin_images(ds, cfg)
        if cfg.limit is not None and cfg.limit < len(ds):
            ds = ds.take(slice(0, cfg.limit))
        return ds
    from ganstudio.core.data import files

    if files.looks_like_user_data(name):
        ds = files.load_user_data(name, image_size=cfg.image_size, color=cfg.color,
                                  limit=cfg.limit, follow_links=cfg.follow_links)
        return _apply_holdout(ds, cfg.holdout)
    close = difflib.get_close_matches(name.lower(), list(BUILTINS), n=1, cutoff=0.6)
    hint = f"Did you mean '{close[0]}'? " if close else ""
    looks_like_path = any(ch in name for ch in "/\\.")
    what = "no file or folder" if looks_like_path else "unknown dataset"
    raise DataError(
        f"{what} {name!r}.",
        f"{hint}Built-in datasets: {', '.join(BUILTINS)}; or give a folder, .zip, .npz, image, "
        ".csv or .npy path (`ganstudio datasets` lists them).",
    )


def describe_builtins() -> list[dict]:
    """Name, kind and description of each built-in dataset, for listings."""
    return [{"name": e.name, "kind": e.kind, "description": e.description,
             "needs_download": e.needs_download} for e in BUILTINS.values()]
