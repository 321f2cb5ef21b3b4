"""The 1D view's numbers: a line over the data, the data's density on it, and for each snapshot
G's density (a kernel estimate of its samples) and the optimal discriminator
D*(x) = p_data / (p_data + p_G) to draw beside the learned D(x) (seed 000).

G's density is only known through its samples, so it is a Gaussian kernel estimate from
`LINE_SAMPLES` of them. Its bandwidth is chosen once, on the data: the one (of a geometric range
from one grid step up) under which a kernel estimate from `LINE_SAMPLES` data points gives the
highest likelihood to other data points. Silverman's rule would smooth a multimodal G into a
single wide bump. D* is then computed from both densities seen through that same kernel (the
exact data density is convolved with it), so a G that matches the data shows D* = ½, not the
estimator's own bias.

NumPy (and the theory lab's density helpers) only; recipes call it from their `views()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganstudio.core.data.base import Dataset
from ganstudio.core.lab.densities import binned_kde, optimal_discriminator
from ganstudio.core.panels import Line

__all__ = ["LINE_POINTS", "LINE_SAMPLES", "LineProbe", "choose_bandwidth", "smooth"]

LINE_POINTS = 400
LINE_SAMPLES = 4096  # G's samples behind its density estimate, each snapshot
MARGIN = 0.15  # of the data's range, on each side
DENSITY_FLOOR = 1e-9
NEGLIGIBLE = 1e-3  # D* is left undefined (NaN) where both densities are below this share  # the held-out likelihood's floor, per unit length


def _finite(samples: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples, np.float64).reshape(-1)
    return samples[np.isfinite(samples)]


def _kde(samples: np.ndarray, x: np.ndarray, bandwidth: float) -> np.ndarray:
    samples = _finite(samples)
    if samples.size == 0:
        return np.zeros_like(x)
    return binned_kde(samples, x, bandwidth)[0]


def smooth(p: np.ndarray, x: np.ndarray, bandwidth: float) -> np.ndarray:
    """A density on the even grid `x` convolved with a Gaussian kernel of σ = `bandwidth`."""
    dx = float(x[1] - x[0])
    half = min(int(np.ceil(5.0 * bandwidth / dx)), (len(x) - 1) // 2)  # no longer than x
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * dx / bandwidth) ** 2)
    return np.convolve(np.asarray(p, np.float64), kernel / kernel.sum(), mode="same")


def choose_bandwidth(values: np.ndarray, x: np.ndarray, n: int = LINE_SAMPLES,
                     seed: int = 0) -> float:
    """The kernel bandwidth for estimates from `n` samples: of 24 candidates from one grid step
    to an eighth of the line, the one whose estimate from `n` data points gives other data
    points the highest mean log density.

    Args:
        values: The data (1D).
        x: The even grid the estimates live on.
        n: Samples behind each estimate.
        seed: Seeds the split of the data.
    """
    values = _finite(values)
    rng = np.random.default_rng(seed)
    pick = rng.permutation(len(values))
    fit, held = values[pick[:n]], values[pick[n:][:20_000]]
    if len(held) < 100:  # little data: fit on one half, score on the other
        half = len(values) // 2
        fit, held = values[pick[:half]], values[pick[half:]]
    dx = float(x[1] - x[0])
    candidates = np.geomspace(dx, max(2 * dx, (x[-1] - x[0]) / 8.0), 24)
    best, best_score = dx, -np.inf
    for h in candidates:
        density = binned_kde(fit, x, float(h))[0]
        score = float(np.mean(np.log(np.maximum(np.interp(held, x, density), DENSITY_FLOOR))))
        if score > best_score:
            best, best_score = float(h), score
    return best


@dataclass(frozen=True)
class LineProbe:
    """The fixed part of the 1D view: the line and the data's density on it.

    Attributes:
        x: The line [R] in data units: the data's range with a 15% margin on each side.
        p_data: The data's density on `x`.
        exact: Whether `p_data` is exact (the dataset's `density`) or a kernel estimate.
        bandwidth: The kernel's σ for G's density (`choose_bandwidth`).
        p_data_smoothed: `p_data` through that kernel, for D*.
    """

    x: np.ndarray
    p_data: np.ndarray
    exact: bool
    bandwidth: float
    p_data_smoothed: np.ndarray

    @classmethod
    def for_dataset(cls, dataset: Dataset, points: int = LINE_POINTS) -> LineProbe:
        """The line over 1D `dataset`, with its exact density where known.

        Args:
            dataset: 1D points ([N, 1]).
            points: Points on the line.
        """
        values = _finite(dataset.x)
        lo, hi = float(values.min()), float(values.max())
        pad = MARGIN * (hi - lo) if hi > lo else 1.0
        x = np.linspace(lo - pad, hi + pad, points)
        bandwidth = choose_bandwidth(values, x)
        if dataset.density is not None:
            p_data = np.asarray(dataset.density.pdf(x), np.float64)
            return cls(x, p_data, True, bandwidth, smooth(p_data, x, bandwidth))
        p_data = _kde(values[:: max(1, len(values) // 100_000)], x, bandwidth)
        return cls(x, p_data, False, bandwidth, p_data)

    def panel(self, d: np.ndarray, samples: np.ndarray, critic: bool) -> Line:
        """The `Line` panel of one snapshot.

        Args:
            d: D's output at each point of `x`.
            samples: G's samples in data units (`LINE_SAMPLES` of them, or close).
            critic: Whether `d` is a critic's score (then there is no D*).
        """
        p_g = _kde(samples, self.x, self.bandwidth)
        d_star = None
        if not critic:
            d_star = optimal_discriminator(self.p_data_smoothed, p_g).astype(np.float32)
            total = self.p_data_smoothed + p_g
            d_star[total < NEGLIGIBLE * total.max()] = np.nan  # 0/0 there: D* is undefined
        return Line(self.x.astype(np.float32), np.asarray(d, np.float32).reshape(-1),
                    self.p_data.astype(np.float32), p_g.astype(np.float32), d_star, self.exact)
