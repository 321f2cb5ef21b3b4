"""The dataset registry: built-in names, and a user's own files by path.

This module imports neither TensorFlow nor Qt, so listings are cheap for the CLI and the UI.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ganstudio.config import DataConfig
from ganstudio.core.data import builtin, toy2d
from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.errors import DataError


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
        DatasetEntry("digits", IMAGES, "1,797 labelled 8x8 digits (scikit-learn, offline)", False,
                     lambda cfg, seed: builtin.digits()),
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


def _shape_builtin_images(ds: Dataset, cfg: DataConfig) -> Dataset:
    x = ds.x
    if cfg.limit is not None:
        x = x[: cfg.limit]
    x = _apply_color(x, cfg.color)
    if cfg.image_size is not None:
        from ganstudio.core.data.files import resize_images

        x = resize_images(x, cfg.image_size)
    y = None if ds.y is None else ds.y[: len(x)]
    return Dataset(ds.name, ds.kind, x, y, ds.class_names, description=ds.description)


def load_dataset(cfg: DataConfig, seed: int = 0) -> Dataset:
    """Loads a built-in dataset by name, or the user's data from a path.

    Args:
        cfg: Which data, image size, color and limit.
        seed: Seed for synthetic data.

    Returns:
        The `Dataset`, in its own units.

    Raises:
        DataError: for an unknown name, a missing path, or files with nothing usable.
        OfflineError: for a keras dataset that is not cached while offline.
    """
    name = cfg.name.strip()
    entry = BUILTINS.get(name.lower())
    if entry is not None:
        ds = entry.loader(cfg, seed)
        if ds.kind == IMAGES:
            return _shape_builtin_images(ds, cfg)
        if cfg.limit is not None:
            ds.x = ds.x[: cfg.limit]
            ds.y = None if ds.y is None else ds.y[: cfg.limit]
        return ds
    from ganstudio.core.data import files

    if files.looks_like_user_data(name):
        return files.load_user_data(name, image_size=cfg.image_size, color=cfg.color,
                                    limit=cfg.limit)
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
