"""The dataset registry: built-in names, and a user's own files by path.

This module imports neither TensorFlow nor Qt, so listings are cheap for the CLI and the UI.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ganstudio.config import DataConfig
from ganstudio.core.data import builtin, pairs, toy1d, toy2d
from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.errors import ConfigError, DataError


@dataclass(frozen=True)
class DatasetEntry:
    """A built-in dataset: its kind, a one-line description, whether it needs a download,
    and whether it holds two domains (for the translation families)."""

    name: str
    kind: str
    description: str
    needs_download: bool
    loader: Callable[[DataConfig, int], Dataset]
    two_domains: bool = False


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
                     lambda cfg, seed: pairs.digits2inverted(), two_domains=True),
        DatasetEntry("digits2edges", IMAGES, "two domains: digits ↔ their edges (CoGAN's "
                     "recipe), disjoint halves, for translation", False,
                     lambda cfg, seed: pairs.digits2edges(), two_domains=True),
        DatasetEntry("digits2printed", IMAGES, "two domains: digits ↔ digits printed from "
                     "fonts, no true pairs (judged by label agreement), for translation", False,
                     lambda cfg, seed: pairs.digits2printed(), two_domains=True),
        DatasetEntry("moons2ring8", POINTS, "two domains: moons ↔ ring8 points, independent "
                     "draws, for translation", False,
                     lambda cfg, seed: pairs.moons2ring8(n=cfg.n_points, seed=seed),
                     two_domains=True),
        DatasetEntry("spiral2moons", POINTS, "two domains: spiral ↔ moons points, independent "
                     "draws, for translation", False,
                     lambda cfg, seed: pairs.spiral2moons(n=cfg.n_points, seed=seed),
                     two_domains=True),
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


def builtin_kind(name: str) -> str | None:
    """The kind (`points` or `images`) of a built-in dataset's name, without loading it;
    `None` for a user's path (known once loaded)."""
    entry = BUILTINS.get(name.strip().lower())
    return entry.kind if entry is not None else None


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


def _apply_limit(ds: Dataset, limit: int | None) -> Dataset:
    """The first `limit` examples (of each domain, for a pair)."""
    if limit is not None and limit < len(ds):
        ds = ds.take(slice(0, limit))  # cuts labels, captions and attributes alike
    b = ds.domain_b
    if b is not None and limit is not None and limit < len(b):
        ds = replace(ds, domain_b=b.take(slice(0, limit)))
    return ds


def _shape_builtin_images(ds: Dataset, cfg: DataConfig) -> Dataset:
    ds = _apply_limit(ds, cfg.limit)
    if ds.domain_b is not None:  # a pair: both domains and the truth shaped alike
        b = ds.domain_b
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
    """Loads a built-in dataset by name, or the user's data from a path; one domain or two.

    Two domains (for the translation families) come from a built-in pair (`digits2inverted`,
    `moons2ring8`, ...), from `cfg.name` and `cfg.name_b` together, or from a folder whose
    subfolders are `A/` and `B/` (or `trainA/` and `trainB/`; see `files.pair_folders`). Each
    domain of a user's pair loads as one dataset would, with the same image size, color and
    limit; when `image_size` is not set, B's images are resized to A's size. Each keeps its
    own validation report (`report` for A, `domain_b.report` for B).

    Args:
        cfg: Which data, image size, color, limit and (for captioned data) holdout. The
            holdout leaves out every example whose caption holds all the words of one of its
            comma-separated fragments; for a user's files it applies after `limit` (for a
            pair: to domain A only).
        seed: Seed for synthetic data (and for drawing `shapes`); domain B of a user's pair
            draws with `seed + 1`.

    Returns:
        The `Dataset`, in its own units (for two domains: domain A with `domain_b`).

    Raises:
        DataError: for an unknown name, a missing path, files with nothing usable, or a holdout
            that leaves nothing (or, for shapes, names a word its captions never use); for a
            pair, also a second domain that is missing or empty, domains of different kinds
            or point sizes, or a folder with `A/` but no `B/` (or `B/` but no `A/`).
        ConfigError: for a holdout on data without captions.
        OfflineError: for a keras dataset that is not cached while offline.
    """
    from ganstudio.core.data.files import find_pair_folders

    name = cfg.name.strip()
    name_b = (cfg.name_b or "").strip()
    folders = None if name.lower() in BUILTINS else find_pair_folders(name)
    if folders is not None and folders.complete and name_b:
        raise DataError(f"{name!r} already holds two domains ({folders.a.name}/ and "
                        f"{folders.b.name}/), and a second dataset is given too "
                        f"({name_b!r}).", "Drop --dataset-b (data.name_b), or give the "
                        "A folder itself as the dataset.")
    if name_b:
        return _load_pair(cfg, name, name_b, seed, (_domain_name(name), _domain_name(name_b)),
                          options=("--dataset", "--dataset-b (data.name_b)"))
    if folders is not None:
        if not folders.complete:
            have = folders.a if folders.a is not None else folders.b
            swap = {"a": "b", "b": "a", "A": "B", "B": "A"}
            lack = have.name[:-1] + swap[have.name[-1]]  # trainA -> trainB
            raise DataError(f"{name!r} holds the folder {have.name}/ but no {lack}/ beside "
                            "it, for the second domain.",
                            f"Add the {lack}/ folder, or give the second domain with "
                            f"--dataset-b, or give the {have.name}/ folder itself for one "
                            "domain.")
        return _load_pair(cfg, str(folders.a), str(folders.b), seed,
                          (folders.a.name, folders.b.name), pair_name=name,
                          options=(f"{folders.a.name}/", f"{folders.b.name}/"))
    return _load_one(cfg, name, seed)


