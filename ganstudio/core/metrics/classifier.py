"""A small per-dataset image classifier whose penultimate layer embeds images for the metrics.

FID and its relatives are defined on the features of an Inception network trained on
ImageNet. That network does not fit offline 8x8 digits or a user's own folder, and downloading
it is not always possible, so GAN Studio trains a small CNN on the dataset's own labels the
first time it is needed, caches it, and uses its 128-unit penultimate layer as the embedding
(as e.g. the "domain-specific classifier" FIDs of MNIST papers do). Figures from it are only
comparable between runs on the same dataset; that is why every figure is printed beside its
real-vs-real baseline.

The network (for H x W x C inputs, images in [0, 1]):

    [Resizing to 32 x 32 when a side exceeds 32]
    Conv 3x3, 32, ReLU  -> Conv 3x3 stride 2, 32, ReLU      (block 1)
    Conv 3x3, 64, ReLU  -> Conv 3x3 stride 2, 64, ReLU      (block 2)
    Conv 3x3, 128, ReLU -> GlobalAveragePooling              (block 3)
    Dense 128, ReLU  = "features"                             (the embedding)
    Dense C, softmax = "probs"                                (the classifier head)

The labelled examples are split once, stratified with a fixed seed, into a training split and a
held-out split (20 %, but at least half of a small dataset up to 1,000 examples, so the
real-vs-real baseline has enough samples). The held-out accuracy is reported with every
evaluation.

Datasets without labels (or with a single class) get the same network with fixed random
weights (seed 0) and no training: random convolutional features still separate textures,
blobs and blanks, but not semantics, so the figures are weaker; `FeatureClassifier.trained` is
False, `probs` is unavailable, and the class metrics are left out.

The cache file is `<cache>/<key>.keras` (plus `<key>.json` with the accuracy and settings), with
`<cache>` = `cache_dir`, else `$GANSTUDIO_CACHE/classifiers`, else
`~/.cache/ganstudio/classifiers`, and the key = dataset name + shape + a hash of the labels and
of up to 4,096 evenly spaced examples, so a changed folder retrains.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.errors import ConfigError, ModelError

__all__ = ["FeatureClassifier", "cache_root", "classifier_key", "get_classifier", "split_indices"]

# Bump when the network or its training changes, so old cache files are not reused.
ARCHITECTURE_VERSION = 1
FEATURES_LAYER = "features"
PROBS_LAYER = "probs"
FEATURE_DIM = 128
MAX_SIDE = 32
HELDOUT_FRACTION = 0.2
MIN_HELDOUT = 1000
SPLIT_SEED = 0
HASH_EXAMPLES = 4096
# Training length: enough passes for ~300 updates, between 2 and 20 epochs; batches of 32 for
# small datasets (digits: ~5 s on 2 CPU cores, ~96 % held-out) and 128 from 5,000 examples on
# (MNIST: 2 epochs).
TARGET_UPDATES = 300
MIN_EPOCHS, MAX_EPOCHS = 2, 20
SMALL_BATCH, LARGE_BATCH, LARGE_FROM = 32, 128, 5000
LEARNING_RATE = 2e-3
INFERENCE_BATCH = 512


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The folder of cached classifiers.

    Args:
        cache_dir: An explicit folder (used as is).

    Returns:
        `cache_dir`, else `$GANSTUDIO_CACHE/classifiers`, else `~/.cache/ganstudio/classifiers`.
    """
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("GANSTUDIO_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "ganstudio"
    return base / "classifiers"


def classifier_key(dataset: Dataset) -> str:
    """The cache key of a dataset: name, shape and a content hash.

    The hash covers the architecture version, the example count, the shape, the class names,
    all labels and up to 4,096 evenly spaced examples (float32 bytes), so edits to a user's
    folder change the key while loading the same data twice does not.

    Args:
        dataset: An image dataset.

    Returns:
        A file-name-safe key such as `digits-8x8x1-3f2a9c0d41b7e6a5`.
    """
    digest = hashlib.sha256()
    digest.update(f"v{ARCHITECTURE_VERSION}|{len(dataset)}|{dataset.shape}".encode())
    digest.update(json.dumps(list(dataset.class_names or [])).encode())
    if dataset.y is not None:
        digest.update(np.ascontiguousarray(dataset.y, dtype=np.int64).tobytes())
    count = min(len(dataset), HASH_EXAMPLES)
    idx = np.unique(np.linspace(0, len(dataset) - 1, count).astype(np.int64))
    digest.update(np.ascontiguousarray(dataset.x[idx], dtype=np.float32).tobytes())
    stem = Path(str(dataset.name).rstrip("/\\")).name or "data"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:40] or "data"
    shape = "x".join(str(s) for s in dataset.shape)
    return f"{stem}-{shape}-{digest.hexdigest()[:16]}"


