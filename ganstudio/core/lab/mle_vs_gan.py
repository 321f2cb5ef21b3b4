"""Maximum likelihood against the GAN on a 1D mixture with well-separated modes.

Seed 002 ("Theory behind GAN"): maximizing the likelihood Π P_G(x_i; θ) of samples from P_data
is, for many samples, minimizing KL(P_data‖P_G): −E_x~P_data[log P_G(x)] differs from KL only by
P_data's entropy, which does not depend on θ. KL(P_data‖P) is large wherever P_data has mass
and P has little, so a maximum-likelihood fit spreads its mass over every mode even when its
family cannot shape them (mode covering). The GAN's game at the optimal discriminator measures
the Jensen-Shannon divergence instead (seed 000), and with the non-saturating generator loss
(seed 003) G is pushed hardest where it puts mass that P_data lacks, so a small generator tends
to put its mass on modes and leave the gaps empty, possibly missing a mode (mode seeking).

Three fits of one training sample are compared on the grid of `densities.grid_for`:

1. `gaussian`: one Gaussian, maximum likelihood in closed form (the sample's mean and standard
   deviation, ddof = 0);
2. `mixture_k`: scikit-learn's `GaussianMixture` (EM, maximum likelihood) with fewer
   components than the data has modes;
3. `gan`: a small MLP generator z -> x trained with the non-saturating loss against a small MLP
   discriminator; its density is a binned Gaussian kernel density estimate of its samples (a
   fine histogram on the grid's own cells, smoothed by a Gaussian kernel of bandwidth h).

The data has a minority mode (weight 0.1) on purpose: that is where the two divergences
disagree most. Putting a share s of a weight-w mode's mass there costs KL(P_data‖P) about
w·log(1/s), without bound as s → 0, but costs the JSD at most w·log 2, so the GAN's game barely
notices a dropped minority mode. Maximum likelihood is the minimum of KL(P_data‖P) only within
its own family: with equal, large modes a flexible generator can match them all and then beats
a single Gaussian on every divergence, which says nothing against the argument.

For each fit: KL(P_data‖P), KL(P‖P_data) and JSD(P_data, P) in nats (`densities.kl`, `jsd`).
Both densities are floored at ε = 1e-12 per unit length and renormalized on the grid first, so
a fit with no mass at a mode gives a large finite KL(P_data‖P) (about w·log(p_data / ε) for a
missed mode of weight w) instead of ∞; the floor also bounds the log-ratio in the gaps between
modes, where the data's density underflows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ganstudio.core.lab.densities import Dist1D, bars, gaussian_mixture, grid_for, jsd, kl

__all__ = ["DATA", "EPSILON", "floored", "mode_masses", "run"]

DATA = gaussian_mixture((-4.0, 0.0, 4.0), 0.3, (0.1, 0.3, 0.6),
                        name="3 Gaussians (σ = 0.3) at −4, 0, 4 with weights 0.1, 0.3, 0.6")
EPSILON = 1e-12  # the floor of every density on the grid, per unit length
MODE_WINDOW = 3.0  # a mode's window: its center ± 3σ
COVERED_SHARE = 0.1  # a mode is covered when a fit puts this share of its weight in its window


def floored(p: np.ndarray, dx: float, eps: float = EPSILON) -> np.ndarray:
    """A density on an even grid raised to at least `eps` and renormalized to integrate to 1.

    Args:
        p: Density values on the grid.
        dx: The grid's spacing.
        eps: The floor, per unit length.

    Returns:
        The floored density (float64), summing to 1 / dx.
    """
    p = np.maximum(np.asarray(p, np.float64), eps)
    return p / (p.sum() * dx)


def mode_masses(p: np.ndarray, x: np.ndarray, data: Dist1D) -> dict[str, Any]:
    """How a density's mass sits on the data's modes.

    Args:
        p: A density on the even grid `x` (integrating to 1 there).
        x: The grid.
        data: The data distribution (normal components).

    Returns:
        `mass_per_mode` (the mass within each mode's center ± 3σ), `share_of_weight` (that mass
        over the mode's weight), `modes_covered` (modes with a share of at least 0.1) and
        `gap_mass` (the mass outside every mode's window).
    """
    dx = float(x[1] - x[0])
    inside_any = np.zeros(x.shape, bool)
    masses = []
    for c, s in zip(data.centers, data.scales, strict=True):
        window = np.abs(x - c) <= MODE_WINDOW * s
        inside_any |= window
        masses.append(float(p[window].sum() * dx))
    shares = [m / w for m, w in zip(masses, data.weights, strict=True)]
    return {"mass_per_mode": masses, "share_of_weight": shares,
            "modes_covered": int(sum(s >= COVERED_SHARE for s in shares)),
            "gap_mass": float(p[~inside_any].sum() * dx)}


def _divergences(p_data: np.ndarray, p: np.ndarray, dx: float) -> dict[str, float]:
    return {"kl_data_model": kl(p_data, p, dx), "kl_model_data": kl(p, p_data, dx),
            "jsd": jsd(p_data, p, dx)}


def _train_gan(train: np.ndarray, *, steps: int, batch: int, latent_dim: int, width: int,
               depth: int, learning_rate: float, seed: int,
               status: Callable[[str], Any]) -> tuple[Callable[[int], np.ndarray], dict]:
    """Trains the generator and returns a sampler (in data units) and the last losses."""
    import keras

    from ganstudio.core.lab import nets1d
    from ganstudio.core.objectives import NonSaturating

    keras.utils.set_random_seed(seed)
    shift, scale = float(train.mean()), float(train.std())
    real_all = ((train - shift) / scale).astype(np.float32)[:, None]
    g = nets1d.generator(latent_dim, width, depth, "leaky_relu")
    d = nets1d.discriminator(width, depth, "leaky_relu")
    _, joint_step = nets1d.gan_steps(
        g, d, NonSaturating(), keras.optimizers.Adam(learning_rate, beta_1=0.5),
        keras.optimizers.Adam(learning_rate, beta_1=0.5), batch, seed)
    rng = np.random.default_rng(seed + 3)
    report_every = max(1, steps // 5)
    d_loss = d_real = d_fake = float("nan")
    for i in range(1, steps + 1):
        d_loss, d_real, d_fake = joint_step(real_all[rng.integers(0, len(real_all), batch)])
        if i % report_every == 0 or i == steps:
            status(f"GAN step {i}/{steps}: d_loss {float(d_loss):.3f}, mean D(x) "
                   f"{float(d_real):.3f}, mean D(G(z)) {float(d_fake):.3f}")

    def sample(n: int) -> np.ndarray:
        z = np.random.default_rng(seed + 1).standard_normal((n, latent_dim)).astype(np.float32)
        out = g.predict(z, batch_size=8192, verbose=0)
        return out[:, 0].astype(np.float64) * scale + shift

    return sample, {"d_loss": float(d_loss), "d_real": float(d_real), "d_fake": float(d_fake)}


def run(seed: int, status: Callable[[str], Any], *, data: Dist1D = DATA, n_train: int = 20_000,
        mixture_components: int | None = None, gan_steps: int = 6000, batch: int = 256,
        latent_dim: int = 4, width: int = 64, depth: int = 2, learning_rate: float = 1e-3,
        n_gan_samples: int = 200_000, kde_bandwidth: float = 0.05) -> dict[str, Any]:
    """Fits one training sample by maximum likelihood (a Gaussian, a small mixture) and by a
    GAN, and compares the three densities with the data's on an exact grid.

    Args:
        seed: Seeds the training sample, the mixture's EM and the GAN.
        status: Receives one-line progress messages.
        data: The data distribution: a mixture of Gaussians (`kind="normal"`).
        n_train: Size of the training sample all three fits see.
        mixture_components: Components of the maximum-likelihood mixture (default: one fewer
            than the data's modes).
        gan_steps: GAN updates (one D step, then one G step, each).
        batch: The GAN's minibatch size.
        latent_dim: Size of the generator's input z ~ N(0, I).
        width: Units per hidden layer of G and D.
        depth: Hidden layers of G and D.
        learning_rate: Adam's learning rate (β1 = 0.5) for both players.
        n_gan_samples: Generator samples behind the GAN's density estimate.
        kde_bandwidth: The estimate's Gaussian kernel bandwidth, in data units.

    Returns:
        `fits` (for `gaussian`, `mixture_k` and `gan`: the three divergences in nats, the mode
        report of `mode_masses` and the fitted parameters), `data` (the distribution, the grid,
        the floor, the estimator check: the same density estimate applied to samples of P_data
        itself), `runtime_s` and `plots` (the densities over x, linear and log10).

    Example:

    ```python
    result = run(seed=0, status=print, gan_steps=500)
    result["fits"]["gaussian"]["kl_data_model"]
    ```
    """
    from sklearn.mixture import GaussianMixture

    from ganstudio.core.lab import nets1d

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    k = mixture_components or len(data.centers) - 1
    train = data.sample(n_train, rng)[:, 0].astype(np.float64)

    mu, sigma = float(train.mean()), float(train.std())
    gaussian = gaussian_mixture((mu,), sigma, name="maximum-likelihood Gaussian")
    status(f"maximum likelihood, one Gaussian: μ = {mu:.3f}, σ = {sigma:.3f}")

    gm = GaussianMixture(k, random_state=seed, n_init=3).fit(train[:, None])
    order = np.argsort(gm.means_[:, 0])
    mixture = gaussian_mixture(tuple(float(m) for m in gm.means_[order, 0]),
                               tuple(float(math.sqrt(v)) for v in gm.covariances_[order, 0, 0]),
                               tuple(float(w) for w in gm.weights_[order]),
                               name=f"maximum-likelihood mixture of {k}")
    status(f"maximum likelihood, {k} Gaussians (EM): means "
           + ", ".join(f"{c:.2f}" for c in mixture.centers))

    status(f"training the GAN for {gan_steps} steps")
    gan_started = time.perf_counter()
    sample, losses = _train_gan(train, steps=gan_steps, batch=batch, latent_dim=latent_dim,
                                width=width, depth=depth, learning_rate=learning_rate,
                                seed=seed, status=status)
    gan_seconds = time.perf_counter() - gan_started
    gan_samples = sample(n_gan_samples)

    # the grid covers the data, both maximum-likelihood fits and all but the GAN's extreme
    # 0.01 % on each side (what falls outside is reported, and lost to the estimate)
    lo, hi = np.quantile(gan_samples, [1e-4, 1 - 1e-4])
    x = grid_for(data, gaussian, mixture, bars((0.5 * (lo + hi),), max(0.5 * (hi - lo), 1e-3)))
    dx = float(x[1] - x[0])
    p_data = floored(data.pdf(x), dx)
    gan_density, _ = nets1d.binned_kde(gan_samples, x, kde_bandwidth)
    outside = float(np.mean((gan_samples < x[0]) | (gan_samples > x[-1])))
    check_density, _ = nets1d.binned_kde(
        data.sample(n_gan_samples, np.random.default_rng(seed + 2)), x, kde_bandwidth)
    densities = {"gaussian": floored(gaussian.pdf(x), dx),
                 "mixture_k": floored(mixture.pdf(x), dx),
                 "gan": floored(gan_density, dx)}

    fits: dict[str, dict[str, Any]] = {}
    for name, p in densities.items():
        fits[name] = {**_divergences(p_data, p, dx), **mode_masses(p, x, data)}
    fits["gaussian"].update(method="maximum likelihood, closed form (sample mean, std)",
                            mean=mu, std=sigma)
    fits["mixture_k"].update(
        method=f"maximum likelihood, sklearn GaussianMixture (EM, {k} components, n_init 3)",
        components=k, means=list(mixture.centers), stds=list(mixture.scales),
        weights=list(mixture.weights), converged=bool(gm.converged_))
    fits["gan"].update(
        method="non-saturating GAN, MLP G and D; density: binned Gaussian KDE on the grid",
        steps=gan_steps, batch=batch, latent_dim=latent_dim, width=width, depth=depth,
        learning_rate=learning_rate, samples=n_gan_samples, kde_bandwidth=kde_bandwidth,
        mass_outside_grid=outside, train_seconds=gan_seconds, **losses)
    for name, fit in fits.items():
        status(f"{name}: KL(P_data‖P) {fit['kl_data_model']:.4f}, KL(P‖P_data) "
               f"{fit['kl_model_data']:.4f}, JSD {fit['jsd']:.4f} nats, "
               f"modes covered {fit['modes_covered']}/{len(data.centers)}")

    lines = {"p_data": p_data, "gaussian (ML)": densities["gaussian"],
             f"mixture of {k} (ML)": densities["mixture_k"], "GAN (KDE)": densities["gan"]}
    plots = [
        nets1d.plot("Densities: the data and the three fits", "x", "density", x, lines),
        nets1d.plot(f"log10 density (floored at ε = {EPSILON:g})", "x", "log10 density", x,
                    {label: np.log10(p) for label, p in lines.items()}),
    ]
    return {
        "fits": fits,
        "data": {
            "name": data.name, "centers": list(data.centers), "stds": list(data.scales),
            "weights": list(data.weights), "n_train": n_train,
            "grid": {"lo": float(x[0]), "hi": float(x[-1]), "points": int(x.size), "dx": dx},
            "epsilon": EPSILON,
            "mode_window": f"center ± {MODE_WINDOW:g}σ; covered at ≥ {COVERED_SHARE:g} of the "
                           "mode's weight",
            "self_mode_report": mode_masses(p_data, x, data),
            "estimator_check": {
                "what": "the GAN's density estimate applied to samples of P_data itself",
                **_divergences(p_data, floored(check_density, dx), dx)},
        },
        "runtime_s": time.perf_counter() - started,
        "plots": plots,
    }
