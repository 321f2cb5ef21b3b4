"""The live views' numpy helpers (EMA smoothing, decimation) and the frame budget."""

from __future__ import annotations

import numpy as np
import pytest

from ganstudio.ui.frame_budget import FrameBudget
from ganstudio.ui.history import DecimatingSeries, RingBuffer, ema


def _ema_by_hand(values, weight):
    out, acc, debias, last = [], 0.0, 1.0, float("nan")
    for v in values:
        if np.isfinite(v):
            acc = weight * acc + (1 - weight) * v
            debias *= weight
            last = acc / (1 - debias)
        out.append(last)
    return np.array(out)


@pytest.mark.parametrize("weight", [0.3, 0.6, 0.99])
def test_ema_matches_the_recurrence_and_carries_over_non_finite_values(weight):
    values = np.random.default_rng(1).standard_normal(500)
    values[[0, 3, 4, 250, 499]] = [np.nan, np.inf, np.nan, -np.inf, np.nan]
    np.testing.assert_allclose(ema(values, weight), _ema_by_hand(values, weight), rtol=1e-12)


def test_ema_debiases_the_start_and_leaves_raw_values_at_zero_weight():
    assert ema(np.array([2.0, 2.0, 2.0]), 0.9).tolist() == pytest.approx([2.0, 2.0, 2.0])
    assert ema(np.array([1.0, 2.0]), 0.5).tolist() == pytest.approx([1.0, 5 / 3])
    raw = np.array([1.0, np.nan, 3.0])
    np.testing.assert_array_equal(ema(raw, 0.0), raw)
    assert np.isnan(ema(np.array([np.nan, np.nan]), 0.5)).all()


def test_decimating_series_stays_bounded_and_spans_the_run():
    series = DecimatingSeries(capacity=8)
    for step in range(100):
        series.append(step, -step)
    assert len(series) <= 8
    assert series.x[0] == 0 and series.x[-1] >= 80
    assert (np.diff(series.x) > 0).all() and (series.y == -series.x).all()


class _Clocks:
    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def frame(self, interval_ms: int, cpu_ms: float) -> None:
        self.wall += interval_ms / 1000
        self.cpu += cpu_ms / 1000


def test_going_back_drops_what_came_after_the_step():
    series = DecimatingSeries(capacity=8)
    for step in range(1, 21):  # decimated: every other point kept, then every fourth
        series.append(float(step), float(step) * 2)
    kept = series.x.copy()
    series.drop_after(10.0)
    assert list(series.x) == [x for x in kept if x <= 10] and series.y[-1] == series.x[-1] * 2
    series.append(11.0, 22.0)  # new points follow the kept ones
    assert series.x[-1] == 11.0
    frames = RingBuffer(capacity=5)
    for step in (3, 6, 9, 12):
        frames.append(step)
    assert frames.drop_newest_while(lambda step: step > 7) == 2
    assert [frames[i] for i in range(len(frames))] == [3, 6]


def test_the_frame_clock_slows_down_only_while_drawing_costs_too_much():
    clocks = _Clocks()
    budget = FrameBudget(base_ms=250, max_ms=1000, share=0.025, cpu=lambda: clocks.cpu,
                         wall=lambda: clocks.wall)
    assert budget.next_interval(training=True) == 250  # the first frame measures nothing
    interval = 250
    for _ in range(20):  # 12.5 ms of GUI work a frame: 5% at 4 frames a second
        clocks.frame(interval, 12.5)
        interval = budget.next_interval(training=True)
    assert 480 <= interval <= 520  # 12.5 ms / 2.5% = 500 ms
    assert budget.measured_share == pytest.approx(0.025, rel=0.05)
    clocks.frame(interval, 400)  # a very slow frame: capped
    assert budget.next_interval(training=True) <= 1000
    for _ in range(20):  # cheap frames: back to the base rate
        clocks.frame(interval, 1.0)
        interval = budget.next_interval(training=True)
    assert interval == 250
    clocks.frame(interval, 50)
    assert budget.next_interval(training=False) == 250  # idle or paused: always the base rate


def test_the_window_drives_its_frame_clock_by_the_budget(make_window, qtbot):
    window = make_window(step_seconds=0.001)
    window.setup.steps.setValue(100_000)
    window.frame_budget.share = 1e-6  # any drawing is over budget: the clock slows down
    window.start_training()
    qtbot.waitUntil(lambda: window.refresh_timer.interval() == window.frame_budget.max_ms,
                    timeout=10_000)
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.stop_action.trigger()
    qtbot.waitUntil(lambda: window.refresh_timer.interval() == 250, timeout=5_000)
