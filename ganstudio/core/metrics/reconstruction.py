"""Quality figures of the encoder families (`ae`, `vae`): reconstruction, ELBO, prior samples.

- `recon_mse`: the mean squared error per value, in the dataset's units, of examples decoded
  through their mean code (every example; live: at most `LIVE_RECON` of them, evenly spaced).
- `mean_image_mse`: the same error of the best constant guess, the mean example: what a model
  that ignores its input reaches. `mse_ratio` = recon_mse / mean_image_mse (below 1: the code
  carries information about the example; 0: perfect).
- `recon_agreement` (labelled images): the share of examples whose reconstruction the
  dataset's metrics classifier (`classifier.get_classifier`) reads as the same class as the
  input; `recon_accuracy` / `input_accuracy`: its accuracy against the labels on each.
- `heldout_elbo` (vae): the ELBO of the held-out split in nats per example.
- prior samples: the figures of `evaluate` (FD, KID, precision / recall, density / coverage,
  class coverage; modes and MMD for points), each beside its real-vs-real baseline.

The recipe is duck-typed (`reconstruct`, `generate`, `heldout_elbo`, `latent_dim`,
`family`; `elbo` for a variational one), so this module imports no TensorFlow.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.core.metrics.classifier import FeatureClassifier, get_classifier
from ganstudio.core.metrics.evaluate import LiveEvaluator, evaluate_generator, format_table

LIVE_RECON = 5000
FULL_RECON = 100_000
RECON_NAMES = ("recon_mse", "mean_image_mse", "mse_ratio")
CLASS_NAMES = ("recon_agreement", "recon_accuracy", "input_accuracy")


def _spread(n: int, most: int) -> np.ndarray:
    """At most `most` indices of range(n), evenly spaced (all of them when n ≤ most)."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).astype(np.int64))


def reconstruction_figures(x: np.ndarray, recon: np.ndarray,
                           classifier: FeatureClassifier | None = None,
                           labels: np.ndarray | None = None) -> dict[str, float]:
    """The reconstruction figures of examples and their reconstructions.

    Args:
        x: Examples [N, ...] in the dataset's units.
        recon: Their reconstructions, same shape.
        classifier: A trained metrics classifier (images), or `None`.
        labels: The examples' labels [N], or `None`.

    Returns:
        `recon_mse`, `mean_image_mse`, `mse_ratio`; with a trained classifier also
        `recon_agreement`, and with labels `recon_accuracy` and `input_accuracy`.
    """
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    r = np.asarray(recon, np.float64).reshape(len(recon), -1)
    mse = float(np.mean((r - x) ** 2))
    base = float(np.mean((x - x.mean(axis=0)) ** 2))
    out = {"recon_mse": mse, "mean_image_mse": base,
           "mse_ratio": mse / base if base > 0 else math.inf}
    if classifier is not None and classifier.trained:
        p_in = classifier.probs(np.asarray(x, np.float32).reshape(
            (len(x), *classifier.input_shape))).argmax(axis=1)
        p_rec = classifier.probs(np.asarray(r, np.float32).reshape(
            (len(r), *classifier.input_shape))).argmax(axis=1)
        out["recon_agreement"] = float(np.mean(p_in == p_rec))
        if labels is not None:
            y = np.asarray(labels)
            out["recon_accuracy"] = float(np.mean(p_rec == y))
            out["input_accuracy"] = float(np.mean(p_in == y))
    return out


def _classifier_for(dataset: Dataset, status: Callable[[str], Any] | None
                    ) -> FeatureClassifier | None:
    if dataset.kind != IMAGES or dataset.y is None or dataset.num_classes < 2:
        return None
    return get_classifier(dataset, status=status)