def heldout_size(n: int) -> int:
    """How many of `n` examples the held-out split gets: max(20 %, min(n / 2, 1000))."""
    return int(max(round(HELDOUT_FRACTION * n), min(n // 2, MIN_HELDOUT)))


def split_indices(n: int, labels: np.ndarray | None = None, seed: int = SPLIT_SEED,
                  test_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The fixed train / held-out split of a dataset (stratified by label when possible).

    Args:
        n: Number of examples.
        labels: Integer labels [n], or `None`.
        seed: Seed of the split.
        test_size: Examples held out (default: `heldout_size(n)`, the classifier's split).

    Returns:
        `(train_idx, heldout_idx)`, sorted int64 arrays that partition `range(n)`.

    Raises:
        ConfigError: fewer than 4 examples.
    """
    if n < 4:
        raise ConfigError(f"The metrics need at least 4 real examples, got {n}.",
                          "Use a bigger dataset.")
    from sklearn.model_selection import train_test_split

    test_size = heldout_size(n) if test_size is None else int(test_size)
    idx = np.arange(n)
    stratify = None
    if labels is not None:
        _, counts = np.unique(labels, return_counts=True)
        if counts.min() >= 2 and len(counts) <= min(test_size, n - test_size):
            stratify = labels
    train, held = train_test_split(idx, test_size=test_size, random_state=seed, shuffle=True,
                                   stratify=stratify)
    return np.sort(train).astype(np.int64), np.sort(held).astype(np.int64)


def _build_network(shape: tuple[int, ...], num_classes: int, seed: int = 0):
    import keras

    def init(i: int):
        return keras.initializers.GlorotUniform(seed=seed + i)

    inputs = keras.Input(shape, name="images")
    x = inputs
    if max(shape[0], shape[1]) > MAX_SIDE:
        x = keras.layers.Resizing(MAX_SIDE, MAX_SIDE, interpolation="area", name="resize")(x)
    conv = 0
    for filters in (32, 64):
        for strides in (1, 2):
            x = keras.layers.Conv2D(filters, 3, strides=strides, padding="same",
                                    activation="relu", kernel_initializer=init(conv))(x)
            conv += 1
    x = keras.layers.Conv2D(128, 3, padding="same", activation="relu",
                            kernel_initializer=init(conv))(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    features = keras.layers.Dense(FEATURE_DIM, activation="relu", name=FEATURES_LAYER,
                                  kernel_initializer=init(10))(x)
    probs = keras.layers.Dense(max(num_classes, 1), activation="softmax", name=PROBS_LAYER,
                               kernel_initializer=init(11))(features)
    return keras.Model(inputs, probs, name="ganstudio_feature_classifier")


class FeatureClassifier:
    """A small CNN that embeds images (penultimate features) and classifies them.

    Made by `get_classifier`; not usually built directly.

    Args:
        model: The Keras model (images in [0, 1] -> softmax), with a layer named "features".
        train_idx: Indices of the dataset's examples it was trained on.
        heldout_idx: Indices of the held-out examples (the real-vs-real baseline's "real").
        accuracy: Held-out accuracy in [0, 1] (`None` when untrained).
        num_classes: Number of classes (0 when untrained: no `probs`).
        trained: False for the random-feature fallback of unlabelled data.
        path: The cache file it was loaded from or saved to (`None` when not cached).
        loaded_from_cache: True when no training happened in this call.
        info: The settings and timings stored beside the model.

    Attributes:
        input_shape: The image shape it takes, (H, W, C).
        feature_scale: Factor applied to the features (1 for a trained classifier; for the
            random fallback, 1 / the features' RMS standard deviation over the data).
    """

    def __init__(self, model: Any, train_idx: np.ndarray, heldout_idx: np.ndarray,
                 accuracy: float | None, num_classes: int, trained: bool,
                 path: Path | None = None, loaded_from_cache: bool = False,
                 info: dict[str, Any] | None = None) -> None:
        import keras

        self.model = model
        self.train_idx = np.asarray(train_idx, np.int64)
        self.heldout_idx = np.asarray(heldout_idx, np.int64)
        self.accuracy = accuracy
        self.num_classes = num_classes
        self.trained = trained
        self.path = path
        self.loaded_from_cache = loaded_from_cache
        self.info = dict(info or {})
        self.input_shape = tuple(int(s) for s in model.input_shape[1:])
        self.feature_scale = 1.0
        self._both = keras.Model(model.input,
                                 [model.get_layer(FEATURES_LAYER).output, model.outputs[0]])

    @property
    def feature_dim(self) -> int:
        """Width F of the features."""
        return FEATURE_DIM

    def _check(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32)
        if x.ndim == 3 and len(self.input_shape) == 3 and self.input_shape[-1] == 1:
            x = x[..., None]
        if x.shape[1:] != self.input_shape:
            raise ConfigError(
                f"the images have shape {tuple(x.shape[1:])} but the metrics classifier "
                f"expects {self.input_shape}.",
                "Evaluate against the dataset the model was trained on, at the same size.")
        return x

    def features_and_probs(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Returns the features [N, 128] and class probabilities [N, C] of images in [0, 1]."""
        x = self._check(x)
        feats, probs = [], []
        for start in range(0, len(x), INFERENCE_BATCH):
            f, p = self._both(x[start:start + INFERENCE_BATCH], training=False)
            feats.append(np.asarray(f) * np.float32(self.feature_scale))
            probs.append(np.asarray(p))
        if not feats:
            return (np.zeros((0, FEATURE_DIM), np.float32),
                    np.zeros((0, max(self.num_classes, 1)), np.float32))
        return np.concatenate(feats), np.concatenate(probs)

    def features(self, x: np.ndarray) -> np.ndarray:
        """Returns the penultimate features [N, 128] of images [N, H, W, C] in [0, 1]."""
        return self.features_and_probs(x)[0]

    def probs(self, x: np.ndarray) -> np.ndarray:
        """Returns the class probabilities [N, C] of images in [0, 1].

        Raises:
            ConfigError: the classifier is the untrained fallback of unlabelled data.
        """
        if not self.trained:
            raise ConfigError("this dataset has no labels, so there are no class probabilities.",
                              "Put each class in its own subfolder to get class metrics.")
        return self.features_and_probs(x)[1]


def _train(model: Any, x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, Any]:
    """Fits the classifier (Adam 2e-3, sparse cross-entropy) and returns the settings used."""
    import keras

    batch = SMALL_BATCH if len(x) < LARGE_FROM else LARGE_BATCH
    steps_per_epoch = max(1, int(np.ceil(len(x) / batch)))
    epochs = int(np.clip(np.ceil(TARGET_UPDATES / steps_per_epoch), MIN_EPOCHS, MAX_EPOCHS))
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    order = np.random.default_rng(seed).permutation(len(x))
    t0 = time.perf_counter()
    model.fit(x[order], y[order], batch_size=batch, epochs=epochs, shuffle=True, verbose=0)
    return {"epochs": epochs, "batch": batch, "train_seconds": round(time.perf_counter() - t0, 2)}


def _accuracy(clf_model: Any, x: np.ndarray, y: np.ndarray) -> float:
    preds = []
    for start in range(0, len(x), INFERENCE_BATCH):
        preds.append(np.asarray(clf_model(x[start:start + INFERENCE_BATCH], training=False)))
    return float(np.mean(np.concatenate(preds).argmax(axis=1) == y))


def get_classifier(dataset: Dataset, cache_dir: str | Path | None = None,
                   status: Any = None) -> FeatureClassifier:
    """Returns the metrics classifier of an image dataset: from the cache, or trained now.

    On the first call for a dataset the CNN described in this module is trained on the
    training split (a few seconds for digits on a laptop CPU, about a minute for MNIST) and
    saved; later calls load it without training. Unlabelled data gets fixed random features
    (see the module docstring).

    Args:
        dataset: An image dataset (`kind == "images"`), with labels `y` where possible.
        cache_dir: Folder of the cache files (default: `$GANSTUDIO_CACHE/classifiers` or
            `~/.cache/ganstudio/classifiers`).
        status: Optional callable taking one line of text (e.g. a reporter's `status`), told
            when training starts and ends.

    Returns:
        A `FeatureClassifier`.

    Raises:
        ConfigError: the dataset is not images, or has fewer than 4 examples.
        ModelError: the cache folder cannot be written.

    Example:

    >>> clf = get_classifier(load_dataset(DataConfig("digits")))   # doctest: +SKIP
    >>> clf.features(dataset.x[:10]).shape                          # doctest: +SKIP
    (10, 128)
    """
    if dataset.kind != IMAGES:
        raise ConfigError(f"the metrics classifier is for images; {dataset.name!r} holds "
                          f"{dataset.kind}.")
    labelled = dataset.y is not None and dataset.num_classes >= 2
    labels = np.asarray(dataset.y, np.int64) if labelled else None
    train_idx, held_idx = split_indices(len(dataset), labels)
    if not labelled:
        model = _build_network(dataset.shape, 2, seed=0)
        clf = FeatureClassifier(model, train_idx, held_idx, None, 0, trained=False,
                                info={"features": "random CNN (no labels)"})
        # Random weights give features of arbitrary scale: rescale them to unit mean variance
        # over (a sample of) the data, so the figures read on a familiar scale.
        sample = np.unique(np.linspace(0, len(dataset) - 1, min(len(dataset), 2000)).astype(int))
        spread = float(np.sqrt(np.mean(np.var(clf.features(dataset.x[sample]), axis=0))))
        clf.feature_scale = 1.0 / spread if spread > 0 else 1.0
        return clf

    import keras

    root = cache_root(cache_dir)
    key = classifier_key(dataset)
    path = root / f"{key}.keras"
    meta_path = root / f"{key}.json"
    num_classes = int(max(dataset.num_classes, int(labels.max()) + 1))
    if path.is_file() and meta_path.is_file():
        try:
            info = json.loads(meta_path.read_text(encoding="utf-8"))
            model = keras.models.load_model(path, compile=False)
            return FeatureClassifier(model, train_idx, held_idx, info.get("accuracy"),
                                     num_classes, trained=True, path=path,
                                     loaded_from_cache=True, info=info)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file: train again and overwrite it

    if status is not None:
        status(f"training the metrics classifier for {dataset.name} (once; cached in {root})")
    model = _build_network(dataset.shape, num_classes, seed=SPLIT_SEED)
    x = np.asarray(dataset.x, np.float32)
    info = _train(model, x[train_idx], labels[train_idx], seed=SPLIT_SEED)
    accuracy = _accuracy(model, x[held_idx], labels[held_idx])
    info.update({"accuracy": accuracy, "num_classes": num_classes, "key": key,
                 "architecture": ARCHITECTURE_VERSION, "n_train": int(len(train_idx)),
                 "n_heldout": int(len(held_idx)), "features": "trained classifier"})
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".{key}.{os.getpid()}.tmp.keras"
        model.save(tmp)
        os.replace(tmp, path)
        tmp_meta = root / f".{key}.{os.getpid()}.tmp.json"
        tmp_meta.write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.replace(tmp_meta, meta_path)
    except OSError as exc:
        raise ModelError(f"could not write the metrics classifier to {str(root)!r}: "
                         f"{exc.strerror or exc}.",
                         "Set GANSTUDIO_CACHE to a folder you can write to.") from None
    if status is not None:
        status(f"metrics classifier: held-out accuracy {accuracy:.1%} "
               f"({info['train_seconds']:.0f} s)")
    return FeatureClassifier(model, train_idx, held_idx, accuracy, num_classes, trained=True,
                             path=path, info=info)
