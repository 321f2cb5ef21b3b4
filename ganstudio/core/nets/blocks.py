"""Small building blocks shared by the architectures."""

from __future__ import annotations

import keras
from keras import ops


def activation_layer(name: str) -> keras.layers.Layer:
    """Returns a fresh activation layer for a config name (leaky_relu uses slope 0.2)."""
    if name == "leaky_relu":
        return keras.layers.LeakyReLU(negative_slope=0.2)
    return keras.layers.Activation(name)


@keras.saving.register_keras_serializable(package="ganstudio")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """Keras's `BatchNormalization`, run as one fused TensorFlow op on NHWC images.

    Keras 3 computes batch norm from separate ops (mean, squared difference, multiply, add);
    on a 28x28 DCGAN step that was 17% of the op time on CPU. For a 4-D input normalized over
    its last axis (channels last) this layer runs `FusedBatchNormV3` instead (one kernel
    forward, one backward), with the same outputs and the same moving statistics as the
    parent (the batch variance is the biased one, as Keras keeps it). Any other input, a mask,
    renormalization or synchronized statistics go through the parent's code.
    """

    def _fusable(self, inputs, mask) -> bool:
        return (keras.backend.backend() == "tensorflow" and mask is None and not self.renorm
                and not getattr(self, "synchronized", False) and len(inputs.shape) == 4
                and self.axis in (-1, 3) and inputs.dtype in ("float32", "float16", "bfloat16"))

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        channels = inputs.shape[-1]
        gamma = (ops.cast(self.gamma, "float32") if self.scale
                 else ops.ones((channels,), "float32"))
        beta = (ops.cast(self.beta, "float32") if self.center
                else ops.zeros((channels,), "float32"))
        if training and self.trainable:
            out, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                inputs, gamma, beta, epsilon=self.epsilon, data_format="NHWC",
                is_training=True)
            shape = tf.shape(inputs)
            n = tf.cast(shape[0] * shape[1] * shape[2], "float32")
            variance = variance * (n - 1.0) / tf.maximum(n, 1.0)  # the op's is unbiased
            self.moving_mean.assign(self.moving_mean * self.momentum
                                    + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum
                                        + variance * (1.0 - self.momentum))
        else:
            out, _, _ = tf.compat.v1.nn.fused_batch_norm(
                inputs, gamma, beta, mean=ops.cast(self.moving_mean, "float32"),
                variance=ops.cast(self.moving_variance, "float32"), epsilon=self.epsilon,
                data_format="NHWC", is_training=False)
        return ops.cast(out, self.compute_dtype)


def norm_layer(kind: str, axis: int = -1) -> keras.layers.Layer | None:
    """Returns a normalization layer for `batch` or `layer`, else `None` (batch norm runs
    fused on channels-last images: `FusedBatchNormalization`)."""
    if kind == "batch":
        return FusedBatchNormalization(axis=axis, momentum=0.9)
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
