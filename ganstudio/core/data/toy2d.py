"""Synthetic 2D point sets, including the exact mode-coverage setups of VEEGAN and PacGAN."""

from __future__ import annotations

import numpy as np

from ganstudio.core.data.base import POINTS, Dataset


def ring8_modes() -> np.ndarray:
    """The 8 means (cos 2πi/8, sin 2πi/8), i = 0..7."""
    angles = 2 * np.pi * np.arange(8) / 8
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def grid25_modes() -> np.ndarray:
    """The 25 means on {−4, −2, 0, 2, 4}²."""
    ticks = np.array([-4.0, -2.0, 0.0, 2.0, 4.0], np.float32)
    xx, yy = np.meshgrid(ticks, ticks, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def _mixture(name: str, modes: np.ndarray, sigma: float, n: int, seed: int, desc: str) -> Dataset:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(modes), size=n)
    x = modes[labels] + sigma * rng.standard_normal((n, 2))
    return Dataset(name, POINTS, x.astype(np.float32), labels.astype(np.int32),
                   [f"mode {i}" for i in range(len(modes))], modes, sigma, description=desc)


def ring8(n: int = 100_000, seed: int = 0) -> Dataset:
    """8 Gaussians on the unit circle, σ = 0.01 (VEEGAN / PacGAN ring); label = mode index."""
    return _mixture("ring8", ring8_modes(), 0.01, n, seed, "8 Gaussians on a ring, σ=0.01")


def grid25(n: int = 100_000, seed: int = 0) -> Dataset:
    """25 Gaussians on {−4,−2,0,2,4}², σ = 0.05 (VEEGAN / PacGAN grid); label = mode index."""
    return _mixture("grid25", grid25_modes(), 0.05, n, seed, "5x5 grid of Gaussians, σ=0.05")


def spiral(n: int = 100_000, seed: int = 0) -> Dataset:
    """An Archimedean spiral of 1.5 turns with Gaussian noise (σ = 0.05)."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi
    r = t / (3 * np.pi) * 2.0
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + 0.05 * rng.standard_normal((n, 2))
    return Dataset("spiral", POINTS, x.astype(np.float32), description="a 2D spiral")


def moons(n: int = 100_000, seed: int = 0) -> Dataset:
    """scikit-learn's two interleaving half-moons (noise 0.05); label = moon."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n, noise=0.05, random_state=seed)
    return Dataset("moons", POINTS, x.astype(np.float32), y.astype(np.int32), ["moon 0", "moon 1"],
                   description="two half-moons")


def swissroll(n: int = 100_000, seed: int = 0) -> Dataset:
    """scikit-learn's 2D swiss roll (noise 0.25), scaled by 1/5."""
    from sklearn.datasets import make_swiss_roll

    x, _ = make_swiss_roll(n_samples=n, noise=0.25, random_state=seed)
    return Dataset("swissroll", POINTS, (x[:, [0, 2]] / 5.0).astype(np.float32),
                   description="a 2D swiss roll")
