"""The VAE-GAN (Larsen et al. 2016; seed 002): a VAE whose decoder is also a GAN's generator,
and whose reconstruction is measured in the discriminator's features.

    x ─ encoder ─> m, σ ─> c = exp(σ/2)·e + m ─ decoder ─> x̃ ─┐
                           z ~ N(0, I) ─────── decoder ─> x_p ─┼─ D ─> real / fake
    x ────────────────────────────────────────────────────────┘

The losses, per batch (means over its examples):

    L_prior = KL(q(c|x) ‖ N(0, I))                        (the VAE's, `core.variational`)
    L_llike = ½ Σ_j (D_l(x)_j − D_l(x̃)_j)²                (−log N(D_l(x); D_l(x̃), I) + const)
    L_GAN   = log D(x) + log(1 − D(x̃)) + log(1 − D(x_p))

D_l is D's l-th hidden layer (`vaegan.feature_layer`): reconstructing there rather than pixel
by pixel asks x̃ to look like x to D's features, which tolerate small shifts. Updates, from one
forward pass, each optimizer on its own network only:

    encoder ← ∇(β·L_prior + L_llike)
    decoder ← ∇(γ·L_llike + L_GAN^dec)
    D       ← ∇(−L_GAN)     (the binary cross-entropy of x as real, x̃ and x_p as fake)

The decoder's GAN term is the non-saturating one of the project (`objectives.NonSaturating`),
L_GAN^dec = −log D(x̃) − log D(x_p), in place of the paper's −L_GAN (its gradient vanishes
while D rejects the decodings, as for any GAN; the paper's code trains the same way). D is the
project's discriminator (`nets.build_discriminator`: dcgan with spectral normalization for
images, mlp for points); L_llike does not reach D. γ weighs reconstruction against fooling D in
the decoder: the paper's 1e-6 matches its 64x64 features summed over 256·8·8 values; here the
features are fewer and `vaegan.gamma` is measured on digits (the config's default).

The decoder's output is a mean image through a sigmoid for images (as the VAE's Bernoulli
decoder shows it) and a linear mean for points; there is no pixel likelihood, so no ELBO.
Steps: `g` updates the encoder and decoder, `d` updates D, a whole step all three.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.config import ObjectiveConfig
from ganstudio.core.data.base import IMAGES
from ganstudio.core.objectives import NonSaturating
from ganstudio.core.optimizers import FusedAdam
from ganstudio.core.panels import Histograms
from ganstudio.core.precision import descend, loss_scaled
from ganstudio.core.recipes.autoencoder import (
    BERNOULLI,
    GAUSSIAN,
    GaussianEncoderRecipe,
)
from ganstudio.core.recipes.base import RecipeContext, learning_rate
from ganstudio.core.variational import gaussian_kl, reparameterize
from ganstudio.errors import ConfigError

HIDDEN_LAYERS = (keras.layers.LeakyReLU, keras.layers.ReLU, keras.layers.Activation)


def feature_model(discriminator: keras.Model, layer: int) -> keras.Model:
    """D with two outputs: the features of one hidden layer and the logit, sharing D's weights.

    The hidden layers are D's activation layers (LeakyReLU, ...), in order from the input.

    Args:
        discriminator: A functional D (`nets.build_discriminator`).
        layer: k ≥ 1: the k-th hidden layer from the input; 0: the last one.

    Returns:
        A `keras.Model` x -> [features [N, ...], logits [N, 1]].

    Raises:
        ConfigError: when D has fewer than `layer` hidden layers.
    """
    hidden = [lyr for lyr in discriminator.layers if isinstance(lyr, HIDDEN_LAYERS)]
    if layer > len(hidden):
        raise ConfigError(f"vaegan.feature_layer: D has {len(hidden)} hidden layers, not "
                          f"{layer}.", f"Pick 1 to {len(hidden)}, or 0 for the last.")
    chosen = hidden[layer - 1] if layer else hidden[-1]
    return keras.Model(discriminator.inputs, [chosen.output, discriminator.outputs[0]],
                       name="d_features")


def feature_recon(real_features, recon_features):
    """L_llike per example: ½ Σ (D_l(x) − D_l(x̃))², the NLL of a unit Gaussian on D's
    features up to a constant.

    Args:
        real_features: D_l(x) [N, ...].
        recon_features: D_l(x̃), same shape.

    Returns:
        [N].
    """
    diff = ops.square(real_features - recon_features)
    return 0.5 * ops.sum(ops.reshape(diff, (ops.shape(diff)[0], -1)), axis=1)


class VAEGANRecipe(GaussianEncoderRecipe):
    """Encoder, decoder and discriminator with three Adam optimizers (module docstring).

    Args:
        encoder: x -> [m, σ] [N, 2L].
        decoder: code [N, L] -> logits (images) or a mean (points).
        discriminator: x -> one logit.
        latent_dim: L.
        batch: Examples per update.
        likelihood: `bernoulli` (a sigmoid mean; images) or `gaussian` (a linear mean).
        feature_layer: D's hidden layer of L_llike (see `feature_model`).
        gamma: γ, L_llike's weight in the decoder's loss.
        beta: β, the KL's weight in the encoder's loss.
        seed: Seeds the recipe's `keras.random.SeedGenerator`.
    """

    family = "vaegan"
    scalar_keys = ("kl", "feature_recon", "d_loss", "g_loss", "d_real", "d_recon", "d_fake",
                   "mse", "grad_norm_enc", "grad_norm_dec", "grad_norm_d")
    watched_scalars = ("kl", "feature_recon", "d_loss", "g_loss")
    headline_scalars = ("feature_recon", "kl", "d_loss", "g_loss", "mse")
    step_modes = ("d", "g")

    def __init__(self, encoder, decoder, discriminator, latent_dim: int, batch: int,
                 likelihood: str, feature_layer: int = 0, gamma: float = 1.0,
                 beta: float = 1.0, seed: int = 0, **kwargs):
        super().__init__(encoder, decoder, latent_dim, batch, likelihood, seed, **kwargs)
        self.discriminator = discriminator
        self.d_features = feature_model(discriminator, int(feature_layer))
        self.feature_layer = int(feature_layer)
        self.gamma = float(gamma)
        self.beta = float(beta)
        self.objective = NonSaturating()
        self._single_steps: dict = {}

    @classmethod
    def create(cls, context: RecipeContext) -> VAEGANRecipe:
        """Builds the encoder and decoder (as the VAE's), D (the project's, unpacked), the
        three optimizers, and compiles.

        Raises:
            ConfigError: nets that do not fit the data, or a feature layer D lacks.
        """
        from ganstudio.core.nets import build_discriminator, resolve_net_config

        cfg = context.config
        opts = cfg.vaegan
        ds = context.dataset
        built = cls._build(context, 2)
        # D ignores the (unused) objective section: the game is the non-saturating one.
        d_net = replace(resolve_net_config(cfg.net, ds.kind, ObjectiveConfig()), pack=1,
                        minibatch_std=False)
        recipe = cls(built["encoder"], built["decoder"], build_discriminator(d_net, ds.shape),
                     built["net"].latent_dim, cfg.train.batch,
                     BERNOULLI if ds.kind == IMAGES else GAUSSIAN,
                     feature_layer=opts.feature_layer, gamma=opts.gamma, beta=opts.beta,
                     seed=cfg.train.seed)
        recipe.d_net_config = d_net
        recipe._finish(context, built, opts)
        return recipe

    def _finish(self, context: RecipeContext, built: dict[str, Any], options) -> None:
        """Keeps the context and split, makes the three optimizers and every variable."""
        self.context = context
        self.net_config = built["net"]
        self.train_idx = built["train_idx"]
        self.heldout_idx = built["heldout_idx"]
        steps = context.config.train.steps
        self.compile(jit_compile=context.jit)

        def adam(lr: float) -> keras.optimizers.Optimizer:
            return loss_scaled(FusedAdam(learning_rate(lr, options.lr_decay, steps),
                                                     beta_1=options.beta1))

        self.encoder_optimizer = adam(options.lr)
        self.decoder_optimizer = adam(options.lr)
        self.d_optimizer = adam(options.lr_d)
        for optimizer, net in self._players():
            optimizer.build(net.trainable_variables)

    def _players(self) -> list[tuple[keras.optimizers.Optimizer, keras.Model]]:
        return [(self.encoder_optimizer, self.encoder), (self.decoder_optimizer, self.decoder),
                (self.d_optimizer, self.discriminator)]

    def trainable_parameters(self) -> list:
        """Every variable the three optimizers update."""
        return [v for _, net in self._players() for v in net.trainable_variables]

    @property
    def steps(self) -> int:
        """Decoder updates so far (a D-only Step does not count; continues across resume)."""
        return int(self.decoder_optimizer.iterations.numpy())

    def state_variables(self) -> list:
        """Encoder, decoder, D, the seed, the three optimizers: a stable order."""
        out = [v for _, net in self._players() for v in net.variables]
        out.append(self.seed_generator.state)
        for optimizer, _ in self._players():
            out += list(optimizer.variables)
        return out

    def objective_text(self) -> str:
        """`VAE-GAN (γ=…, β=…, D layer …)`."""
        layer = self.feature_layer or "last"
        return f"VAE-GAN (γ={self.gamma:g}, β={self.beta:g}, D layer {layer})"

    # -- the losses ------------------------------------------------------------------------------

    def terms(self, x_net, eps, z_prior, training=False, d_training=None) -> dict[str, Any]:
        """Every term of a batch for given noise: `kl` [N], `llike` [N] (L_llike), `d_loss`,
        `g_loss` (the decoder's GAN term), D's logits on x, x̃ and x_p, and x̃ itself.

        Args:
            x_net: Examples in the network's range [N, ...].
            eps: e [N, L] of the reparameterised codes.
            z_prior: z [M, L] of the prior samples.
            training: Whether the nets run in training mode.
            d_training: Whether D does (default: as `training`). A training call of D's
                spectral normalization rewrites its kernel (the power iteration), so only an
                update of D runs it so.
        """
        mean, log_var = self.moments(x_net, training)
        codes = reparameterize(mean, log_var, eps)
        recon = self.mean_net(self.decoder(codes, training=training))
        prior = self.mean_net(self.decoder(z_prior, training=training))
        n, n_recon = ops.shape(x_net)[0], ops.shape(recon)[0]
        feats, logits = self.d_features(ops.concatenate([x_net, recon, prior], axis=0),
                                        training=training if d_training is None else d_training)
        real_l, recon_l, prior_l = logits[:n], logits[n:n + n_recon], logits[n + n_recon:]
        obj = self.objective
        return {
            "kl": ops.sum(gaussian_kl(mean, log_var), axis=1),
            "llike": feature_recon(feats[:n], feats[n:n + n_recon]),
            "d_loss": obj.d_real_loss(real_l) + obj.d_fake_loss(recon_l)
            + obj.d_fake_loss(prior_l),
            "g_loss": obj.g_loss(recon_l) + obj.g_loss(prior_l),
            "real_logits": real_l, "recon_logits": recon_l, "prior_logits": prior_l,
            "recon": recon,
        }

    def _update(self, x, players: tuple[bool, bool, bool]) -> dict[str, Any]:
        """One forward pass, then each chosen player's gradient of its own loss applied to
        its own network (encoder, decoder, D)."""
        n = ops.shape(x)[0]
        eps = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
        z_prior = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape(persistent=True) as tape:
            t = self.terms(x, eps, z_prior, training=True, d_training=players[2])
            kl = ops.mean(t["kl"])
            llike = ops.mean(t["llike"])
            losses = (self.beta * kl + llike, self.gamma * llike + t["g_loss"], t["d_loss"])
        logs = {"kl": kl, "feature_recon": llike, "d_loss": t["d_loss"], "g_loss": t["g_loss"],
                "d_real": ops.mean(ops.sigmoid(t["real_logits"])),
                "d_recon": ops.mean(ops.sigmoid(t["recon_logits"])),
                "d_fake": ops.mean(ops.sigmoid(t["prior_logits"])),
                "mse": ops.mean(ops.square((t["recon"] - x) * self.context.normalizer.scale))}
        for key, use, loss, (optimizer, net) in zip(
                ("grad_norm_enc", "grad_norm_dec", "grad_norm_d"), players, losses,
                self._players(), strict=True):
            if not use:
                continue
            variables = net.trainable_variables
            logs[key] = tf.linalg.global_norm(descend(optimizer, tape, loss, variables))
        del tape
        return logs

    def train_step(self, data):
        x = data["x"] if isinstance(data, dict) else data
        logs = self._update(x, (True, True, True))
        self.update_trackers(logs)
        return logs

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """One update outside `fit` (the Step buttons): `"d"` D only, `"g"` the encoder and
        the decoder (the VAE side, the generator's), each on its own loss.

        Args:
            mode: `"d"` or `"g"`.
            batch: `{"x": examples in the network's range}`, at least `batch` of them.

        Returns:
            The update's scalars as floats.

        Raises:
            ConfigError: for another mode.
        """
        if mode not in ("d", "g"):
            raise ConfigError(f"vaegan has no {mode!r}-only update.", "Use d or g.")
        if mode not in self._single_steps:
            players = (False, False, True) if mode == "d" else (True, True, False)
            self._single_steps[mode] = tf.function(lambda x: self._update(x, players),
                                                   jit_compile=bool(self.jit_compile))
        out = self._single_steps[mode](tf.constant(batch["x"][: self.batch], tf.float32))
        return {k: float(v) for k, v in out.items()}

    # -- views -------------------------------------------------------------------------------

    def prepare_views(self, rng: np.random.Generator) -> None:
        """The VAE's views, and a real batch and prior draws for D's histogram."""
        super().prepare_views(rng)
        x_net = self.training_arrays()["x"]
        probe = min(self.context.config.train.probe_size, len(x_net))
        self._real_probe = x_net[rng.choice(len(x_net), size=probe, replace=False)]
        self._z_probe = rng.standard_normal((probe, self.latent_dim)).astype(np.float32)

    @tf.function
    def d_probe(self, real, z_prior):
        """D(x) on a real batch and D(x_p) on the decodings of prior draws (probabilities)."""
        fake = self.sample_net(z_prior)
        return {"real": ops.reshape(ops.sigmoid(self.discriminator(real, training=False)), (-1,)),
                "fake": ops.reshape(ops.sigmoid(self.discriminator(fake, training=False)), (-1,))}

    def views(self) -> dict[str, Any]:
        """The VAE's `samples`, `recon` and `latent`, and `d_hist`: D on real examples against
        D on prior samples."""
        panels = super().views()
        out = self.d_probe(self._real_probe, self._z_probe)
        panels["d_hist"] = Histograms({"real": out["real"].numpy(), "fake": out["fake"].numpy()})
        return panels

    # -- what the run's files record ---------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """The VAE's facts, D's resolved net, the feature layer and the weights."""
        out = super().describe()
        d_net = getattr(self, "d_net_config", None)
        out.update({"d_net": dict(vars(d_net)) if d_net is not None else {},
                    "feature_layer": self.feature_layer,
                    "feature_shape": list(self.d_features.outputs[0].shape[1:]),
                    "gamma": self.gamma, "beta": self.beta})
        return out

    def param_counts(self) -> dict[str, int]:
        """Parameters of the encoder, the decoder and D."""
        return {**super().param_counts(),
                "discriminator": int(self.discriminator.count_params())}
