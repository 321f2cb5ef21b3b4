"""Small networks on 1D data for the theory lab, their update steps, and the numpy helpers the
labs share (a binned kernel density estimate, a central interval, plots short enough for JSON).

The update steps are `tf.function`s with XLA off (small CPU graphs compile slower than they
run) built from the studio's own objectives (`ganstudio.core.objectives`): the discriminator's
log loss, the non-saturating generator loss, the WGAN critic loss with its gradient penalty or
its weight clipping. Each step takes the real batch as a tensor and draws G's noise itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from ganstudio.core.lab.densities import binned_kde
from ganstudio.core.nets.mlp import mlp_discriminator, mlp_generator
from ganstudio.core.objectives import GradientPenalty, Objective, WeightClip

__all__ = ["Animation", "MixtureGenerator", "Plot", "animation", "binned_kde", "central_interval",
           "critic_step", "discriminator", "frame", "frame_steps", "gan_steps", "generator",
           "generator_step", "mixture_generator",
           "plot", "probabilities"]

Plot = dict
"""A plot the studio draws generically: title, x_label, y_label, x, lines and optional dots."""

Animation = dict
"""An animation the studio plays generically: title, x_label, y_label, frame_label, fps and
frames, each frame a plot's x, lines and optional dots with its own label."""

PLOT_POINTS = 400
MAX_FRAMES = 60


def discriminator(width: int = 64, depth: int = 2, activation: str = "tanh") -> keras.Model:
    """An MLP x (1-D) -> one logit (or critic value), without normalization."""
    return mlp_discriminator(1, depth, width, activation, "none")


def generator(latent_dim: int = 1, width: int = 64, depth: int = 2,
              activation: str = "tanh") -> keras.Model:
    """An MLP z (`latent_dim`-D) -> x (1-D) with a linear output."""
    return mlp_generator(latent_dim, 1, depth, width, activation, "none")


class MixtureGenerator(keras.layers.Layer):
    """A generator that is exactly an equal-weight mixture of k Gaussians:
    x = μ_c + σ_c · z₀, with c = ⌊k · Φ(z₁)⌋ (Φ the standard normal CDF, so c is uniform on
    0..k−1) and z = (z₀, z₁) ~ N(0, I).

    The means μ and log-stds log σ are trainable and get exact reparameterization gradients; the
    component index c has none, so the weights stay fixed at 1/k. With k = 1 it is the Gaussian
    family x = μ + σ · z₀ (z₁ is then unused).

    Args:
        means: The components' initial means.
        stds: Their initial standard deviations (positive).
    """

    def __init__(self, means: list[float], stds: list[float], **kwargs) -> None:
        super().__init__(**kwargs)
        if len(means) != len(stds) or not means:
            raise ValueError("means and stds need the same, non-zero length")
        self.k = len(means)
        self.means = self.add_weight(
            shape=(self.k,), initializer=keras.initializers.Constant(list(map(float, means))),
            name="means")
        self.log_stds = self.add_weight(
            shape=(self.k,),
            initializer=keras.initializers.Constant([math.log(float(s)) for s in stds]),
            name="log_stds")

    def call(self, z: tf.Tensor) -> tf.Tensor:
        noise = z[:, :1]
        u = 0.5 * (1.0 + keras.ops.erf(z[:, 1:2] / math.sqrt(2.0)))
        which = keras.ops.clip(keras.ops.floor(u * self.k), 0, self.k - 1)[:, 0]
        pick = keras.ops.one_hot(keras.ops.cast(which, "int32"), self.k)
        mean = keras.ops.sum(pick * self.means, axis=1, keepdims=True)
        std = keras.ops.sum(pick * keras.ops.exp(self.log_stds), axis=1, keepdims=True)
        return mean + std * noise

    def parameters(self) -> tuple[list[float], list[float]]:
        """The current `(means, stds)` as plain floats."""
        return ([float(v) for v in keras.ops.convert_to_numpy(self.means)],
                [float(v) for v in np.exp(keras.ops.convert_to_numpy(self.log_stds))])


def mixture_generator(means: list[float], stds: list[float]) -> tuple[keras.Model, MixtureGenerator]:
    """A G whose family is the equal-weight mixtures of `len(means)` Gaussians (one component:
    the Gaussians), as a model z (2-D) -> x (1-D).

    Args:
        means: Initial means, one per component.
        stds: Initial standard deviations, one per component.

    Returns:
        `(model, layer)`: the model for `gan_steps`, and its `MixtureGenerator` layer, whose
        `parameters()` give the current means and stds.
    """
    z = keras.Input((2,))
    layer = MixtureGenerator(means, stds)
    return keras.Model(z, layer(z)), layer


def _built(optimizer: keras.optimizers.Optimizer, model: keras.Model
           ) -> keras.optimizers.Optimizer:
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return optimizer


