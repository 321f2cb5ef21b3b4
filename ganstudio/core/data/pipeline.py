"""The tf.data input pipeline: shuffle, batch, cache, prefetch, in the network's range."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def make_pipeline(x_net: np.ndarray, batch: int, seed: int, shuffle_buffer: int = 10_000) -> tf.data.Dataset:
    """Returns an endless, shuffled, batched and prefetched dataset of examples.

    Args:
        x_net: Examples already mapped to the network's range (`Normalizer.to_net`).
        batch: Examples per yielded batch (the recipe splits it for k D-steps).
        seed: Shuffle seed.
        shuffle_buffer: Upper bound of the shuffle buffer (the whole set when smaller).

    Returns:
        A `tf.data.Dataset` yielding float32 batches of exactly `batch` examples, forever.
    """
    ds = tf.data.Dataset.from_tensor_slices(np.asarray(x_net, np.float32)).cache()
    ds = ds.shuffle(min(len(x_net), shuffle_buffer), seed=seed, reshuffle_each_iteration=True)
    ds = ds.repeat().batch(batch, drop_remainder=True)
    return ds.prefetch(tf.data.AUTOTUNE)
