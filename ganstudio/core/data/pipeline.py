"""The tf.data input pipeline: shuffle, batch, cache, prefetch, in the network's range."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf


def _stream(arrays: dict[str, np.ndarray], batch: int, seed: int,
            shuffle_buffer: int) -> tf.data.Dataset:
    n = len(next(iter(arrays.values())))
    tensors = {k: np.asarray(v, np.float32) if np.asarray(v).dtype.kind == "f" else np.asarray(v)
               for k, v in arrays.items()}
    ds = tf.data.Dataset.from_tensor_slices(tensors).cache()
    ds = ds.shuffle(min(n, shuffle_buffer), seed=seed, reshuffle_each_iteration=True)
    return ds.repeat().batch(batch, drop_remainder=True)


def make_pipeline(arrays: dict[str, np.ndarray] | Sequence[dict[str, np.ndarray]], batch: int,
                  seed: int, shuffle_buffer: int = 10_000) -> tf.data.Dataset:
    """Returns an endless, shuffled, batched and prefetched dataset of dicts of batches.

    Args:
        arrays: Named arrays with one row per example (`x` already in the network's range,
            `label`, `caption` ids, ...), as a recipe's `training_arrays()` gives them; rows
            stay together through the shuffle. Or a list of such dicts (a recipe's
            `training_streams()`): each stream is shuffled on its own, with its own length,
            and a batch merges `batch` rows of each (their keys must differ).
        batch: Rows per yielded batch (the recipe splits it for k D-steps).
        seed: Shuffle seed.
        shuffle_buffer: Upper bound of the shuffle buffer (the whole set when smaller).

    Returns:
        A `tf.data.Dataset` yielding dicts of exactly `batch` rows each, forever. Under a
        distribution strategy each replica takes its share of every batch; with several
        workers each one reads the same shuffled stream and keeps its own share of it (data
        sharding, as the arrays come from memory, not files).
    """
    streams = [arrays] if isinstance(arrays, dict) else list(arrays)
    keys = [k for s in streams for k in s]
    if len(keys) != len(set(keys)):
        raise ValueError(f"pipeline streams share array names: {keys}")
    parts = [_stream(s, batch, seed + 7 * i, shuffle_buffer) for i, s in enumerate(streams)]
    ds = parts[0] if len(parts) == 1 else tf.data.Dataset.zip(tuple(parts)).map(
        lambda *dicts: {k: v for d in dicts for k, v in d.items()})
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.prefetch(tf.data.AUTOTUNE).with_options(options)
