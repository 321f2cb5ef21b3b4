"""The tf.data input pipeline: shuffle, batch, cache, prefetch, in the network's range."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def make_pipeline(arrays: dict[str, np.ndarray], batch: int, seed: int,
                  shuffle_buffer: int = 10_000) -> tf.data.Dataset:
    """Returns an endless, shuffled, batched and prefetched dataset of dicts of batches.

    Args:
        arrays: Named arrays with one row per example (`x` already in the network's range,
            `label`, `caption` ids, ...), as a recipe's `training_arrays()` gives them; rows
            stay together through the shuffle.
        batch: Rows per yielded batch (the recipe splits it for k D-steps).
        seed: Shuffle seed.
        shuffle_buffer: Upper bound of the shuffle buffer (the whole set when smaller).

    Returns:
        A `tf.data.Dataset` yielding dicts of exactly `batch` rows each, forever. Under a
        distribution strategy each replica takes its share of every batch; with several
        workers each one reads the same shuffled stream and keeps its own share of it (data
        sharding, as the arrays come from memory, not files).
    """
    n = len(next(iter(arrays.values())))
    tensors = {k: np.asarray(v, np.float32) if np.asarray(v).dtype.kind == "f" else np.asarray(v)
               for k, v in arrays.items()}
    ds = tf.data.Dataset.from_tensor_slices(tensors).cache()
    ds = ds.shuffle(min(n, shuffle_buffer), seed=seed, reshuffle_each_iteration=True)
    ds = ds.repeat().batch(batch, drop_remainder=True)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.prefetch(tf.data.AUTOTUNE).with_options(options)