def _domain_name(source: str) -> str:
    """A domain's name from what the user gave: a built-in name, a folder's or file's name."""
    if source.lower() in BUILTINS:
        return source.lower()
    path = Path(source).expanduser()
    return (path.stem if path.suffix and not path.is_dir() else path.name) or source


def _load_pair(cfg: DataConfig, name: str, name_b: str, seed: int, names: tuple[str, str],
               options: tuple[str, str], pair_name: str | None = None) -> Dataset:
    """Domain A from `name` and B from `name_b`, at the same image size, joined.

    `options` say where each came from (`--dataset-b`, `B/`), for error messages.
    """
    cfg_a = replace(cfg, name=name, name_b=None)
    a = _load_domain("A", options[0], cfg_a, seed)
    cfg_b = replace(cfg_a, name=name_b, holdout="")
    if a.kind == IMAGES and cfg.image_size is None:
        cfg_b = replace(cfg_b, image_size=min(max(a.shape[0], 8), 128))
    b = _load_domain("B", options[1], cfg_b, seed + 1)
    if names[0] == names[1]:  # two folders of one name (cats/train, dogs/train): say which
        names = (_two_parts(name), _two_parts(name_b))
    return pairs.join_domains(a, b, pair_name or name, names)


def _two_parts(source: str) -> str:
    parts = Path(source).expanduser().parts
    return "/".join(parts[-2:]) if len(parts) > 1 else source


def _load_domain(which: str, option: str, cfg: DataConfig, seed: int) -> Dataset:
    """One domain of a pair, with "dataset A" or "dataset B" before any error's message."""
    try:
        ds = _load_one(cfg, cfg.name, seed)
    except DataError as exc:
        raise type(exc)(f"dataset {which} ({option}): {exc.message}", exc.hint) from None
    if ds.domain_b is not None:
        raise DataError(f"dataset {which} ({cfg.name!r}) already holds two domains.",
                        "Give it alone as the dataset, without --dataset-b.")
    return ds


def _load_one(cfg: DataConfig, name: str, seed: int) -> Dataset:
    """A built-in dataset (one domain or a built-in pair) or a user's path."""
    entry = BUILTINS.get(name.lower())
    if entry is not None:
        ds = entry.loader(cfg, seed)  # shapes applies the holdout itself, checking its words
        ds = _apply_holdout(ds, cfg.holdout)
        if ds.kind == IMAGES:
            return _shape_builtin_images(ds, cfg)
        return _apply_limit(ds, cfg.limit)
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
    """Name, kind, description and whether it holds two domains, of each built-in dataset,
    for listings."""
    return [{"name": e.name, "kind": e.kind, "description": e.description,
             "needs_download": e.needs_download, "two_domains": e.two_domains}
            for e in BUILTINS.values()]
