"""MNIST, Fashion-MNIST and CIFAR-10 through keras.datasets, cached after the first download."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.errors import OfflineError

# name -> (keras.datasets module, cache file that keras writes, class names)
KERAS_DATASETS = {
    "mnist": ("mnist", "mnist.npz", [str(i) for i in range(10)]),
    "fashion_mnist": (
        "fashion_mnist",
        "fashion-mnist",
        ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
         "Boot"],
    ),
    "cifar10": (
        "cifar10",
        "cifar-10-batches-py",
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    ),
}


def keras_cache_dir() -> Path:
    """Where keras.datasets keeps its downloads (KERAS_HOME or ~/.keras, then datasets/)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def download_failure(exc: BaseException, limit: int = 90) -> str:
    """The reason of a failed download, short: keras wraps the network error in a plain
    `Exception("URL fetch failure on <url>: <code> -- <reason>")`; the reason is what helps."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    reason = text.rsplit(" -- ", 1)[-1].strip() if " -- " in text else text
    if not reason:
        return type(exc).__name__
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def load_keras_dataset(name: str) -> Dataset:
    """Loads a keras.datasets image set (train split) as [N, H, W, C] float32 in [0, 1].

    Raises:
        OfflineError: if the files are not cached and cannot be downloaded; the message names
            the dataset and the folder to put its files in.
    """
    import keras

    module, cache_name, classes = KERAS_DATASETS[name]
    try:
        (x, y), _ = getattr(keras.datasets, module).load_data()
    except Exception as exc:  # any download/IO failure: urllib, socket, SSL, truncated file
        where = keras_cache_dir() / cache_name
        raise OfflineError(
            f"dataset {name!r} is not cached and could not be downloaded "
            f"({download_failure(exc)}).",
            f"Connect to the internet once, or put the keras.datasets files at {where} "
            f"(see keras.datasets.{module}.load_data), or use the offline dataset 'digits'.",
        ) from None
    x = x.astype(np.float32) / 255.0
    if x.ndim == 3:
        x = x[..., None]
    return Dataset(name, IMAGES, x, np.asarray(y).reshape(-1).astype(np.int32), list(classes),
                   description=f"keras.datasets.{module} (downloaded once, then cached)")
