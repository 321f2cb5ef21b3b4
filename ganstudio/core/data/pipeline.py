"""The tf.data input pipeline: shuffled batches gathered from memory, prefetched.

Each stream of arrays is read in epochs: every epoch is one uniformly random permutation of its
rows (drawn from the seed and the epoch number, so a run is reproducible), the permutations
follow one another, and each batch is the next `batch` indices of that sequence, gathered from
the arrays in one `tf.gather` per array. A batch therefore costs a few ops whatever its size,
where shuffling and batching row by row cost a few microseconds per row on the same cores that
train (5 to 8% of ring8's steps/s on two cores, measured paired).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

PREFETCH = 2  # batches made ahead of the step


def epoch_order(n: int, batch: int, seed: int) -> tf.data.Dataset:
    """Endless index batches: epoch e is a random permutation of `range(n)` drawn from
    `(seed, e)`; the epochs are concatenated and cut into batches of exactly `batch` indices
    (a batch may span two epochs, or several when `n < batch`)."""

    def permutation(epoch):
        return tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.cast(seed, tf.int64), epoch]))

    return tf.data.Dataset.counter().map(permutation).rebatch(batch, drop_remainder=True)


def _stream(arrays: dict[str, np.ndarray], batch: int, seed: int) -> tf.data.Dataset:
    n = len(next(iter(arrays.values())))
    tensors = {k: np.asarray(v, np.float32) if np.asarray(v).dtype.kind == "f" else np.asarray(v)
               for k, v in arrays.items()}
    data = tf.data.Dataset.from_tensors(tensors).repeat()  # one buffer, shared by every batch

    def gather(rows, index):
        return {k: tf.gather(v, index) for k, v in rows.items()}

    return tf.data.Dataset.zip((data, epoch_order(n, batch, seed))).map(gather)


def make_pipeline(arrays: dict[str, np.ndarray] | Sequence[dict[str, np.ndarray]], batch: int,
                  seed: int) -> tf.data.Dataset:
    """Returns an endless, shuffled, batched and prefetched dataset of dicts of batches.

    Args:
        arrays: Named arrays with one row per example (`x` already in the network's range,
            `label`, `caption` ids, ...), as a recipe's `training_arrays()` gives them; rows
            stay together through the shuffle. Or a list of such dicts (a recipe's
            `training_streams()`): each stream is shuffled on its own, with its own length,
            and a batch merges `batch` rows of each (their keys must differ).
        batch: Rows per yielded batch (the recipe splits it for k D-steps).
        seed: Shuffle seed.

    Returns:
        A `tf.data.Dataset` yielding dicts of exactly `batch` rows each, forever; within each
        stream every row comes once per epoch (see `epoch_order`). Under a distribution
        strategy each replica takes its share of every batch; with several workers each one
        reads the same shuffled stream and keeps its own share of it (data sharding, as the
        arrays come from memory, not files).
    """
    streams = [arrays] if isinstance(arrays, dict) else list(arrays)
    keys = [k for s in streams for k in s]
    if len(keys) != len(set(keys)):
        raise ValueError(f"pipeline streams share array names: {keys}")
    parts = [_stream(s, batch, seed + 7 * i) for i, s in enumerate(streams)]
    ds = parts[0] if len(parts) == 1 else tf.data.Dataset.zip(tuple(parts)).map(
        lambda *dicts: {k: v for d in dicts for k, v in d.items()})
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # No autotuning: a batch is a few ops, so a fixed prefetch of two keeps the step fed, and
    # autotune's model thread made a finished iterator's destructor wait out its sleep (20 to
    # 30 s at a CLI run's exit on ring8, seen with gdb; an iterator dropped mid-run could wait
    # the same way).
    options.autotune.enabled = False
    return ds.prefetch(PREFETCH).with_options(options)
