"""One-dimensional distributions with exact densities, and the built-in 1D datasets drawn from
them (the theory lab's data, trainable in the studio like any other points).

A `Dist1D` is a mixture of Gaussians or of uniform bars; a point mass is a bar of tiny width.
The datasets keep their `Dist1D` (`Dataset.density`), so the views can draw the data's exact
density and the optimal discriminator D*(x) = p_data / (p_data + p_G) beside the learned D(x).
NumPy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganstudio.core.data.base import POINTS, Dataset

__all__ = ["Dist1D", "bars", "bars1d", "gaussian_mixture", "mixture1d", "point_mass",
           "points1d"]


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
        return self.sample_labelled(n, rng)[0]

    def sample_labelled(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """`n` samples as float32 [n, 1], and the component each came from ([n] int32)."""
        which = rng.choice(len(self.centers), size=n, p=np.asarray(self.weights))
        c = np.asarray(self.centers)[which]
        s = np.asarray(self.scales)[which]
        noise = rng.standard_normal(n) if self.kind == "normal" else rng.uniform(-1.0, 1.0, n)
        return (c + s * noise).astype(np.float32)[:, None], which.astype(np.int32)

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

    @property
    def component_std(self) -> float:
        """The largest component's standard deviation (σ, or half-width / √3 for a bar)."""
        s = max(self.scales)
        return float(s if self.kind == "normal" else s / math.sqrt(3.0))

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


MIXTURE1D = gaussian_mixture((-3.0, 0.0, 3.0), 0.25, name="3 Gaussians at −3, 0, 3, σ=0.25")
BARS1D = bars((-2.0, 2.0), 1.0, name="2 uniform bars, [−3, −1] and [1, 3]")
POINTS1D = bars((-1.0, 1.0), 0.01, name="2 point masses at −1 and 1 (bars of half-width 0.01)")


def from_distribution(name: str, dist: Dist1D, n: int, seed: int) -> Dataset:
    """`n` points of `dist` as a dataset that keeps `dist` (`Dataset.density`), with the
    component each point came from as its label and the components as its modes.

    Args:
        name: The dataset's name.
        dist: The distribution.
        n: How many points.
        seed: Seeds the draw.
    """
    x, labels = dist.sample_labelled(n, np.random.default_rng(seed))
    k = len(dist.centers)
    return Dataset(name, POINTS, x, labels, [f"mode {i}" for i in range(k)],
                   np.asarray(dist.centers, np.float32)[:, None], dist.component_std,
                   description=dist.name, density=dist)


def mixture1d(n: int = 100_000, seed: int = 0) -> Dataset:
    """3 Gaussians on a line at −3, 0, 3 (σ = 0.25, equal weights); label = mode."""
    return from_distribution("mixture1d", MIXTURE1D, n, seed)


def bars1d(n: int = 100_000, seed: int = 0) -> Dataset:
    """2 uniform bars, [−3, −1] and [1, 3]; label = bar."""
    return from_distribution("bars1d", BARS1D, n, seed)


def points1d(n: int = 100_000, seed: int = 0) -> Dataset:
    """2 point masses at −1 and 1 (uniform bars of half-width 0.01); label = which."""
    return from_distribution("points1d", POINTS1D, n, seed)
