"""The GAN and the WGAN on the same disjoint start, one change at a time (seed 002, "Tips for
improving GAN" and WGAN).

P_data is a thin bar at 0; G starts as a thin bar at `START` (the supports do not overlap).
Each run first trains its D or critic against that G, then trains both, G by plain gradient
descent with one step size for all runs (Adam would rescale the slopes this lab compares):

- `gan-minimax`: the original GAN, sigmoid output, log loss, G loss log(1 − D). A D that
  separates disjoint supports rejects G's samples (D(G(z)) near 0), where this loss has almost
  no slope: G does not move (the JS divergence is log 2 wherever G is).
- `gan`: the same with the non-saturating G loss −log D, the seeds' tip: it keeps a slope.
- `linear-mean`: the first two of WGAN's four changes, a linear output and the difference of
  means, without the third (a constraint): the critic's values grow without bound and G is
  thrown past the data.
- `wgan-clip`: with weight clipping (the third change, WGAN's first form) and the critic's G loss
  −E[f(G(z))] (the fourth): the critic's slope stays bounded and nonzero, so G walks to the data.
- `wgan-gp`: the gradient penalty instead of clipping.

Measured with the defaults (seed 0, this 2-core CPU, 35 s): G's distance to the data went from
3.00 to 3.00 (gan-minimax), 0.26 (gan), 6.21 (linear-mean, critic range 149), 0.45 (wgan-clip)
and 0.06 (wgan-gp).

Each run reports G's distance to the data (|mean G(z)|) at its start and end, the earth
mover's distance W₁ between G's and the data's samples at the end, and the range of the
critic's values over the line; the plots show each D or critic over x at the end and G's
distance over the steps; the frames animate G's samples (a density estimate) and each D or
critic over the line while G trains.
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
    critic_step,
    discriminator,
    frame,
    generator,
    generator_step,
    plot,
    probabilities,
)
from ganstudio.core.objectives import (
    GradientPenalty,
    Minimax,
    NonSaturating,
    Wasserstein,
    WeightClip,
)

__all__ = ["DATA", "RUNS", "START", "run"]

DATA = densities.bars((0.0,), 0.05, name="a thin bar at 0")
START = 3.0  # G's first samples sit around here: disjoint from the data
RUNS: dict[str, str] = {
    "gan-minimax": "sigmoid, log loss, minimax G loss log(1 − D) (the original GAN)",
    "gan": "sigmoid, log loss, non-saturating G loss −log D",
    "linear-mean": "linear output and difference of means, no constraint",
    "wgan-clip": "linear output, difference of means, weight clipping, G loss −E[f(G(z))]",
    "wgan-gp": "linear output, difference of means, gradient penalty, G loss −E[f(G(z))]",
}
WIDTH = 32


def _critic(name: str, seed: int) -> tuple[keras.Model, Callable, Any]:
    """The run's D or critic, its update step, and the objective G's loss comes from."""
    if name.startswith("gan"):
        net = discriminator(WIDTH, activation="tanh")
        g_objective = Minimax() if name == "gan-minimax" else NonSaturating()
        return net, critic_step(net, keras.optimizers.Adam(2e-3, beta_1=0.5), NonSaturating()), \
            g_objective
    if name == "wgan-clip":
        net = discriminator(WIDTH, activation="tanh")
        clip = WeightClip(WIDTH ** (-2.0 / 3.0))  # a 1-Lipschitz tanh critic by construction
        clip.apply(net.trainable_variables)
        return net, critic_step(net, keras.optimizers.RMSprop(5e-3), Wasserstein(), clip=clip), \
            Wasserstein()
    net = discriminator(WIDTH, activation="relu")
    out = net.get_layer("logit").kernel
    out.assign(np.zeros(out.shape, np.float32))  # no slope of the wrong sign to start from
    penalty = GradientPenalty(10.0) if name == "wgan-gp" else None
    return net, critic_step(net, keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
                            Wasserstein(), penalty=penalty, seed=seed), Wasserstein()


def _values(net: keras.Model, x: np.ndarray, name: str) -> np.ndarray:
    if name.startswith("gan"):
        return probabilities(net, x)
    return np.asarray(net(np.asarray(x, np.float32).reshape(-1, 1), training=False),
                      np.float64).reshape(-1)


def run(seed: int, status: Callable[[str], Any], *, warmup: int = 200, steps: int = 200,
        critic_steps: int = 3, batch: int = 512, g_learning_rate: float = 0.05,
        every: int = 20, eval_samples: int = 20_000, frame_every: int = 10
        ) -> dict[str, Any]:
    """Runs the four variants from the same G and the same disjoint start.

    Args:
        seed: Seeds the networks, z and the samples.
        status: Receives one-line progress messages.
        warmup: Updates of the D or critic against the starting G before G moves.
        steps: G updates (each after `critic_steps` updates of the D or critic).
        critic_steps: D or critic updates per G update.
        batch: Real and fake examples per update.
        g_learning_rate: G's plain gradient-descent step size, the same for every run.
        every: G steps between two records of G's distance.
        eval_samples: Samples behind W₁ at the end.
        frame_every: G steps between two frames (G at 2000 evenly spaced quantiles of z and
            each D or critic on the line; nothing drawn at random, so the runs stay the same).

    Returns:
        `runs` (per variant: what it changes, `start_distance`, `end_distance`, `w1_end`,
        `critic_range`, `finite`), the settings, the seconds, `plots`, and `frames`: three
        animations over G's steps, of G's density in every run, of the GANs' D(x) and of the
        WGAN critics' f(x) − f(0).
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)
    gen = generator(latent_dim=1, activation="tanh")
    out = gen.layers[-1]
    kernel, bias = out.get_weights()
    out.set_weights([kernel * 0.05, bias + START])  # a thin bar around START
    start_weights = gen.get_weights()
    x_axis = np.linspace(-1.0, START + 1.5, 400)
    results: dict[str, dict[str, Any]] = {}
    curves: dict[str, np.ndarray] = {}
    distances: dict[str, list[float]] = {}
    quantile_z = ndtri((np.arange(2000) + 0.5) / 2000).astype(np.float32)[:, None]
    frame_at = list(range(0, steps + 1, max(1, frame_every)))
    g_outputs: dict[str, list[np.ndarray]] = {}
    net_values: dict[str, list[np.ndarray]] = {}

    def fakes(n: int) -> np.ndarray:
        z = rng.standard_normal((n, 1)).astype(np.float32)
        return np.asarray(gen(z, training=False), np.float32)

    for k, (name, what) in enumerate(RUNS.items()):
        gen.set_weights(start_weights)
        net, update, objective = _critic(name, seed + k)
        g_update = generator_step(gen, net, objective, keras.optimizers.SGD(g_learning_rate),
                                  batch, seed + k)
        for _ in range(warmup):
            update(tf.constant(DATA.sample(batch, rng)), tf.constant(fakes(batch)))
        track = [float(abs(fakes(4000).mean()))]
        g_outputs[name], net_values[name] = [], []

        def record(name: str = name, net: keras.Model = net) -> None:
            g_outputs[name].append(np.asarray(gen(quantile_z, training=False))[:, 0])
            net_values[name].append(_values(net, x_axis, name))

        record()
        for step in range(1, steps + 1):
            for _ in range(critic_steps):
                update(tf.constant(DATA.sample(batch, rng)), tf.constant(fakes(batch)))
            g_update()
            if step % every == 0:
                track.append(float(abs(fakes(4000).mean())))
            if step in frame_at:
                record()
        values = _values(net, x_axis, name)
        finite = bool(np.isfinite(values).all())
        end = fakes(eval_samples)
        results[name] = {
            "changes": what,
            "start_distance": track[0],
            "end_distance": track[-1],
            "w1_end": densities.w1_samples(end, DATA.sample(eval_samples, rng)),
            "critic_range": float(np.ptp(values)) if finite else float("inf"),
            "finite": finite,
        }
        curves[name] = values if name.startswith("gan") else (
            values - values[np.argmin(np.abs(x_axis))])
        distances[name] = track
        status(f"gan-vs-wgan: {name}: G's distance {track[0]:.2f} -> {track[-1]:.2f}, "
               f"W1 {results[name]['w1_end']:.3f}, critic range {results[name]['critic_range']:.3g}")

    plots = [
        plot("D(x) of the GANs at the end (0 to 1)", "x", "D(x)", x_axis,
             {f"{name}: D(x)": curves[name] for name in RUNS if name.startswith("gan")}),
        plot("The critics f(x) at the end (f(0) = 0)", "x", "f(x) − f(0)", x_axis,
             {f"{name}: f(x)": curves[name] for name in RUNS if not name.startswith("gan")}),
        plot("G's distance to the data, |mean G(z)|", "G step", "distance",
             np.arange(len(distances["gan"])) * every,
             {name: np.array(track) for name, track in distances.items()}),
    ]
    return {"data": DATA.name, "start": START, "runs": results, "warmup": warmup,
            "steps": steps, "critic_steps": critic_steps, "g_learning_rate": g_learning_rate,
            "seconds": round(time.perf_counter() - started, 2), "plots": plots,
            "frames": _animations(frame_at, x_axis, g_outputs, net_values)}


