"""Quality figures of a generator, each beside its real-vs-real baseline.

Points (the VEEGAN / PacGAN protocol, 2,500 samples): modes captured, the high-quality share and
the reverse KL (`mode_stats`, when the dataset has modes), and for every point set the squared
MMD with a Gaussian kernel plus precision / recall (k = 3) and density / coverage (k = 5) on the
raw coordinates. The baseline is the same figure for real points that were not used as the
reference: two disjoint random subsets of the dataset, one the reference, one standing in for
the generator.

Images: the features of the dataset's metrics classifier (`classifier.get_classifier`) give the
Fréchet distance, KID, precision / recall (k = 3) and density / coverage (k = 5); its
probabilities give class coverage and the classifier score. The reference is a subset of the
classifier's training split, the baseline scores its held-out split against that reference.
Both sides use m = min(n, held-out size, training size) samples, so a figure and its baseline
are estimated from equally many samples (FD is biased by sample size; recall and coverage
depend on it too).

Latents (the seed convention of `evaluate_export`, `LiveEvaluator` and `ganstudio sample`):

    z = numpy.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")

so `ganstudio eval --seed 0 --n 500` scores G(z) for exactly those 500 latents, in order.

This module imports no TensorFlow at import time.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.linalg import LinAlgWarning
from scipy.spatial.distance import pdist

from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.core.metrics.classifier import FeatureClassifier, get_classifier
from ganstudio.core.metrics.features import (
    class_coverage,
    classifier_score,
    density_coverage,
    frechet_distance,
    kernel_inception_distance,
    precision_recall,
)
from ganstudio.core.metrics.points import mmd_rbf, mode_stats
from ganstudio.errors import ConfigError, ModelError
from ganstudio.textfile import read_json_file

__all__ = [
    "METRICS",
    "LiveEvaluator",
    "MetricInfo",
    "evaluate_export",
    "evaluate_generator",
    "evaluate_samples",
    "format_table",
    "latents",
]

DEFAULT_N_POINTS = 2500
DEFAULT_N_IMAGES = 2000
LIVE_N_IMAGES = 1000
PR_K = 3
DC_K = 5
HQ_THRESHOLD = 3.0
KID_SUBSETS = 10
KID_SUBSET_SIZE = 1000
GENERATE_BATCH = {POINTS: 4096, IMAGES: 500}


@dataclass(frozen=True)
class MetricInfo:
    """How to read one figure: its label, which direction is better, what it means."""

    label: str
    better: str
    meaning: str


METRICS: dict[str, MetricInfo] = {
    "modes": MetricInfo("modes captured", "higher",
                        "modes with at least one high-quality sample (VEEGAN/PacGAN)"),
    "hq": MetricInfo("high quality", "higher", "share of samples within 3σ of a mode center"),
    "reverse_kl": MetricInfo("reverse KL", "lower",
                             "KL(q‖uniform) of high-quality samples over the modes, nats"),
    "mmd": MetricInfo("MMD²", "lower", "Gaussian-kernel MMD² to real points (width: median "
                      "real distance)"),
    "fd": MetricInfo("Fréchet distance", "lower", "FID-style distance of classifier features"),
    "kid": MetricInfo("KID", "lower", "cubic-kernel MMD² of classifier features; unbiased: ≤0 is a match"),
    "precision": MetricInfo("precision", "higher",
                            f"share of samples inside the real manifold (k={PR_K}): fidelity"),
    "recall": MetricInfo("recall", "higher",
                         f"share of real data inside the samples' manifold (k={PR_K}): "
                         "diversity"),
    "density": MetricInfo("density", "higher",
                          f"real neighbourhoods per sample (k={DC_K}); ~1 for real data"),
    "coverage": MetricInfo("coverage", "higher",
                           f"share of real neighbourhoods (k={DC_K}) holding a sample"),
    "class_coverage": MetricInfo("class coverage", "higher",
                                 "share of classes the classifier sees in the samples"),
    "classifier_score": MetricInfo("classifier score", "higher",
                                   "exp E[KL(p(y|x)‖p(y))], Inception-Score style, 1..C"),
    # the encoder families (metrics.reconstruction)
    "recon_mse": MetricInfo("reconstruction MSE", "lower",
                            "squared error per value of examples decoded through their code"),
    "mean_image_mse": MetricInfo("mean-example MSE", "lower",
                                 "the same error of the mean example (ignores the input)"),
    "mse_ratio": MetricInfo("MSE ratio", "lower",
                            "reconstruction MSE / mean-example MSE (1: the code says nothing)"),
    "recon_agreement": MetricInfo("label agreement", "higher",
                                  "reconstructions the classifier reads as the input's class"),
    "recon_accuracy": MetricInfo("reconstruction accuracy", "higher",
                                 "the classifier's accuracy on reconstructions"),
    "input_accuracy": MetricInfo("input accuracy", "higher",
                                 "the classifier's accuracy on the inputs themselves"),
    "heldout_elbo": MetricInfo("held-out ELBO", "higher",
                               "evidence lower bound of held-out examples, nats per example"),
    # the translation families (metrics.translation)
    "mae": MetricInfo("MAE vs truth", "lower", "mean |translation − true image| per value, "
                      "both directions"),
    "mae_a_to_b": MetricInfo("MAE a → b", "lower", "mean |G(a) − true b| per value"),
    "mae_b_to_a": MetricInfo("MAE b → a", "lower", "mean |F(b) − true a| per value"),
    "mae_identity": MetricInfo("do-nothing MAE", "lower",
                               "mean |a − b| of the true pairs: translating nothing"),
    "label_kept": MetricInfo("label kept", "higher",
                             "translations the target's classifier reads as the source's label"),
    "label_kept_a_to_b": MetricInfo("label kept a → b", "higher",
                                    "G(a) that B's classifier reads as a's label"),
    "label_kept_b_to_a": MetricInfo("label kept b → a", "higher",
                                    "F(b) that A's classifier reads as b's label"),
    "fd_a_to_b": MetricInfo("FD in B", "lower", "Fréchet distance of G(a) to real B "
                            "(B's classifier features)"),
    "fd_b_to_a": MetricInfo("FD in A", "lower", "Fréchet distance of F(b) to real A "
                            "(A's classifier features)"),
    "mmd_a_to_b": MetricInfo("MMD² in B", "lower", "Gaussian-kernel MMD² of G(a) to real B"),
    "mmd_b_to_a": MetricInfo("MMD² in A", "lower", "Gaussian-kernel MMD² of F(b) to real A"),
    "cycle_a": MetricInfo("cycle error A", "lower", "mean |F(G(a)) − a| per value"),
    "cycle_b": MetricInfo("cycle error B", "lower", "mean |G(F(b)) − b| per value"),
}

POINT_METRICS_MODES = ("modes", "hq", "reverse_kl")
POINT_METRICS = ("mmd", "precision", "recall", "density", "coverage")
IMAGE_METRICS = ("fd", "kid", "precision", "recall", "density", "coverage")
CLASS_METRICS = ("class_coverage", "classifier_score")


def latents(n: int, latent_dim: int, seed: int = 0) -> np.ndarray:
    """The evaluation latents: `default_rng(seed).standard_normal((n, latent_dim))`, float32."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def _generate(generate: Callable[[np.ndarray], np.ndarray], z: np.ndarray,
              batch: int) -> np.ndarray:
    parts = [np.asarray(generate(z[start:start + batch]), np.float32)
             for start in range(0, len(z), batch)]
    return np.concatenate(parts) if parts else np.zeros((0,), np.float32)


