"""The JS divergence against the earth mover's distance for two thin bars θ apart (seed 002).

P_data is a thin bar (a near point mass, half-width 0.01) at 0 and P_G the same bar at θ. For
each θ the lab trains, from scratch:

- a discriminator D with the log loss; its value V(G, D) = E[log D(x)] + E[log(1 − D(G(z)))]
  estimates max_D V = −2 log 2 + 2 JSD, so JSD ≈ (V + 2 log 2) / 2 (`theory.jsd_lower_bound`).
  The supports are disjoint for every θ > 0, so the JSD is log 2 whatever the distance: it
  tells G nothing about which way to move;
- a critic f with the gradient penalty λ E[(‖∇f(x̂)‖ − 1)²] (WGAN-GP), whose gap
  E[f(real)] − E[f(fake)] (`theory.wasserstein_estimate`) estimates W = |θ|. On this data x̂
  is uniform on [0, θ], so the best critic has the constant slope s maximising
  −sθ − λ(|s| − 1)² (f falls from the real bar to the fake one): s = −(1 + θ / (2λ)), and the
  estimate overshoots by θ² / (2λ) (`w_gp_theory`). That is why λ is 100 here, not WGAN-GP's
  usual 10 (which reads 4.8 for θ = 4). The penalty also has a second, wrong-signed local
  optimum s = 1 − θ / (2λ) behind a barrier of height ≈ λ at s = 0; a critic whose random
  initial slope points the wrong way can stay there. So the critic's output layer starts at
  zero: f starts flat, where the penalty's gradient vanishes and the gap alone sets the sign;
- a critic with weight clipping (WGAN): every weight (and bias) in [−c, c]. For an MLP
  1 → h → h → 1 with activations of slope at most 1 (tanh here) the slope is at most h² c³,
  so c = h^(−2/3) makes the critic 1-Lipschitz and its gap a lower bound on W. Training drives
  the weights to ±c, but tanh flattens away from 0, so the bound is met only near the bars and
  the estimate falls short of |θ| as θ grows: clipping limits what the critic can express,
  not just its slope. (With ReLU the critic stalls lower still, at 0.2–0.4 of θ: a unit whose
  first weight points away from the fake bar is off there, so the gap never turns it round.)

The exact values come from `densities`: the JSD of the two bars on a grid (log 2 for θ > 0,
0 for θ = 0) and W = |θ|.

Measured with the defaults (seed 0, 2 CPU cores, about 11 s of training): the JSD read from V
is 0.6928–0.6930 for every θ > 0 (log 2 = 0.6931); W with the penalty is 0.505, 1.001, 2.021,
4.079 for θ = 0.5, 1, 2, 4 (θ + θ²/2λ = 0.501, 1.005, 2.02, 4.08); W with clipping is 0.499,
0.991, 1.930, 3.383.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ganstudio.core.lab import densities
from ganstudio.core.lab.nets1d import (
    animation,
    critic_step,
    discriminator,
    frame,
    plot,
    probabilities,
)
from ganstudio.core.metrics.theory import jsd_lower_bound, value_estimate, wasserstein_estimate
from ganstudio.core.objectives import GradientPenalty, NonSaturating, Wasserstein, WeightClip

__all__ = ["HALF_WIDTH", "THETAS", "run"]

THETAS = (0.0, 0.5, 1.0, 2.0, 4.0)
HALF_WIDTH = 0.01


def _scores(critic: keras.Model, x: np.ndarray) -> np.ndarray:
    return np.asarray(critic(np.asarray(x, np.float32).reshape(-1, 1), training=False),
                      np.float64).reshape(-1)


def _max_slope(critic: keras.Model, lo: float, hi: float) -> float:
    """The largest |f'| on [lo, hi], by finite differences on 2001 points."""
    x = np.linspace(lo, hi, 2001)
    return float(np.max(np.abs(np.diff(_scores(critic, x)) / np.diff(x))))


def _shown(value: float, digits: int = 2) -> str:
    """`value` to `digits` decimals, without the sign of a negative that rounds to 0."""
    return f"{round(value, digits) + 0.0:.{digits}f}"


def _train(step: Callable, data: densities.Dist1D, fake: densities.Dist1D, steps: int,
           batch: int, rng: np.random.Generator) -> None:
    for _ in range(steps):
        step(tf.constant(data.sample(batch, rng)), tf.constant(fake.sample(batch, rng)))