def critic_step(critic: keras.Model, optimizer: keras.optimizers.Optimizer,
                objective: Objective, penalty: GradientPenalty | None = None,
                clip: WeightClip | None = None, seed: int = 0
                ) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """One update of a discriminator or critic against fixed batches.

    The loss is `objective.d_loss(f(real), f(fake))`, plus `penalty(f, real, fake)` when given;
    `clip` clips every weight after the update (WGAN's constraint).

    Args:
        critic: The network to train (x -> logit or critic value).
        optimizer: Its optimizer (built here on its variables).
        objective: Gives `d_loss` over logits.
        penalty: A gradient penalty, or None.
        clip: A weight clip, or None.
        seed: Seeds the penalty's interpolation weights.

    Returns:
        `step(real, fake) -> loss`, a `tf.function` without XLA.
    """
    _built(optimizer, critic)
    seeds = keras.random.SeedGenerator(seed)

    @tf.function(jit_compile=False)
    def step(real: tf.Tensor, fake: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = objective.d_loss(critic(real, training=True), critic(fake, training=True))
            if penalty is not None:
                loss = loss + penalty(critic, real, fake, seeds)
        grads = tape.gradient(loss, critic.trainable_variables)
        optimizer.apply(grads, critic.trainable_variables)
        if clip is not None:
            clip.apply(critic.trainable_variables)
        return loss

    return step


def gan_steps(gen: keras.Model, disc: keras.Model, objective: Objective,
              d_optimizer: keras.optimizers.Optimizer, g_optimizer: keras.optimizers.Optimizer,
              batch: int, seed: int = 0
              ) -> tuple[Callable[[tf.Tensor], tf.Tensor], Callable[[tf.Tensor], tuple]]:
    """The discriminator's update against a frozen G, and one alternating update of both.

    Both draw z ~ N(0, I) themselves, `batch` at a time.

    Args:
        gen: G, z -> x.
        disc: D, x -> logit.
        objective: Gives `d_loss` and `g_loss` over logits (e.g. `NonSaturating`).
        d_optimizer: D's optimizer.
        g_optimizer: G's optimizer.
        batch: Fake examples per update.
        seed: Seeds z.

    Returns:
        `(d_step, joint_step)`: `d_step(real) -> D's loss` updates D only;
        `joint_step(real) -> (D's loss, mean D(x), mean D(G(z)))` updates D, then G on fresh z.
    """
    _built(d_optimizer, disc)
    _built(g_optimizer, gen)
    seeds = keras.random.SeedGenerator(seed)
    latent = gen.input_shape[-1]

    def update_d(real: tf.Tensor) -> tuple:
        fake = gen(keras.random.normal((batch, latent), seed=seeds), training=False)
        with tf.GradientTape() as tape:
            real_logits, fake_logits = disc(real, training=True), disc(fake, training=True)
            loss = objective.d_loss(real_logits, fake_logits)
        d_optimizer.apply(tape.gradient(loss, disc.trainable_variables),
                          disc.trainable_variables)
        return loss, real_logits, fake_logits

    @tf.function(jit_compile=False)
    def d_step(real: tf.Tensor) -> tf.Tensor:
        return update_d(real)[0]

    @tf.function(jit_compile=False)
    def joint_step(real: tf.Tensor) -> tuple:
        loss, real_logits, fake_logits = update_d(real)
        z = keras.random.normal((batch, latent), seed=seeds)
        with tf.GradientTape() as tape:
            g_loss = objective.g_loss(disc(gen(z, training=True), training=False))
        g_optimizer.apply(tape.gradient(g_loss, gen.trainable_variables),
                          gen.trainable_variables)
        return (loss, tf.reduce_mean(tf.sigmoid(real_logits)),
                tf.reduce_mean(tf.sigmoid(fake_logits)))

    return d_step, joint_step


def generator_step(gen: keras.Model, critic: keras.Model, objective: Objective,
                   optimizer: keras.optimizers.Optimizer, batch: int, seed: int = 0
                   ) -> Callable[[], tf.Tensor]:
    """One update of G alone against a fixed D or critic: `objective.g_loss(f(G(z)))` on
    `batch` fresh z ~ N(0, I).

    Returns:
        `step() -> G's loss`, a `tf.function` without XLA.
    """
    _built(optimizer, gen)
    seeds = keras.random.SeedGenerator(seed)
    latent = gen.input_shape[-1]

    @tf.function(jit_compile=False)
    def step() -> tf.Tensor:
        z = keras.random.normal((batch, latent), seed=seeds)
        with tf.GradientTape() as tape:
            loss = objective.g_loss(critic(gen(z, training=True), training=False))
        optimizer.apply(tape.gradient(loss, gen.trainable_variables), gen.trainable_variables)
        return loss

    return step


def probabilities(disc: keras.Model, x: np.ndarray, batch: int = 65_536) -> np.ndarray:
    """D's probabilities sigmoid(logit) at the points `x` (any shape; float64 out, same shape)."""
    flat = np.asarray(x, np.float32).reshape(-1, 1)
    logits = np.concatenate([np.asarray(disc(flat[i:i + batch], training=False))
                             for i in range(0, len(flat), batch)])
    return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).reshape(np.shape(x))


