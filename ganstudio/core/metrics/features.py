"""Quality metrics on feature matrices [N, F]: FD, KID, precision/recall, density/coverage, IS.

The features come from whatever embedding suits the data (a pretrained classifier's
penultimate layer for images, the raw coordinates for points); these functions only see numpy
arrays. The k-nearest-neighbour metrics work in row chunks of float32 matrix products, so
10,000 x 10,000 comparisons in 1,000 dimensions stay within a few tens of MB and a few seconds.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import linalg

from ganstudio.errors import ConfigError

__all__ = [
    "class_coverage",
    "classifier_score",
    "density_coverage",
    "frechet_distance",
    "kernel_inception_distance",
    "precision_recall",
]

# Elements per distance block: 2**24 float32 values = 64 MB.
_BLOCK_ELEMENTS = 2**24


def _as_features(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must be a feature matrix [N, F], got shape {x.shape}.")
    return x


def _pair(real: np.ndarray, fake: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    real = _as_features("real", real)
    fake = _as_features("fake", fake)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake features differ in width: {real.shape[1]} vs {fake.shape[1]}."
        )
    return real, fake


def _need_samples(metric: str, real: np.ndarray, fake: np.ndarray, minimum: int) -> None:
    if len(real) < minimum or len(fake) < minimum:
        raise ConfigError(
            f"{metric} needs at least {minimum} real and {minimum} generated samples, got "
            f"{len(real)} and {len(fake)}.",
            "Evaluate with more samples.",
        )


def _center_float32(real: np.ndarray, fake: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Centering keeps |a|^2 + |b|^2 - 2 a.b accurate in float32.
    center = real.mean(axis=0, dtype=np.float64)
    return (
        np.ascontiguousarray(real - center, dtype=np.float32),
        np.ascontiguousarray(fake - center, dtype=np.float32),
    )


def _sq_dist_blocks(a: np.ndarray, b: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """Yields (row slice of a, squared distances [rows, len(b)]) in memory-bounded blocks."""
    a_sq = np.einsum("ij,ij->i", a, a)
    b_sq = np.einsum("ij,ij->i", b, b)
    rows = max(1, _BLOCK_ELEMENTS // max(len(b), 1))
    for start in range(0, len(a), rows):
        rows_slice = slice(start, min(start + rows, len(a)))
        block = a[rows_slice] @ b.T
        block *= -2.0
        block += a_sq[rows_slice, None]
        block += b_sq[None, :]
        np.maximum(block, 0.0, out=block)
        yield rows_slice, block


def _knn_radii_sq(x: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each row of x to its k-th nearest other row of x."""
    radii = np.empty(len(x), dtype=np.float32)
    for rows, block in _sq_dist_blocks(x, x):
        # Index k, not k - 1: the point itself sits at distance 0 among its own neighbours.
        radii[rows] = np.partition(block, k, axis=1)[:, k]
    return radii