def run(seed: int, status: Callable[[str], Any], *, thetas: tuple[float, ...] = THETAS,
        d_steps: int = 300, gp_steps: int = 400, clip_steps: int = 300, batch: int = 1024,
        gp_lambda: float = 100.0, width: int = 32, eval_samples: int = 20_000
        ) -> dict[str, Any]:
    """Runs the lab: for each θ, the JSD from a trained D and W from two trained critics.

    Args:
        seed: Seeds the networks and the samples.
        status: Receives one-line progress messages.
        thetas: The distances between the bars, in data units.
        d_steps: Updates of each discriminator (log loss).
        gp_steps: Updates of each critic with the gradient penalty.
        clip_steps: Updates of each critic with weight clipping.
        batch: Real and fake examples per update (each).
        gp_lambda: The gradient penalty's weight λ.
        width: Hidden units of every network (two hidden layers); sets the clip c = width^(−2/3).
        eval_samples: Fresh real and fake samples behind each estimate.

    Returns:
        JSON-ready numbers: `rows` (one per θ: `theta`, `jsd`, `jsd_exact`, `value`, `w`,
        `w_gp_theory`, `w_clip`, `w_exact`, the critics' largest slopes), the settings, the
        seconds, `plots`, and `frames`: one animation over θ of the two bars, the trained D(x)
        and both critics f(x) on one line from −1 to max θ + 1.
    """
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    data = densities.point_mass(0.0, HALF_WIDTH)
    clip = WeightClip(width ** (-2.0 / 3.0))
    penalty = GradientPenalty(gp_lambda)
    rows = []
    # the frames' common line: 1/60 apart, with the bars' centres on it, so each bar shows
    line = np.union1d(np.linspace(-1.0, max(thetas) + 1.0,
                                  int(round((max(thetas) + 2.0) * 60)) + 1), [0.0, *thetas])
    recorded = []
    for k, theta in enumerate(thetas):
        fake = data.shifted(theta)
        grid = densities.grid_for(data, fake, points=20_001)
        dx = float(grid[1] - grid[0])
        # each bar's density normalised on the grid, so its few edge points cost no mass
        p_data, p_g = (d.pdf(grid) / (d.pdf(grid).sum() * dx) for d in (data, fake))
        jsd_exact = densities.jsd(p_data, p_g, dx)
        real_eval, fake_eval = data.sample(eval_samples, rng), fake.sample(eval_samples, rng)

        disc = discriminator(width, activation="tanh")
        step = critic_step(disc, keras.optimizers.Adam(5e-3), NonSaturating())
        _train(step, data, fake, d_steps, batch, rng)
        value = value_estimate(probabilities(disc, real_eval), probabilities(disc, fake_eval))

        gp_critic = discriminator(width, activation="relu")
        out = gp_critic.get_layer("logit").kernel
        out.assign(np.zeros(out.shape, np.float32))
        step = critic_step(gp_critic, keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9),
                           Wasserstein(), penalty=penalty, seed=seed + k)
        _train(step, data, fake, gp_steps, batch, rng)
        w_gp = wasserstein_estimate(_scores(gp_critic, real_eval), _scores(gp_critic, fake_eval))

        clip_critic = discriminator(width, activation="tanh")
        clip.apply(clip_critic.trainable_variables)
        step = critic_step(clip_critic, keras.optimizers.RMSprop(5e-3), Wasserstein(),
                           clip=clip)
        _train(step, data, fake, clip_steps, batch, rng)
        w_clip = wasserstein_estimate(_scores(clip_critic, real_eval),
                                      _scores(clip_critic, fake_eval))

        row = {
            "theta": float(theta),
            "jsd": jsd_lower_bound(value),
            "jsd_exact": jsd_exact,
            "value": value,
            "w": w_gp,
            "w_gp_theory": float(abs(theta) + theta ** 2 / (2.0 * gp_lambda)),
            "w_clip": w_clip,
            "w_exact": densities.w1_point_masses(0.0, theta),
            "slope_gp": _max_slope(gp_critic, 0.0, theta) if theta else 0.0,
            "slope_clip": _max_slope(clip_critic, 0.0, theta) if theta else 0.0,
        }
        rows.append(row)
        gp_line, clip_line = _scores(gp_critic, line), _scores(clip_critic, line)
        at_fake = np.abs(line - theta).argmin()
        recorded.append(frame(
            f"θ = {theta:g}: JSD from V {_shown(row['jsd'], 3)}, W {_shown(w_gp)} with the "
            f"penalty, {_shown(w_clip)} with clipping", line,
            {"P_data (bar at 0)": data.pdf(line) * 2 * HALF_WIDTH,
             "P_G (bar at θ)": fake.pdf(line) * 2 * HALF_WIDTH,
             "D(x)": probabilities(disc, line),
             "f(x) − f(θ), gradient penalty": gp_line - gp_line[at_fake],
             "f(x) − f(θ), weight clipping": clip_line - clip_line[at_fake]},
            value=theta))
        status(f"jsd-vs-w: θ = {theta:g}: JSD {row['jsd']:.4f} (exact {jsd_exact:.4f}), "
               f"W {w_gp:.4f} with the penalty, {w_clip:.4f} with clipping (exact {theta:g})")

    theta_axis = np.array([r["theta"] for r in rows])
    plots = [plot(
        "JSD stays at log 2; W grows with θ", "θ (distance between the bars)", "nats / data units",
        theta_axis,
        {"JSD (from V)": np.array([r["jsd"] for r in rows]),
         "log 2": np.full(len(rows), math.log(2.0)),
         "W (gradient penalty)": np.array([r["w"] for r in rows]),
         "W (weight clipping)": np.array([r["w_clip"] for r in rows]),
         "|θ|": np.abs(theta_axis)})]
    return {
        "rows": rows,
        "half_width": HALF_WIDTH,
        "gp_lambda": gp_lambda,
        "clip": clip.c,
        "width": width,
        "batch": batch,
        "steps": {"d": d_steps, "gp": gp_steps, "clip": clip_steps},
        "seconds": round(time.perf_counter() - started, 2),
        "plots": plots,
        "frames": [animation(
            "D(x) jumps by 1 whatever θ; the critics' f(0) − f(θ) grows with θ (it reads W)",
            "x", "D(x), bars (height 1), f(x) − f(θ)", "θ", recorded, fps=1.5)],
    }
