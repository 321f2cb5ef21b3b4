"""The encoder families of seed 000: the autoencoder (`ae`) and the VAE (`vae`).

    input => nn encoder => code => nn decoder => output        (output as close as possible)
    [code => nn decoder => output] := a generator

`ae`: the encoder gives a code c = E(x), the decoder an output D(c); the loss is the
reconstruction error per example, Σ_j (x_j − D(c)_j)² (`mse`, in the network's range) or the
binary cross-entropy Σ_j −[x_j log p_j + (1 − x_j) log(1 − p_j)] with p = sigmoid(D(c)) (`bce`,
pixel values in [0, 1]). Nothing shapes the codes, so to use the decoder as a generator its
input is drawn from a Gaussian fitted to the codes of the training data (`CodeGaussian`, moving
moments of the batches' codes): z = μ + L·e, e ~ N(0, I), Σ = L·Lᵀ. Samples show where that
Gaussian puts mass the codes do not fill: the holes of the code space.

`vae`: the encoder gives a mean m and a log-variance σ per latent dimension, the code is
c = exp(σ/2)·e + m, and the loss per example is

    recon + β_t · KL,   recon = −log p(x|c),   KL = ½ Σ_i (exp σ_i − (1 + σ_i) + m_i²)

(`core.variational` explains how this relates to the seed's exp(σ)·e + m and its KL without
½). With β = 1, no warm-up and no free bits, the loss is −ELBO; the reported `elbo` is always
−(recon + KL), in nats per example, whatever β_t and the free bits do to the loss.

The decoder's likelihood p(x|c):
- images: Bernoulli, p(x|c) = Π_j p_j^x_j (1 − p_j)^(1 − x_j), p = sigmoid(decoder logits).
  Chosen over a Gaussian because it is a probability, not a density: the ELBO is ≤ 0 and reads
  as nats of information, comparable across runs and with the literature; and a Gaussian with
  a learned variance degenerates on pixels that never change (the always-black border of
  digits: variance → 0, density → ∞), while a fixed variance is an arbitrary reconstruction
  weight in disguise. Grey pixel values are read as probabilities: the loss equals the expected
  NLL of the image binarized pixel by pixel, x̃ ~ Bernoulli(x), so the reported ELBO is a lower
  bound on E_x̃[log p(x̃)] in nats per example (see `bernoulli_nll`). The shown decoding is the
  mean image p.
- points: Gaussian with a learned variance per coordinate (floored, `OutputLogVariance`); its
  ELBO is in nats of a density in the data's own units (the network's range shifted by
  D·log(scale) of the normalizer).

Both families train on 90% of the examples (`metrics.classifier.split_indices`, stratified by
label) and keep 10% (at most 5,000) for the held-out ELBO; the reconstruction figures read
every example. One optimizer (Adam): a Step runs one whole `train_step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.core.nets.autoencoder import (
    CodeGaussian,
    OutputLogVariance,
    build_decoder,
    build_encoder,
)
from ganstudio.core.optimizers import FusedAdam
from ganstudio.core.panels import LatentCodes, Samples
from ganstudio.core.precision import descend, loss_scaled
from ganstudio.core.recipes.base import (
    Evaluator,
    ExportSpec,
    InputSpec,
    Recipe,
    RecipeContext,
    learning_rate,
)
from ganstudio.core.recipes.gan import seeded_latents
from ganstudio.core.variational import (
    bernoulli_nll,
    free_bits_kl,
    gaussian_kl,
    gaussian_nll,
    reparameterize,
    warmup_beta,
)
from ganstudio.errors import ConfigError

BERNOULLI = "bernoulli"
GAUSSIAN = "gaussian"
MSE = "mse"
BCE = "bce"
RECON_PAIRS = 4  # input rows, each followed by its reconstruction row, in the recon panel
RECON_COLUMNS = 8
LATENT_BATCH = 1000  # examples in the latent panel, at most
LATENT_AUTO = {POINTS: 2, IMAGES: 16}
HOLDOUT_FRACTION = 0.1  # of the examples, kept out of training for the held-out ELBO
MAX_HOLDOUT = 5000
EVAL_BATCH = 1000


def resolve_latent_dim(latent_dim: int | None, kind: str) -> int:
    """`net.latent_dim`, or for `None` the encoder families' own choice: 2 for points (the
    codes are the latent view itself) and 16 for images."""
    return int(latent_dim) if latent_dim else LATENT_AUTO[kind]


def pca_2d(codes: np.ndarray, previous: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The first two principal directions of a batch of codes (numpy SVD).

    Args:
        codes: [N, L] with L ≥ 2.
        previous: Directions [2, L] of an earlier call: each new direction's sign is flipped to
            agree with it, so a live view does not mirror from one snapshot to the next.

    Returns:
        (projected codes [N, 2], center [L], directions [2, L], the share of the codes'
        variance the two directions hold).
    """
    codes = np.asarray(codes, np.float64)
    center = codes.mean(axis=0)
    _, s, vt = np.linalg.svd(codes - center, full_matrices=False)
    dirs = vt[:2].copy()
    if previous is not None and previous.shape == dirs.shape:
        signs = np.sign(np.sum(dirs * previous, axis=1))
        dirs *= np.where(signs == 0, 1.0, signs)[:, None]
    total = float(np.sum(s**2))
    explained = float(np.sum(s[:2] ** 2) / total) if total > 0 else 1.0
    return ((codes - center) @ dirs.T).astype(np.float32), center, dirs, explained