def frechet_distance(real_feats: np.ndarray, fake_feats: np.ndarray, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (FID on Inception features).

    With means mu_r, mu_g and covariances S_r, S_g of the two sets:

        FD = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2))

    The matrix square root is `scipy.linalg.sqrtm`; its real part is kept (tiny imaginary parts
    are numerical noise). When the product is near-singular and the root is not finite, `eps * I`
    is added to both covariances, as in the TTUR reference code.

    Reference: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local
    Nash Equilibrium", NeurIPS 2017.

    Args:
        real_feats: Features of real examples [N, F].
        fake_feats: Features of generated examples [M, F].
        eps: Diagonal offset used when the covariance product is near-singular.

    Returns:
        The distance (>= 0 up to rounding; 0 for identical sets), in squared feature units.

    Raises:
        ConfigError: a set has fewer than 2 samples.
        ValueError: the feature widths differ.
    """
    real, fake = _pair(real_feats, fake_feats)
    _need_samples("The Fréchet distance", real, fake, 2)
    real = real.astype(np.float64)
    fake = fake.astype(np.float64)
    mu_r, mu_g = real.mean(axis=0), fake.mean(axis=0)
    s_r = np.atleast_2d(np.cov(real, rowvar=False))
    s_g = np.atleast_2d(np.cov(fake, rowvar=False))
    covmean = linalg.sqrtm(s_r @ s_g)
    if not np.isfinite(covmean).all():
        offset = np.eye(s_r.shape[0]) * eps
        covmean = linalg.sqrtm((s_r + offset) @ (s_g + offset))
    covmean = np.real(covmean)
    diff = mu_r - mu_g
    value = diff @ diff + np.trace(s_r) + np.trace(s_g) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def kernel_inception_distance(
    real: np.ndarray,
    fake: np.ndarray,
    subsets: int = 10,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Kernel Inception Distance: unbiased MMD^2 with a cubic polynomial kernel, over subsets.

    With k(a, b) = (a . b / F + 1)^3 and m points per subset, for each random subset pair:

        MMD^2 = sum_{i != j} [k(x_i, x_j) + k(y_i, y_j)] / (m (m - 1))
                - 2 sum_{i, j} k(x_i, y_j) / m^2

    and the result is the mean and standard deviation over `subsets` draws. Unlike FID it is
    unbiased, so small sample counts do not inflate it; it can be slightly negative.

    Reference: Bińkowski et al., "Demystifying MMD GANs", ICLR 2018.

    Args:
        real: Features of real examples [N, F].
        fake: Features of generated examples [M, F].
        subsets: How many random subsets to average over.
        subset_size: Points per subset, capped at min(N, M).
        seed: Seed of the subset draws.

    Returns:
        `(mean, std)` of MMD^2 over the subsets.

    Raises:
        ConfigError: a set has fewer than 2 samples, or `subsets` < 1.
        ValueError: the feature widths differ.
    """
    real, fake = _pair(real, fake)
    _need_samples("KID", real, fake, 2)
    if subsets < 1:
        raise ConfigError(f"KID needs at least 1 subset, got {subsets}.")
    real = real.astype(np.float64)
    fake = fake.astype(np.float64)
    dim = real.shape[1]
    m = max(2, min(int(subset_size), len(real), len(fake)))
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for s in range(subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        k_xx = (x @ x.T / dim + 1.0) ** 3
        k_yy = (y @ y.T / dim + 1.0) ** 3
        k_xy = (x @ y.T / dim + 1.0) ** 3
        same = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        values[s] = same - 2.0 * k_xy.mean()
    return float(values.mean()), float(values.std())


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall from k-nearest-neighbour manifolds.

    Each real point x_i gets a ball of radius r_k(x_i), the distance to its k-th nearest real
    neighbour (likewise each generated point y_j gets r_k(y_j) among generated points):

        precision = (1/M) sum_j 1[exists i : ||y_j - x_i|| <= r_k(x_i)]
        recall    = (1/N) sum_i 1[exists j : ||x_i - y_j|| <= r_k(y_j)]

    Precision is the share of generated samples that look real (fidelity); recall is the share
    of real samples the generator can produce (diversity).

    Reference: Kynkäänniemi et al., "Improved Precision and Recall Metric for Assessing
    Generative Models", NeurIPS 2019.

    Args:
        real: Features of real examples [N, F].
        fake: Features of generated examples [M, F].
        k: Neighbour index of the radii (the paper uses 3).

    Returns:
        `(precision, recall)`, each in [0, 1].

    Raises:
        ConfigError: `k` < 1, or a set has no more than `k` samples.
        ValueError: the feature widths differ.
    """
    real, fake = _pair(real, fake)
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}.")
    _need_samples("Precision and recall", real, fake, k + 1)
    real, fake = _center_float32(real, fake)
    r_real = _knn_radii_sq(real, k)
    r_fake = _knn_radii_sq(fake, k)
    fake_in_real = np.zeros(len(fake), dtype=bool)
    real_in_fake = np.zeros(len(real), dtype=bool)
    for rows, block in _sq_dist_blocks(real, fake):
        fake_in_real |= (block <= r_real[rows, None]).any(axis=0)
        real_in_fake[rows] = (block <= r_fake[None, :]).any(axis=1)
    return float(fake_in_real.mean()), float(real_in_fake.mean())


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> tuple[float, float]:
    """Density and coverage: fidelity and diversity that are robust to outliers.

    With r_k(x_i) the distance from real point x_i to its k-th nearest real neighbour and
    B(x_i) the open ball of that radius around x_i:

        density  = 1 / (k M) * sum_j sum_i 1[y_j in B(x_i)]
        coverage = 1 / N * sum_i 1[exists j : y_j in B(x_i)]

    For two samples of the same distribution the expected density is 1 and the coverage is
    1 - (1/2)^k (about 0.97 for k = 5). Density can exceed 1 when generated points crowd into
    dense real regions.

    Reference: Naeem et al., "Reliable Fidelity and Diversity Metrics for Generative Models",
    ICML 2020.

    Args:
        real: Features of real examples [N, F].
        fake: Features of generated examples [M, F].
        k: Neighbour index of the radii (the paper uses 5).

    Returns:
        `(density, coverage)`; density >= 0, coverage in [0, 1].

    Raises:
        ConfigError: `k` < 1, or the real set has no more than `k` samples.
        ValueError: the feature widths differ.
    """
    real, fake = _pair(real, fake)
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}.")
    if len(real) <= k or len(fake) == 0:
        raise ConfigError(
            f"Density and coverage need more than k={k} real samples and at least one "
            f"generated sample, got {len(real)} and {len(fake)}.",
            "Evaluate with more samples or a smaller k.",
        )
    real, fake = _center_float32(real, fake)
    r_real = _knn_radii_sq(real, k)
    inside = 0
    covered = np.zeros(len(real), dtype=bool)
    for rows, block in _sq_dist_blocks(real, fake):
        hits = block < r_real[rows, None]
        inside += int(np.count_nonzero(hits))
        covered[rows] = hits.any(axis=1)
    return inside / (k * len(fake)), float(covered.mean())


def classifier_score(probs: np.ndarray) -> float:
    """Inception-Score-style classifier score of class probabilities of generated samples.

    With p(y|x) the classifier's probabilities for sample x and p(y) their mean over samples:

        score = exp( E_x [ KL( p(y|x) || p(y) ) ] )

    It ranges from 1 (every sample gets the same prediction) to C (confident predictions spread
    evenly over C classes). Computed over the whole set (no splits).

    Reference: Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.

    Args:
        probs: Class probabilities [N, C] (rows sum to 1), e.g. a softmax output.

    Returns:
        The score, in [1, C].

    Raises:
        ConfigError: `probs` is empty.
        ValueError: `probs` is not a 2D array.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probs must be [N, C], got shape {probs.shape}.")
    if len(probs) == 0:
        raise ConfigError("The classifier score needs at least one sample.")
    eps = 1e-12
    p = np.clip(probs, eps, 1.0)
    marginal = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
    return float(np.exp(max(kl.mean(), 0.0)))


def class_coverage(probs: np.ndarray, num_classes: int, min_fraction: float = 0.0) -> float:
    """Fraction of classes that the generated samples are classified as.

    With c_y the number of samples whose argmax prediction is y, out of N:

        coverage = (1 / C) * #{y : c_y > 0 and c_y / N >= min_fraction}

    A mode-collapsed generator of class-balanced data scores low even when each sample is sharp.

    Reference: the class-count view of mode coverage used e.g. by Metz et al., "Unrolled
    Generative Adversarial Networks", ICLR 2017 (modes of stacked MNIST found by a classifier).

    Args:
        probs: Class probabilities or logits [N, C] (only the argmax is used).
        num_classes: C, the number of classes in the real data.
        min_fraction: Share of samples a class needs to count (0 = predicted at least once).

    Returns:
        The covered fraction of classes, in [0, 1].

    Raises:
        ConfigError: `num_classes` < 1.
        ValueError: `probs` is not a 2D array.
    """
    probs = np.asarray(probs)
    if probs.ndim != 2:
        raise ValueError(f"probs must be [N, C], got shape {probs.shape}.")
    if num_classes < 1:
        raise ConfigError(f"num_classes must be at least 1, got {num_classes}.")
    if len(probs) == 0:
        return 0.0
    counts = np.bincount(probs.argmax(axis=1), minlength=num_classes)[:num_classes]
    covered = (counts > 0) & (counts / len(probs) >= min_fraction)
    return float(np.count_nonzero(covered)) / num_classes
