"""Multi-layer perceptrons for point data (2D toys and a user's own points)."""

from __future__ import annotations

import keras

from ganstudio.core.nets.blocks import MinibatchStdDev, activation_layer, maybe_spectral, norm_layer


def mlp_generator(
    latent_dim: int, out_dim: int, depth: int, width: int, activation: str, norm: str
) -> keras.Model:
    """Builds z -> [Dense(width) -> norm -> act] x depth -> Dense(out_dim), linear output.

    Args:
        latent_dim: Size of z.
        out_dim: Size of one data point.
        depth: Hidden layers.
        width: Units per hidden layer.
        activation: Hidden activation name.
        norm: `batch`, `layer` or `none`.

    Returns:
        An uncompiled `keras.Model` named "generator".
    """
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i in range(depth):
        h = keras.layers.Dense(width, name=f"dense_{i}")(h)
        layer = norm_layer(norm)
        if layer is not None:
            h = layer(h)
        h = activation_layer(activation)(h)
    out = keras.layers.Dense(out_dim, name="out")(h)
    return keras.Model(z, out, name="generator")


def mlp_discriminator(
    in_dim: int,
    depth: int,
    width: int,
    activation: str,
    norm: str,
    minibatch_std: bool = False,
) -> keras.Model:
    """Builds x -> [Dense(width) -> norm -> act] x depth -> Dense(1) logit.

    Args:
        in_dim: Size of one (possibly packed) input.
        depth: Hidden layers.
        width: Units per hidden layer.
        activation: Hidden activation name.
        norm: `batch`, `layer`, `spectral` or `none`.
        minibatch_std: Append the minibatch standard deviation before the last layer.

    Returns:
        An uncompiled `keras.Model` named "discriminator" that outputs one logit per input.
    """
    x = keras.Input((in_dim,), name="x")
    h = x
    for i in range(depth):
        h = maybe_spectral(keras.layers.Dense(width, name=f"dense_{i}"), norm)(h)
        layer = norm_layer(norm)
        if layer is not None:
            h = layer(h)
        h = activation_layer(activation)(h)
    if minibatch_std:
        h = MinibatchStdDev(name="minibatch_std")(h)
    out = maybe_spectral(keras.layers.Dense(1, name="logit"), norm)(h)
    return keras.Model(x, out, name="discriminator")
