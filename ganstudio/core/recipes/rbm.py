"""The restricted Boltzmann machine recipe (seed 002's supplement): a Bernoulli–Bernoulli RBM
on binarised images, trained by contrastive divergence.

Two layers, fully connected between them and not within (the seed's "层间全连接，层内无连接"):
visible units v ∈ {0,1}^D (the pixels), hidden units h ∈ {0,1}^H, and

    E(v, h) = −bᵀv − cᵀh − vᵀWh
    F(v)    = −bᵀv − Σ_j log(1 + exp(c_j + vᵀW_j))        p(v) = exp(−F(v)) / Z
    p(h_j = 1 | v) = σ(c_j + vᵀW_j)      p(v_i = 1 | h) = σ(b_i + W_i h)

The log-likelihood gradient is ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model; CD-k estimates the model term
from k Gibbs sweeps started at the data batch (Hinton 2002), PCD-k from persistent chains that
carry over between updates (Tieleman 2008). Each `train_step` computes the update directly
(no gradient tape):

    ΔW ← μ ΔW + ε ((v₀ᵀ p(h|v₀) − v_kᵀ p(h|v_k)) / n − λ W)        W ← W + ΔW
    Δb ← μ Δb + ε mean(v₀ − v_k)                                      b ← b + Δb
    Δc ← μ Δc + ε mean(p(h|v₀) − p(h|v_k))                            c ← c + Δc

with momentum μ = 0.5 for the first epochs then 0.9 and weight cost λ (Hinton's practical
guide). The log-likelihood itself (exact log Z or AIS) lives in `core.metrics.rbm`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ganstudio.core.data.base import Dataset
from ganstudio.core.metrics import rbm as rbm_metrics
from ganstudio.core.panels import Histograms, Samples
from ganstudio.core.recipes.base import (
    LR_FLOOR,
    Evaluator,
    ExportSpec,
    InputSpec,
    Recipe,
    RecipeContext,
)
from ganstudio.errors import ConfigError

SCALARS = ("recon_error", "free_energy_gap", "pseudo_likelihood")
MAX_FILTERS = 64
CHAIN_COLUMNS = 8
CHAIN_RECORD = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
INITIAL_MOMENTUM = 0.5
LIVE_AIS_RUNS = 50
LIVE_AIS_BETAS = 1000
VIEW_SEED = 1_234_567


def binarize(x: np.ndarray, mode: str, seed: int = 0) -> np.ndarray:
    """[0, 1] values as {0, 1}: `threshold` at 0.5, or `stochastic` Bernoulli(x) draws.

    Args:
        x: Values in [0, 1], any shape.
        mode: `threshold` or `stochastic`.
        seed: Seeds the stochastic draws.

    Returns:
        float32 zeros and ones, shaped like `x`.
    """
    x = np.asarray(x, np.float32)
    if mode == "threshold":
        return (x > 0.5).astype(np.float32)
    return (np.random.default_rng(seed).random(x.shape) < x).astype(np.float32)


def free_energy_tf(w, b, c, v):
    """F(v) = −bᵀv − Σ_j softplus(c_j + vᵀW_j) for rows v [N, D] (TensorFlow)."""
    return -tf.linalg.matvec(v, b) - tf.reduce_sum(tf.nn.softplus(tf.matmul(v, w) + c), axis=1)


def contrastive_divergence(w, b, c, v0, start, u_h, u_v) -> dict[str, Any]:
    """The CD-k (or PCD-k) statistics of one batch, with the uniform draws given.

    k = `u_h.shape[0]` Gibbs sweeps from `start` (v₀ itself for CD, the persistent chains for
    PCD): h ~ p(h | v) as `u_h[t] < σ(c + vW)`, then v ~ p(v | h) as `u_v[t] < σ(b + hWᵀ)`.

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        v0: The binary data batch [n, D].
        start: Where the negative chains start [m, D].
        u_h: Uniform draws [k, m, H].
        u_v: Uniform draws [k, m, D].

    Returns:
        A dict: `grad_w` [D, H] = v₀ᵀp(h|v₀)/n − v_kᵀp(h|v_k)/m, `grad_b` [D], `grad_c` [H]
        (the log-likelihood gradient estimates, before learning rate, momentum and decay),
        `chain` (v_k, binary [m, D]) and `ph0` (p(h|v₀) [n, H]).
    """
    ph0 = tf.sigmoid(tf.matmul(v0, w) + c)
    v = start
    for t in range(int(u_h.shape[0])):
        h = tf.cast(u_h[t] < tf.sigmoid(tf.matmul(v, w) + c), v.dtype)
        v = tf.cast(u_v[t] < tf.sigmoid(tf.matmul(h, w, transpose_b=True) + b), v.dtype)
    h_neg = tf.sigmoid(tf.matmul(v, w) + c)
    n = tf.cast(tf.shape(v0)[0], v0.dtype)
    m = tf.cast(tf.shape(v)[0], v.dtype)
    return {
        "grad_w": tf.matmul(v0, ph0, transpose_a=True) / n - tf.matmul(v, h_neg, transpose_a=True) / m,
        "grad_b": tf.reduce_mean(v0, 0) - tf.reduce_mean(v, 0),
        "grad_c": tf.reduce_mean(ph0, 0) - tf.reduce_mean(h_neg, 0),
        "chain": v,
        "ph0": ph0,
    }


def gibbs_chain(w, b, c, v, steps, seed, record: tuple[int, ...] = ()):
    """Gibbs sweeps from binary v with stateless draws (the same seed: the same chain).

    Sweep i (from 0) draws h with the seed pair (seed, 2i + 1) and v with (seed, 2i + 2).

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        v: Starting binary states [N, D].
        steps: Sweeps to run (a Python int or a scalar int32 tensor).
        seed: A scalar int32 seed.
        record: Python ints: sweeps after which p(v | h) is kept (0 keeps the start).

    Returns:
        (v, p_v, recorded): the final binary states, p(v | h) of the last sweep (v itself
        after 0 sweeps), and the list of p(v | h) at each `record` step.
    """
    seed = tf.cast(seed, tf.int32)
    n, d = tf.shape(v)[0], tf.shape(v)[1]
    h_units = tf.shape(w)[1]

    def sweep(i, v_now, _p):
        ph = tf.sigmoid(tf.matmul(v_now, w) + c)
        u = tf.random.stateless_uniform(tf.stack([n, h_units]), tf.stack([seed, 2 * i + 1]))
        h = tf.cast(u < ph, v_now.dtype)
        pv = tf.sigmoid(tf.matmul(h, w, transpose_b=True) + b)
        u = tf.random.stateless_uniform(tf.stack([n, d]), tf.stack([seed, 2 * i + 2]))
        return i + 1, tf.cast(u < pv, v_now.dtype), pv

    def run(i, v_now, p_now, until):
        return tf.while_loop(lambda j, *_: j < until, sweep, (i, v_now, p_now))

    i = tf.constant(0, tf.int32)
    p = v
    recorded = []
    for mark in sorted(set(record)):
        i, v, p = run(i, v, p, tf.constant(mark, tf.int32))
        recorded.append(p)
    i, v, p = run(i, v, p, tf.cast(steps, tf.int32))
    return v, p, recorded


class RBMParams(keras.layers.Layer):
    """The RBM's parameters (what the export carries): W, b, c and the AIS/sampling base
    rates b_A (log-odds of the training pixels' marginals)."""

    def __init__(self, visible: int, hidden: int, base_rates: np.ndarray, seed: int = 0,
                 **kwargs) -> None:
        super().__init__(name="rbm_params", **kwargs)
        rng = np.random.default_rng(seed)
        self.w = self.add_weight(shape=(visible, hidden), name="w", trainable=False,
                                 initializer=keras.initializers.Constant(
                                     rng.normal(0.0, 0.01, (visible, hidden)).astype(np.float32)))
        self.b = self.add_weight(shape=(visible,), name="b_visible", trainable=False,
                                 initializer=keras.initializers.Constant(
                                     np.asarray(base_rates, np.float32)))
        self.c = self.add_weight(shape=(hidden,), name="b_hidden", trainable=False,
                                 initializer="zeros")
        self.base = self.add_weight(shape=(visible,), name="base_rates", trainable=False,
                                    initializer=keras.initializers.Constant(
                                        np.asarray(base_rates, np.float32)))
        self.built = True  # every weight exists: the export may track the layer

    def call(self, v):
        return free_energy_tf(self.w, self.b, self.c, v)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(W, b, c) as numpy."""
        return np.asarray(self.w), np.asarray(self.b), np.asarray(self.c)


class RBMRecipe(Recipe):
    """A Bernoulli–Bernoulli RBM trained with CD-k or PCD-k; see the module docstring.

    Build it with `RBMRecipe.create(context)`. The pipeline yields `x`: training images
    flattened to [N, D] in [0, 1] (already binary with `threshold`; drawn afresh each update
    with `stochastic`). A share `rbm.holdout` of the examples is held out for the test
    log-likelihood.

    Scalars per step: `recon_error` (mean squared error per pixel of the mean-field
    reconstruction σ(b + p(h|v₀)Wᵀ)), `free_energy_gap` (mean F(data) − mean F(negative
    samples)) and `pseudo_likelihood` (the one-flipped-bit estimate per image, as
    scikit-learn's `score_samples`).
    """

    family = "rbm"
    scalar_keys = SCALARS
    headline_scalars = ("recon_error", "free_energy_gap", "pseudo_likelihood")
    watched_scalars = SCALARS
    step_modes = ()

    def __init__(self, params: RBMParams, image_shape: tuple[int, ...], *, k: int,
                 persistent: bool, batch: int, learning_rate: float, momentum: float,
                 momentum_steps: int, weight_decay: float, stochastic: bool, seed: int,
                 lr_decay: str = "none", total_steps: int = 1, **kwargs) -> None:
        super().__init__(name="rbm", **kwargs)
        self.params = params
        self.image_shape = tuple(int(s) for s in image_shape)
        self.visible = int(np.prod(self.image_shape))
        self.hidden = int(params.w.shape[1])
        self.k = int(k)
        self.persistent = bool(persistent)
        self.batch = int(batch)
        self.momentum = float(momentum)
        self.momentum_steps = int(momentum_steps)
        self.weight_decay = float(weight_decay)
        self.stochastic = bool(stochastic)
        self.lr_decay = lr_decay
        self.total_steps = max(1, int(total_steps))
        self.lr = self.add_weight(shape=(), name="learning_rate", trainable=False,
                                  initializer=keras.initializers.Constant(float(learning_rate)))
        self.step_count = self.add_weight(shape=(), dtype="int64", name="step",
                                          initializer="zeros", trainable=False)
        self.vel_w = self.add_weight(shape=(self.visible, self.hidden), name="vel_w",
                                     initializer="zeros", trainable=False)
        self.vel_b = self.add_weight(shape=(self.visible,), name="vel_b", initializer="zeros",
                                     trainable=False)
        self.vel_c = self.add_weight(shape=(self.hidden,), name="vel_c", initializer="zeros",
                                     trainable=False)
        self.chain = self.add_weight(shape=(self.batch, self.visible), name="chain",
                                     initializer="zeros", trainable=False)
        self.seed_generator = keras.random.SeedGenerator(seed, name="rbm_seed")
        self.trackers = {k: keras.metrics.Mean(name=k) for k in SCALARS}
        self.context: RecipeContext | None = None
        self.train_x = np.zeros((0, self.visible), np.float32)
        self.test_x = np.zeros((0, self.visible), np.float32)
        self.train_bin = np.zeros((0, self.visible), np.float32)
        self.binarize_mode = "stochastic" if stochastic else "threshold"
        self.sample_steps = 200

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def create(cls, context: RecipeContext) -> RBMRecipe:
        """Splits off the held-out examples, sets the biases from the pixel marginals, starts
        the persistent chains at training examples, and compiles.

        Raises:
            ConfigError: when too few examples are left to train on.
        """
        cfg = context.config
        opts = cfg.rbm
        ds = context.dataset
        x = np.asarray(ds.x, np.float32).reshape(len(ds.x), -1)
        n_test = int(round(opts.holdout * len(x)))
        if len(x) - n_test < 2 or n_test < 1:
            raise ConfigError(f"rbm.holdout: {opts.holdout} of {len(x)} examples leaves "
                              f"{len(x) - n_test} to train on and {n_test} to test on.",
                              "Use more examples or another held-out share.")
        order = np.random.default_rng(cfg.train.seed).permutation(len(x))
        test_x, train_x = x[order[:n_test]], x[order[n_test:]]
        stochastic = opts.binarize == "stochastic"
        train_bin = binarize(train_x, opts.binarize, cfg.train.seed)
        base = rbm_metrics.base_rate_biases(train_bin).astype(np.float32)
        params = RBMParams(train_x.shape[1], opts.hidden, base, seed=cfg.train.seed)
        steps_per_epoch = max(1, len(train_x) // cfg.train.batch)
        recipe = cls(params, ds.shape, k=opts.k, persistent=opts.persistent,
                     batch=cfg.train.batch, learning_rate=opts.learning_rate,
                     momentum=opts.momentum,
                     momentum_steps=opts.momentum_epochs * steps_per_epoch,
                     weight_decay=opts.weight_decay, stochastic=stochastic,
                     seed=cfg.train.seed, lr_decay=opts.lr_decay, total_steps=cfg.train.steps)
        recipe.context = context
        recipe.train_x = train_x
        recipe.train_bin = train_bin
        recipe.test_x = binarize(test_x, opts.binarize, cfg.train.seed + 1)
        recipe.sample_steps = opts.sample_steps
        start = np.random.default_rng(cfg.train.seed).choice(len(train_bin), cfg.train.batch)
        recipe.chain.assign(train_bin[start])
        recipe.compile(optimizer=None, jit_compile=context.jit)
        return recipe

    # -- keras plumbing ----------------------------------------------------------------------

    @property
    def steps(self) -> int:
        """CD updates so far (continues across resume)."""
        return int(self.step_count.numpy())

    def state_variables(self) -> list:
        """W, b, c, the base rates, the velocities, the persistent chains, the step and the
        seed, in this order."""
        p = self.params
        return [p.w, p.b, p.c, p.base, self.vel_w, self.vel_b, self.vel_c, self.chain,
                self.step_count, self.seed_generator.state]

    def scale_learning_rates(self, factor: float) -> None:
        """Multiplies the CD learning rate by `factor` (after a divergence).

        Args:
            factor: The multiplier.
        """
        self.lr.assign(float(self.lr.numpy()) * factor)

    def call(self, v, training=False):
        return self.params(v)

    # -- data ----------------------------------------------------------------------------------

    def training_arrays(self) -> dict[str, np.ndarray]:
        """`x`: the training examples [N, D] in [0, 1] (binary unless `stochastic`)."""
        return {"x": self.train_x if self.stochastic else self.train_bin}

    @property
    def pipeline_batch(self) -> int:
        """One batch per CD update."""
        return self.batch

    # -- training ------------------------------------------------------------------------------

    def _binary(self, x):
        if not self.stochastic:
            return x
        u = keras.random.uniform(tf.shape(x), seed=self.seed_generator)
        return tf.cast(u < x, x.dtype)

    def cd_update(self, x) -> dict[str, Any]:
        """One CD-k / PCD-k update on a batch [n, D] in [0, 1]; returns the step's scalars."""
        p = self.params
        v0 = self._binary(x)
        n = self.batch
        start = self.chain if self.persistent else v0
        m = self.batch
        u_h = keras.random.uniform((self.k, m, self.hidden), seed=self.seed_generator)
        u_v = keras.random.uniform((self.k, m, self.visible), seed=self.seed_generator)
        stats = contrastive_divergence(p.w, p.b, p.c, v0, start, u_h, u_v)
        # scalars from the parameters before the update
        recon = tf.sigmoid(tf.matmul(stats["ph0"], p.w, transpose_b=True) + p.b)
        f_data = free_energy_tf(p.w, p.b, p.c, v0)
        f_model = free_energy_tf(p.w, p.b, p.c, stats["chain"])
        flip = tf.one_hot(keras.random.randint((n,), 0, self.visible, seed=self.seed_generator),
                          self.visible, dtype=v0.dtype)
        flipped = v0 + flip * (1.0 - 2.0 * v0)
        gap = free_energy_tf(p.w, p.b, p.c, flipped) - f_data
        pseudo = -float(self.visible) * tf.reduce_mean(tf.nn.softplus(-gap))
        mu = tf.where(self.step_count < self.momentum_steps,
                      min(INITIAL_MOMENTUM, self.momentum), self.momentum)
        lr = self.lr * self.lr_factor()
        self.vel_w.assign(mu * self.vel_w + lr * (stats["grad_w"] - self.weight_decay * p.w))
        self.vel_b.assign(mu * self.vel_b + lr * stats["grad_b"])
        self.vel_c.assign(mu * self.vel_c + lr * stats["grad_c"])
        p.w.assign_add(self.vel_w)
        p.b.assign_add(self.vel_b)
        p.c.assign_add(self.vel_c)
        if self.persistent:
            self.chain.assign(stats["chain"])
        self.step_count.assign_add(1)
        return {"recon_error": tf.reduce_mean(tf.square(v0 - recon)),
                "free_energy_gap": tf.reduce_mean(f_data) - tf.reduce_mean(f_model),
                "pseudo_likelihood": pseudo}

    def lr_factor(self):
        """The share of `rbm.learning_rate` at this step: 1, or falling linearly or along a
        cosine to `LR_FLOOR` at `train.steps` (and holding there)."""
        if self.lr_decay == "none":
            return tf.constant(1.0)
        t = tf.minimum(tf.cast(self.step_count, tf.float32) / self.total_steps, 1.0)
        if self.lr_decay == "linear":
            return 1.0 - (1.0 - LR_FLOOR) * t
        return LR_FLOOR + (1.0 - LR_FLOOR) * 0.5 * (1.0 + tf.cos(np.pi * t))

    def train_step(self, data):
        x = data["x"] if isinstance(data, dict) else data
        logs = self.cd_update(x)
        self.update_trackers(logs)
        return logs

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """An RBM has no separate players: Step runs one whole CD update (mode `both`).

        Raises:
            ConfigError: always, naming what Step does instead.
        """
        raise ConfigError(f"the rbm family has no {mode!r} update; Step runs one CD update.")

    # -- views ---------------------------------------------------------------------------------

    def prepare_views(self, rng: np.random.Generator) -> None:
        """Fixes the sample chains' starts (drawn from the pixel marginals), the chain strip's
        starts (held-out examples) and a real probe batch for the free-energy histogram."""
        train = self.context.config.train
        n_view = max(train.n_samples, min(train.probe_size, 256))
        base = 1.0 / (1.0 + np.exp(-np.asarray(self.params.base)))
        self._noise_starts = (rng.random((n_view, self.visible)) < base).astype(np.float32)
        cols = min(CHAIN_COLUMNS, len(self.test_x))
        self._strip_starts = self.test_x[:cols]
        probe = min(train.probe_size, len(self.train_bin))
        self._real_probe = self.train_bin[rng.choice(len(self.train_bin), probe, replace=False)]
        self._record = tuple(s for s in CHAIN_RECORD if s < self.sample_steps) + (
            self.sample_steps,)

    @tf.function
    def _view_chains(self, starts):
        p = self.params
        return gibbs_chain(p.w, p.b, p.c, starts, self.sample_steps, VIEW_SEED, self._record)

    def _images(self, flat: np.ndarray) -> np.ndarray:
        return np.asarray(flat, np.float32).reshape(-1, *self.image_shape)

    def views(self) -> dict[str, Any]:
        """`samples`: p(v|h) after `rbm.sample_steps` Gibbs sweeps from fixed starts (the same
        draws each time, so only the weights change the picture); `chain`: one row per
        recorded sweep of chains started at held-out examples; `filters`: the first 64 hidden
        units' weights, each scaled to [0, 1]; `free_energy`: F of a real batch and of the
        chains' binary samples."""
        n_samples = self.context.config.train.n_samples
        starts = np.concatenate([self._noise_starts, self._strip_starts])
        v, p_v, recorded = self._view_chains(tf.constant(starts))
        n_noise = len(self._noise_starts)
        samples = self._images(p_v.numpy()[:n_samples])
        strip = np.concatenate([r.numpy()[n_noise:] for r in recorded])
        labels = [f"step {s}" for s in self._record]
        w = np.asarray(self.params.w)[:, :MAX_FILTERS].T
        lo, hi = w.min(axis=1, keepdims=True), w.max(axis=1, keepdims=True)
        filters = (w - lo) / np.maximum(hi - lo, 1e-12)
        f = self.params
        real = free_energy_tf(f.w, f.b, f.c, tf.constant(self._real_probe)).numpy()
        fake = free_energy_tf(f.w, f.b, f.c, v[:n_noise]).numpy()
        return {
            "samples": Samples(samples, "images", title=f"Gibbs samples after "
                               f"{self._record[-1]} steps from fixed starts"),
            "chain": Samples(self._images(strip), "images", row_labels=labels,
                             columns=len(self._strip_starts),
                             title="A Gibbs chain from held-out images"),
            "filters": Samples(self._images(filters), "images",
                               title=f"Filters: the weights of {len(filters)} hidden units"),
            "free_energy": Histograms({"real": real, "fake": fake}, critic=True,
                                      title="free energy F(v)"),
        }

    # -- generation and export -------------------------------------------------------------------

    def _sample(self, n, steps, seed):
        """`n` chains from the pixel marginals, `steps` Gibbs sweeps, images of p(v|h)."""
        p = self.params
        seed = tf.cast(seed, tf.int32)
        u = tf.random.stateless_uniform(tf.stack([tf.cast(n, tf.int32), self.visible]),
                                        tf.stack([seed, 0]))
        start = tf.cast(u < tf.sigmoid(p.base), tf.float32)
        _, p_v, _ = gibbs_chain(p.w, p.b, p.c, start, steps, seed)
        return tf.reshape(p_v, (-1, *self.image_shape))

    def _free_energy(self, x):
        return self.params(tf.reshape(tf.cast(x, tf.float32), (-1, self.visible)))

    def export_specs(self) -> list[ExportSpec]:
        """`serving_default(n, steps, seed)` (also `sample`) -> n images of p(v|h) after
        `steps` Gibbs sweeps from the pixel marginals; `free_energy(x)` -> F(x) per image."""
        sample_inputs = (
            InputSpec("n", "int32", (), "how many samples", batched=False),
            InputSpec("steps", "int32", (), "Gibbs sweeps (about 1,000 for good samples)",
                      batched=False, default=int(self.sample_steps)),
            InputSpec("seed", "int32", (), "seeds the chains (same seed, same samples)",
                      batched=False, default=0),
        )
        x = InputSpec("x", "float32", self.image_shape,
                      "binary images (threshold [0, 1] images at 0.5)")
        help_sample = "images [n, H, W, C] in [0, 1]: p(v | h) of the last Gibbs sweep"
        return [ExportSpec("serving_default", sample_inputs, self._sample, help_sample),
                ExportSpec("sample", sample_inputs, self._sample, help_sample),
                ExportSpec("free_energy", (x,), self._free_energy,
                           "F(x) = −bᵀx − Σ_j softplus(c_j + xᵀW_j) per image; "
                           "log p(x) = −F(x) − log Z")]

    def export_layers(self) -> list:
        """The parameters layer."""
        return [self.params]

    def export_metadata(self) -> dict[str, Any]:
        """The RBM's sizes and settings."""
        return {"rbm": {"visible": self.visible, "hidden": self.hidden, "k": self.k,
                        "persistent": self.persistent, "binarize": self.binarize_mode}}

    def generate(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Samples for `n`, `steps` (default `rbm.sample_steps`) and `seed` (default 0)."""
        n = int(np.asarray(inputs["n"]))
        steps = int(np.asarray(inputs.get("steps", self.sample_steps)))
        seed = int(np.asarray(inputs.get("seed", 0)))
        return self._sample(tf.constant(n), tf.constant(steps), tf.constant(seed)).numpy()

    def example_inputs(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """`n`, `steps` = `rbm.sample_steps`, `seed`, and `x`: n held-out images."""
        x = self.test_x[np.arange(n) % len(self.test_x)]
        return {"n": np.int32(n), "steps": np.int32(self.sample_steps), "seed": np.int32(seed),
                "x": self._images(x)}

    def describe(self) -> dict[str, Any]:
        """Sizes, the split and the CD settings."""
        return {"rbm": {"visible": self.visible, "hidden": self.hidden, "k": self.k,
                        "persistent": self.persistent, "binarize": self.binarize_mode,
                        "train_examples": len(self.train_x),
                        "test_examples": len(self.test_x)}}

    def objective_text(self) -> str:
        """The training rule, for status lines: CD-k or PCD-k."""
        rbm = self.context.config.rbm
        return f"{'PCD' if rbm.persistent else 'CD'}-{rbm.k} (contrastive divergence)"

    def param_counts(self) -> dict[str, int]:
        """W, b and c."""
        return {"rbm": self.visible * self.hidden + self.visible + self.hidden}

    # -- metrics ---------------------------------------------------------------------------------

    def epochs(self) -> float:
        """Passes over the training examples so far."""
        return self.steps * self.batch / max(1, len(self.train_x))

    def make_evaluator(self, dataset: Dataset, n: int | None, seed: int,
                       status: Callable[[str], Any] | None = None) -> Evaluator:
        """The held-out log-likelihood (exact, or a short AIS) and pseudo-likelihood."""
        return RBMEvaluator(self, seed)

    def quality_report(self, dataset: Dataset, seed: int,
                       status: Callable[[str], Any] | None = None) -> tuple[dict[str, Any], str]:
        """The held-out log-likelihood (AIS with `rbm.ais_runs` × `rbm.ais_betas`, or exact up
        to 20 hidden units, where AIS is also run beside it), the pseudo-likelihood, and the
        same figures of scikit-learn's `BernoulliRBM` trained on the same binary examples
        with the same hidden units, batch and number of epochs (`sklearn_log_likelihood`)."""
        opts = self.context.config.rbm
        say = status or (lambda _text: None)
        t0 = time.perf_counter()
        say("rbm: log-likelihood of the held-out examples")
        result = likelihood_report(*self.params.arrays(), self.test_x, self.train_bin,
                                   runs=opts.ais_runs, betas=opts.ais_betas, seed=seed)
        result.update(epochs=round(self.epochs(), 3), test_examples=len(self.test_x),
                      train_examples=len(self.train_x))
        if opts.compare_sklearn:
            say("rbm: training scikit-learn's BernoulliRBM for the comparison")
            epochs = max(1, int(round(self.epochs())))
            sk, seconds = train_sklearn_rbm(self.train_bin, self.hidden, self.batch, epochs,
                                            seed)
            other = likelihood_report(sk.components_.T, sk.intercept_visible_,
                                      sk.intercept_hidden_, self.test_x, self.train_bin,
                                      runs=opts.ais_runs, betas=opts.ais_betas, seed=seed)
            result.update({f"sklearn_{k}": v for k, v in other.items()})
            result["sklearn"] = {"n_iter": epochs, "batch_size": self.batch,
                                 "learning_rate": float(sk.learning_rate),
                                 "seconds": round(seconds, 2)}
        result["seconds"] = round(time.perf_counter() - t0, 2)
        return result, format_rbm_report(result)


def likelihood_report(w, b, c, test: np.ndarray, train: np.ndarray, runs: int, betas: int,
                      seed: int) -> dict[str, Any]:
    """Test log-likelihood (AIS, or exact with AIS beside it), train log-likelihood and
    pseudo-likelihood of one RBM's arrays.

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        test: Binary held-out vectors [N, D].
        train: Binary training vectors (the AIS base rates; the train log-likelihood).
        runs: AIS runs.
        betas: AIS intermediate distributions.
        seed: Seeds AIS and the pseudo-likelihood's flips.

    Returns:
        `log_likelihood` (nats per held-out image), `log_likelihood_method`, `log_z`,
        `train_log_likelihood`, `pseudo_likelihood`; with AIS `log_z_low`/`log_z_high`
        (±3 standard deviations of the mean weight); when exact is possible also
        `ais_log_likelihood` and `ais_minus_exact`.
    """
    out: dict[str, Any] = {}
    res = rbm_metrics.ais_log_partition(w, b, c, rbm_metrics.base_rate_biases(train),
                                        runs=runs, betas=betas, seed=seed)
    ais_ll = rbm_metrics.average_log_likelihood(w, b, c, test, res.log_z)
    if min(np.shape(w)) <= rbm_metrics.MAX_EXACT_UNITS:
        log_z = rbm_metrics.exact_log_partition(w, b, c)
        out.update(log_likelihood=rbm_metrics.average_log_likelihood(w, b, c, test, log_z),
                   log_likelihood_method="exact", log_z=log_z, ais_log_likelihood=ais_ll,
                   ais_log_z=res.log_z)
        out["ais_minus_exact"] = ais_ll - out["log_likelihood"]
    else:
        log_z = res.log_z
        out.update(log_likelihood=ais_ll, log_likelihood_method="ais", log_z=log_z,
                   log_z_low=res.log_z_low, log_z_high=res.log_z_high)
    out.update(ais_runs=res.runs, ais_betas=res.betas,
               train_log_likelihood=rbm_metrics.average_log_likelihood(w, b, c, train, log_z),
               pseudo_likelihood=rbm_metrics.pseudo_log_likelihood(w, b, c, test, seed))
    return out


def train_sklearn_rbm(train: np.ndarray, hidden: int, batch: int, epochs: int, seed: int):
    """scikit-learn's `BernoulliRBM` (its default learning rate, PCD-1) with our hidden units,
    batch and epochs, on the same binary vectors.

    Args:
        train: Binary vectors [N, D].
        hidden: n_components.
        batch: batch_size.
        epochs: n_iter.
        seed: random_state.

    Returns:
        (the fitted model, seconds it took).
    """
    from sklearn.neural_network import BernoulliRBM

    t0 = time.perf_counter()
    model = BernoulliRBM(n_components=hidden, batch_size=batch, n_iter=epochs,
                         random_state=seed)
    with rbm_metrics.single_threaded_blas():
        model.fit(np.asarray(train, np.float64))
    return model, time.perf_counter() - t0


def format_rbm_report(result: dict[str, Any]) -> str:
    """The report as a small table for the CLI."""
    rows = [("log-likelihood (held out, nats/image)", "log_likelihood"),
            ("  method", "log_likelihood_method"),
            ("  AIS estimate beside exact", "ais_log_likelihood"),
            ("train log-likelihood", "train_log_likelihood"),
            ("pseudo-likelihood (held out)", "pseudo_likelihood"),
            ("log Z", "log_z"),
            ("sklearn BernoulliRBM log-likelihood", "sklearn_log_likelihood"),
            ("sklearn pseudo-likelihood", "sklearn_pseudo_likelihood"),
            ("epochs", "epochs")]
    lines = []
    for label, key in rows:
        if key in result:
            value = result[key]
            text = f"{value:.3f}" if isinstance(value, float) else str(value)
            lines.append(f"  {label:<40} {text}")
    return "\n".join(lines)


class RBMEvaluator(Evaluator):
    """Live figures: the held-out log-likelihood (exact up to 20 hidden units, else a short
    AIS: 50 runs × 1,000 steps, the same seed each time) and pseudo-likelihood."""

    def __init__(self, recipe: RBMRecipe, seed: int) -> None:
        self.seed = seed
        self.main_metric = "log_likelihood"
        self.main_mode = "max"
        self.baseline: dict[str, float] = {}
        self.names = ("log_likelihood", "pseudo_likelihood")
        self.better = {"log_likelihood": "higher", "pseudo_likelihood": "higher"}
        self.n = len(recipe.test_x)

    def __call__(self, recipe: RBMRecipe) -> dict[str, float]:
        w, b, c = recipe.params.arrays()
        ll = rbm_metrics.log_likelihood(w, b, c, recipe.test_x, recipe.train_bin,
                                        runs=LIVE_AIS_RUNS, betas=LIVE_AIS_BETAS, seed=self.seed)
        return {"log_likelihood": float(ll["log_likelihood"]),
                "pseudo_likelihood": rbm_metrics.pseudo_log_likelihood(
                    w, b, c, recipe.test_x, self.seed)}
