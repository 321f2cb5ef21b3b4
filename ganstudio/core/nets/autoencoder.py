"""Encoders and decoders of the encoder families (`ae`, `vae`), sized from the data shape.

The encoder mirrors the GAN's discriminator (an mlp for points; stride-2 convolutions for
images of 8 to 128 pixels) with a code layer instead of the logit; the decoder is the GAN's
generator with a linear output (the likelihood's parameters: a mean, or Bernoulli logits).
`CodeGaussian` keeps a Gaussian fitted to the codes an autoencoder makes (its prior).
"""

from __future__ import annotations

import keras
from keras import ops

from ganstudio.config import NetConfig
from ganstudio.core.nets.blocks import activation_layer, norm_layer
from ganstudio.core.nets.conv import _filters_at, dcgan_generator, plan_resolutions
from ganstudio.core.nets.mlp import mlp_generator
from ganstudio.errors import ConfigError


def _check(cfg: NetConfig, data_shape: tuple[int, ...]) -> None:
    if cfg.name == "mlp" and len(data_shape) != 1:
        raise ConfigError(f"net.name: mlp needs flat points, not examples of shape {data_shape}.",
                          "Use --net dcgan for images.")
    if cfg.name != "mlp" and (len(data_shape) != 3 or data_shape[0] != data_shape[1]):
        raise ConfigError(f"net.name: dcgan needs square images, not examples of shape "
                          f"{data_shape}.", "Use --net mlp for points; set data.image_size to "
                          "crop images square.")


def build_encoder(cfg: NetConfig, data_shape: tuple[int, ...], code_dim: int,
                  norm: str = "none") -> keras.Model:
    """The encoder: one example -> `code_dim` numbers (a code, or a mean and a log-variance).

    mlp: [Dense(width) -> norm -> act] x depth -> Dense(code_dim). dcgan: (Conv 4x4 stride 2
    -> norm -> LeakyReLU) per halving of the side (filters doubling, capped), a 3x3 conv, then
    Dense(code_dim) on the flattened features.

    Args:
        cfg: A resolved net config (`name` is `mlp` or `dcgan`).
        data_shape: One example's shape: (D,) or (H, W, C).
        code_dim: Outputs per example.
        norm: `batch`, `layer` or `none` after each hidden layer (never the first conv).

    Returns:
        A `keras.Model` named "encoder".

    Raises:
        ConfigError: when the architecture does not fit the data shape.
    """
    _check(cfg, data_shape)
    x = keras.Input(tuple(data_shape), name="x")
    h = x
    if cfg.name == "mlp":
        for i in range(cfg.depth):
            h = keras.layers.Dense(cfg.width, name=f"dense_{i}")(h)
            layer = norm_layer(norm)
            if layer is not None:
                h = layer(h)
            h = activation_layer(cfg.activation)(h)
    else:
        _, n = plan_resolutions(data_shape[0])
        for level in range(n):
            h = keras.layers.Conv2D(_filters_at(cfg.filters, level), 4, strides=2,
                                    padding="same")(h)
            layer = norm_layer(norm) if level > 0 else None
            if layer is not None:
                h = layer(h)
            h = keras.layers.LeakyReLU(negative_slope=0.2)(h)
        h = keras.layers.Conv2D(_filters_at(cfg.filters, n), 3, padding="same")(h)
        h = keras.layers.LeakyReLU(negative_slope=0.2)(h)
        h = keras.layers.Flatten()(h)
    out = keras.layers.Dense(code_dim, name="code")(h)
    return keras.Model(x, out, name="encoder")


def build_decoder(cfg: NetConfig, data_shape: tuple[int, ...], latent_dim: int,
                  norm: str = "none") -> keras.Model:
    """The decoder: a code [N, latent] -> one linear output per value of an example.

    The GAN's generator shapes (`mlp_generator`, `dcgan_generator`) with a linear output:
    what it means (a mean in the network's range, or Bernoulli logits) is the recipe's.

    Args:
        cfg: A resolved net config (`name` is `mlp` or `dcgan`).
        data_shape: One example's shape: (D,) or (H, W, C).
        latent_dim: Size of the code.
        norm: `batch`, `layer` or `none` in the hidden layers.

    Returns:
        A `keras.Model` named "decoder".

    Raises:
        ConfigError: when the architecture does not fit the data shape.
    """
    _check(cfg, data_shape)
    if cfg.name == "mlp":
        body = mlp_generator(latent_dim, data_shape[0], cfg.depth, cfg.width, cfg.activation,
                             norm)
        z = keras.Input((latent_dim,), name="z")
        return keras.Model(z, body(z), name="decoder")
    return dcgan_generator(latent_dim, tuple(data_shape), cfg.filters, norm,
                           out_activation=None, name="decoder")


