"""Small building blocks shared by the architectures."""

from __future__ import annotations

import keras
from keras import ops


def activation_layer(name: str) -> keras.layers.Layer:
    """Returns a fresh activation layer for a config name (leaky_relu uses slope 0.2)."""
    if name == "leaky_relu":
        return keras.layers.LeakyReLU(negative_slope=0.2)
    return keras.layers.Activation(name)


def norm_layer(kind: str, axis: int = -1) -> keras.layers.Layer | None:
    """Returns a normalization layer for `batch` or `layer`, else `None`."""
    if kind == "batch":
        return keras.layers.BatchNormalization(axis=axis, momentum=0.9)
    if kind == "layer":
        return keras.layers.LayerNormalization(axis=axis)
    return None


def maybe_spectral(layer: keras.layers.Layer, d_norm: str) -> keras.layers.Layer:
    """Wraps a weight layer in spectral normalization when `d_norm == "spectral"`."""
    if d_norm == "spectral":
        return keras.layers.SpectralNormalization(layer)
    return layer


@keras.saving.register_keras_serializable(package="ganstudio")
class MinibatchStdDev(keras.layers.Layer):
    """Appends the minibatch standard deviation as one extra feature (Karras et al. 2018).

    For [N, F] inputs it appends mean_f std_n(x) as a column; for [N, H, W, C] a constant
    channel. It lets D see the variety of a batch, which discourages mode collapse.
    """

    def call(self, x):
        std = ops.sqrt(ops.var(x, axis=0) + 1e-8)
        mean_std = ops.mean(std)
        return ops.concatenate([x, ops.ones_like(x[..., :1]) * mean_std], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], None if input_shape[-1] is None else input_shape[-1] + 1)


@keras.saving.register_keras_serializable(package="ganstudio")
class Pack(keras.layers.Layer):
    """PacGAN packing (Lin et al. 2018): m consecutive samples become one D input.

    [N, ...] -> [N / m, ..., m·C]: concatenated along the last axis (features or channels).
    """

    def __init__(self, m: int, **kwargs):
        super().__init__(**kwargs)
        self.m = m

    def call(self, x):
        if self.m == 1:
            return x
        shape = ops.shape(x)
        rest = list(x.shape[1:])
        y = ops.reshape(x, [shape[0] // self.m, self.m, *rest])
        # move the pack axis next to the last (feature/channel) axis, then merge them
        perm = [0, *range(2, len(rest) + 1), 1, len(rest) + 1]
        y = ops.transpose(y, perm)
        return ops.reshape(y, [shape[0] // self.m, *rest[:-1], rest[-1] * self.m])

    def get_config(self):
        return {**super().get_config(), "m": self.m}


@keras.saving.register_keras_serializable(package="ganstudio")
class ConditionChannels(keras.layers.Layer):
    """Joins a condition code to a feature map as constant channels: ([N, H, W, C], [N, E]) ->
    [N, H, W, C + E] (a conditional generator's blocks each see the condition this way)."""

    def call(self, inputs):
        h, c = inputs
        shape = ops.shape(h)
        tiled = ops.broadcast_to(ops.cast(c, h.dtype)[:, None, None, :],
                                 (shape[0], shape[1], shape[2], ops.shape(c)[-1]))
        return ops.concatenate([h, tiled], axis=-1)

    def compute_output_shape(self, input_shape):
        h, c = input_shape
        channels = None if h[-1] is None or c[-1] is None else h[-1] + c[-1]
        return (*h[:-1], channels)
