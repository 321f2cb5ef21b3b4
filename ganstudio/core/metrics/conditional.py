"""Quality figures of a conditional generator (the `cgan` family), each beside a real baseline.

A conditional generator is called as `generate(z, condition)`: z is [N, latent] float32 and
`condition` is an int32 array of class labels or a numpy array (dtype object) of caption
strings; it returns samples in the dataset's units (images float32 NHWC in [0, 1]).

What is measured, and the real data it is read against:

- Labels (`label_agreement`): for each class k, G(z, k) for the same `n_per_class` latents
  `latents(n_per_class, latent_dim, seed)`; the dataset's metrics classifier
  (`classifier.get_classifier`) labels the samples, and the agreement of class k is the share
  it calls k. The baseline is the classifier's accuracy on real held-out images of each class,
  which is what a perfect generator can reach.
- Shapes captions (`attribute_accuracy_for_captions`): random captions of the shapes grammar
  (uniform attributes, so also combinations never seen in training), generated and read back by
  the analytic reader `shapes.read_attributes`; the baseline is the same reader on the exact
  renderings of the same captions. With a `holdout`, the same figures again for captions drawn
  only from the held-out combinations: do captions compose?
- Any condition (`fd_per_condition`): the Fréchet distance in the classifier's feature space
  per class (or per value of one attribute of a captioned dataset) and overall. As in
  `evaluate`, the reference is a subset of the classifier's training split and the baseline
  scores the same count of held-out images against it; the generator draws as many samples
  per condition, so both sides of a figure have equally many samples (FD is biased by count).
- `mismatch_auc`: how well a conditional discriminator tells real matched (image, condition)
  pairs from real mismatched ones (ROC-AUC; 0.5 = it ignores the condition).

`evaluate_conditional` runs what applies to a dataset and returns one flat dict with a
`main_metric`; `format_conditional` prints it for the CLI.

This module imports no TensorFlow at import time.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
from scipy.linalg import LinAlgWarning

from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.core.metrics.classifier import FeatureClassifier, get_classifier
from ganstudio.core.metrics.evaluate import GENERATE_BATCH, latents
from ganstudio.core.metrics.features import frechet_distance
from ganstudio.errors import ConfigError

__all__ = [
    "CAPTION",
    "LABEL",
    "attribute_accuracy_for_captions",
    "evaluate_conditional",
    "fd_per_condition",
    "format_conditional",
    "label_agreement",
    "mismatch_auc",
]

LABEL = "label"
CAPTION = "caption"
DEFAULT_N_PER_CLASS = 100
DEFAULT_N_CAPTIONS = 1000
DEFAULT_N_PER_CONDITION = 200
# Real held-out images per class for the agreement baseline (accuracy is unbiased, so more
# only lowers its noise; the cap keeps a live evaluation on MNIST-sized data quick).
REAL_PER_CLASS = 200
# The attribute whose values are the "conditions" of a captioned dataset's per-condition FD.
PREFERRED_FD_ATTRIBUTE = "colour"
# Keeps the condition draws off the latents' random stream (which is default_rng(seed)).
_CONDITION_STREAM = 1
_SUBSET_STREAM = 2


Generate = Callable[[np.ndarray, np.ndarray], np.ndarray]


# -- shared pieces ----------------------------------------------------------------------------


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), stream])


def _generate(generate: Generate, z: np.ndarray, condition: np.ndarray) -> np.ndarray:
    """Calls G in batches of `GENERATE_BATCH["images"]`; returns float32 samples."""
    batch = GENERATE_BATCH[IMAGES]
    parts = [np.asarray(generate(z[s:s + batch], condition[s:s + batch]), np.float32)
             for s in range(0, len(z), batch)]
    samples = np.concatenate(parts) if parts else np.zeros((0,), np.float32)
    if len(samples) != len(z):
        raise ConfigError(f"the generator returned {len(samples)} samples for {len(z)} "
                          "latents.", "Return one sample per (latent, condition) pair.")
    return samples


def _as_captions(captions: Sequence[str]) -> np.ndarray:
    """Captions as the generator gets them: a 1-D numpy array of Python str, dtype object."""
    out = np.empty(len(captions), dtype=object)
    out[:] = [str(c) for c in captions]
    return out


def _captions_of(dataset: Dataset) -> list[str] | None:
    captions = getattr(dataset, "captions", None)
    return None if captions is None else list(captions)


def _class_names(dataset: Dataset) -> list[str]:
    if dataset.class_names:
        return [str(name) for name in dataset.class_names]
    return [str(k) for k in range(dataset.num_classes)]


def _need_images(dataset: Dataset) -> None:
    if dataset.kind != IMAGES:
        raise ConfigError(f"the conditional metrics are for images; {dataset.name!r} holds "
                          f"{dataset.kind}.", "Evaluate a conditional model of image data.")


def _classifier(dataset: Dataset, classifier: FeatureClassifier | None,
                cache_dir: str | Path | None) -> FeatureClassifier:
    return classifier or get_classifier(dataset, cache_dir)


def _labelled_classifier(dataset: Dataset, classifier: FeatureClassifier | None,
                         cache_dir: str | Path | None) -> FeatureClassifier:
    _need_images(dataset)
    if dataset.y is None or dataset.num_classes < 2:
        raise ConfigError(f"{dataset.name!r} has no class labels, so there is no label "
                          "agreement to measure.", "Use a labelled dataset (e.g. digits).")
    clf = _classifier(dataset, classifier, cache_dir)
    if not clf.trained:
        raise ConfigError("the metrics classifier of this dataset is untrained (no labels).",
                          "Use a labelled dataset (e.g. digits).")
    return clf


def _resolve_condition(dataset: Dataset, setting: str | None = "auto") -> str:
    """`label` or `caption`: the setting (`cgan.condition`), or for `auto` what the data has
    (captions first, as the cgan recipe does)."""
    setting = (setting or "auto").lower().rstrip("s")
    if setting not in ("auto", LABEL, CAPTION):
        raise ConfigError(f"condition: {setting!r} is not one of label, caption, auto.")
    has_captions = _captions_of(dataset) is not None
    has_labels = dataset.y is not None and dataset.num_classes >= 2
    if setting == "auto":
        if not (has_captions or has_labels):
            raise ConfigError(f"{dataset.name!r} has neither class labels nor captions, so a "
                              "conditional model has nothing to be conditioned on.",
                              "Use a labelled dataset (e.g. digits) or a captioned one "
                              "(shapes).")
        setting = CAPTION if has_captions else LABEL
    if setting == CAPTION and not has_captions:
        raise ConfigError(f"{dataset.name!r} has no captions.", "Evaluate with condition "
                          "'label'.")
    return setting


def _is_shapes(dataset: Dataset) -> bool:
    """True for the built-in shapes dataset (captions of the shapes grammar, its attributes)."""
    if _captions_of(dataset) is None:
        return False
    try:
        from ganstudio.core.data import shapes
    except ImportError:
        return False
    attributes = getattr(dataset, "attributes", None)
    if attributes is not None and set(attributes) == set(shapes.ATTRIBUTES):
        return True
    return Path(str(dataset.name).rstrip("/\\")).name.lower() == "shapes"


# -- 1. label agreement -----------------------------------------------------------------------


def _label_conditions(num_classes: int, n_per_class: int, latent_dim: int,
                      seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The same `n_per_class` latents for every class, classes in order: (z, labels)."""
    z = np.tile(latents(n_per_class, latent_dim, seed), (num_classes, 1))
    labels = np.repeat(np.arange(num_classes, dtype=np.int32), n_per_class)
    return z, labels