@keras.saving.register_keras_serializable(package="ganstudio")
class OutputLogVariance(keras.layers.Layer):
    """A learned log-variance of a Gaussian decoder, one per output value or one shared.

    The value is `floor + softplus(w − floor)`: smooth, and never below `floor`, so a value
    that never varies in the data (an always-black pixel) cannot drive the density to infinity.

    Args:
        size: How many variances (the example's values, or 1 shared by all).
        floor: The smallest log-variance (in the network's range).
        initial: The starting log-variance: small, so reconstructing matters from the first
            step (starting near the data's own variance, the decoder explains the data by its
            variance alone and the codes collapse to the prior: KL → 0).
    """

    def __init__(self, size: int, floor: float = -9.0, initial: float = -4.0, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.floor = float(floor)
        self.initial = float(initial)
        start = self.floor + float(ops.convert_to_numpy(ops.log(ops.expm1(
            ops.convert_to_tensor(self.initial - self.floor)))))
        self.w = self.add_weight(shape=(self.size,), initializer=keras.initializers.Constant(
            start), name="log_var")

    def value(self):
        """The log-variances [size]."""
        return self.floor + ops.softplus(self.w - self.floor)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "floor": self.floor,
                "initial": self.initial}


@keras.saving.register_keras_serializable(package="ganstudio")
class CodeGaussian(keras.layers.Layer):
    """A Gaussian N(μ, Σ) fitted to the codes an encoder makes, kept up to date as it learns.

    `update(codes)` folds a batch into exponential moving averages of the codes' first and
    second moments (weight `momentum` on the past, bias-corrected), so μ and Σ follow the
    encoder with a lag of about 1 / (1 − momentum) batches. Calling the layer maps standard
    normal e [N, L] to μ + e·Lᵀ with Σ = L·Lᵀ (Cholesky, with a small jitter); before any
    update it is N(0, I).

    Args:
        latent_dim: L, the size of the codes.
        momentum: The moving averages' weight on the past.
    """

    def __init__(self, latent_dim: int, momentum: float = 0.99, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.momentum = float(momentum)
        self.first = self.add_weight(shape=(latent_dim,), initializer="zeros",
                                     trainable=False, name="first_moment")
        self.second = self.add_weight(shape=(latent_dim, latent_dim), initializer="zeros",
                                      trainable=False, name="second_moment")
        self.weight_sum = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                          name="weight")

    def update(self, codes) -> None:
        """Folds a batch of codes [N, L] into the moving moments."""
        m = self.momentum
        codes = ops.cast(codes, "float32")
        n = ops.cast(ops.shape(codes)[0], "float32")
        self.first.assign(m * self.first + (1.0 - m) * ops.mean(codes, axis=0))
        self.second.assign(m * self.second + (1.0 - m) * ops.matmul(ops.transpose(codes), codes) / n)
        self.weight_sum.assign(m * self.weight_sum + (1.0 - m))

    def moments(self):
        """(μ [L], Σ [L, L]); N(0, I) before the first update."""
        w = self.weight_sum
        seen = ops.cast(w > 0, "float32")
        safe = ops.maximum(w, 1e-12)
        mean = self.first / safe * seen
        cov = self.second / safe - ops.outer(mean, mean)
        eye = ops.eye(self.latent_dim, dtype="float32")
        cov = seen * 0.5 * (cov + ops.transpose(cov)) + (1.0 - seen) * eye
        return mean, cov

    def call(self, e):
        mean, cov = self.moments()
        jitter = 1e-5 * (ops.trace(cov) / self.latent_dim + 1e-6)
        chol = ops.cholesky(cov + jitter * ops.eye(self.latent_dim, dtype="float32"))
        return mean + ops.matmul(e, ops.transpose(chol))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim,
                "momentum": self.momentum}
