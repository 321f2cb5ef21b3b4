"""The input pipeline: epochs of uniform permutations, gathered a batch at a time."""

from __future__ import annotations

import numpy as np
import pytest

from ganstudio.core.data.pipeline import make_pipeline


def take(ds, batches: int) -> list[dict[str, np.ndarray]]:
    return [{k: v.numpy() for k, v in b.items()} for b in ds.take(batches)]


def test_every_row_comes_once_an_epoch_and_batches_run_across_epochs():
    x = np.arange(10, dtype=np.float64)[:, None]
    batches = take(make_pipeline({"x": x}, batch=4, seed=3), 10)  # 40 rows: 4 epochs
    assert all(b["x"].shape == (4, 1) and b["x"].dtype == np.float32 for b in batches)
    order = np.concatenate([b["x"][:, 0] for b in batches])
    epochs = order.reshape(4, 10)
    for epoch in epochs:
        assert sorted(epoch) == list(range(10))
    assert len({tuple(e) for e in epochs}) == 4  # a new permutation each epoch


def test_a_set_smaller_than_a_batch_fills_it_from_whole_epochs():
    x = np.arange(3, dtype=np.float32)[:, None]
    (batch,) = take(make_pipeline({"x": x}, batch=8, seed=0), 1)
    rows = batch["x"][:, 0]
    assert sorted(rows[:3]) == sorted(rows[3:6]) == [0, 1, 2]
    assert set(rows[6:]) <= {0, 1, 2}


def test_named_arrays_keep_their_rows_together_and_keep_their_dtypes():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    label = np.arange(6, dtype=np.int64) * 10
    for b in take(make_pipeline({"x": x, "label": label}, batch=4, seed=1), 6):
        assert b["label"].dtype == np.int64
        np.testing.assert_array_equal(b["x"][:, 0] * 5, b["label"])


def test_streams_of_different_lengths_each_run_their_own_epochs():
    a = {"x_a": np.arange(5, dtype=np.float32)[:, None]}
    b = {"x_b": np.arange(7, dtype=np.float32)[:, None] + 100}
    batches = take(make_pipeline([a, b], batch=5, seed=2), 7)  # 35 rows of each
    xa = np.concatenate([t["x_a"][:, 0] for t in batches]).reshape(7, 5)
    xb = np.concatenate([t["x_b"][:, 0] for t in batches]).reshape(5, 7)
    assert all(sorted(e) == list(range(5)) for e in xa)
    assert all(sorted(e) == list(range(100, 107)) for e in xb)
    with pytest.raises(ValueError, match="share array names"):
        make_pipeline([a, {"x_a": b["x_b"]}], batch=5, seed=2)


def test_the_seed_fixes_the_order():
    x = np.arange(50, dtype=np.float32)[:, None]

    def order(seed):
        return np.concatenate([b["x"][:, 0] for b in take(make_pipeline({"x": x}, 16, seed), 6)])

    np.testing.assert_array_equal(order(4), order(4))
    assert not np.array_equal(order(4), order(5))


def test_the_pipeline_runs_without_autotune_and_a_fixed_prefetch():
    # With tf.data's autotuning on, the iterator's model thread made its destructor wait out
    # the thread's sleep: a CLI run on ring8 sat 20 to 30 s after "finished" before exiting.
    from ganstudio.core.data.pipeline import PREFETCH

    ds = make_pipeline({"x": np.zeros((10, 2), np.float32)}, batch=4, seed=0)
    assert ds.options().autotune.enabled is False
    assert PREFETCH >= 1
    assert len(take(ds, 3)) == 3
