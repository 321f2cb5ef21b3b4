"""`core.optimizers.FusedAdam`: Keras's Adam in one kernel per variable, the same updates."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganstudio.config import ObjectiveConfig
from ganstudio.core.optimizers import FusedAdam
from ganstudio.core.precision import inner
from ganstudio.core.recipes.base import make_optimizer


def _train(cls, jit: bool, grads: list[list[np.ndarray]], start: list[np.ndarray]) -> list:
    weights = [keras.Variable(w) for w in start]
    rate = keras.optimizers.schedules.CosineDecay(1e-2, decay_steps=len(grads))
    opt = cls(rate, beta_1=0.5, beta_2=0.99, epsilon=1e-7)
    opt.build(weights)
    update = tf.function(lambda g: opt.apply(g, weights), jit_compile=jit)
    for g in grads:
        update([tf.constant(x) for x in g])
    return [w.numpy() for w in weights] + [v.numpy() for v in opt.variables]


@pytest.mark.parametrize("jit", [False, True])
def test_fused_adam_makes_keras_adams_updates_and_slots(jit):
    rng = np.random.default_rng(0)
    start = [rng.normal(size=(6, 3)).astype("float32"), rng.normal(size=3).astype("float32")]
    grads = [[rng.normal(size=w.shape).astype("float32") for w in start] for _ in range(6)]
    expected = _train(keras.optimizers.Adam, jit, grads, start)
    got = _train(FusedAdam, jit, grads, start)
    assert len(got) == len(expected)  # the same slots, in the same order (checkpoints)
    for a, b in zip(got, expected, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got[0], start[0])  # the weights moved


def test_a_sparse_gradient_takes_keras_update():
    def train(cls):
        keras.utils.set_random_seed(0)
        table = keras.layers.Embedding(10, 4)
        table.build((None,))
        opt = cls(1e-2)
        for ids in ([1, 2, 2], [3, 1, 7]):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(table(tf.constant(ids)) - 1.0))
            grads = tape.gradient(loss, table.trainable_variables)
            assert isinstance(grads[0], tf.IndexedSlices)
            opt.apply(grads, table.trainable_variables)
        return table.embeddings.numpy()

    np.testing.assert_allclose(train(FusedAdam), train(keras.optimizers.Adam), rtol=1e-6)


def test_the_recipes_adam_is_the_fused_one():
    assert isinstance(inner(make_optimizer(ObjectiveConfig(), 2e-4, 100)), FusedAdam)
    assert not isinstance(inner(make_optimizer(ObjectiveConfig(name="wgan"), 5e-5, 100)),
                          keras.optimizers.Adam)