def _agreement_from(dataset: Dataset, clf: FeatureClassifier, labels: np.ndarray,
                    probs: np.ndarray, seed: int) -> dict[str, Any]:
    names = _class_names(dataset)
    num_classes = len(names)
    pred = probs.argmax(axis=1)
    per_class = [float(np.mean(pred[labels == k] == k)) for k in range(num_classes)]

    y = np.asarray(dataset.y, np.int64)
    held = clf.heldout_idx
    rng = _rng(seed, _SUBSET_STREAM)
    real_idx = []
    for k in range(num_classes):
        idx_k = held[y[held] == k]
        if len(idx_k) > REAL_PER_CLASS:
            idx_k = np.sort(rng.choice(idx_k, REAL_PER_CLASS, replace=False))
        real_idx.append(idx_k)
    idx = np.concatenate(real_idx)
    real_pred = clf.probs(dataset.x[idx]).argmax(axis=1)
    real_per_class = []
    for k in range(num_classes):
        hits = real_pred[y[idx] == k] == k
        real_per_class.append(float(hits.mean()) if len(hits) else math.nan)

    worst = int(np.argmin(per_class))
    real_finite = [v for v in real_per_class if math.isfinite(v)]
    return {
        "label_agreement": float(np.mean(per_class)),
        "label_agreement_worst": per_class[worst],
        "worst_class": names[worst],
        "per_class": per_class,
        "classes": names,
        "real_label_agreement": float(np.mean(real_finite)) if real_finite else math.nan,
        "real_label_agreement_worst": float(min(real_finite)) if real_finite else math.nan,
        "real_per_class": real_per_class,
        "n_per_class": int(len(labels) // max(num_classes, 1)),
        "n_real_per_class": [int(len(i)) for i in real_idx],
    }


def label_agreement(dataset: Dataset, generate: Generate, latent_dim: int,
                    n_per_class: int = DEFAULT_N_PER_CLASS, seed: int = 0,
                    classifier: FeatureClassifier | None = None, *,
                    cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Does G draw the class it is asked for? The classifier's verdict, per class.

    For each class k, G(z, k) for the latents `latents(n_per_class, latent_dim, seed)` (the
    same latents for every class); the agreement of class k is the share of those samples the
    dataset's metrics classifier calls k:

        agreement_k = (1 / n) * #{i : argmax p(y | G(z_i, k)) = k}

    The real baseline is the same share for real held-out images of class k (the classifier's
    per-class held-out accuracy, on up to 200 images a class), the ceiling a perfect generator
    reaches. A generator that ignores the label scores about 1 / C.

    Args:
        dataset: The real, labelled image data.
        generate: `(z [N, latent_dim] float32, labels [N] int32) -> images [N, H, W, C]` in
            [0, 1].
        latent_dim: Size of z.
        n_per_class: Samples per class.
        seed: Seed of the latents (and of the real subsets).
        classifier: The metrics classifier (default: `get_classifier(dataset, cache_dir)`).
        cache_dir: Folder of cached classifiers (when `classifier` is not given).

    Returns:
        `label_agreement` (mean over classes), `label_agreement_worst` (min over classes),
        `worst_class` (its name), `per_class` (list, class order), `classes` (names),
        `real_label_agreement`, `real_label_agreement_worst`, `real_per_class`,
        `n_per_class`, `n_real_per_class`.

    Raises:
        ConfigError: the dataset is not labelled images, or `n_per_class` < 1.

    Example:

    >>> figures = label_agreement(digits, session.generate, 64)    # doctest: +SKIP
    >>> figures["label_agreement"], figures["real_label_agreement"]  # doctest: +SKIP
    (0.91, 0.97)
    """
    if n_per_class < 1:
        raise ConfigError(f"n_per_class must be at least 1, got {n_per_class}.")
    clf = _labelled_classifier(dataset, classifier, cache_dir)
    z, labels = _label_conditions(len(_class_names(dataset)), n_per_class, latent_dim, seed)
    probs = clf.probs(_generate(generate, z, labels))
    return _agreement_from(dataset, clf, labels, probs, seed)


# -- 2. attribute accuracy (shapes captions) --------------------------------------------------


def _accuracy_figures(shapes: Any, images: np.ndarray, attrs: dict[str, np.ndarray],
                      prefix: str) -> dict[str, float]:
    acc = shapes.attribute_accuracy(images, attrs)
    out = {f"{prefix}{name}_acc": float(acc[name]) for name in shapes.ATTRIBUTES}
    out[f"{prefix}all_acc"] = float(acc["all"])
    return out


def _captions_for(shapes: Any, attrs: dict[str, np.ndarray]) -> list[str]:
    names = list(shapes.ATTRIBUTES)
    return [shapes.caption_for(**{name: int(attrs[name][i]) for name in names})
            for i in range(len(attrs[names[0]]))]


def _score_captions(shapes: Any, generate: Generate, attrs: dict[str, np.ndarray],
                    latent_dim: int, seed: int, image_size: int,
                    prefix: str) -> dict[str, float]:
    n = len(next(iter(attrs.values())))
    captions = _as_captions(_captions_for(shapes, attrs))
    samples = _generate(generate, latents(n, latent_dim, seed), captions)
    real = shapes.render(attrs, image_size=image_size)
    return {**_accuracy_figures(shapes, samples, attrs, prefix),
            **_accuracy_figures(shapes, real, attrs, f"{prefix}real_")}


def attribute_accuracy_for_captions(dataset: Dataset, generate: Generate, latent_dim: int,
                                    n: int = DEFAULT_N_CAPTIONS, seed: int = 0,
                                    holdout: str = "") -> dict[str, Any]:
    """Does G draw what the caption says? Each attribute read back from the samples.

    `n` captions are drawn from the shapes grammar with every attribute uniform and
    independent (so also combinations the training data never showed), G draws one sample
    per caption for the latents `latents(n, latent_dim, seed)`, and the analytic reader
    `shapes.read_attributes` reads shape, colour, size and position back:

        attr_acc = (1 / n) * #{i : read_attr(G(z_i, caption_i)) = attr_i}
        all_acc  = (1 / n) * #{i : every attribute read back right}

    The baseline (`real_*`) is the reader on exact renderings (`shapes.render`) of the same
    captions. With a `holdout` (the `data.holdout` the model was trained with), the same
    figures again (`heldout_*`, `heldout_real_*`) for `n` captions drawn only from the
    held-out combinations (`shapes.is_held_out`).

    Args:
        dataset: The shapes dataset (its image size is used for the renderings).
        generate: `(z [N, latent_dim] float32, captions [N] object array of str) -> images
            [N, S, S, 3]` in [0, 1].
        latent_dim: Size of z.
        n: Captions (and samples) per set.
        seed: Seed of the latents and of the caption draws.
        holdout: Comma-separated caption fragments left out of training ("" for none).

    Returns:
        `shape_acc`, `colour_acc`, `size_acc`, `position_acc`, `all_acc`, the same with the
        prefix `real_`, `n_captions`, and with a holdout `heldout_*_acc`,
        `heldout_real_*_acc`, `n_heldout_combinations`.

    Raises:
        ConfigError: `n` < 1, the data is not shapes-like images, or no combination of the
            grammar matches `holdout`.
    """
    from ganstudio.core.data import shapes

    _need_images(dataset)
    if n < 1:
        raise ConfigError(f"n must be at least 1, got {n}.")
    image_size = int(dataset.shape[0])
    names = list(shapes.ATTRIBUTES)
    rng = _rng(seed, _CONDITION_STREAM)
    attrs = {name: rng.integers(len(shapes.ATTRIBUTES[name]), size=n).astype(np.int64)
             for name in names}
    result: dict[str, Any] = _score_captions(shapes, generate, attrs, latent_dim, seed,
                                             image_size, prefix="")
    result["n_captions"] = int(n)
    if holdout.strip():
        combos = np.array(list(product(*(range(len(shapes.ATTRIBUTES[a])) for a in names))),
                          np.int64)
        all_attrs = {name: combos[:, j] for j, name in enumerate(names)}
        held = np.asarray(shapes.is_held_out(_captions_for(shapes, all_attrs), holdout), bool)
        if not held.any():
            raise ConfigError(f"no caption of the shapes grammar matches the holdout "
                              f"{holdout!r}.", "Give fragments such as 'large yellow "
                              "triangle', separated by commas.")
        pick = rng.choice(np.flatnonzero(held), n, replace=True)
        held_attrs = {name: combos[pick, j] for j, name in enumerate(names)}
        result.update(_score_captions(shapes, generate, held_attrs, latent_dim, seed,
                                      image_size, prefix="heldout_"))
        result["n_heldout_combinations"] = int(held.sum())
        result["holdout"] = holdout
    return result


# -- 3. Fréchet distance per condition -------------------------------------------------------


def _fd(ref: np.ndarray, other: np.ndarray) -> float:
    if len(ref) < 2 or len(other) < 2:
        return math.nan
    with warnings.catch_warnings():
        # Dead ReLU units and fewer samples than features make the covariances singular;
        # sqrtm warns, the value is fine (and the baseline shares the bias).
        warnings.simplefilter("ignore", LinAlgWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return frechet_distance(ref, other)


def _real_groups(clf: FeatureClassifier, groups: np.ndarray, n_groups: int,
                 n_per_condition: int, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per group: (reference indices from the training split, baseline from the held-out one),
    of equal size m_g = min(n_per_condition, both counts), chosen at random."""
    rng = _rng(seed, _SUBSET_STREAM)
    refs, bases = [], []
    for g in range(n_groups):
        train_g = clf.train_idx[groups[clf.train_idx] == g]
        held_g = clf.heldout_idx[groups[clf.heldout_idx] == g]
        m = min(n_per_condition, len(train_g), len(held_g))
        refs.append(np.sort(rng.choice(train_g, m, replace=False)))
        bases.append(np.sort(rng.choice(held_g, m, replace=False)))
    return refs, bases


def _fd_from(clf: FeatureClassifier, dataset: Dataset, refs: list[np.ndarray],
             bases: list[np.ndarray], gen_feats: list[np.ndarray],
             names: list[str]) -> dict[str, Any]:
    """FD per group and overall from features; gen_feats[g] is trimmed to len(bases[g])."""
    sizes = [len(b) for b in bases]
    real = clf.features(dataset.x[np.concatenate(refs + bases)])
    split = np.cumsum(sizes + sizes)[:-1]
    parts = np.split(real, split)
    ref_f, base_f = parts[:len(sizes)], parts[len(sizes):]
    gen_f = [g[:m] for g, m in zip(gen_feats, sizes, strict=True)]
    result: dict[str, Any] = {
        "fd": _fd(np.concatenate(ref_f), np.concatenate(gen_f)),
        "real_fd": _fd(np.concatenate(ref_f), np.concatenate(base_f)),
        "n_fd": int(sum(sizes)),
    }
    if len(names) > 1:
        per = [_fd(r, g) for r, g in zip(ref_f, gen_f, strict=True)]
        real_per = [_fd(r, b) for r, b in zip(ref_f, base_f, strict=True)]
        finite = [i for i, v in enumerate(per) if math.isfinite(v)]
        worst = max(finite, key=lambda i: per[i]) if finite else None
        real_finite = [v for v in real_per if math.isfinite(v)]
        result.update({
            "fd_mean": float(np.mean([per[i] for i in finite])) if finite else math.nan,
            "real_fd_mean": float(np.mean(real_finite)) if real_finite else math.nan,
            "fd_worst": per[worst] if worst is not None else math.nan,
            "real_fd_worst": real_per[worst] if worst is not None else math.nan,
            "fd_worst_condition": names[worst] if worst is not None else "",
            "fd_per_condition": per,
            "real_fd_per_condition": real_per,
            "fd_conditions": list(names),
            "n_fd_per_condition": sizes,
        })
    return result


def _fd_attribute(dataset: Dataset, attribute: str | None) -> str | None:
    attributes = getattr(dataset, "attributes", None)
    if not attributes:
        return None
    if attribute is not None:
        if attribute not in attributes:
            raise ConfigError(f"{dataset.name!r} has no attribute {attribute!r}; it has "
                              f"{', '.join(attributes)}.")
        return attribute
    return PREFERRED_FD_ATTRIBUTE if PREFERRED_FD_ATTRIBUTE in attributes else next(
        iter(attributes))


def _attribute_values(dataset: Dataset, name: str) -> list[str]:
    """The value names of one attribute (its `attribute_names`, else "0", "1", ...)."""
    names_of = (getattr(dataset, "attribute_names", None) or {}).get(name)
    if names_of:
        return [str(v) for v in names_of]
    codes = np.asarray(dataset.attributes[name], np.int64)
    return [str(v) for v in range(int(codes.max()) + 1 if len(codes) else 0)]


def _fd_labels(dataset: Dataset, clf: FeatureClassifier, generate: Generate | None,
               latent_dim: int, n_per_condition: int, seed: int,
               gen_feats: np.ndarray | None = None) -> dict[str, Any]:
    """Per-class FD; `gen_feats` (classes in order, n_per_condition each) skips generating."""
    names = _class_names(dataset)
    if gen_feats is None:
        z, labels = _label_conditions(len(names), n_per_condition, latent_dim, seed)
        gen_feats = clf.features(_generate(generate, z, labels))
    y = np.asarray(dataset.y, np.int64)
    refs, bases = _real_groups(clf, y, len(names), n_per_condition, seed)
    per_class = np.split(gen_feats, len(names))
    result = _fd_from(clf, dataset, refs, bases, per_class, names)
    result["fd_condition"] = "class"
    return result


def _fd_captions(dataset: Dataset, clf: FeatureClassifier, generate: Generate,
                 latent_dim: int, n_per_condition: int, seed: int,
                 attribute: str | None) -> dict[str, Any]:
    """FD per value of one attribute (or overall): G draws the captions of the baseline's
    held-out images, so both sides share their caption distribution."""
    captions = _captions_of(dataset)
    name = _fd_attribute(dataset, attribute)
    if name is None:
        groups = np.zeros(len(dataset), np.int64)
        values = ["all"]
    else:
        groups = np.asarray(dataset.attributes[name], np.int64)
        values = _attribute_values(dataset, name)
    refs, bases = _real_groups(clf, groups, len(values), n_per_condition, seed)
    idx = np.concatenate(bases)
    z = latents(len(idx), latent_dim, seed)
    feats = clf.features(_generate(generate, z, _as_captions([captions[i] for i in idx])))
    gen_feats = np.split(feats, np.cumsum([len(b) for b in bases])[:-1])
    keep = [g for g, b in enumerate(bases) if len(b) >= 2] if len(values) > 1 else [0]
    result = _fd_from(clf, dataset, [refs[g] for g in keep], [bases[g] for g in keep],
                      [gen_feats[g] for g in keep], [values[g] for g in keep])
    result["fd_condition"] = name or "all"
    return result


def fd_per_condition(dataset: Dataset, generate: Generate, latent_dim: int,
                     n_per_condition: int = DEFAULT_N_PER_CONDITION, seed: int = 0,
                     classifier: FeatureClassifier | None = None, *,
                     attribute: str | None = None, condition: str = "auto",
                     cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Fréchet distance in the metrics classifier's feature space, per condition and overall.

    The conditions are the classes of a labelled dataset, or the values of one attribute of a
    captioned dataset (`attribute`, default "colour" when there is one, else the first); a
    captioned dataset without attributes gets the overall figure only. For each condition c:

        ref_c  = m_c images of c from the classifier's training split
        base_c = m_c images of c from its held-out split          (real vs real)
        gen_c  = m_c samples of G for c                           (m_c = min(n, both counts))
        fd_c = FD(ref_c, gen_c)      real_fd_c = FD(ref_c, base_c)

    and the overall figures compare the unions. Labelled: gen_c = G(z, c) for the latents
    `latents(n_per_condition, latent_dim, seed)`. Captioned: G draws the captions of the
    images in base_c (one latent each), so both sides share their caption mix. With fewer
    samples than the 128 features the covariances are singular and FD is biased upward: read
    a figure against its baseline, which shares the sample count.

    Args:
        dataset: The real image data, with labels or captions.
        generate: `(z, condition) -> images`; condition int32 labels or an object array of
            caption strings.
        latent_dim: Size of z.
        n_per_condition: Samples per condition (capped by the real counts).
        seed: Seed of the latents and of the real subsets.
        classifier: The metrics classifier (default: `get_classifier(dataset, cache_dir)`).
        attribute: Captioned data: which attribute's values are the conditions.
        condition: `"label"`, `"caption"` or `"auto"` (captions when the data has them), as
            `cgan.condition`.
        cache_dir: Folder of cached classifiers (when `classifier` is not given).

    Returns:
        `fd`, `real_fd`, `n_fd`, `fd_condition` ("class", the attribute, or "all"), and with
        several conditions `fd_mean`, `real_fd_mean`, `fd_worst` (the highest per-condition
        FD), `real_fd_worst` (the baseline of that same condition), `fd_worst_condition`,
        `fd_per_condition`, `real_fd_per_condition`, `fd_conditions`, `n_fd_per_condition`.

    Raises:
        ConfigError: not images, no labels or captions, or `n_per_condition` < 2.
    """
    _need_images(dataset)
    if n_per_condition < 2:
        raise ConfigError(f"n_per_condition must be at least 2, got {n_per_condition}.")
    clf = _classifier(dataset, classifier, cache_dir)
    if _resolve_condition(dataset, condition) == CAPTION:
        return _fd_captions(dataset, clf, generate, latent_dim, n_per_condition, seed,
                            attribute)
    return _fd_labels(dataset, clf, generate, latent_dim, n_per_condition, seed)


# -- 4. matched vs mismatched pairs ------------------------------------------------------------


def mismatch_auc(match_scores: np.ndarray, mismatch_scores: np.ndarray) -> float:
    """ROC-AUC of a conditional D telling real matched pairs from real mismatched pairs.

    The scores are D's outputs (logits or probabilities; higher = "real and matching") for
    real images with their own condition and for real images with a wrong one. The AUC is the
    probability that a random matched pair outscores a random mismatched pair (ties count
    half): 1.0 = D always checks the condition, 0.5 = it ignores it, 0.0 = inverted.

    Args:
        match_scores: D's scores of real (image, own condition) pairs [N].
        mismatch_scores: D's scores of real (image, wrong condition) pairs [M].

    Returns:
        The AUC in [0, 1] (`sklearn.metrics.roc_auc_score`).

    Raises:
        ConfigError: a side is empty, or a score is not finite.

    Example:

    >>> mismatch_auc(np.array([2.0, 3.0]), np.array([-1.0, 0.5]))
    1.0
    """
    from sklearn.metrics import roc_auc_score

    match = np.asarray(match_scores, np.float64).ravel()
    mismatch = np.asarray(mismatch_scores, np.float64).ravel()
    if len(match) == 0 or len(mismatch) == 0:
        raise ConfigError(f"the mismatch AUC needs matched and mismatched scores, got "
                          f"{len(match)} and {len(mismatch)}.")
    scores = np.concatenate([match, mismatch])
    if not np.isfinite(scores).all():
        raise ConfigError("the discriminator's scores hold NaN or infinity.",
                          "Check the model for divergence before scoring it.")
    truth = np.concatenate([np.ones(len(match)), np.zeros(len(mismatch))])
    return float(roc_auc_score(truth, scores))


# -- 5. everything that applies -----------------------------------------------------------------


def evaluate_conditional(dataset: Dataset, generate: Generate, latent_dim: int, *,
                         n: int | None = None, seed: int = 0, holdout: str = "",
                         classifier: FeatureClassifier | None = None,
                         condition: str = "auto",
                         cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Scores a conditional generator with what applies to its data, in one flat dict.

    - Labels: `label_agreement` (main) and `fd_per_condition` per class, from the same
      samples: n / C per class (default 100).
    - Shapes captions: `attribute_accuracy_for_captions` (main `all_acc`; n captions, default
      1,000, and as many again from held-out combinations with a `holdout`) and
      `fd_per_condition` per colour (n / colours per colour, default 200).
    - Other captions: `fd_per_condition` overall only (n, default 1,000; main `fd`).

    On digits with the cached classifier this takes about a second on 2 CPU cores, plus the
    generator's own time (1,000 samples); a first call trains the classifier (~5 s).

    Args:
        dataset: The real image data, with labels or captions.
        generate: `(z [N, latent_dim] float32, condition [N]) -> images [N, H, W, C]` in [0,1];
            condition is int32 labels or an object array of caption strings.
        latent_dim: Size of z.
        n: Samples of the main figure (see above).
        seed: Seed of the latents, condition draws and real subsets.
        holdout: The `data.holdout` the model was trained with (shapes captions).
        classifier: The metrics classifier (default: `get_classifier(dataset, cache_dir)`).
        condition: `"label"`, `"caption"` or `"auto"` (captions when the data has them), as
            `cgan.condition`.
        cache_dir: Folder of cached classifiers.

    Returns:
        A flat dict: the figures of the parts that ran (see each function), their real
        baselines (`real_*`), `main_metric` (`"label_agreement"`, `"all_acc"` or `"fd"`),
        `main_better` (`"higher"`/`"lower"`), `condition` (`"label"`/`"caption"`),
        `dataset`, `seed`, `seconds`, and `classifier_accuracy` (None when untrained).

    Raises:
        ConfigError: the data is not images, or has no labels or captions; `n` too small.
    """
    t0 = time.perf_counter()
    _need_images(dataset)
    kind = _resolve_condition(dataset, condition)
    if n is not None and n < 10:
        raise ConfigError(f"{n} samples are too few to evaluate; give at least 10.")
    result: dict[str, Any] = {"dataset": dataset.name, "condition": kind, "seed": int(seed)}
    if kind == LABEL:
        clf = _labelled_classifier(dataset, classifier, cache_dir)
        names = _class_names(dataset)
        per_class = DEFAULT_N_PER_CLASS if n is None else max(2, int(n) // len(names))
        z, labels = _label_conditions(len(names), per_class, latent_dim, seed)
        feats, probs = clf.features_and_probs(_generate(generate, z, labels))
        result.update(_agreement_from(dataset, clf, labels, probs, seed))
        result.update(_fd_labels(dataset, clf, None, latent_dim, per_class, seed,
                                 gen_feats=feats))
        result.update(main_metric="label_agreement", main_better="higher")
    else:
        clf = _classifier(dataset, classifier, cache_dir)
        if _is_shapes(dataset):
            count = DEFAULT_N_CAPTIONS if n is None else int(n)
            result.update(attribute_accuracy_for_captions(dataset, generate, latent_dim,
                                                          n=count, seed=seed,
                                                          holdout=holdout))
            attribute = _fd_attribute(dataset, None)
            values = len(_attribute_values(dataset, attribute)) if attribute else 1
            per_condition = (DEFAULT_N_PER_CONDITION if n is None
                             else max(2, int(n) // max(values, 1)))
            result.update(_fd_captions(dataset, clf, generate, latent_dim, per_condition,
                                       seed, attribute))
            result.update(main_metric="all_acc", main_better="higher")
        else:
            count = DEFAULT_N_CAPTIONS if n is None else int(n)
            result.update(_fd_captions(dataset, clf, generate, latent_dim, count, seed,
                                       attribute=None))
            result.update(main_metric="fd", main_better="lower")
    result["classifier_accuracy"] = clf.accuracy
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result


# -- 6. the table -------------------------------------------------------------------------------


def _pct(value: Any) -> str:
    if value is None or not math.isfinite(float(value)):
        return "-"
    return f"{100 * float(value):.1f}%"


def _num(value: Any) -> str:
    if value is None or not math.isfinite(float(value)):
        return "-"
    value = float(value)
    return f"{value:.1f}" if abs(value) >= 100 else f"{value:.3f}"


def format_conditional(result: dict[str, Any]) -> str:
    """Renders `evaluate_conditional`'s dict as aligned text, each figure beside its baseline.

    Args:
        result: A dict from `evaluate_conditional` (or the merged dicts of its parts).

    Returns:
        A header line, a table (figure, value, real baseline, better) and a note on the
        baselines; the main figure is marked with `*`.
    """
    main = result.get("main_metric")
    rows: list[tuple[str, str, str, str, str]] = []

    def add(key: str, label: str, fmt: Callable[[Any], str], better: str,
            baseline_key: str | None = None) -> None:
        if key in result:
            base = result.get(baseline_key or f"real_{key}")
            rows.append(("*" if key == main else " ", label, fmt(result[key]), fmt(base),
                         better))

    add("label_agreement", "label agreement", _pct, "higher")
    if "label_agreement_worst" in result:
        add("label_agreement_worst", f"worst class ({result.get('worst_class')})", _pct,
            "higher")
    for prefix, title in (("", ""), ("heldout_", "held-out ")):
        for name in ("all", "shape", "colour", "size", "position"):
            add(f"{prefix}{name}_acc", f"{title}{name} read back" if name != "all"
                else f"{title}all attributes right", _pct, "higher",
                f"{prefix}real_{name}_acc")
    cond = result.get("fd_condition", "condition")
    add("fd", "FD overall", _num, "lower")
    add("fd_mean", f"FD mean per {cond}", _num, "lower")
    if "fd_worst" in result:
        add("fd_worst", f"FD worst {cond} ({result.get('fd_worst_condition')})", _num, "lower")
    if "fd_stage1_bicubic" in result:  # StackGAN: the baseline its stage II must beat
        add("fd_stage1_bicubic", "FD of stage I, bicubic", _num, "lower", "real_fd")
    if "mismatch_auc" in result:
        rows.append((" ", "D mismatch ROC-AUC", f"{result['mismatch_auc']:.3f}", "1.000",
                     "higher"))
    head = (f"{result.get('dataset')}: conditioned on {result.get('condition', '?')}s, "
            f"main figure {main}")
    if result.get("seconds") is not None:
        head += f" ({result['seconds']:.1f} s)"
    table = [(" ", "figure", "value", "real", "better"), *rows]
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    lines = [head]
    for i, row in enumerate(table):
        lines.append("  ".join([row[0], row[1].ljust(widths[1]), row[2].rjust(widths[2]),
                                row[3].rjust(widths[3]), row[4]]).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = []
    if "label_agreement" in result:
        notes.append("agreement: the metrics classifier on real held-out images")
    if "all_acc" in result:
        notes.append("read back: the same reader on exact renderings of the same captions")
    if "fd" in result:
        notes.append("FD: held-out vs training images, as many as generated")
    if notes:
        lines.append("real = " + "; ".join(notes) + ".")
    return "\n".join(lines)
