"""Picks and builds the generator/discriminator pair for a dataset and config."""

from __future__ import annotations

from dataclasses import dataclass, replace

import keras

from ganstudio.config import NetConfig, ObjectiveConfig
from ganstudio.core.data.base import IMAGES, POINTS
from ganstudio.core.nets.conv import dcgan_discriminator, dcgan_generator
from ganstudio.core.nets.mlp import mlp_discriminator, mlp_generator
from ganstudio.errors import ConfigError


@dataclass
class NetPair:
    """The two players and what the session needs to know about them."""

    generator: keras.Model
    discriminator: keras.Model
    config: NetConfig

    @property
    def param_counts(self) -> dict[str, int]:
        """Trainable and total parameter counts of G and D."""
        return {
            "generator": int(self.generator.count_params()),
            "discriminator": int(self.discriminator.count_params()),
        }


def resolve_net_config(cfg: NetConfig, kind: str, objective: ObjectiveConfig) -> NetConfig:
    """Replaces every `auto` or `None` setting with its concrete choice for this data.

    mlp for points and dcgan for images; latent 8 for points, 64 for images; G norm batch for
    dcgan, none for mlp; D norm none for mlp, and for dcgan layer norm with wgan-gp (as in
    WGAN-GP's paper), else spectral normalization.

    Raises:
        ConfigError: if the architecture does not fit the data kind.
    """
    name = cfg.name
    if name == "auto":
        name = "mlp" if kind == POINTS else "dcgan"
    if name == "dcgan" and kind != IMAGES:
        raise ConfigError("net.name: dcgan needs image data; this dataset is 2D points.",
                          "Use --net mlp.")
    latent = cfg.latent_dim or (8 if kind == POINTS else 64)
    g_norm = cfg.g_norm
    if g_norm == "auto":
        g_norm = "batch" if name == "dcgan" else "none"
    d_norm = cfg.d_norm
    penalized = objective.name == "wgan-gp" or objective.r1_gamma > 0
    if d_norm == "auto":
        d_norm = "none" if name == "mlp" else ("layer" if objective.name == "wgan-gp" else
                                               "spectral")
    if d_norm == "batch" and penalized:
        raise ConfigError("net.d_norm: batch normalization in D breaks the per-example gradient "
                          "penalty.", "Use layer, spectral or none with wgan-gp or R1 (or set "
                          "objective.r1_gamma to 0).")
    return replace(cfg, name=name, latent_dim=latent, g_norm=g_norm, d_norm=d_norm)


def _check_shape(cfg: NetConfig, data_shape: tuple[int, ...]) -> None:
    if cfg.name == "mlp" and len(data_shape) != 1:
        raise ConfigError(f"net.name: mlp needs flat points, not examples of shape {data_shape}.",
                          "Use --net dcgan for images.")
    if cfg.name != "mlp" and data_shape[0] != data_shape[1]:
        raise ConfigError(f"net.name: dcgan needs square images, not "
                          f"{data_shape[0]}x{data_shape[1]}.",
                          "Set data.image_size to crop them square.")


def build_generator(cfg: NetConfig, data_shape: tuple[int, ...],
                    cond_dim: int = 0) -> keras.Model:
    """G for a resolved config and one example's shape: z [N, latent] -> examples; with a
    `cond_dim`, [z, c] -> examples (the mlp reads c beside z, dcgan at every resolution)."""
    _check_shape(cfg, data_shape)
    if cfg.name == "mlp":
        g = mlp_generator(cfg.latent_dim + cond_dim, data_shape[0], cfg.depth, cfg.width,
                          cfg.activation, cfg.g_norm)
        if not cond_dim:
            return g
        z = keras.Input((cfg.latent_dim,), name="z")
        c = keras.Input((cond_dim,), name="c")
        return keras.Model([z, c], g(keras.layers.Concatenate()([z, c])), name="generator")
    return dcgan_generator(cfg.latent_dim, tuple(data_shape), cfg.filters, cfg.g_norm,
                           cond_dim=cond_dim)


def build_discriminator(cfg: NetConfig, data_shape: tuple[int, ...]) -> keras.Model:
    """D for a resolved config and one example's shape (its last axis multiplied by the
    PacGAN packing): packed examples -> one logit each."""
    _check_shape(cfg, data_shape)
    if cfg.name == "mlp":
        return mlp_discriminator(data_shape[0] * cfg.pack, cfg.depth, cfg.width, cfg.activation,
                                 cfg.d_norm, cfg.minibatch_std)
    h, w, c = data_shape
    return dcgan_discriminator((h, w, c * cfg.pack), cfg.filters, cfg.d_norm, cfg.minibatch_std)


def build_nets(cfg: NetConfig, data_shape: tuple[int, ...]) -> NetPair:
    """Builds G and D for a resolved config (see `resolve_net_config`) and one example's shape.

    Args:
        cfg: A net config with no `auto` left.
        data_shape: Shape of one example: (D,) for points, (H, W, C) for images.

    Returns:
        The `NetPair`; D takes PacGAN-packed inputs when `cfg.pack > 1`.
    """
    return NetPair(build_generator(cfg, data_shape), build_discriminator(cfg, data_shape), cfg)
