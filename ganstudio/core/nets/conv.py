"""DCGAN-family convolutional generator and discriminator, sized from the image shape."""

from __future__ import annotations

import keras

from ganstudio.core.nets.blocks import (
    ConditionChannels,
    MinibatchStdDev,
    maybe_spectral,
    norm_layer,
)
from ganstudio.errors import ConfigError

MAX_FILTER_MULT = 8


def plan_resolutions(size: int) -> tuple[int, int]:
    """Returns (start side, upsamplings) so that start · 2^n == size and start is small.

    Example: 28 -> (7, 2); 64 -> (4, 4); 8 -> (4, 1); 30 -> (15, 1).

    Raises:
        ConfigError: if `size` is outside 8..128.
    """
    if not 8 <= size <= 128:
        raise ConfigError(f"net: dcgan supports images of 8 to 128 pixels, not {size}.",
                          "Set data.image_size between 8 and 128.")
    start, n = size, 0
    while start % 2 == 0 and start > 7:
        start //= 2
        n += 1
    return start, n


def _filters_at(filters: int, level: int) -> int:
    return filters * min(2**level, MAX_FILTER_MULT)


def dcgan_generator(latent_dim: int, shape: tuple[int, int, int], filters: int, norm: str,
                    cond_dim: int = 0, out_activation: str | None = "tanh",
                    name: str = "generator") -> keras.Model:
    """Builds the DCGAN generator: Dense -> reshape -> (ConvTranspose stride 2) x n -> tanh.

    Args:
        latent_dim: Size of z.
        shape: Output image shape (H, W, C) with H == W.
        filters: Filters of the last (full-resolution) block; doubles per level down, capped.
        norm: `batch`, `layer` or `none` after each transposed convolution.
        cond_dim: Size of a condition code c (0: none). With one, the model takes `[z, c]`
            and c also joins every resolution as constant channels, so each block sees it.
        out_activation: The output activation (`tanh`: images in [-1, 1]; `None`: linear,
            e.g. the logits of a decoder's Bernoulli likelihood).
        name: The model's name.

    Returns:
        A `keras.Model` mapping z (or [z, c]) to images (in [-1, 1] with `tanh`).
    """
    size, _, channels = shape
    start, n = plan_resolutions(size)
    z = keras.Input((latent_dim,), name="z")
    inputs = [z]
    h = z
    if cond_dim:
        c = keras.Input((cond_dim,), name="c")
        inputs.append(c)
        h = keras.layers.Concatenate()([z, c])
    h = keras.layers.Dense(start * start * _filters_at(filters, n), use_bias=norm == "none")(h)
    h = keras.layers.Reshape((start, start, _filters_at(filters, n)))(h)
    for layer in (norm_layer(norm), keras.layers.ReLU()):
        if layer is not None:
            h = layer(h)
    for level in range(n - 1, -1, -1):
        if cond_dim:
            h = ConditionChannels()([h, c])
        h = keras.layers.Conv2DTranspose(
            _filters_at(filters, level), 4, strides=2, padding="same", use_bias=norm == "none"
        )(h)
        layer = norm_layer(norm)
        if layer is not None:
            h = layer(h)
        h = keras.layers.ReLU()(h)
    out = keras.layers.Conv2D(channels, 3, padding="same", activation=out_activation,
                              name="image")(h)
    return keras.Model(inputs if cond_dim else z, out, name=name)


def dcgan_discriminator(
    shape: tuple[int, int, int], filters: int, norm: str, minibatch_std: bool = False
) -> keras.Model:
    """Builds the DCGAN discriminator: (Conv stride 2 -> norm -> LeakyReLU) x n -> Dense(1).

    Args:
        shape: Input shape (H, W, C), C possibly multiplied by PacGAN packing.
        filters: Filters of the first block; doubles per level, capped.
        norm: `batch`, `layer`, `spectral` or `none` (never on the first block).
        minibatch_std: Append a minibatch standard-deviation channel before the last block.

    Returns:
        A `keras.Model` named "discriminator" that outputs one logit per input.
    """
    size = shape[0]
    _, n = plan_resolutions(size)
    x = keras.Input(shape, name="x")
    h = x
    for level in range(n):
        conv = keras.layers.Conv2D(_filters_at(filters, level), 4, strides=2, padding="same")
        h = maybe_spectral(conv, norm)(h)
        if level > 0:
            layer = norm_layer(norm)
            if layer is not None:
                h = layer(h)
        h = keras.layers.LeakyReLU(negative_slope=0.2)(h)
    if minibatch_std:
        h = MinibatchStdDev(name="minibatch_std")(h)
    h = maybe_spectral(keras.layers.Conv2D(_filters_at(filters, n), 3, padding="same"), norm)(h)
    h = keras.layers.LeakyReLU(negative_slope=0.2)(h)
    h = keras.layers.Flatten()(h)
    out = maybe_spectral(keras.layers.Dense(1, name="logit"), norm)(h)
    return keras.Model(x, out, name="discriminator")
