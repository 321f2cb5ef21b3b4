"""One-dimensional distributions with known densities, and the divergences the seeds argue with.

Every quantity the theory lab compares a trained network against is computed here exactly, on
a grid: the optimal discriminator D*(x) = p_data(x) / (p_data(x) + p_g(x)), the Jensen-Shannon
divergence (log 2 for distributions with disjoint supports, whatever their distance), the two
KL divergences, and the earth mover's (Wasserstein-1) distance, which for two point masses is
just the distance between them. NumPy and SciPy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import wasserstein_distance

__all__ = ["Dist1D", "bars", "gaussian_mixture", "grid_for", "jsd", "kl", "optimal_discriminator",
           "point_mass", "w1_point_masses", "w1_samples"]

LOG2 = math.log(2.0)


@dataclass(frozen=True)
class Dist1D:
    """A mixture of 1D components: Gaussians (`kind="normal"`, scale = σ) or uniform bars
    (`kind="uniform"`, scale = half-width). A point mass is a bar of tiny width.

    Attributes:
        kind: `normal` or `uniform`.
        centers: Component centers.
        scales: σ (normal) or half-width (uniform) per component.
        weights: Mixture weights (summing to 1).
        name: What it is, for tables and captions.
    """

    kind: str
    centers: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    name: str = ""

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` samples as float32 [n, 1]."""
        which = rng.choice(len(self.centers), size=n, p=np.asarray(self.weights))
        c = np.asarray(self.centers)[which]
        s = np.asarray(self.scales)[which]
        noise = rng.standard_normal(n) if self.kind == "normal" else rng.uniform(-1.0, 1.0, n)
        return (c + s * noise).astype(np.float32)[:, None]

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The density at `x` (any shape)."""
        x = np.asarray(x, np.float64)[..., None]
        c, s, w = (np.asarray(v, np.float64) for v in (self.centers, self.scales, self.weights))
        if self.kind == "normal":
            parts = np.exp(-0.5 * ((x - c) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        else:
            parts = (np.abs(x - c) <= s) / (2 * s)
        return (parts * w).sum(-1)

    @property
    def support(self) -> tuple[float, float]:
        """An interval holding all but a negligible part of the mass (±5σ or the bars)."""
        c, s = np.asarray(self.centers), np.asarray(self.scales)
        reach = 5.0 * s if self.kind == "normal" else s
        return float((c - reach).min()), float((c + reach).max())

    def shifted(self, by: float) -> Dist1D:
        """The same distribution moved by `by`."""
        return Dist1D(self.kind, tuple(c + by for c in self.centers), self.scales, self.weights,
                      self.name)


def gaussian_mixture(centers: tuple[float, ...], sigma: float | tuple[float, ...],
                     weights: tuple[float, ...] | None = None, name: str = "") -> Dist1D:
    """A mixture of Gaussians (equal weights by default)."""
    k = len(centers)
    scales = sigma if isinstance(sigma, tuple) else (float(sigma),) * k
    return Dist1D("normal", tuple(map(float, centers)), scales,
                  weights or (1.0 / k,) * k, name or f"{k} Gaussians")


def bars(centers: tuple[float, ...], half_width: float, name: str = "") -> Dist1D:
    """Uniform bars of one width around each center (equal weights)."""
    k = len(centers)
    return Dist1D("uniform", tuple(map(float, centers)), (float(half_width),) * k,
                  (1.0 / k,) * k, name or f"{k} bars")


def point_mass(at: float, width: float = 0.01) -> Dist1D:
    """A (nearly) point mass: a uniform bar of half-width `width` around `at`."""
    return bars((at,), width, name=f"point mass at {at:g}")


def grid_for(*dists: Dist1D, points: int = 20_001, margin: float = 0.5) -> np.ndarray:
    """An even grid covering the supports of `dists` with a margin."""
    lo = min(d.support[0] for d in dists) - margin
    hi = max(d.support[1] for d in dists) + margin
    return np.linspace(lo, hi, points)


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g) for a fixed G (½ where both densities vanish)."""
    p_data, p_g = np.asarray(p_data, np.float64), np.asarray(p_g, np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def kl(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """KL(p‖q) in nats for densities on an even grid (∞ where p has mass and q none)."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    mass = p > 0
    if np.any(mass & (q <= 0)):
        return math.inf
    return float(np.sum(p[mass] * np.log(p[mass] / q[mass])) * dx)


def jsd(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """The Jensen-Shannon divergence in nats: ½ KL(p‖m) + ½ KL(q‖m), m = ½(p + q); it is
    log 2 for disjoint supports and 0 for equal densities."""
    m = 0.5 * (np.asarray(p, np.float64) + np.asarray(q, np.float64))
    return 0.5 * kl(p, m, dx) + 0.5 * kl(q, m, dx)


def w1_point_masses(a: float, b: float) -> float:
    """The earth mover's distance between point masses at `a` and `b`: |a − b|."""
    return abs(float(a) - float(b))


def w1_samples(a: np.ndarray, b: np.ndarray) -> float:
    """The earth mover's distance between two 1D samples (SciPy's exact 1D formula)."""
    return float(wasserstein_distance(np.ravel(a), np.ravel(b)))
