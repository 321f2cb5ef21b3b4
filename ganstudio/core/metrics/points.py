"""Quality metrics for 2D (or low-dimensional) mixtures of Gaussians: modes, quality, MMD.

These follow the protocol of VEEGAN (Srivastava et al., 2017) and PacGAN (Lin et al., 2018):
a generated sample is *high quality* when it lies within `threshold` standard deviations of the
nearest mode center, a mode is *captured* when high-quality samples land on it, and the
*reverse KL* compares how the high-quality samples spread over the modes with the uniform
spread of the true mixture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.distance import cdist, pdist

from ganstudio.errors import ConfigError

__all__ = ["ModeStats", "mmd_rbf", "mode_stats"]


@dataclass
class ModeStats:
    """Mode coverage of a set of generated points (VEEGAN / PacGAN protocol).

    Args:
        n_samples: How many generated points were scored.
        n_modes: How many modes the true mixture has.
        modes_captured: How many modes received at least `min_count` high-quality points.
        high_quality: Fraction of points, in [0, 1], within `threshold * sigma` of the nearest
            mode center.
        reverse_kl: KL(q || p) in nats, between the histogram q of high-quality points over
            the modes and the uniform p = 1 / M. `inf` when there is no high-quality point.
        counts: High-quality points per mode, int array [M].
    """

    n_samples: int
    n_modes: int
    modes_captured: int
    high_quality: float
    reverse_kl: float
    counts: np.ndarray = field(repr=False)

    def to_dict(self) -> dict:
        """Returns the statistics as plain Python values (counts as a list).

        `reverse_kl` stays a float and may be `inf` (written as `Infinity` by `json.dumps`).
        """
        return {
            "n_samples": int(self.n_samples),
            "n_modes": int(self.n_modes),
            "modes_captured": int(self.modes_captured),
            "high_quality": float(self.high_quality),
            "reverse_kl": float(self.reverse_kl),
            "counts": [int(c) for c in self.counts],
        }


def mode_stats(
    samples: np.ndarray,
    modes: np.ndarray,
    sigma: float,
    threshold: float = 3.0,
    min_count: int = 1,
) -> ModeStats:
    """Counts captured modes, the high-quality fraction and the reverse KL of generated points.

    Each sample is assigned to its nearest mode center. It is high quality when

        ||x - mu_nearest(x)|| <= threshold * sigma.

    With c_m the number of high-quality samples assigned to mode m and q_m = c_m / sum(c):

        modes_captured = #{m : c_m >= min_count}
        reverse_kl     = KL(q || p) = sum_{m : q_m > 0} q_m * log(q_m * M),   p_m = 1 / M.

    In 2D a perfect sampler has about 1 - exp(-threshold^2 / 2) high-quality samples
    (98.9 % at 3 sigma), all modes captured, and a reverse KL near 0.

    Reference: Srivastava et al., "VEEGAN: Reducing Mode Collapse in GANs using Implicit
    Variational Learning", NeurIPS 2017; Lin et al., "PacGAN: The power of two samples in
    generative adversarial networks", NeurIPS 2018.

    Args:
        samples: Generated points [N, D], in the dataset's own units.
        modes: Mode centers [M, D], same units.
        sigma: Standard deviation of each mode.
        threshold: How many standard deviations from a center still count as high quality.
        min_count: High-quality samples a mode needs to count as captured (the papers use 1).

    Returns:
        A `ModeStats`.

    Raises:
        ConfigError: `sigma`, `threshold` or `min_count` is not positive.
        ValueError: the arrays are not 2D or their point dimensions differ.

    Example:

    >>> modes = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> mode_stats(np.zeros((10, 2)), modes, sigma=0.01).modes_captured
    1
    """
    samples = np.asarray(samples, dtype=np.float64)
    modes = np.asarray(modes, dtype=np.float64)
    if samples.ndim != 2 or modes.ndim != 2 or samples.shape[1] != modes.shape[1]:
        raise ValueError(
            f"mode_stats needs samples [N, D] and modes [M, D]; got {samples.shape} and "
            f"{modes.shape}."
        )
    if not sigma > 0 or not threshold > 0:
        raise ConfigError(
            f"mode_stats needs sigma > 0 and threshold > 0, got sigma={sigma}, "
            f"threshold={threshold}."
        )
    if min_count < 1:
        raise ConfigError(f"min_count must be at least 1, got {min_count}.")
    n, m = samples.shape[0], modes.shape[0]
    if n == 0 or m == 0:
        return ModeStats(n, m, 0, 0.0, float("inf"), np.zeros(m, dtype=np.int64))

    dists = cdist(samples, modes)
    nearest = dists.argmin(axis=1)
    good = dists[np.arange(n), nearest] <= threshold * sigma
    counts = np.bincount(nearest[good], minlength=m).astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        reverse_kl = float("inf")
    else:
        q = counts[counts > 0] / total
        reverse_kl = max(float(np.sum(q * np.log(q * m))), 0.0)
    return ModeStats(
        n_samples=n,
        n_modes=m,
        modes_captured=int(np.sum(counts >= min_count)),
        high_quality=total / n,
        reverse_kl=reverse_kl,
        counts=counts,
    )


def mmd_rbf(
    x: np.ndarray,
    y: np.ndarray,
    bandwidth: float | None = None,
    max_points: int = 2000,
    seed: int = 0,
) -> float:
    """Unbiased squared maximum mean discrepancy with a Gaussian kernel.

    With k(a, b) = exp(-||a - b||^2 / (2 h^2)), n points x and m points y:

        MMD^2 = sum_{i != j} k(x_i, x_j) / (n (n - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1))
                - 2 sum_{i, j} k(x_i, y_j) / (n m)

    The estimate is unbiased, so it can be slightly negative when the distributions match.
    For speed each set is subsampled (without replacement, with a fixed seed, so the result is
    reproducible) to at most `max_points` points (2,000 by default).

    Reference: Gretton et al., "A Kernel Two-Sample Test", JMLR 2012 (the median heuristic for
    the bandwidth is from the same line of work).

    Args:
        x: Points [N, D].
        y: Points [M, D].
        bandwidth: Kernel width h, in the points' units. `None` uses the median heuristic: the
            median of all pairwise distances between the pooled (subsampled) points.
        max_points: At most this many points of each set are used.
        seed: Seed of the subsampling.

    Returns:
        MMD^2 as a float (about 0 for the same distribution, larger as they differ).

    Raises:
        ConfigError: a set has fewer than 2 points, or `bandwidth` is not positive.
        ValueError: the arrays are not 2D or their dimensions differ.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"mmd_rbf needs x [N, D] and y [M, D]; got {x.shape} and {y.shape}.")
    if len(x) < 2 or len(y) < 2:
        raise ConfigError(
            f"MMD needs at least 2 points in each set, got {len(x)} and {len(y)}.",
            "Generate more samples.",
        )
    rng = np.random.default_rng(seed)
    if len(x) > max_points:
        x = x[rng.choice(len(x), max_points, replace=False)]
    if len(y) > max_points:
        y = y[rng.choice(len(y), max_points, replace=False)]
    if bandwidth is None:
        bandwidth = float(np.median(pdist(np.concatenate([x, y]))))
        if bandwidth <= 0:
            bandwidth = 1.0  # all points (mostly) identical: any width gives MMD ~ 0
    elif not bandwidth > 0:
        raise ConfigError(f"The MMD bandwidth must be positive, got {bandwidth}.")
    gamma = 1.0 / (2.0 * bandwidth**2)
    n, m = len(x), len(y)
    k_xx = np.exp(-gamma * cdist(x, x, "sqeuclidean"))
    k_yy = np.exp(-gamma * cdist(y, y, "sqeuclidean"))
    k_xy = np.exp(-gamma * cdist(x, y, "sqeuclidean"))
    term_xx = (k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))
    term_yy = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(term_xx + term_yy - 2.0 * k_xy.mean())
