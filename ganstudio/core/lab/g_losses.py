"""The generator's two losses, measured where they differ: log(1 − D(G(z))) saturates while D
rejects the fakes, −log D(G(z)) does not (seed 003, "Tips for improving GAN").

With a = D's logit and D = σ(a), the two generator losses and their slopes with respect to the
logit are

    minimax:          L = log(1 − D),   ∂L/∂a = −D
    non-saturating:   L = −log D,       ∂L/∂a = −(1 − D)

so where D(G(z)) is small (early on, when D tells the fakes apart easily), the minimax loss
gives G almost no gradient and the non-saturating one nearly the largest it can. The lab:

1. G (a small MLP, z 1-D) starts far from P_data (its output is shifted away), and D is
   trained against it until it rejects the fakes: mean D(G(z)) falls near 0.
2. At that moment, and then while G trains (once with each loss, from the same start, D by
   Adam and G by plain gradient descent), it records each fake's D and the slope each loss
   gives it. G uses plain gradient descent because Adam divides each step by the gradient's
   own running scale, which hides the difference: measured with Adam for G (seed 0, 600
   steps), both losses reached about the same JSD (0.088 and 0.074); with gradient descent
   the minimax G does not move (JSD log 2) and the non-saturating one reaches 0.137.

Returned: the snapshots (step, mean D on fakes, the mean |∂L/∂a| of each loss, their ratio),
how far each generator got in the same number of steps (the JSD between P_data and P_G at the
end, from a binned KDE), and the plots: both losses over D ∈ (0, 1) with the rejected fakes as
dots on each curve, the two slopes, and mean D(G(z)) over the steps for each loss.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ganstudio.core.lab import densities
from ganstudio.core.lab.nets1d import (
    binned_kde,
    discriminator,
    gan_steps,
    generator,
    plot,
    probabilities,
)
from ganstudio.core.metrics.theory import g_loss_slopes
from ganstudio.core.objectives import Minimax, NonSaturating

__all__ = ["DATA", "run"]

DATA = densities.gaussian_mixture((-1.0, 1.0), 0.25, name="two Gaussians at ±1, σ 0.25")
START_SHIFT = 4.0  # G's first outputs sit this far to the right of the data
G_LEARNING_RATE = 0.05  # G's plain gradient-descent step size, the same for both losses


def _fakes(gen: keras.Model, n: int, rng: np.random.Generator) -> np.ndarray:
    z = rng.standard_normal((n, 1)).astype(np.float32)
    return np.asarray(gen(z, training=False), np.float64)[:, 0]


def _slopes(d_fake: np.ndarray) -> dict[str, float]:
    """Mean |∂L/∂a| of each generator loss at these D values, and their ratio."""
    slopes = g_loss_slopes(d_fake)
    minimax, non_saturating = slopes["minimax"], slopes["nonsaturating"]
    return {"mean_d_fake": float(np.mean(d_fake)), "slope_minimax": minimax,
            "slope_non_saturating": non_saturating,
            "ratio": non_saturating / minimax if minimax > 0 else float("inf")}


def run(seed: int, status: Callable[[str], Any], *, d_warmup: int = 300, g_steps: int = 600,
        batch: int = 512, every: int = 50, dots: int = 200) -> dict[str, Any]:
    """Runs the lab: D rejects a distant G, then G trains with each loss from that start.

    Args:
        seed: Seeds the networks, z and the data samples.
        status: Receives one-line progress messages.
        d_warmup: D's updates against the distant, fixed G.
        g_steps: Alternating updates of D and G, for each of the two losses.
        batch: Real and fake examples per update.
        every: Steps between two snapshots of mean D(G(z)).
        dots: Fakes drawn as dots on the curves.

    Returns:
        `start` (the rejected fakes' slopes), `snapshots` per loss, `jsd_end` per loss, the
        seconds, and `plots`.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)
    gen, disc = generator(latent_dim=1), discriminator()
    out = gen.layers[-1]
    kernel, bias = out.get_weights()
    out.set_weights([kernel, bias + START_SHIFT])  # G starts to the right of the data
    d_only, _ = gan_steps(gen, disc, NonSaturating(), keras.optimizers.Adam(2e-3, 0.5),
                          keras.optimizers.Adam(1e-3, 0.5), batch, seed)
    status(f"g-losses: D learns to reject G's fakes, {d_warmup} steps")
    for _ in range(d_warmup):  # G stays where it is
        d_only(tf.constant(DATA.sample(batch, rng)))
    start_d = probabilities(disc, _fakes(gen, 20_000, rng))
    start = _slopes(start_d)
    status(f"g-losses: mean D(G(z)) {start['mean_d_fake']:.4f}; slopes minimax "
           f"{start['slope_minimax']:.4f}, non-saturating {start['slope_non_saturating']:.4f}")
    g_weights, d_weights = gen.get_weights(), disc.get_weights()

    grid = densities.grid_for(DATA, DATA.shifted(START_SHIFT), points=4001, margin=2.0)
    dx = float(grid[1] - grid[0])
    snapshots: dict[str, list[dict[str, float]]] = {}
    jsd_end: dict[str, float] = {}
    for name, objective in (("minimax", Minimax()), ("non_saturating", NonSaturating())):
        gen.set_weights(g_weights)
        disc.set_weights(d_weights)
        # plain gradient descent for G: Adam divides each step by the gradient's own scale,
        # which hides exactly the difference this lab is about
        _, joint = gan_steps(gen, disc, objective, keras.optimizers.Adam(2e-3, 0.5),
                             keras.optimizers.SGD(G_LEARNING_RATE), batch, seed)
        rows = [{"step": 0, **start}]
        for step in range(1, g_steps + 1):
            joint(tf.constant(DATA.sample(batch, rng)))
            if step % every == 0:
                rows.append({"step": step,
                             **_slopes(probabilities(disc, _fakes(gen, 4000, rng)))})
        snapshots[name] = rows
        p_g, _ = binned_kde(_fakes(gen, 200_000, rng), grid)
        jsd_end[name] = densities.jsd(DATA.pdf(grid), p_g, dx)
        status(f"g-losses: {name}: after {g_steps} steps mean D(G(z)) "
               f"{rows[-1]['mean_d_fake']:.3f}, JSD(P_data, P_G) {jsd_end[name]:.3f}")

    d_axis = np.linspace(1e-3, 1 - 1e-3, 400)
    picked = start_d[:dots]
    plots = [
        plot("G's two losses over D(G(z)); dots: the rejected fakes at the start", "D(G(z))",
             "loss", d_axis, {"minimax: log(1 − D)": np.log(1 - d_axis),
                              "non-saturating: −log D": -np.log(d_axis)},
             dots={"fakes on log(1 − D)": [[d, float(np.log(1 - d))] for d in picked],
                   "fakes on −log D": [[d, float(-np.log(d))] for d in picked]}),
        plot("Their slopes |∂L/∂logit|", "D(G(z))", "|∂L/∂a|", d_axis,
             {"minimax: D": d_axis, "non-saturating: 1 − D": 1 - d_axis},
             dots={"fakes (minimax)": [[d, d] for d in picked],
                   "fakes (non-saturating)": [[d, 1 - d] for d in picked]}),
        plot("Mean D(G(z)) while G trains", "step", "mean D(G(z))",
             np.array([r["step"] for r in snapshots["minimax"]], np.float64),
             {f"{name.replace('_', '-')} G loss": np.array([r["mean_d_fake"] for r in rows])
              for name, rows in snapshots.items()}),
    ]
    return {"data": DATA.name, "start_shift": START_SHIFT, "start": start,
            "snapshots": snapshots, "jsd_end": jsd_end, "g_steps": g_steps,
            "seconds": round(time.perf_counter() - started, 2), "plots": plots}