def _animations(frame_at: list[int], x_axis: np.ndarray, g_outputs: dict[str, list[np.ndarray]],
                net_values: dict[str, list[np.ndarray]]) -> list[dict]:
    """The three animations over G's steps: G's density in every run (each scaled to a peak of
    1, on a line wide enough for every run), the GANs' D(x), and the WGAN critics' f(x) − f(0)
    (the unconstrained critic, whose values run into the hundreds, is left to the plots)."""
    finite = [g[np.isfinite(g)] for outputs in g_outputs.values() for g in outputs]
    finite = [g for g in finite if g.size]
    lo = max(-12.0, min([-1.0, *(float(np.percentile(g, 1)) for g in finite)]) - 0.5)
    hi = min(12.0, max([START + 1.5, *(float(np.percentile(g, 99)) for g in finite)]) + 0.5)
    line = np.linspace(lo, hi, 400)
    width = 2.0 * float(line[1] - line[0])

    def scaled(samples: np.ndarray) -> np.ndarray:
        samples = samples[np.isfinite(samples)]
        if not samples.size:
            return np.zeros_like(line)
        density, _ = binned_kde(samples, line, max(width, 0.9 * float(samples.std())
                                                   * samples.size ** -0.2))
        peak = float(density.max())
        return density / peak if peak > 0 else density

    data = scaled(DATA.sample(2000, np.random.default_rng(0))[:, 0])
    at_zero = int(np.argmin(np.abs(x_axis)))
    densities_, gans, critics = [], [], []
    for k, step in enumerate(frame_at):
        label = f"G step {step}"
        densities_.append(frame(label, line, {"data": data, **{
            name: scaled(outputs[k]) for name, outputs in g_outputs.items()}}, value=step))
        gans.append(frame(label, x_axis, {
            f"{name}: D(x)": net_values[name][k] for name in RUNS if name.startswith("gan")},
            value=step))
        critics.append(frame(label, x_axis, {
            f"{name}: f(x) − f(0)": net_values[name][k] - net_values[name][k][at_zero]
            for name in ("wgan-clip", "wgan-gp")}, value=step))
    return [
        animation("Where G's samples go (each density scaled to a peak of 1)", "x",
                  "density / its peak", "G step", densities_),
        animation("D(x) of the GANs while G trains", "x", "D(x)", "G step", gans),
        animation("The WGAN critics f(x) while G trains (f(0) = 0)", "x", "f(x) − f(0)",
                  "G step", critics),
    ]