class ReconstructionEvaluator:
    """Live figures of an encoder family (an `Evaluator`): reconstruction, held-out ELBO
    (vae) and the prior samples' figures, each call on the same examples and latents.

    Args:
        recipe: An `ae` or `vae` recipe.
        dataset: The real data.
        n: Prior samples per evaluation (see `LiveEvaluator`).
        seed: Seed of the latents, the real subsets and the ELBO's draws.
        status: Optional callable told when a classifier is trained.
    """

    def __init__(self, recipe: Any, dataset: Dataset, n: int | None, seed: int,
                 status: Callable[[str], Any] | None = None) -> None:
        self.live = LiveEvaluator(dataset, n=n, seed=seed, status=status)
        self.dataset = dataset
        self.seed = seed
        self.latent_dim = int(recipe.latent_dim)
        self.idx = _spread(len(dataset), LIVE_RECON)
        self.classifier = self.live.classifier if (
            self.live.classifier is not None and self.live.classifier.trained) else None
        names = list(RECON_NAMES)
        if self.classifier is not None:
            names += list(CLASS_NAMES)
        self.vae = callable(getattr(recipe, "elbo", None)) and len(recipe.heldout_idx) > 0
        if self.vae:
            names.append("heldout_elbo")
        self.names = tuple(names) + tuple(self.live.names)
        self.main_metric = "heldout_elbo" if self.vae else "mse_ratio"
        self.main_mode = "max" if self.vae else "min"
        self.baseline = dict(self.live.baseline)
        self.baseline.update({"mse_ratio": 1.0, "recon_agreement": 1.0})
        self.better = dict(self.live.better)
        self.better.update({"recon_mse": "lower", "mean_image_mse": "lower",
                            "mse_ratio": "lower", "recon_agreement": "higher",
                            "recon_accuracy": "higher", "input_accuracy": "higher",
                            "heldout_elbo": "higher"})
        self.n = int(self.live.n)

    def __call__(self, recipe: Any) -> dict[str, float]:
        """Returns name -> value for the recipe's current weights."""
        x = self.dataset.x[self.idx]
        labels = None if self.dataset.y is None else np.asarray(self.dataset.y)[self.idx]
        out = reconstruction_figures(x, recipe.reconstruct(x), self.classifier, labels)
        if self.vae:
            out["heldout_elbo"] = float(recipe.heldout_elbo(samples=1, seed=self.seed))
        out.update(self.live(lambda z: recipe.generate({"z": z}), self.latent_dim))
        return {name: float(out[name]) for name in self.names}


def evaluate_autoencoder(recipe: Any, dataset: Dataset, seed: int = 0,
                         status: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """The end-of-run evaluation of an encoder family.

    Every example (at most `FULL_RECON`, evenly spaced) is reconstructed through its mean
    code; the VAE's held-out ELBO averages 8 draws of the code per example; the prior samples
    are scored by `evaluate_generator` (its default count).

    Args:
        recipe: An `ae` or `vae` recipe.
        dataset: The data it was trained on.
        seed: Seed of the latents, the real subsets and the ELBO's draws.
        status: Optional callable told when a classifier is trained.

    Returns:
        A JSON-friendly dict: `family`, `main_metric`, the reconstruction figures (flat),
        `heldout_elbo` (vae, nats per example) and `samples` (the `evaluate_generator` dict),
        with its headline figures also flat (`fd`, `class_coverage`, ... or the point
        figures).
    """
    t0 = time.perf_counter()
    samples = evaluate_generator(dataset, lambda z: recipe.generate({"z": z}),
                                 int(recipe.latent_dim), seed=seed, status=status)
    idx = _spread(len(dataset), FULL_RECON)
    x = dataset.x[idx]
    labels = None if dataset.y is None else np.asarray(dataset.y)[idx]
    result: dict[str, Any] = {"family": recipe.family, "n_reconstructed": int(len(idx))}
    result.update(reconstruction_figures(x, recipe.reconstruct(x),
                                         _classifier_for(dataset, status), labels))
    elbo = recipe.heldout_elbo(samples=8, seed=seed)
    if elbo is not None:
        result["heldout_elbo"] = float(elbo)
        result["n_heldout"] = int(len(recipe.heldout_idx))
        result["elbo_units"] = ("nats per example (Bernoulli: binarized pixels)"
                                if getattr(recipe, "likelihood", "") == "bernoulli"
                                else "nats per example (density in the data's units)")
    result["main_metric"] = "heldout_elbo" if elbo is not None else "mse_ratio"
    for name, entry in samples["metrics"].items():
        result[name] = entry["value"]
        result[f"real_{name}"] = entry["baseline"]
    result["samples"] = samples
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def format_report(result: dict[str, Any]) -> str:
    """Renders `evaluate_autoencoder`'s dict: reconstruction lines, then the samples' table."""
    lines = [f"reconstruction of {result['n_reconstructed']} examples through the mean code:",
             f"  MSE {result['recon_mse']:.4g} per value; the mean example's {result['mean_image_mse']:.4g}"
             f" (ratio {result['mse_ratio']:.3g}; below 1: the code carries the example)"]
    if "recon_agreement" in result:
        text = f"  the classifier reads the input's class in {_pct(result['recon_agreement'])}"
        if "recon_accuracy" in result:
            text += (f"; accuracy on reconstructions {_pct(result['recon_accuracy'])}, on "
                     f"inputs {_pct(result['input_accuracy'])}")
        lines.append(text + " of reconstructions" if "recon_accuracy" not in result else text)
    if "heldout_elbo" in result:
        lines.append(f"held-out ELBO {result['heldout_elbo']:.2f} {result['elbo_units']}, "
                     f"{result['n_heldout']} examples")
    lines.append("prior samples:")
    lines.append(format_table(result["samples"]))
    return "\n".join(lines)
