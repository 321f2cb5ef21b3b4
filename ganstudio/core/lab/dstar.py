"""The optimal discriminator, measured: D trained against a frozen G meets
D*(x) = p_data(x) / (p_data(x) + p_G(x)); released, G moves until D says ½ (seeds 000, 003).

The experiment, on 1D data (a mixture of two Gaussians):

1. G, a small MLP z (1-D, N(0, 1)) -> x, is fitted to a decoy distribution that differs
   visibly from P_data (two Gaussians, equally weighted, too close together): by regression of
   G(z) at sorted z onto sorted decoy samples, i.e. onto the 1D transport map z -> x. Then G is
   FROZEN.
2. P_G's density is estimated from many G samples by a Gaussian kernel density estimate
   (binned on a fine grid, Silverman's bandwidth; see `nets1d.binned_kde`); P_data's is exact.
3. D, a small MLP with a logit output, is trained with the log loss
   L_D = −E[log D(x)] − E[log(1 − D(G(z)))] against the frozen G, with large fresh batches and
   a decaying step size, until it converges. Its output D(x) is compared with
   D*(x) = p_data / (p_data + p_G) on the central interval holding 98% of the mass of
   ½(p_data + p_G); `max_abs_gap` is the largest |D − D*| there. V(G, D) on fresh samples gives
   the bound JSD ≥ (V + 2 log 2) / 2, compared with the JSD of the two densities.
4. G is released: both train by the non-saturating game (L_G = −E[log D(G(z))]). As P_G comes
   to P_data, D* = ½ everywhere: the mean D on real and on fake examples goes to ½. D's step
   size is four times G's (2e-3 and 5e-4, both decaying): with equal step sizes (1e-3) G kept
   swinging and the JSD stayed above 0.1; from a decoy of one wide Gaussian G collapsed onto
   the heavier mode.

Measured with the defaults (seed 0, 2 CPU cores, about 20 s of training): max |D − D*| = 0.033
on [−2.82, 3.28] (mean 0.009); V gives JSD ≥ 0.254 against the densities' 0.255; after the
release the mean D is 0.508 on real and 0.493 on fake examples, and JSD(P_data ‖ P_G) fell
from 0.255 to 0.011. Seeds 1–3: gaps 0.019–0.024, mean D 0.508 and 0.492–0.494.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from scipy.special import ndtri

from ganstudio.core.lab import densities
from ganstudio.core.lab.nets1d import (
    animation,
    binned_kde,
    central_interval,
    discriminator,
    frame,
    frame_steps,
    gan_steps,
    generator,
    plot,
    probabilities,
)
from ganstudio.core.metrics.theory import jsd_lower_bound, value_estimate
from ganstudio.core.objectives import NonSaturating

__all__ = ["DATA", "DECOY", "run"]

DATA = densities.gaussian_mixture((-2.0, 2.0), (0.5, 0.7), (0.4, 0.6), name="2 Gaussians")
DECOY = densities.gaussian_mixture((-1.0, 1.0), 0.6, name="2 Gaussians too close together")


def _fit_generator(gen: keras.Model, target: densities.Dist1D, steps: int, batch: int,
                   rng: np.random.Generator) -> float:
    """Regresses G(sorted z) onto sorted samples of `target` (the monotone transport map)."""
    optimizer = keras.optimizers.Adam(1e-2)
    optimizer.build(gen.trainable_variables)

    @tf.function(jit_compile=False)
    def step(z: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(gen(z, training=True) - x))
        optimizer.apply(tape.gradient(loss, gen.trainable_variables), gen.trainable_variables)
        return loss

    loss = float("nan")
    for _ in range(steps):
        z = np.sort(rng.standard_normal(batch)).astype(np.float32)[:, None]
        x = np.sort(target.sample(batch, rng)[:, 0])[:, None]
        loss = float(step(tf.constant(z), tf.constant(x)))
    return loss


def _g_samples(gen: keras.Model, n: int, rng: np.random.Generator) -> np.ndarray:
    z = rng.standard_normal((n, gen.input_shape[-1])).astype(np.float32)
    return np.concatenate([np.asarray(gen(z[i:i + 65_536], training=False))
                           for i in range(0, n, 65_536)])[:, 0]


def _g_quantiles(gen: keras.Model, n: int) -> np.ndarray:
    """G at the n evenly spaced quantiles of z ~ N(0, 1): a sample of P_G without sampling noise
    (and without drawing from any random generator)."""
    z = ndtri((np.arange(n) + 0.5) / n).astype(np.float32)[:, None]
    return np.asarray(gen(z, training=False), np.float64)[:, 0]


def _decay(optimizer: keras.optimizers.Optimizer, start: float, frac: float) -> None:
    """Cosine decay from `start` to 1% of it, `frac` in [0, 1]."""
    optimizer.learning_rate.assign(start * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * frac))))


def run(seed: int, status: Callable[[str], Any], *, fit_steps: int = 300, d_steps: int = 2000,
        release_steps: int = 1800, batch: int = 2048, kde_samples: int = 2_000_000,
        eval_samples: int = 200_000, frames: tuple[int, int] = (24, 36),
        frame_samples: int = 20_000) -> dict[str, Any]:
    """Runs the lab: D against a frozen G, compared with D*, then G released.

    Args:
        seed: Seeds the networks, z and the data samples.
        status: Receives one-line progress messages.
        fit_steps: Regression steps that fit G to the decoy.
        d_steps: D's updates against the frozen G.
        release_steps: Alternating updates of D and G after the release.
        batch: Real and fake examples per update (each).
        kde_samples: G samples behind the density estimate of P_G.
        eval_samples: Fresh real and fake samples behind V and the mean D values.
        frames: Frames recorded while D trains against the frozen G, and after the release.
        frame_samples: G's outputs behind each frame's density estimate of P_G after the
            release (at evenly spaced quantiles of z: recording draws nothing at random, so it
            leaves the training as it is).

    Returns:
        JSON-ready numbers: `max_abs_gap`, `d_real_after`, `d_fake_after` (the required ones),
        the 98% interval, V and the JSD bound against the JSD of the densities, before and after
        the release, the steps, the seconds, `plots`, and `frames`: one animation of D(x),
        D*(x), p_data and p_G over x, first while D trains against the frozen G, then while
        both train after the release.
    """
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    objective = NonSaturating()
    gen, disc = generator(latent_dim=1), discriminator()

    status(f"dstar: fitting G to the decoy ({DECOY.name}), {fit_steps} steps")
    fit_loss = _fit_generator(gen, DECOY, fit_steps, batch, rng)

    grid = densities.grid_for(DATA, DECOY, points=8001, margin=2.0)
    dx = float(grid[1] - grid[0])
    p_data = DATA.pdf(grid)
    p_g, bandwidth = binned_kde(_g_samples(gen, kde_samples, rng), grid)
    lo, hi = central_interval(grid, 0.5 * (p_data + p_g), 0.98)
    region = (grid >= lo) & (grid <= hi)
    d_star = densities.optimal_discriminator(p_data, p_g)
    jsd_frozen = densities.jsd(p_data, p_g, dx)
    # the frames' line: the plots' view, thinned once (D is evaluated on these points only)
    view = (grid >= lo - 1.0) & (grid <= hi + 1.0)
    shown = np.flatnonzero(view)[np.unique(np.linspace(0, view.sum() - 1, 400).round()
                                           .astype(int))]
    recorded: list[dict] = []
    frame_seconds = 0.0

    def record(phase: str, step: int, p_g_now: np.ndarray | None = None, offset: int = 0
               ) -> None:
        nonlocal frame_seconds
        t = time.perf_counter()
        if p_g_now is None:
            p_g_now = binned_kde(_g_quantiles(gen, frame_samples), grid)[0]
        xs = grid[shown]
        recorded.append(frame(
            f"{phase}: step {step}", xs,
            {"p_data": p_data[shown], "p_G (KDE)": p_g_now[shown],
             "D(x)": probabilities(disc, xs),
             "D*(x) = p_data / (p_data + p_G)":
                 densities.optimal_discriminator(p_data[shown], p_g_now[shown]),
             "½": 0.5},
            value=offset + step))
        frame_seconds += time.perf_counter() - t

    d_lr, g_lr = 2e-3, 5e-4
    d_optimizer = keras.optimizers.Adam(d_lr, beta_1=0.5)
    g_optimizer = keras.optimizers.Adam(g_lr, beta_1=0.5)
    d_step, joint_step = gan_steps(gen, disc, objective, d_optimizer, g_optimizer, batch,
                                   seed=seed)

    status(f"dstar: training D against the frozen G, {d_steps} steps of {batch} + {batch}")
    t0 = time.perf_counter()
    at = set(frame_steps(d_steps, frames[0], power=2.0))
    if 0 in at:
        record("D trains, G frozen", 0, p_g)
    for i in range(d_steps):
        _decay(d_optimizer, d_lr, i / d_steps)
        d_step(tf.constant(DATA.sample(batch, rng)))
        if i + 1 in at:
            record("D trains, G frozen", i + 1, p_g)
    d_seconds = time.perf_counter() - t0

    d_frozen = probabilities(disc, grid)
    gap = np.abs(d_frozen - d_star)[region]
    max_gap = float(gap.max())
    where = float(grid[region][int(np.argmax(gap))])
    real_eval = DATA.sample(eval_samples, rng)
    fake_eval = _g_samples(gen, eval_samples, rng)
    d_real_eval, d_fake_eval = probabilities(disc, real_eval), probabilities(disc, fake_eval)
    v_frozen = value_estimate(d_real_eval, d_fake_eval)
    d_real_frozen, d_fake_frozen = float(d_real_eval.mean()), float(d_fake_eval.mean())
    status(f"dstar: max |D − D*| = {max_gap:.3f} at x = {where:.2f} on [{lo:.2f}, {hi:.2f}]; "
           f"V = {v_frozen:.4f}, JSD ≥ {jsd_lower_bound(v_frozen):.4f} (JSD {jsd_frozen:.4f})")

    status(f"dstar: releasing G: {release_steps} alternating steps")
    t0 = time.perf_counter()
    trace = []
    at = set(frame_steps(release_steps, frames[1] + 1, power=1.5)) - {0}
    for i in range(release_steps):
        _decay(d_optimizer, d_lr, i / release_steps)
        _decay(g_optimizer, g_lr, i / release_steps)
        _, d_real, d_fake = joint_step(tf.constant(DATA.sample(batch, rng)))
        trace.append((i + 1, float(d_real), float(d_fake)))
        if i + 1 in at:
            record("G released, both train", i + 1, offset=d_steps)
    release_seconds = time.perf_counter() - t0

    fake_after = _g_samples(gen, eval_samples, rng)
    real_after = DATA.sample(eval_samples, rng)
    d_real_eval, d_fake_eval = probabilities(disc, real_after), probabilities(disc, fake_after)
    d_real_after, d_fake_after = float(d_real_eval.mean()), float(d_fake_eval.mean())
    v_after = value_estimate(d_real_eval, d_fake_eval)
    p_g_after, _ = binned_kde(_g_samples(gen, kde_samples, rng), grid)
    jsd_after = densities.jsd(p_data, p_g_after, dx)
    d_after = probabilities(disc, grid)
    status(f"dstar: after the release mean D(x) = {d_real_after:.3f}, "
           f"mean D(G(z)) = {d_fake_after:.3f}; JSD(P_data ‖ P_G) = {jsd_after:.4f}")

    steps_axis = np.array([t[0] for t in trace], np.float64)
    plots = [
        plot("Densities, G frozen", "x", "density", grid[view],
             {"p_data": p_data[view], "p_G (KDE)": p_g[view]}),
        plot("D against D*, G frozen", "x", "D(x)", grid[view],
             {"D(x) trained": d_frozen[view], "D*(x) = p_data / (p_data + p_G)": d_star[view]},
             dots={"98% interval": [[lo, 0.0], [hi, 0.0]]}),
        plot("After releasing G: D(x) and ½", "x", "D(x)", grid[view],
             {"D(x)": d_after[view], "½": np.full(view.sum(), 0.5)}),
        plot("Densities after releasing G", "x", "density", grid[view],
             {"p_data": p_data[view], "p_G (KDE)": p_g_after[view]}),
        plot("Mean D during the release", "step", "mean D", steps_axis,
             {"on real": np.array([t[1] for t in trace]),
              "on fake": np.array([t[2] for t in trace]),
              "½": np.full(len(trace), 0.5)}),
    ]
    return {
        "max_abs_gap": max_gap,
        "gap_at": where,
        "mean_abs_gap": float(gap.mean()),
        "interval_98": [lo, hi],
        "d_real_frozen": d_real_frozen,
        "d_fake_frozen": d_fake_frozen,
        "d_real_after": d_real_after,
        "d_fake_after": d_fake_after,
        "value_frozen": v_frozen,
        "jsd_bound_frozen": jsd_lower_bound(v_frozen),
        "jsd_frozen": jsd_frozen,
        "value_after": v_after,
        "jsd_bound_after": jsd_lower_bound(v_after),
        "jsd_after": jsd_after,
        "data": DATA.name,
        "decoy": DECOY.name,
        "density_estimate": f"binned Gaussian KDE of {kde_samples} G samples, "
                            f"bandwidth {bandwidth:.4f}",
        "fit_mse": fit_loss,
        "batch": batch,
        "steps": {"fit": fit_steps, "d_frozen": d_steps, "release": release_steps},
        "seconds": {"d_frozen": round(d_seconds, 2), "release": round(release_seconds, 2),
                    "frames": round(frame_seconds, 2),
                    "total": round(time.perf_counter() - started, 2)},
        "plots": plots,
        "frames": [animation(
            "D(x) meets D*(x) against the frozen G; released, G moves and D flattens to ½",
            "x", "D(x) and density", "step", recorded)],
    }