class EncoderDecoderRecipe(Recipe):
    """What `ae` and `vae` share: nets, data split, views, export and evaluation.

    Args:
        encoder: x (network range) -> a code [N, L] (ae) or [m, σ] [N, 2L] (vae).
        decoder: code [N, L] -> the likelihood's parameters (logits, or a mean).
        latent_dim: L.
        batch: Examples per update.
        likelihood: `bernoulli` (logits; `bce` for the ae) or `gaussian` (a mean; `mse`).
        seed: Seeds the recipe's `keras.random.SeedGenerator`.
    """

    step_modes = ()

    def __init__(self, encoder, decoder, latent_dim: int, batch: int, likelihood: str,
                 seed: int = 0, **kwargs):
        super().__init__(name=self.family, **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(latent_dim)
        self.batch = int(batch)
        self.likelihood = likelihood
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise_seed")
        self.trackers = {k: keras.metrics.Mean(name=k) for k in self.scalar_keys}
        self.context: RecipeContext | None = None
        self.net_config = None
        self.train_idx = np.zeros(0, np.int64)
        self.heldout_idx = np.zeros(0, np.int64)
        self._directions: np.ndarray | None = None

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def _build(cls, context: RecipeContext, code_dim_factor: int) -> dict[str, Any]:
        """The resolved net config, encoder, decoder and data split of a run."""
        from ganstudio.core.metrics.classifier import split_indices
        from ganstudio.core.nets import resolve_net_config

        cfg = context.config
        ds = context.dataset
        net = resolve_net_config(cfg.net, ds.kind, cfg.objective)
        net = replace(net, latent_dim=resolve_latent_dim(cfg.net.latent_dim, ds.kind),
                      g_norm="none" if cfg.net.g_norm == "auto" else net.g_norm,
                      d_norm="none" if cfg.net.d_norm == "auto" else net.d_norm, pack=1)
        if net.d_norm == "spectral":
            raise ConfigError("net.d_norm: spectral normalization is for a discriminator; the "
                              "encoder takes batch, layer or none.", "Set net.d_norm to auto.")
        encoder = build_encoder(net, ds.shape, code_dim_factor * net.latent_dim, net.d_norm)
        decoder = build_decoder(net, ds.shape, net.latent_dim, net.g_norm)
        labels = None if ds.y is None else np.asarray(ds.y)
        held = min(MAX_HOLDOUT, max(2, round(HOLDOUT_FRACTION * len(ds))))
        train_idx, held_idx = split_indices(len(ds), labels, test_size=held)
        return {"net": net, "encoder": encoder, "decoder": decoder, "train_idx": train_idx,
                "heldout_idx": held_idx}

    def _finish(self, context: RecipeContext, built: dict[str, Any], options) -> None:
        """Keeps the context and split, makes the optimizer and every variable."""
        self.context = context
        self.net_config = built["net"]
        self.train_idx = built["train_idx"]
        self.heldout_idx = built["heldout_idx"]
        rate = learning_rate(options.lr, options.lr_decay, context.config.train.steps)
        self.compile(jit_compile=context.jit)
        self.optimizer_ = loss_scaled(FusedAdam(rate))
        self.optimizer_.build(self.trainable_parameters())

    def trainable_parameters(self) -> list:
        """Every variable the optimizer updates."""
        return list(self.encoder.trainable_variables) + list(self.decoder.trainable_variables)

    # -- keras plumbing ----------------------------------------------------------------------

    def call(self, x, training=False):
        return self.reconstruct_net(x)

    @property
    def steps(self) -> int:
        """Updates so far (continues across resume)."""
        return int(self.optimizer_.iterations.numpy())

    def _extra_state(self) -> list:
        return []

    def state_variables(self) -> list:
        """Encoder, decoder, the family's own state, the seed, the optimizer: a stable order."""
        out = list(self.encoder.variables) + list(self.decoder.variables)
        out += self._extra_state()
        out.append(self.seed_generator.state)
        out += list(self.optimizer_.variables)
        return out

    # -- data ----------------------------------------------------------------------------------

    def training_arrays(self) -> dict[str, np.ndarray]:
        """`x`: the training split's examples in the network's range."""
        ctx = self.context
        return {"x": ctx.normalizer.to_net(ctx.dataset.x[self.train_idx])}

    @property
    def pipeline_batch(self) -> int:
        """One minibatch per update."""
        return self.batch

    # -- the likelihood ----------------------------------------------------------------------

    def _targets(self, x_net):
        """What the likelihood scores: pixel values in [0, 1] (Bernoulli), else x as it is."""
        if self.likelihood == BERNOULLI:
            return x_net * self.context.normalizer.scale + float(self.context.normalizer.offset[0])
        return x_net

    def mean_net(self, out):
        """The decoder's output as a mean example in the network's range."""
        if self.likelihood == BERNOULLI:
            n = self.context.normalizer
            return (ops.sigmoid(out) - float(n.offset[0])) / n.scale
        return out

    def _to_data(self, x_net):
        """Network range -> the dataset's units (images clipped to [0, 1]), in the graph."""
        n = self.context.normalizer
        offset = np.asarray(n.offset, np.float32)
        out = x_net * n.scale + (offset if len(offset) > 1 else offset[0])
        if self.context.dataset.kind == IMAGES:
            out = ops.clip(out, 0.0, 1.0)
        return out

    def _to_net(self, x_data):
        n = self.context.normalizer
        offset = np.asarray(n.offset, np.float32)
        return (x_data - (offset if len(offset) > 1 else offset[0])) / n.scale

    def _squared_error_data(self, x_net, out):
        """Mean squared error per value, in the dataset's units (the comparable `mse`)."""
        diff = (self.mean_net(out) - x_net) * self.context.normalizer.scale
        return ops.mean(ops.square(diff))

    # -- what a family defines ---------------------------------------------------------------

    def encode_mean(self, x_net, training=False):
        """The code an example maps to without noise (ae: E(x); vae: m)."""
        raise NotImplementedError

    def prior_codes(self, e):
        """Standard normal e [N, L] -> codes drawn from the family's prior."""
        raise NotImplementedError

    def reconstruct_net(self, x_net):
        """x -> its decoding through the mean code, in the network's range."""
        return self.mean_net(self.decoder(self.encode_mean(x_net), training=False))

    def sample_net(self, e):
        """Standard normal e -> prior samples, in the network's range."""
        return self.mean_net(self.decoder(self.prior_codes(e), training=False))

    # -- training outside fit ------------------------------------------------------------------

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """A family with one optimizer has no single-player update: Step runs a whole step.

        Raises:
            ConfigError: always, naming the one mode there is.
        """
        raise ConfigError(f"{self.family} has one optimizer: there is no {mode!r}-only update.",
                          "Use Step (one whole training step).")

    # -- views -------------------------------------------------------------------------------

    def prepare_views(self, rng: np.random.Generator) -> None:
        """Fixes the prior draws of the sample view, the examples of the reconstruction grid
        (held-out ones first) and the labelled batch of the latent view."""
        ctx = self.context
        ds = ctx.dataset
        train = ctx.config.train
        n_samples = train.n_samples if ds.kind == IMAGES else max(train.n_samples, 512)
        self.z_fixed = rng.standard_normal((n_samples, self.latent_dim)).astype(np.float32)
        pool = self.heldout_idx if len(self.heldout_idx) else np.arange(len(ds))
        n_recon = min(RECON_PAIRS * RECON_COLUMNS, len(pool))
        self._recon_idx = np.sort(rng.choice(pool, size=n_recon, replace=False))
        n_latent = min(LATENT_BATCH, len(ds))
        self._latent_idx = np.sort(rng.choice(len(ds), size=n_latent, replace=False))
        self._latent_x = ctx.normalizer.to_net(ds.x[self._latent_idx])
        self._latent_labels = None if ds.y is None else np.asarray(ds.y)[self._latent_idx]
        self._prior_e = rng.standard_normal((n_latent, self.latent_dim)).astype(np.float32)
        self._real_points = ds.x[self._latent_idx] if ds.kind == POINTS else None
        self._directions = None

    @tf.function
    def probe(self, e_samples, x_recon, x_latent, e_prior):
        """The views' tensors: prior samples, reconstructions, codes and prior codes."""
        return {"samples": self._to_data(self.sample_net(e_samples)),
                "recon": self._to_data(self.reconstruct_net(x_recon)),
                "codes": self.encode_mean(x_latent),
                "prior": self.prior_codes(e_prior)}

    def views(self) -> dict[str, Any]:
        """`samples`: decodings of fixed prior draws; `recon` (images): rows of inputs each
        followed by their reconstructions; `latent`: a fixed labelled batch's codes (2D, or
        their PCA projection) over the prior's."""
        ctx = self.context
        ds = ctx.dataset
        x_recon = ctx.normalizer.to_net(ds.x[self._recon_idx])
        out = self.probe(self.z_fixed, x_recon, self._latent_x, self._prior_e)
        panels: dict[str, Any] = {}
        if ds.kind == IMAGES:
            panels["samples"] = Samples(out["samples"].numpy(), IMAGES)
            panels["recon"] = recon_grid(ds.x[self._recon_idx], out["recon"].numpy(),
                                         RECON_COLUMNS)
        else:
            panels["samples"] = Samples(out["samples"].numpy(), POINTS,
                                        real_points=self._real_points)
        panels["latent"] = self._latent_panel(out["codes"].numpy(), out["prior"].numpy())
        return panels

    def _latent_panel(self, codes: np.ndarray, prior: np.ndarray) -> LatentCodes:
        ds = self.context.dataset
        names = list(ds.class_names) if ds.class_names else None
        if self.latent_dim == 2:
            return LatentCodes(codes.astype(np.float32), self._latent_labels, names, "codes",
                               None, prior.astype(np.float32))
        if self.latent_dim == 1:
            pad = np.zeros_like(codes)
            return LatentCodes(np.concatenate([codes, pad], 1).astype(np.float32),
                               self._latent_labels, names, "codes", None,
                               np.concatenate([prior, np.zeros_like(prior)], 1))
        projected, center, dirs, explained = pca_2d(codes, self._directions)
        self._directions = dirs
        prior_2d = ((prior - center) @ dirs.T).astype(np.float32)
        return LatentCodes(projected, self._latent_labels, names, "pca", explained, prior_2d)

    # -- generation and export -------------------------------------------------------------------

    def generate(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Prior samples for standard normal `z`, in the dataset's units."""
        z = np.asarray(inputs["z"], np.float32).reshape(-1, self.latent_dim)
        return np.asarray(self._serve_sample(tf.constant(z)))

    def reconstruct(self, x: np.ndarray, batch: int = EVAL_BATCH) -> np.ndarray:
        """Examples in the dataset's units -> their decodings through the mean code."""
        parts = [np.asarray(self._serve_reconstruct(tf.constant(np.asarray(x[i:i + batch],
                                                                           np.float32))))
                 for i in range(0, len(x), batch)]
        return np.concatenate(parts) if parts else np.zeros_like(x)

    def encode(self, x: np.ndarray, batch: int = EVAL_BATCH) -> np.ndarray:
        """Examples in the dataset's units -> their mean codes [N, L]."""
        parts = [np.asarray(self.encode_mean(tf.constant(self.context.normalizer.to_net(
            x[i:i + batch])))) for i in range(0, len(x), batch)]
        return np.concatenate(parts) if parts else np.zeros((0, self.latent_dim), np.float32)

    def _serve_sample(self, z):
        return self._to_data(self.sample_net(z))

    def _serve_decode(self, z):
        return self._to_data(self.mean_net(self.decoder(z, training=False)))

    def _serve_reconstruct(self, x):
        return self._to_data(self.reconstruct_net(self._to_net(x)))

    def _serve_encode(self, x):
        raise NotImplementedError

    def encode_outputs(self) -> tuple[str, ...]:
        """The named outputs of the export's `encode`."""
        raise NotImplementedError

    def export_specs(self) -> list[ExportSpec]:
        """`serving_default(z)`: prior samples; `decode(z)`: the decoder on a code;
        `encode(x)`: the code's parameters; `reconstruct(x)`: decode(mean code of x)."""
        ds = self.context.dataset
        z = InputSpec("z", "float32", (self.latent_dim,), "latent vectors, N(0, I)")
        code = InputSpec("z", "float32", (self.latent_dim,), "codes")
        x = InputSpec("x", "float32", tuple(ds.shape), "examples in the dataset's units"
                      + (" (images in [0, 1])" if ds.kind == IMAGES else ""))
        return [
            ExportSpec("serving_default", (z,), self._serve_sample,
                       self.sample_help()),
            ExportSpec("decode", (code,), self._serve_decode,
                       "the decoder's mean output for codes, in the dataset's units"),
            ExportSpec("encode", (x,), self._serve_encode, "the codes' parameters",
                       outputs=self.encode_outputs()),
            ExportSpec("reconstruct", (x,), self._serve_reconstruct,
                       "decode(mean code of x), in the dataset's units"),
        ]

    def sample_help(self) -> str:
        """What `serving_default` returns, in one line."""
        raise NotImplementedError

    def export_layers(self) -> list:
        """The encoder, the decoder and the family's prior."""
        return [self.encoder, self.decoder, *self._extra_layers()]

    def _extra_layers(self) -> list:
        return []

    def example_inputs(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """`z` by the project's latent convention and `x`, n examples picked by the seed."""
        ds = self.context.dataset
        idx = np.random.default_rng(seed).choice(len(ds), size=n, replace=n > len(ds))
        return {"z": seeded_latents(n, self.latent_dim, seed),
                "x": np.asarray(ds.x[idx], np.float32)}

    def export_metadata(self) -> dict[str, Any]:
        """The objective and the latent size (the session adds the dataset's facts)."""
        return {"objective": self.objective_text(), "latent_dim_codes": self.latent_dim,
                "likelihood": self.likelihood}

    def describe(self) -> dict[str, Any]:
        """The resolved net config, the latent size, the likelihood and the split."""
        return {"net": dict(vars(self.net_config)) if self.net_config is not None else {},
                "latent_dim": self.latent_dim, "likelihood": self.likelihood,
                "split": {"train": int(len(self.train_idx)),
                          "heldout": int(len(self.heldout_idx))}}

    def param_counts(self) -> dict[str, int]:
        """Parameters of the encoder and the decoder."""
        return {"encoder": int(self.encoder.count_params()),
                "decoder": int(self.decoder.count_params())}

    # -- metrics ---------------------------------------------------------------------------------

    def heldout_elbo(self, samples: int = 8, seed: int = 0) -> float | None:
        """The ELBO of the held-out split in nats per example (`None` where it does not apply)."""
        return None

    def make_evaluator(self, dataset: Dataset, n: int | None, seed: int,
                       status: Callable[[str], Any] | None = None) -> Evaluator:
        """Reconstruction figures beside the mean-example baseline, the held-out ELBO (vae)
        and the prior samples' figures (as the GAN's)."""
        from ganstudio.core.metrics.reconstruction import ReconstructionEvaluator

        return ReconstructionEvaluator(self, dataset, n, seed, status)

    def quality_report(self, dataset: Dataset, seed: int,
                       status: Callable[[str], Any] | None = None) -> tuple[dict[str, Any], str]:
        """Every example reconstructed, the held-out ELBO, and the prior samples scored by
        `evaluate_generator`; and their table."""
        from ganstudio.core.metrics.reconstruction import evaluate_autoencoder, format_report

        result = evaluate_autoencoder(self, dataset, seed=seed, status=status)
        return result, format_report(result)


def recon_grid(inputs: np.ndarray, recons: np.ndarray, columns: int) -> Samples:
    """The reconstruction panel: rows of `columns` inputs, each row followed by the row of
    their reconstructions, labelled `input` / `reconstruction`.

    Args:
        inputs: Images [N, H, W, C] in [0, 1].
        recons: Their reconstructions, same shape.
        columns: Images per row (N is cut to a multiple of it).

    Returns:
        A `Samples` panel of kind `images` with `row_labels` and `columns`.
    """
    rows = max(1, len(inputs) // columns)
    parts, labels = [], []
    for r in range(rows):
        part = slice(r * columns, (r + 1) * columns)
        parts += [inputs[part], recons[part]]
        labels += ["input", "reconstruction"]
    return Samples(np.concatenate(parts).astype(np.float32), IMAGES, row_labels=labels,
                   columns=columns)


class AERecipe(EncoderDecoderRecipe):
    """The autoencoder: x -> E(x) = c -> D(c), trained to reconstruct; a Gaussian fitted to
    the codes makes the decoder a generator (module docstring)."""

    family = "ae"
    scalar_keys = ("loss", "recon", "mse", "grad_norm")
    watched_scalars = ("loss", "grad_norm")
    headline_scalars = ("loss", "mse")

    def __init__(self, encoder, decoder, latent_dim: int, batch: int, likelihood: str,
                 seed: int = 0, **kwargs):
        super().__init__(encoder, decoder, latent_dim, batch, likelihood, seed, **kwargs)
        # moving moments and a Cholesky factor: float32 under any precision
        self.code_gaussian = CodeGaussian(latent_dim, name="code_gaussian", dtype="float32")

    @classmethod
    def create(cls, context: RecipeContext) -> AERecipe:
        """Builds the encoder and decoder sized from the data, the optimizer, and compiles.

        Raises:
            ConfigError: `bce` on points, or nets that do not fit the data.
        """
        opts = context.config.ae
        kind = context.dataset.kind
        loss = opts.recon_loss if opts.recon_loss != "auto" else (BCE if kind == IMAGES else MSE)
        if loss == BCE and kind != IMAGES:
            raise ConfigError("ae.recon_loss: bce needs values in [0, 1] (images); these are "
                              "points.", "Use --set ae.recon_loss=mse (or auto).")
        built = cls._build(context, 1)
        recipe = cls(built["encoder"], built["decoder"], built["net"].latent_dim,
                     context.config.train.batch, BERNOULLI if loss == BCE else GAUSSIAN,
                     seed=context.config.train.seed)
        recipe.recon_loss = loss
        recipe._finish(context, built, opts)
        return recipe

    def objective_text(self) -> str:
        """`reconstruction (mse)` or `(bce)`."""
        return f"reconstruction ({getattr(self, 'recon_loss', MSE)})"

    def _extra_state(self) -> list:
        return list(self.code_gaussian.variables)

    def _extra_layers(self) -> list:
        return [self.code_gaussian]

    def encode_mean(self, x_net, training=False):
        """E(x)."""
        return self.encoder(x_net, training=training)

    def prior_codes(self, e):
        """μ + L·e: the Gaussian fitted to the training codes."""
        return self.code_gaussian(e)

    def _serve_encode(self, x):
        return {"mean": self.encoder(self._to_net(x), training=False)}

    def encode_outputs(self) -> tuple[str, ...]:
        """`mean`: the code."""
        return ("mean",)

    def sample_help(self) -> str:
        """Decodings of μ + L·z, z ~ N(0, I) (the Gaussian fitted to the codes)."""
        return ("samples: the decoder on μ + L·z, the Gaussian fitted to the training codes, "
                "for z ~ N(0, I)")

    def recon_nll(self, x_net, out):
        """The reconstruction loss per example: Σ squared error (`mse`, network range) or
        Σ binary cross-entropy in nats (`bce`)."""
        if self.likelihood == BERNOULLI:
            return bernoulli_nll(self._targets(x_net), out)
        diff = ops.square(out - x_net)
        return ops.sum(ops.reshape(diff, (ops.shape(diff)[0], -1)), axis=1)

    def train_step(self, data):
        x = data["x"] if isinstance(data, dict) else data
        with tf.GradientTape() as tape:
            codes = self.encoder(x, training=True)
            out = self.decoder(codes, training=True)
            recon = ops.mean(self.recon_nll(x, out))
        grads = descend(self.optimizer_, tape, recon, self.trainable_parameters())
        self.code_gaussian.update(ops.stop_gradient(codes))
        logs = {"loss": recon, "recon": recon, "mse": self._squared_error_data(x, out),
                "grad_norm": tf.linalg.global_norm(grads)}
        self.update_trackers(logs)
        return logs


class GaussianEncoderRecipe(EncoderDecoderRecipe):
    """What the variational families (`vae`, `vaegan`) share: an encoder giving q(c|x) =
    N(m, diag(exp σ)), the prior N(0, I), and the export's `encode` of m and σ."""

    def moments(self, x_net, training=False):
        """The encoder's m and σ (the log-variance), each [N, L]."""
        out = self.encoder(x_net, training=training)
        return out[:, : self.latent_dim], out[:, self.latent_dim:]

    def encode_mean(self, x_net, training=False):
        """m."""
        return self.moments(x_net, training)[0]

    def prior_codes(self, e):
        """The prior N(0, I): e itself."""
        return e

    def _serve_encode(self, x):
        mean, log_var = self.moments(self._to_net(x))
        return {"mean": mean, "log_var": log_var}

    def encode_outputs(self) -> tuple[str, ...]:
        """`mean` (m) and `log_var` (σ)."""
        return ("mean", "log_var")

    def sample_help(self) -> str:
        """Decodings of z ~ N(0, I)."""
        return "samples: the decoder's mean output for z ~ N(0, I) (the same as decode)"


class VAERecipe(GaussianEncoderRecipe):
    """The variational autoencoder: q(c|x) = N(m, diag(exp σ)), c = exp(σ/2)·e + m, the
    ELBO with β, KL warm-up and free bits (module docstring)."""

    family = "vae"
    scalar_keys = ("loss", "recon", "kl", "elbo", "beta", "mse", "active_dims", "grad_norm")
    watched_scalars = ("loss", "grad_norm")
    headline_scalars = ("elbo", "recon", "kl", "mse")

    def __init__(self, encoder, decoder, latent_dim: int, batch: int, likelihood: str,
                 beta: float = 1.0, kl_warmup: int = 0, free_bits: float = 0.0, seed: int = 0,
                 output_dims: int = 1, **kwargs):
        super().__init__(encoder, decoder, latent_dim, batch, likelihood, seed, **kwargs)
        self.beta = float(beta)
        self.kl_warmup = int(kl_warmup)
        self.free_bits = float(free_bits)
        self.output_log_var = (OutputLogVariance(output_dims, name="output_log_var")
                               if likelihood == GAUSSIAN else None)
        self.log_scale_total = 0.0  # D·log(scale): the network range's density -> data units

    @classmethod
    def create(cls, context: RecipeContext) -> VAERecipe:
        """Builds the encoder (m and σ) and decoder sized from the data, the optimizer, and
        compiles.

        Raises:
            ConfigError: a Bernoulli likelihood on points, or nets that do not fit the data.
        """
        opts = context.config.vae
        ds = context.dataset
        kind = ds.kind
        lik = opts.likelihood if opts.likelihood != "auto" else (
            BERNOULLI if kind == IMAGES else GAUSSIAN)
        if lik == BERNOULLI and kind != IMAGES:
            raise ConfigError("vae.likelihood: bernoulli needs values in [0, 1] (images); these "
                              "are points.", "Use --set vae.likelihood=gaussian (or auto).")
        built = cls._build(context, 2)
        # points: a variance per coordinate; images: one shared by every pixel
        dims = int(np.prod(ds.shape)) if kind == POINTS else 1
        recipe = cls(built["encoder"], built["decoder"], built["net"].latent_dim,
                     context.config.train.batch, lik, beta=opts.beta, kl_warmup=opts.kl_warmup,
                     free_bits=opts.free_bits, seed=context.config.train.seed,
                     output_dims=dims)
        if lik == GAUSSIAN:
            recipe.log_scale_total = float(np.prod(ds.shape) * np.log(context.normalizer.scale))
        recipe._finish(context, built, opts)
        return recipe

    def objective_text(self) -> str:
        """`ELBO (bernoulli, β=1)` with the warm-up and free bits when set."""
        text = f"ELBO ({self.likelihood}, β={self.beta:g}"
        if self.kl_warmup:
            text += f", warm-up {self.kl_warmup}"
        if self.free_bits:
            text += f", free bits {self.free_bits:g}"
        return text + ")"

    def trainable_parameters(self) -> list:
        """Encoder, decoder and, for a Gaussian decoder, its log-variance."""
        out = super().trainable_parameters()
        if self.output_log_var is not None:
            out += list(self.output_log_var.trainable_variables)
        return out

    def _extra_state(self) -> list:
        return [] if self.output_log_var is None else list(self.output_log_var.variables)

    def recon_nll(self, x_net, out):
        """−log p(x|c) per example in nats: Bernoulli of [0, 1] pixels, or the Gaussian's
        density in the dataset's units."""
        if self.likelihood == BERNOULLI:
            return bernoulli_nll(self._targets(x_net), out)
        return gaussian_nll(x_net, out, self.output_log_var.value()) + self.log_scale_total

    def terms(self, x_net, eps, training=False) -> dict[str, Any]:
        """The ELBO's terms on a batch for given noise e: `recon` [N], `kl_dims` [N, L],
        and the decoder's output `out` (so a test can recompute them)."""
        mean, log_var = self.moments(x_net, training)
        codes = reparameterize(mean, log_var, eps)
        out = self.decoder(codes, training=training)
        return {"recon": self.recon_nll(x_net, out), "kl_dims": gaussian_kl(mean, log_var),
                "out": out, "mean": mean, "log_var": log_var}

    def train_step(self, data):
        x = data["x"] if isinstance(data, dict) else data
        beta = warmup_beta(self.beta, self.optimizer_.iterations, self.kl_warmup)
        eps = keras.random.normal((ops.shape(x)[0], self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            t = self.terms(x, eps, training=True)
            recon = ops.mean(t["recon"])
            loss = recon + beta * free_bits_kl(t["kl_dims"], self.free_bits)
        grads = descend(self.optimizer_, tape, loss, self.trainable_parameters())
        kl = ops.mean(ops.sum(t["kl_dims"], axis=1))
        active = ops.sum(ops.cast(ops.mean(t["kl_dims"], axis=0) > 0.01, "float32"))
        logs = {"loss": loss, "recon": recon, "kl": kl, "elbo": -(recon + kl), "beta": beta,
                "mse": self._squared_error_data(x, t["out"]), "active_dims": active,
                "grad_norm": tf.linalg.global_norm(grads)}
        self.update_trackers(logs)
        return logs

    @tf.function
    def _elbo_batch(self, x_net, eps):
        t = self.terms(x_net, eps)
        return -(t["recon"] + ops.sum(t["kl_dims"], axis=1))

    def elbo(self, x: np.ndarray, samples: int = 8, seed: int = 0) -> np.ndarray:
        """The ELBO of each example (dataset units) in nats, its reconstruction term averaged
        over `samples` draws of e (the KL is exact).

        Args:
            x: Examples in the dataset's units.
            samples: Draws of the code per example.
            seed: Seed of the draws.

        Returns:
            [N] nats.
        """
        rng = np.random.default_rng(seed)
        x_net = self.context.normalizer.to_net(np.asarray(x))
        total = np.zeros(len(x_net), np.float64)
        for _ in range(samples):
            eps = rng.standard_normal((len(x_net), self.latent_dim)).astype(np.float32)
            for i in range(0, len(x_net), EVAL_BATCH):
                part = slice(i, i + EVAL_BATCH)
                total[part] += np.asarray(self._elbo_batch(tf.constant(x_net[part]),
                                                           tf.constant(eps[part])))
        return (total / samples).astype(np.float32)

    def heldout_elbo(self, samples: int = 8, seed: int = 0) -> float | None:
        """The mean ELBO of the held-out split, in nats per example."""
        if not len(self.heldout_idx):
            return None
        x = self.context.dataset.x[self.heldout_idx]
        return float(np.mean(self.elbo(x, samples, seed)))