def central_interval(x: np.ndarray, density: np.ndarray, mass: float = 0.98
                     ) -> tuple[float, float]:
    """The interval between the (1 − mass)/2 and (1 + mass)/2 quantiles of a density on an even
    grid: the central interval that holds `mass` of it."""
    cdf = np.cumsum(density)
    cdf = cdf / cdf[-1]
    tail = (1.0 - mass) / 2.0
    return float(np.interp(tail, cdf, x)), float(np.interp(1.0 - tail, cdf, x))


def _short(values: np.ndarray, keep: np.ndarray) -> list[float]:
    return [round(float(v), 5) for v in np.asarray(values, np.float64)[keep]]


def _thinned(x: np.ndarray, lines: dict[str, np.ndarray | float],
             dots: dict[str, list[list[float]]] | None) -> dict:
    x = np.asarray(x, np.float64)
    keep = np.unique(np.linspace(0, len(x) - 1, min(len(x), PLOT_POINTS)).round().astype(int))
    out: dict = {"x": _short(x, keep),
                 "lines": {label: _short(np.broadcast_to(y, x.shape), keep)
                           for label, y in lines.items()}}
    if dots:
        out["dots"] = {label: [[float(a), float(b)] for a, b in points[:PLOT_POINTS]]
                       for label, points in dots.items()}
    return out


def plot(title: str, x_label: str, y_label: str, x: np.ndarray,
         lines: dict[str, np.ndarray | float], dots: dict[str, list[list[float]]] | None = None) -> Plot:
    """A plot dict for the studio, every line thinned to at most 400 evenly picked points.

    Args:
        title: The plot's title.
        x_label: The x axis' label.
        y_label: The y axis' label.
        x: The x values, shared by every line.
        lines: Label -> y values (same length as `x`, or one number for a level line).
        dots: Label -> `[[x, y], ...]` points, drawn as markers.

    Returns:
        `{"title", "x_label", "y_label", "x", "lines"[, "dots"]}` with plain floats.
    """
    return {"title": title, "x_label": x_label, "y_label": y_label, **_thinned(x, lines, dots)}


def frame(label: str, x: np.ndarray, lines: dict[str, np.ndarray | float],
          dots: dict[str, list[list[float]]] | None = None, value: float | None = None) -> dict:
    """One frame of an animation: a plot without its titles, thinned like `plot`'s.

    Args:
        label: What the frame shows, e.g. "D only, step 200"; the studio writes it under the
            animation.
        x: The x values, shared by every line.
        lines: Label -> y values (same length as `x`, or one number for a level line). Every
            frame of one animation should have the same labels, so the curves keep their colors.
        dots: Label -> `[[x, y], ...]` points, drawn as markers.
        value: The frame's position on its axis (a step, a θ), when it has one.

    Returns:
        `{"label", "x", "lines"[, "dots"][, "value"]}` with plain floats.
    """
    out = {"label": label, **_thinned(x, lines, dots)}
    if value is not None:
        out["value"] = float(value)
    return out


def animation(title: str, x_label: str, y_label: str, frame_label: str, frames: list[dict],
              fps: float = 8.0) -> Animation:
    """An animation dict for the studio (a result's `"frames"` lists them): frames made by
    `frame`, at most 60 of them (evenly picked, the first and the last kept).

    Args:
        title: The animation's title.
        x_label: The x axis' label.
        y_label: The y axis' label (one axis for every frame: the studio fixes its range to
            the union over the frames).
        frame_label: What the frames step through, e.g. "step" or "θ".
        frames: The frames, in order.
        fps: Frames per second when the studio plays it.

    Returns:
        `{"title", "x_label", "y_label", "frame_label", "fps", "frames"}`.
    """
    keep = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), MAX_FRAMES)).round()
                     .astype(int)) if frames else []
    return {"title": title, "x_label": x_label, "y_label": y_label, "frame_label": frame_label,
            "fps": float(fps), "frames": [frames[i] for i in keep]}


def frame_steps(total: int, count: int, power: float = 1.0) -> list[int]:
    """The steps in [0, total] at which to record `count` frames: `total · (k / (count − 1))^power`
    rounded, without repeats (power > 1 puts more of them early, where training moves fastest).
    """
    if count < 2 or total <= 0:
        return [0, total] if total > 0 else [0]
    fractions = np.linspace(0.0, 1.0, count) ** power
    return sorted({int(round(total * f)) for f in fractions})
