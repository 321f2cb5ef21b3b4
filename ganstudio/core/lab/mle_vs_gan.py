"""Maximum likelihood against the GAN on a 1D mixture with well-separated modes.

Seed 002 ("Theory behind GAN"): maximizing the likelihood Π P_G(x_i; θ) of samples from P_data
is, for many samples, minimizing KL(P_data‖P_G): −E_x~P_data[log P_G(x)] differs from KL only by
P_data's entropy, which does not depend on θ. KL(P_data‖P) is large wherever P_data has mass
and P has little, so a maximum-likelihood fit spreads its mass over every mode even when its
family cannot shape them (mode covering). The GAN's game at the optimal discriminator measures
the Jensen-Shannon divergence instead (seed 000), and with the non-saturating generator loss
(seed 003) G is pushed hardest where it puts mass that P_data lacks, so a small generator tends
to put its mass on modes and leave the gaps empty, possibly missing a mode (mode seeking).

Five fits of one training sample are compared on the grid of `densities.grid_for`:

1. `gaussian`: one Gaussian, maximum likelihood in closed form (the sample's mean and standard
   deviation, ddof = 0);
2. `mixture_k`: scikit-learn's `GaussianMixture` (EM, maximum likelihood) with k components,
   fewer than the data has modes;
3. `gan_gaussian`: a GAN whose generator is exactly the Gaussian family, x = μ + σ·z with
   trainable μ and log σ (`nets1d.mixture_generator` with one component), trained with the
   non-saturating loss against a small MLP discriminator; its density is the Gaussian N(μ, σ²)
   itself, exact;
4. `gan_mixture_k`: the same with a generator that is a mixture of k Gaussians with trainable
   means and log-stds and fixed equal weights 1/k. The component index c of a sample has no
   reparameterization gradient, so the weights cannot be learned by the generator's gradient;
   fixed, they make this family a sub-family of `mixture_k`'s, which still makes the
   comparison one within the family: maximum likelihood minimizes KL(P_data‖P) over the larger
   family, so it is the lowest there as well (up to the sample and EM's local optimum). Its
   density is exact too;
5. `gan`: a small MLP generator z -> x trained the same way; its density is a binned Gaussian
   kernel density estimate of its samples (a fine histogram on the grid's own cells, smoothed
   by a Gaussian kernel of bandwidth h).

The two same-family generators start from the sorted training sample cut into k equal slices,
each component at its slice's mean and standard deviation (`sorted_slices`): a start that
consults no fit and gives every component the equal share its family holds. For one Gaussian
that start *is* the maximum-likelihood fit, so wherever the GAN goes from there is its own
divergence's choice, not an accident of initialization. The `summary` sets each family's
maximum-likelihood fit beside its GAN fit and says, from the numbers, where the GAN sits
between covering (maximum likelihood: the lowest KL(P_data‖P)) and seeking (a lower
KL(P‖P_data), modes left empty). The MLP GAN is compared too, but it is not a within-family
comparison: its generator is a richer family than a k-mixture, so on some seeds it beats the
maximum-likelihood mixture on KL(P_data‖P) as well, which says nothing against the argument.

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

__all__ = ["DATA", "EPSILON", "floored", "mode_masses", "run", "sorted_slices", "summarize"]

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


DIVERGENCES = ("kl_data_model", "kl_model_data", "jsd")


def _divergences(p_data: np.ndarray, p: np.ndarray, dx: float) -> dict[str, float]:
    return {"kl_data_model": kl(p_data, p, dx), "kl_model_data": kl(p, p_data, dx),
            "jsd": jsd(p_data, p, dx)}


def _train(g: Any, train: np.ndarray, *, steps: int, batch: int, width: int, depth: int,
           d_learning_rate: float, g_learning_rate: float, seed: int, label: str,
           status: Callable[[str], Any]) -> dict[str, float]:
    """Trains G (built by the caller, on standardized data) against a fresh MLP D with the
    non-saturating loss, one D step then one G step per update; returns D's last numbers."""
    import keras

    from ganstudio.core.lab import nets1d
    from ganstudio.core.objectives import NonSaturating

    d = nets1d.discriminator(width, depth, "leaky_relu")
    _, joint_step = nets1d.gan_steps(
        g, d, NonSaturating(), keras.optimizers.Adam(d_learning_rate, beta_1=0.5),
        keras.optimizers.Adam(g_learning_rate, beta_1=0.5), batch, seed)
    rng = np.random.default_rng(seed + 3)
    report_every = max(1, steps // 5)
    d_loss = d_real = d_fake = float("nan")
    for i in range(1, steps + 1):
        d_loss, d_real, d_fake = joint_step(train[rng.integers(0, len(train), batch)])
        if i % report_every == 0 or i == steps:
            status(f"{label} step {i}/{steps}: d_loss {float(d_loss):.3f}, mean D(x) "
                   f"{float(d_real):.3f}, mean D(G(z)) {float(d_fake):.3f}")
    return {"d_loss": float(d_loss), "d_real": float(d_real), "d_fake": float(d_fake)}


def _train_gan(train: np.ndarray, *, steps: int, batch: int, latent_dim: int, width: int,
               depth: int, learning_rate: float, seed: int,
               status: Callable[[str], Any]) -> tuple[Callable[[int], np.ndarray], dict]:
    """Trains the MLP generator and returns a sampler (in data units) and the last losses."""
    import keras

    from ganstudio.core.lab import nets1d

    keras.utils.set_random_seed(seed)
    shift, scale = float(train.mean()), float(train.std())
    real_all = ((train - shift) / scale).astype(np.float32)[:, None]
    g = nets1d.generator(latent_dim, width, depth, "leaky_relu")
    losses = _train(g, real_all, steps=steps, batch=batch, width=width, depth=depth,
                    d_learning_rate=learning_rate, g_learning_rate=learning_rate, seed=seed,
                    label="GAN", status=status)

    def sample(n: int) -> np.ndarray:
        z = np.random.default_rng(seed + 1).standard_normal((n, latent_dim)).astype(np.float32)
        out = g.predict(z, batch_size=8192, verbose=0)
        return out[:, 0].astype(np.float64) * scale + shift

    return sample, losses


def sorted_slices(train: np.ndarray, k: int) -> tuple[list[float], list[float]]:
    """The neutral start of a k-component generator: the sorted sample cut into k equal
    slices, and each slice's mean and standard deviation (ddof = 0).

    Every component starts with an equal share of the data, as the equal-weight family holds
    it, and no fit is consulted; for k = 1 it is the whole sample's mean and std, which is the
    maximum-likelihood Gaussian itself.

    Args:
        train: The 1D sample.
        k: The number of components.

    Returns:
        `(means, stds)`, in increasing order of the means.
    """
    parts = np.array_split(np.sort(np.asarray(train, np.float64).reshape(-1)), k)
    return [float(p.mean()) for p in parts], [max(float(p.std()), 1e-3) for p in parts]


def _train_family_gan(train: np.ndarray, k: int, *, steps: int, batch: int, width: int,
                      depth: int, d_learning_rate: float, g_learning_rate: float, seed: int,
                      label: str, status: Callable[[str], Any]) -> tuple[Dist1D, dict]:
    """Trains a GAN whose G is an equal-weight mixture of k Gaussians (k = 1: one Gaussian),
    started from `sorted_slices`; returns its exact distribution (data units) and details."""
    import keras

    from ganstudio.core.lab import nets1d

    keras.utils.set_random_seed(seed)
    shift, scale = float(train.mean()), float(train.std())
    real_all = ((train - shift) / scale).astype(np.float32)[:, None]
    init_means, init_stds = sorted_slices(train, k)
    g, layer = nets1d.mixture_generator([(m - shift) / scale for m in init_means],
                                        [s / scale for s in init_stds])
    started = time.perf_counter()
    losses = _train(g, real_all, steps=steps, batch=batch, width=width, depth=depth,
                    d_learning_rate=d_learning_rate, g_learning_rate=g_learning_rate,
                    seed=seed, label=label, status=status)
    means, stds = layer.parameters()
    means = [m * scale + shift for m in means]
    stds = [s * scale for s in stds]
    order = np.argsort(means)
    dist = gaussian_mixture(tuple(means[i] for i in order), tuple(stds[i] for i in order),
                            (1.0 / k,) * k, name=label)
    details = {"means": list(dist.centers), "stds": list(dist.scales),
               "weights": list(dist.weights), "init_means": init_means,
               "init_stds": init_stds, "steps": steps, "batch": batch, "d_width": width,
               "d_depth": depth, "d_learning_rate": d_learning_rate,
               "g_learning_rate": g_learning_rate,
               "train_seconds": time.perf_counter() - started, **losses}
    return dist, details


def _compare(ml: dict[str, Any], gan: dict[str, Any]) -> dict[str, Any]:
    """One family's maximum-likelihood fit against its GAN fit: their divergences and who is
    lower on each."""
    return {"ml": {key: ml[key] for key in (*DIVERGENCES, "modes_covered")},
            "gan": {key: gan[key] for key in (*DIVERGENCES, "modes_covered")},
            "ml_lower_forward_kl": bool(ml["kl_data_model"] < gan["kl_data_model"]),
            "gan_lower_reverse_kl": bool(gan["kl_model_data"] < ml["kl_model_data"]),
            "gan_lower_jsd": bool(gan["jsd"] < ml["jsd"])}


def _place(what: str, pair: dict[str, Any], modes: int) -> str:
    """Where a GAN fit sits between covering (its maximum-likelihood fit) and seeking, from the
    numbers of `_compare`."""
    forward, reverse = pair["ml_lower_forward_kl"], pair["gan_lower_reverse_kl"]
    if forward and reverse:
        where = "on the seeking side of maximum likelihood"
    elif forward:
        where = "worse than maximum likelihood on both KLs, so no trade toward seeking"
    elif reverse:
        where = "below maximum likelihood on both KLs"
    else:
        where = "on the covering side of maximum likelihood"
    ml, gan = pair["ml"], pair["gan"]
    return (f"{what} is {where} (KL(P_data‖P) {gan['kl_data_model']:.3g} against "
            f"{ml['kl_data_model']:.3g}, KL(P‖P_data) {gan['kl_model_data']:.3g} against "
            f"{ml['kl_model_data']:.3g}, modes covered {gan['modes_covered']} against "
            f"{ml['modes_covered']} of {modes})")


def summarize(fits: dict[str, dict[str, Any]], modes: int, k: int) -> dict[str, Any]:
    """The comparison within each family, and a one-sentence verdict built from its numbers.

    Args:
        fits: The lab's fits (`gaussian`, `mixture_k`, `gan_gaussian`, `gan_mixture_k`, `gan`),
            each with `kl_data_model`, `kl_model_data`, `jsd` and `modes_covered`.
        modes: The data's number of modes.
        k: The mixtures' number of components.

    Returns:
        `gaussian` and `mixture_k` (each: `ml` and `gan` with the three divergences and the
        modes covered, `ml_lower_forward_kl`, `gan_lower_reverse_kl`, `gan_lower_jsd`),
        `flexible` (the MLP GAN against the maximum-likelihood mixture: not one family, the MLP
        is the richer one) and `verdict`.
    """
    gaussian = _compare(fits["gaussian"], fits["gan_gaussian"])
    mixture = _compare(fits["mixture_k"], fits["gan_mixture_k"])
    flexible = {**_compare(fits["mixture_k"], fits["gan"]), "same_family": False}
    mlp = fits["gan"]
    beats = "below" if not flexible["ml_lower_forward_kl"] else "above"
    verdict = (
        "Within each family maximum likelihood is the covering end: "
        + _place("the Gaussian GAN", gaussian, modes) + "; "
        + _place(f"the equal-weight {k}-mixture GAN", mixture, modes)
        + f"; the MLP GAN, a richer family than either, has KL(P_data‖P) "
        f"{mlp['kl_data_model']:.3g}, {beats} the maximum-likelihood {k}-mixture's "
        f"{fits['mixture_k']['kl_data_model']:.3g}, and covers {mlp['modes_covered']} of "
        f"{modes} modes.")
    return {"gaussian": gaussian, "mixture_k": mixture, "flexible": flexible,
            "verdict": verdict}


def run(seed: int, status: Callable[[str], Any], *, data: Dist1D = DATA, n_train: int = 20_000,
        mixture_components: int | None = None, gan_steps: int = 6000, batch: int = 256,
        latent_dim: int = 4, width: int = 64, depth: int = 2, learning_rate: float = 1e-3,
        n_gan_samples: int = 200_000, kde_bandwidth: float = 0.05, family_steps: int = 4000,
        family_learning_rate: float = 3e-3) -> dict[str, Any]:
    """Fits one training sample by maximum likelihood (a Gaussian, a small mixture) and by
    GANs (one per maximum-likelihood family, and an MLP), and compares each density with the
    data's on an exact grid.

    Args:
        seed: Seeds the training sample, the mixture's EM and the GANs.
        status: Receives one-line progress messages.
        data: The data distribution: a mixture of Gaussians (`kind="normal"`).
        n_train: Size of the training sample all the fits see.
        mixture_components: Components of the maximum-likelihood mixture and of the mixture
            GAN (default: one fewer than the data's modes).
        gan_steps: The MLP GAN's updates (one D step, then one G step, each).
        batch: The GANs' minibatch size.
        latent_dim: Size of the MLP generator's input z ~ N(0, I).
        width: Units per hidden layer of the MLP G and of every D.
        depth: Hidden layers of the MLP G and of every D.
        learning_rate: Adam's learning rate (β1 = 0.5) for both players of the MLP GAN, and
            for every D.
        n_gan_samples: MLP generator samples behind its density estimate.
        kde_bandwidth: The estimate's Gaussian kernel bandwidth, in data units.
        family_steps: Updates of each same-family GAN (Gaussian G, mixture G).
        family_learning_rate: Adam's learning rate (β1 = 0.5) for the same-family generators.

    Returns:
        `fits` (for `gaussian`, `mixture_k`, `gan_gaussian`, `gan_mixture_k` and `gan`: the
        three divergences in nats, the mode report of `mode_masses` and the fitted parameters),
        `summary` (of `summarize`: each family's maximum-likelihood and GAN fit side by side,
        and a verdict from the numbers), `data` (the distribution, the grid, the floor, the
        estimator check: the MLP GAN's density estimate applied to samples of P_data itself),
        `runtime_s` and `plots` (the densities over x, linear and log10).

    Example:

    ```python
    result = run(seed=0, status=print, gan_steps=500, family_steps=500)
    result["summary"]["verdict"]
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

    status(f"training the MLP GAN for {gan_steps} steps")
    gan_started = time.perf_counter()
    sample, losses = _train_gan(train, steps=gan_steps, batch=batch, latent_dim=latent_dim,
                                width=width, depth=depth, learning_rate=learning_rate,
                                seed=seed, status=status)
    gan_seconds = time.perf_counter() - gan_started
    gan_samples = sample(n_gan_samples)

    family = {"width": width, "depth": depth, "d_learning_rate": learning_rate,
              "g_learning_rate": family_learning_rate, "seed": seed, "status": status}
    status(f"training the Gaussian-G GAN for {family_steps} steps")
    gan_gaussian, gaussian_details = _train_family_gan(
        train, 1, steps=family_steps, batch=batch, label="Gaussian-G GAN", **family)
    status(f"training the {k}-mixture-G GAN for {family_steps} steps")
    gan_mixture, mixture_details = _train_family_gan(
        train, k, steps=family_steps, batch=batch, label=f"{k}-mixture-G GAN", **family)

    # the grid covers the data, the four parametric fits and all but the MLP GAN's extreme
    # 0.01 % on each side (what falls outside is reported, and lost to the estimate)
    lo, hi = np.quantile(gan_samples, [1e-4, 1 - 1e-4])
    x = grid_for(data, gaussian, mixture, gan_gaussian, gan_mixture,
                 bars((0.5 * (lo + hi),), max(0.5 * (hi - lo), 1e-3)))
    dx = float(x[1] - x[0])
    p_data = floored(data.pdf(x), dx)
    gan_density, _ = nets1d.binned_kde(gan_samples, x, kde_bandwidth)
    outside = float(np.mean((gan_samples < x[0]) | (gan_samples > x[-1])))
    check_density, _ = nets1d.binned_kde(
        data.sample(n_gan_samples, np.random.default_rng(seed + 2)), x, kde_bandwidth)
    densities = {"gaussian": floored(gaussian.pdf(x), dx),
                 "mixture_k": floored(mixture.pdf(x), dx),
                 "gan_gaussian": floored(gan_gaussian.pdf(x), dx),
                 "gan_mixture_k": floored(gan_mixture.pdf(x), dx),
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
    fits["gan_gaussian"].update(
        method="non-saturating GAN, G = μ + σ·z (the Gaussian family), MLP D; exact density",
        mean=gan_gaussian.centers[0], std=gan_gaussian.scales[0], **gaussian_details)
    fits["gan_mixture_k"].update(
        method=f"non-saturating GAN, G = an equal-weight mixture of {k} Gaussians "
               "(trainable means, stds), MLP D; exact density",
        components=k, **mixture_details)
    fits["gan"].update(
        method="non-saturating GAN, MLP G and D; density: binned Gaussian KDE on the grid",
        steps=gan_steps, batch=batch, latent_dim=latent_dim, width=width, depth=depth,
        learning_rate=learning_rate, samples=n_gan_samples, kde_bandwidth=kde_bandwidth,
        mass_outside_grid=outside, train_seconds=gan_seconds, **losses)
    for name, fit in fits.items():
        status(f"{name}: KL(P_data‖P) {fit['kl_data_model']:.4f}, KL(P‖P_data) "
               f"{fit['kl_model_data']:.4f}, JSD {fit['jsd']:.4f} nats, "
               f"modes covered {fit['modes_covered']}/{len(data.centers)}")
    summary = summarize(fits, len(data.centers), k)
    status(summary["verdict"])

    lines = {"p_data": p_data, "gaussian (ML)": densities["gaussian"],
             f"mixture of {k} (ML)": densities["mixture_k"],
             "GAN, Gaussian G": densities["gan_gaussian"],
             f"GAN, mixture-of-{k} G": densities["gan_mixture_k"],
             "GAN, MLP G (KDE)": densities["gan"]}
    plots = [
        nets1d.plot("Densities: the data and the five fits", "x", "density", x, lines),
        nets1d.plot(f"log10 density (floored at ε = {EPSILON:g})", "x", "log10 density", x,
                    {label: np.log10(p) for label, p in lines.items()}),
    ]
    return {
        "fits": fits,
        "summary": summary,
        "data": {
            "name": data.name, "centers": list(data.centers), "stds": list(data.scales),
            "weights": list(data.weights), "n_train": n_train,
            "grid": {"lo": float(x[0]), "hi": float(x[-1]), "points": int(x.size), "dx": dx},
            "epsilon": EPSILON,
            "mode_window": f"center ± {MODE_WINDOW:g}σ; covered at ≥ {COVERED_SHARE:g} of the "
                           "mode's weight",
            "self_mode_report": mode_masses(p_data, x, data),
            "estimator_check": {
                "what": "the MLP GAN's density estimate applied to samples of P_data itself",
                **_divergences(p_data, floored(check_density, dx), dx)},
        },
        "runtime_s": time.perf_counter() - started,
        "plots": plots,
    }
