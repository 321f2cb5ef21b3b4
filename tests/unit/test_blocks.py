"""The shared net blocks: fused batch norm matches Keras's own layer."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganstudio.core.nets.blocks import FusedBatchNormalization, norm_layer


def _pair(shape, seed=0):
    rng = np.random.default_rng(seed)
    ref = keras.layers.BatchNormalization(momentum=0.9)
    fused = FusedBatchNormalization(momentum=0.9)
    for layer in (ref, fused):
        layer.build(shape)
    gamma = rng.normal(1.0, 0.2, shape[-1]).astype("float32")
    beta = rng.normal(0.0, 0.5, shape[-1]).astype("float32")
    for layer in (ref, fused):
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    return ref, fused


def test_fused_batch_norm_matches_keras_in_training_and_inference():
    x = tf.constant(np.random.default_rng(1).normal(2.0, 3.0, (8, 5, 5, 4)).astype("float32"))
    ref, fused = _pair(x.shape)
    outs, grads = [], []
    for layer in (ref, fused):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * tf.sin(x))
        outs.append(y.numpy())
        grads.append([g.numpy() for g in tape.gradient(loss, [x, layer.gamma, layer.beta])])
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5)
    for a, b in zip(*grads, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)
    # the moving statistics moved alike (the biased batch variance, as Keras keeps it)
    np.testing.assert_allclose(ref.moving_mean.numpy(), fused.moving_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(ref.moving_variance.numpy(), fused.moving_variance.numpy(),
                               atol=1e-5)
    assert not np.allclose(fused.moving_mean.numpy(), 0.0)
    np.testing.assert_allclose(ref(x, training=False).numpy(), fused(x, training=False).numpy(),
                               atol=1e-5)


def test_fused_batch_norm_falls_back_on_flat_features():
    x = tf.constant(np.random.default_rng(2).normal(size=(16, 6)).astype("float32"))
    ref, fused = _pair(x.shape)
    np.testing.assert_allclose(ref(x, training=True).numpy(), fused(x, training=True).numpy(),
                               atol=1e-5)
    assert isinstance(norm_layer("batch"), FusedBatchNormalization)