class _Reference:
    """The real side of an evaluation, computed once: subsets, features, kernel width, baseline.

    Args:
        dataset: The real data.
        n: Requested sample count.
        seed: Seed of the real subsets.
        classifier: For images, the feature classifier (default: `get_classifier(dataset)`).
        cache_dir: Where `get_classifier` caches (default: its own default).
        status: Optional callable told when a classifier is trained.
    """

    def __init__(self, dataset: Dataset, n: int, seed: int = 0,
                 classifier: FeatureClassifier | None = None,
                 cache_dir: str | Path | None = None, status: Callable[[str], Any] | None = None
                 ) -> None:
        if n < 10:
            raise ConfigError(f"{n} samples are too few to evaluate; give at least 10.")
        self.dataset = dataset
        self.kind = dataset.kind
        self.seed = seed
        self.classifier: FeatureClassifier | None = None
        rng = np.random.default_rng(seed)
        if dataset.kind == IMAGES:
            self.classifier = classifier or get_classifier(dataset, cache_dir, status=status)
            train_idx, held_idx = self.classifier.train_idx, self.classifier.heldout_idx
            self.m = min(n, len(held_idx), len(train_idx))
            ref_idx = np.sort(rng.choice(train_idx, self.m, replace=False))
            base_idx = np.sort(rng.choice(held_idx, self.m, replace=False))
            self.ref_feats, self.ref_probs = self.classifier.features_and_probs(
                dataset.x[ref_idx])
            base_feats, base_probs = self.classifier.features_and_probs(dataset.x[base_idx])
            self.names = IMAGE_METRICS + (CLASS_METRICS if self.classifier.trained else ())
            self.n_generate = self.m
            self.baseline, self.baseline_details = self._score_features(base_feats, base_probs)
        else:
            x = np.asarray(dataset.x, np.float64).reshape(len(dataset), -1)
            if len(x) < 4:
                raise ConfigError(f"the metrics need at least 4 real points, got {len(x)}.")
            self.m = min(n, len(x) // 2)
            perm = rng.permutation(len(x))
            self.ref = x[perm[:self.m]]
            base = x[perm[self.m:2 * self.m]]
            width = float(np.median(pdist(self.ref[:2000])))
            self.bandwidth = width if width > 0 else 1.0
            self.has_modes = dataset.modes is not None and dataset.sigma is not None
            self.names = (POINT_METRICS_MODES if self.has_modes else ()) + POINT_METRICS
            # The papers' protocol scores n generated points (2,500) whatever the real count.
            self.n_generate = n
            self.baseline, self.baseline_details = self._score_points(base)

    # -- scoring -----------------------------------------------------------------------------

    def _score_points(self, samples: np.ndarray) -> tuple[dict[str, float], dict[str, Any]]:
        ds = self.dataset
        x = np.asarray(samples, np.float64).reshape(len(samples), -1)
        if x.shape[1] != self.ref.shape[1]:
            raise ConfigError(f"the samples have {x.shape[1]} coordinates but {ds.name!r} has "
                              f"{self.ref.shape[1]}.",
                              "Evaluate against the dataset the model was trained on.")
        out: dict[str, float] = {}
        details: dict[str, Any] = {}
        if self.has_modes:
            stats = mode_stats(x, ds.modes, float(ds.sigma), threshold=HQ_THRESHOLD)
            out["modes"] = float(stats.modes_captured)
            out["hq"] = float(stats.high_quality)
            out["reverse_kl"] = float(stats.reverse_kl)
            details["n_modes"] = int(stats.n_modes)
            details["mode_counts"] = [int(c) for c in stats.counts]
        out["mmd"] = mmd_rbf(x, self.ref, bandwidth=self.bandwidth, seed=self.seed)
        out["precision"], out["recall"] = precision_recall(self.ref, x, k=PR_K)
        out["density"], out["coverage"] = density_coverage(self.ref, x, k=DC_K)
        details["mmd_bandwidth"] = self.bandwidth
        return out, details

    def _score_features(self, feats: np.ndarray,
                        probs: np.ndarray) -> tuple[dict[str, float], dict[str, Any]]:
        with warnings.catch_warnings():
            # Dead ReLU units make the covariances singular; sqrtm warns, the value is fine.
            warnings.simplefilter("ignore", LinAlgWarning)
            out: dict[str, float] = {"fd": frechet_distance(self.ref_feats, feats)}
        kid, kid_std = kernel_inception_distance(
            self.ref_feats, feats, subsets=KID_SUBSETS,
            subset_size=min(KID_SUBSET_SIZE, len(feats)), seed=self.seed)
        out["kid"] = kid
        out["precision"], out["recall"] = precision_recall(self.ref_feats, feats, k=PR_K)
        out["density"], out["coverage"] = density_coverage(self.ref_feats, feats, k=DC_K)
        details: dict[str, Any] = {"kid_std": kid_std}
        if self.classifier is not None and self.classifier.trained:
            num_classes = self.classifier.num_classes
            out["class_coverage"] = class_coverage(probs, num_classes)
            out["classifier_score"] = classifier_score(probs)
            counts = np.bincount(probs.argmax(axis=1), minlength=num_classes)[:num_classes]
            details["class_counts"] = [int(c) for c in counts]
        return out, details

    def score(self, samples: np.ndarray) -> tuple[dict[str, float], dict[str, Any]]:
        """Scores generated samples (in the dataset's units) against the reference."""
        samples = np.asarray(samples, np.float32)
        if self.kind == IMAGES:
            if len(samples) < self.m:
                raise ConfigError(f"got {len(samples)} generated images; the image metrics "
                                  f"need {self.m} here.", "Generate more samples.")
            feats, probs = self.classifier.features_and_probs(samples[:self.m])
            return self._score_features(feats, probs)
        if len(samples) <= DC_K:
            raise ConfigError(f"got {len(samples)} generated points; the metrics need more "
                              f"than {DC_K}.", "Generate more samples.")
        return self._score_points(samples)

    def describe(self) -> dict[str, Any]:
        """JSON-friendly facts about the reference (sizes, classifier)."""
        info: dict[str, Any] = {"n_real": int(self.m)}
        if self.classifier is not None:
            clf = self.classifier
            info["classifier"] = {
                "trained": clf.trained,
                "accuracy": clf.accuracy,
                "features": clf.info.get("features", "trained classifier"),
                "path": None if clf.path is None else str(clf.path),
                "n_train": int(len(clf.train_idx)),
                "n_heldout": int(len(clf.heldout_idx)),
            }
        return info


def _result(ref: _Reference, values: dict[str, float], details: dict[str, Any],
            n_generated: int) -> dict[str, Any]:
    ds = ref.dataset
    metrics = {
        name: {"value": float(values[name]), "baseline": float(ref.baseline[name]),
               "better": METRICS[name].better, "label": METRICS[name].label,
               "meaning": METRICS[name].meaning}
        for name in ref.names
    }
    result: dict[str, Any] = {
        "dataset": ds.name,
        "kind": ds.kind,
        "n": int(n_generated if ds.kind == POINTS else ref.m),
        "n_generated": int(n_generated),
        "seed": int(ref.seed),
        "metrics": metrics,
        "details": details,
        "baseline_details": ref.baseline_details,
        "baseline": ("held-out real images scored like samples, against the classifier's "
                     "training split" if ds.kind == IMAGES else
                     "real points scored like samples: two disjoint random subsets"),
        **ref.describe(),
    }
    if ref.classifier is not None:
        result["classifier_accuracy"] = ref.classifier.accuracy
    return result


def evaluate_samples(dataset: Dataset, samples: np.ndarray, *,
                     classifier: FeatureClassifier | None = None, seed: int = 0,
                     cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Scores generated samples against a dataset, each figure beside its real-vs-real baseline.

    Points: `modes`, `hq`, `reverse_kl` (with modes), `mmd`, `precision`, `recall`, `density`,
    `coverage`. Images: `fd`, `kid`, `precision`, `recall`, `density`, `coverage`, and with
    labels `class_coverage` and `classifier_score`; the first m = min(len(samples), held-out
    size) images are scored.

    Args:
        dataset: The real data.
        samples: Generated samples in the dataset's units (points [N, D]; images [N, H, W, C]
            in [0, 1]).
        classifier: For images, the feature classifier (default: `get_classifier(dataset)`).
        seed: Seed of the real subsets (and the KID / MMD subsampling).
        cache_dir: Folder of cached classifiers (default: see `get_classifier`).

    Returns:
        A JSON-friendly dict: `dataset`, `kind`, `n`, `seed`, `metrics` (name -> `value`,
        `baseline`, `better` ("lower"/"higher"), `label`, `meaning`), `details` (mode or class
        counts, KID's std), `baseline_details`, `n_real`, and for images `classifier` and
        `classifier_accuracy`. `reverse_kl` is `inf` when no sample is high quality.

    Raises:
        ConfigError: too few samples, or samples that do not fit the dataset's shape.
    """
    samples = np.asarray(samples, np.float32)
    ref = _Reference(dataset, len(samples), seed=seed, classifier=classifier,
                     cache_dir=cache_dir)
    values, details = ref.score(samples)
    return _result(ref, values, details, len(samples))


def _default_n(kind: str) -> int:
    return DEFAULT_N_IMAGES if kind == IMAGES else DEFAULT_N_POINTS


def evaluate_generator(dataset: Dataset, generate: Callable[[np.ndarray], np.ndarray],
                       latent_dim: int, n: int | None = None, seed: int = 0,
                       classifier: FeatureClassifier | None = None,
                       cache_dir: str | Path | None = None,
                       status: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Draws the evaluation latents, generates, and scores the samples (see `evaluate_samples`).

    The latents are `latents(count, latent_dim, seed)` with count = n for points and
    min(n, held-out size) for images, generated in batches.

    Args:
        dataset: The real data.
        generate: z [B, latent_dim] float32 -> samples in the dataset's units (e.g.
            `TrainingSession.generate` or a `LoadedGenerator`).
        latent_dim: Size of z.
        n: Samples (default 2,500 points, 2,000 images).
        seed: Seed of the latents and of the real subsets.
        classifier: For images, the feature classifier (default: `get_classifier(dataset)`).
        cache_dir: Folder of cached classifiers.
        status: Optional callable told when a classifier is trained.

    Returns:
        The dict of `evaluate_samples`, plus `latent_seed`, `latent_dim` and `seconds`.
    """
    t0 = time.perf_counter()
    n = _default_n(dataset.kind) if n is None else int(n)
    ref = _Reference(dataset, n, seed=seed, classifier=classifier, cache_dir=cache_dir,
                     status=status)
    z = latents(ref.n_generate, latent_dim, seed)
    samples = _generate(generate, z, GENERATE_BATCH[dataset.kind])
    values, details = ref.score(samples)
    result = _result(ref, values, details, len(samples))
    result.update({"n_requested": int(n), "latent_seed": int(seed),
                   "latent_dim": int(latent_dim),
                   "latents": "numpy.random.default_rng(seed).standard_normal((n, latent_dim))",
                   "seconds": round(time.perf_counter() - t0, 3)})
    return result


def _load_matching_dataset(name: str, meta: dict[str, Any]) -> Dataset:
    from ganstudio.config import DataConfig
    from ganstudio.core.data.registry import load_dataset

    kind = meta.get("kind")
    shape = tuple(int(s) for s in meta.get("data_shape") or ())
    seed = int(meta.get("seed") or 0)
    ds = load_dataset(DataConfig(name=name), seed=seed)
    if kind and ds.kind != kind:
        raise ConfigError(f"the model makes {kind} but {name!r} holds {ds.kind}.",
                          "Evaluate against the dataset it was trained on (leave out --dataset).")
    if shape and ds.shape != shape and ds.kind == IMAGES and len(shape) == 3:
        color = "grayscale" if shape[2] == 1 else "rgb"
        size = shape[0] if shape[0] == shape[1] and 8 <= shape[0] <= 128 else None
        ds = load_dataset(DataConfig(name=name, image_size=size, color=color), seed=seed)
    if shape and ds.shape != shape:
        raise ConfigError(f"the model makes samples of shape {shape} but {name!r} holds "
                          f"{ds.shape}.", "Evaluate against the dataset it was trained on.")
    return ds


def _peek_metadata(model: str | Path) -> dict[str, Any]:
    """The export's metadata JSON read without TensorFlow ({} when there is none to read)."""
    path = Path(model)
    for folder in (path / "generator", path):
        meta_path = folder / "assets" / "ganstudio.json"
        if (folder / "saved_model.pb").is_file() and meta_path.is_file():
            try:
                meta = read_json_file(meta_path, "export metadata", ModelError)
            except ModelError:
                return {}  # loading the export says what is wrong with it
            return dict(meta) if isinstance(meta, dict) else {}
    return {}


def evaluate_export(model: str | Path, dataset: str | None = None, n: int | None = None,
                    seed: int = 0, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Scores an exported generator (`ganstudio eval`): each figure beside its baseline.

    Args:
        model: A run folder from `ganstudio train`, or its `generator/` export.
        dataset: Dataset name or path to compare with (default: the one in the export's
            metadata). Images are loaded at the export's size and color.
        n: Generated samples (default 2,500 points, 2,000 images; images use at most the
            held-out size).
        seed: Seed of the latents: `default_rng(seed).standard_normal((n, latent_dim))`.
        cache_dir: Folder of cached classifiers.

    Returns:
        The dict of `evaluate_generator` (of `conditional.evaluate_conditional` for a
        conditional export, of `translation.evaluate_translation` for a translation one, whose
        `n` and `seed` are not used: it translates every truth or source example), plus `model` (path, dataset trained on, objective, steps, seed).

    Raises:
        ModelError: `model` is not an export.
        DataError / OfflineError: the dataset is unknown or not available offline.
        ConfigError: the dataset does not fit the model, or `n` is too small.
    """
    if n is not None and n < 10:
        raise ConfigError(f"--n: {n} is too few samples to evaluate; give at least 10.")
    # The dataset is resolved before TensorFlow is imported, so a typo fails fast.
    meta = _peek_metadata(model)
    name = dataset or meta.get("dataset")
    ds = _load_matching_dataset(str(name), meta) if name else None

    from ganstudio.core.export import LoadedGenerator, LoadedTranslator

    gen = LoadedTranslator(model) if "translation" in meta else LoadedGenerator(model)
    meta = gen.metadata
    if ds is None:
        if not meta.get("dataset"):
            raise ConfigError("the export does not say which dataset it was trained on.",
                              "Give --dataset NAME.")
        ds = _load_matching_dataset(str(meta["dataset"]), meta)
    if isinstance(gen, LoadedTranslator):  # a translation export: both directions' figures
        from ganstudio.core.metrics.translation import evaluate_translation

        result = evaluate_translation(gen, ds, seed=seed)
    elif gen.condition_name is not None:  # a conditional export: its own figures
        from ganstudio.core.metrics.conditional import evaluate_conditional

        result = evaluate_conditional(ds, gen, gen.latent_dim, n=n, seed=seed,
                                      holdout=str(meta.get("holdout") or ""),
                                      condition=gen.condition_name, cache_dir=cache_dir)
    else:
        result = evaluate_generator(ds, gen, gen.latent_dim, n=n, seed=seed,
                                    cache_dir=cache_dir)
    result["model"] = {
        "path": str(gen.path),
        "trained_on": meta.get("dataset"),
        "objective": meta.get("objective"),
        "steps": meta.get("steps"),
        "seed": meta.get("seed"),
    }
    return result


# -- the table ---------------------------------------------------------------------------------


def _fmt(name: str, value: float | None, result: dict[str, Any]) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return "inf" if value > 0 else "nan"
    if name == "modes":
        total = result.get("details", {}).get("n_modes")
        return f"{int(value)}/{total}" if total else f"{int(value)}"
    if name in ("hq", "precision", "recall", "coverage", "class_coverage"):
        return f"{100 * value:.1f}%"
    if 0 < abs(value) < 1e-2:
        return f"{value:.2e}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3f}"


def format_table(result: dict[str, Any]) -> str:
    """Renders an evaluation as aligned text: metric, value, real-vs-real baseline, better, meaning.

    Args:
        result: A dict from `evaluate_samples`, `evaluate_generator` or `evaluate_export`.

    Returns:
        A header line, the table, and a note on the baseline.
    """
    head = f"{result.get('dataset')} ({result.get('kind')}): {result.get('n')} generated samples"
    asked = result.get("n_requested")
    if asked and asked > result.get("n", asked):
        head += f" (of {asked} asked: capped at the held-out split, so both sides match)"
    model = result.get("model")
    if model:
        head = (f"{model.get('path')} (objective {model.get('objective')}, "
                f"{model.get('steps')} steps) vs " + head)
    lines = [head]
    clf = result.get("classifier")
    if clf:
        if clf.get("trained"):
            lines.append(f"features: the dataset's own classifier, held-out accuracy "
                         f"{100 * float(clf.get('accuracy') or 0):.1f}%")
        else:
            lines.append("features: a fixed random CNN (the data has no labels; no class "
                         "metrics)")
    rows = [("metric", "value", "real vs real", "better", "meaning")]
    for name, entry in result["metrics"].items():
        rows.append((entry.get("label", name), _fmt(name, entry["value"], result),
                     _fmt(name, entry["baseline"], result), entry["better"],
                     entry.get("meaning", "")))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    rule = "  ".join("-" * w for w in widths) + "  " + "-" * 7
    for i, row in enumerate(rows):
        lines.append("  ".join([row[0].ljust(widths[0])]
                               + [row[c].rjust(widths[c]) for c in (1, 2)]
                               + [row[3].ljust(widths[3]), row[4]]).rstrip())
        if i == 0:
            lines.append(rule)
    lines.append(f"real vs real: {result.get('baseline', 'the same figure for real data')} "
                 f"({result.get('n_real')} real samples on each side).")
    return "\n".join(lines)


# -- during training ---------------------------------------------------------------------------


class LiveEvaluator:
    """Cheap, comparable quality figures during training (for the curves and the stop rule).

    The real side (subsets, classifier features, kernel width, baselines) is computed once
    here; each call draws the same latents (`latents(n, latent_dim, seed)`), so successive
    figures differ only because the generator changed.

    Args:
        dataset: The real data.
        n: Samples per evaluation (default 2,500 points, 1,000 images; images use at most the
            held-out size).
        seed: Seed of the latents and the real subsets.
        classifier: For images, the feature classifier (default: `get_classifier(dataset)`,
            trained on first use).
        cache_dir: Folder of cached classifiers.
        status: Optional callable told when a classifier is trained.

    Attributes:
        names: The metric names each call returns, in order.
        baseline: name -> real-vs-real value.
        better: name -> "lower" or "higher".
        main_metric: The name the stop rule should watch: `"reverse_kl"` for points with
            modes, `"mmd"` for other points, `"fd"` for images.
        main_mode: `"min"` or `"max"` for `StopRule(mode=...)` (always "min" for these).
        last_seconds: Wall time of the last call.

    Example:

    >>> live = LiveEvaluator(dataset)                            # doctest: +SKIP
    >>> figures = live(session.generate, latent_dim=8)           # doctest: +SKIP
    >>> rule.update(mean_d, figures[live.main_metric])           # doctest: +SKIP
    """

    def __init__(self, dataset: Dataset, n: int | None = None, seed: int = 0,
                 classifier: FeatureClassifier | None = None,
                 cache_dir: str | Path | None = None,
                 status: Callable[[str], Any] | None = None) -> None:
        if n is None:
            n = LIVE_N_IMAGES if dataset.kind == IMAGES else DEFAULT_N_POINTS
        self.seed = seed
        self._ref = _Reference(dataset, n, seed=seed, classifier=classifier,
                               cache_dir=cache_dir, status=status)
        self.n = self._ref.n_generate
        self.names: tuple[str, ...] = tuple(self._ref.names)
        self.baseline: dict[str, float] = dict(self._ref.baseline)
        self.better: dict[str, str] = {name: METRICS[name].better for name in self.names}
        if dataset.kind == IMAGES:
            self.main_metric = "fd"
        elif self._ref.has_modes:
            self.main_metric = "reverse_kl"
        else:
            self.main_metric = "mmd"
        self.main_mode = "min" if METRICS[self.main_metric].better == "lower" else "max"
        self.last_seconds = 0.0
        self._z: dict[int, np.ndarray] = {}

    @property
    def classifier(self) -> FeatureClassifier | None:
        """The image classifier in use (`None` for points)."""
        return self._ref.classifier

    def __call__(self, generate: Callable[[np.ndarray], np.ndarray],
                 latent_dim: int) -> dict[str, float]:
        """Generates `n` samples from the fixed latents and returns name -> value (floats).

        Args:
            generate: z [B, latent_dim] float32 -> samples in the dataset's units.
            latent_dim: Size of z.

        Returns:
            A flat dict over `names`; `reverse_kl` may be `inf`.
        """
        t0 = time.perf_counter()
        z = self._z.get(latent_dim)
        if z is None:
            z = self._z[latent_dim] = latents(self.n, latent_dim, self.seed)
        samples = _generate(generate, z, GENERATE_BATCH[self._ref.kind])
        values, _ = self._ref.score(samples)
        self.last_seconds = time.perf_counter() - t0
        return {name: float(values[name]) for name in self.names}

