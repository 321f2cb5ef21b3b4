"""What a recipe's `train_step` does differently when it runs as one of several replicas.

Under a `tf.distribute` strategy (`core.distribute`) Keras runs `train_step` once per replica,
each on its share of the global batch (`batch / replicas` rows), and every `optimizer.apply`
sums the replicas' gradients (an all-reduce with SUM). So that a step on N replicas is the
step one device makes on the same global batch:

- losses divide by the *global* batch (`objectives.batch_mean`): each replica's gradient is its
  share of the global mean's gradient, and their sum is that gradient;
- random draws (z, the gradient penalty's α, mismatched conditions) differ between replicas.
  Keras's `SeedGenerator` gives every replica the same state (keras#20611), so a plain
  `keras.random.normal(..., seed=self.seed_generator)` would draw the *same* z on each replica.
  Here each replica draws the values of the whole global batch from that shared state and
  keeps its own rows, picked by `replica_id_in_sync_group`: different values on each replica,
  and together exactly the values one device draws for the global batch, so a step on N
  devices is the step one device makes on the same global batch (what
  `tests/unit/test_distribute.py` checks, to 1e-5). The extra draws cost N× a batch of
  latents, nothing next to the networks;
- the step's logs become the global batch's figures on every replica (`global_logs`), so the
  loss plot shows the same numbers on one device or several.

On one device (no strategy, or the default one) every helper is exactly the plain call.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import keras
import tensorflow as tf


def replica_position() -> tuple[Any, int]:
    """This replica's index (a tensor under a strategy, else 0) and the replica count.

    In a cross-replica context (code that runs outside `strategy.run`, such as the Step
    buttons' single updates) the whole batch is there: (0, 1).
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return 0, 1
    return ctx.replica_id_in_sync_group, int(ctx.num_replicas_in_sync)


def _own_rows(draw, shape, **kwargs):
    """Draws `shape` ([local rows, ...]) for this replica: the whole global batch's values
    from the shared seed state, then this replica's rows of them."""
    index, count = replica_position()
    if count == 1:
        return draw(shape, **kwargs)
    rows = shape[0]
    whole = draw((rows * count, *shape[1:]), **kwargs)
    return whole[index * rows:(index + 1) * rows]


def normal(shape, seed, dtype=None):
    """`keras.random.normal(shape, seed=seed)` with this replica's own rows of the global draw.

    Args:
        shape: [local rows, ...]: the first axis is the replica's share of the batch.
        seed: The recipe's `keras.random.SeedGenerator`.
        dtype: The values' dtype (default: Keras's float type).

    Returns:
        A tensor of `shape` standard normal values.
    """
    return _own_rows(keras.random.normal, shape, seed=seed, dtype=dtype)


def uniform(shape, minval=0.0, maxval=1.0, seed=None, dtype=None):
    """`keras.random.uniform` with this replica's own rows of the global draw (see `normal`)."""
    return _own_rows(keras.random.uniform, shape, minval=minval, maxval=maxval, seed=seed,
                     dtype=dtype)


def randint(shape, minval, maxval, seed=None, dtype="int32"):
    """`keras.random.randint` with this replica's own rows of the global draw (see `normal`)."""
    return _own_rows(keras.random.randint, shape, minval=minval, maxval=maxval, seed=seed,
                     dtype=dtype)


def gradient_norm(grads: list) -> tf.Tensor:
    """The global L2 norm of the gradient the optimizer applies.

    Under several replicas each one holds its share of the gradient; the norm is that of
    their sum, which costs one more all-reduce of the gradients (the optimizer's own sum is
    inside `optimizer.apply` and not returned).
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is not None and ctx.num_replicas_in_sync > 1:
        grads = ctx.all_reduce(tf.distribute.ReduceOp.SUM,
                               [g for g in grads if g is not None])
    return tf.linalg.global_norm(grads)


def global_logs(logs: dict[str, Any], shares: Collection[str]) -> dict[str, Any]:
    """A step's scalars as the global batch's figures, the same on every replica.

    Args:
        logs: Scalar tensors of one replica's step.
        shares: The keys that are this replica's share of a global-batch figure (the losses,
            made with `batch_mean`): they are summed over the replicas. Every other scalar is
            a figure of the replica's own rows (a mean over them) or already global (a
            `gradient_norm`): they are averaged (the replicas' shares of the batch are equal).

    Returns:
        The logs, all-reduced in one call. Under a multi-worker strategy each value has the
        shape [1]: Keras reduces a multi-worker step's logs with a MEAN along axis 0, which a
        scalar does not have (TF#72388); its callbacks turn them back into floats.
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1 or not logs:
        return logs
    keys = list(logs)
    count = float(ctx.num_replicas_in_sync)
    stacked = tf.stack([tf.cast(tf.reshape(logs[k], ()), tf.float32)
                        * (1.0 if k in shares else 1.0 / count) for k in keys])
    summed = ctx.all_reduce(tf.distribute.ReduceOp.SUM, stacked)
    wrap = _multi_worker(tf.distribute.get_strategy())
    return {k: (summed[i:i + 1] if wrap else summed[i]) for i, k in enumerate(keys)}


def _multi_worker(strategy) -> bool:
    """Whether Keras reduces the step's logs the multi-worker way (Keras's own test, from
    `keras.src.backend.tensorflow.trainer`: a `MultiWorkerMirroredStrategy` with a cluster)."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    return bool(strategy.extended._in_multi_worker_mode())
