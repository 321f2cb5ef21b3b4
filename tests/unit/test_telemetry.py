"""Snapshot rate limiting and the pause / step / stop control."""

import threading

from ganstudio.core.telemetry import STEP_D, STEP_G, RateLimiter, TrainingControl


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_rate_limiter_lets_through_at_most_hz_per_second():
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock)
    passed = 0
    for _ in range(1000):  # 1000 steps over 2 seconds of wall-clock time
        clock.t += 0.002
        passed += limiter.ready()
    assert 19 <= passed <= 21
    images = RateLimiter(2.0, clock=clock)
    passed = 0
    for _ in range(100):  # 100 steps over 5 seconds at 2 Hz
        clock.t += 0.05
        passed += images.ready()
    assert 9 <= passed <= 11
    assert images.ready(force=True)  # the final snapshot always goes out


def test_rate_limiter_keeps_costly_events_to_their_share_of_time():
    clock = FakeClock()
    heavy = RateLimiter(2.0, clock=clock, max_share=0.03)
    passed, spent = 0, 0.0
    for _ in range(200):  # 200 steps of 0.4 s (a 28x28 net): 80 s
        clock.t += 0.4
        if heavy.ready():
            passed += 1
            heavy.spent(0.06)  # each heavy snapshot costs 60 ms
            spent += 0.06 if passed > 1 else 0.0  # the first is not counted (tracing)
    assert spent / clock.t <= 0.03 + 1e-9  # without the share, 0.06 s on every other step
    assert passed >= 30  # ...and still one every 2 s or so (0.06 / 0.03)
    cheap = RateLimiter(2.0, clock=clock, max_share=0.03)
    cheap.ready()
    cheap.spent(0.001)  # cheap events: the rate limit alone applies
    clock.t += 0.5
    assert cheap.ready()


def test_the_first_costly_event_does_not_hold_back_the_next():
    clock = FakeClock()
    heavy = RateLimiter(2.0, clock=clock, max_share=0.03)
    assert heavy.ready()
    heavy.spent(12.0)  # the first views trace their functions: seconds, once
    clock.t += 0.5
    assert heavy.ready()  # the plain rate applies, not 12 / 0.03 = 400 s
    heavy.spent(0.3)
    clock.t += 0.5
    assert not heavy.ready()  # from the second on, the share counts: 10 s
    clock.t += 10.0
    assert heavy.ready()


def test_pause_blocks_until_step_request_and_runs_single_updates():
    control = TrainingControl()
    assert control.checkpoint(lambda m: None)  # running: returns at once
    control.pause()
    done = []
    control.request_step(STEP_D)
    control.request_step(STEP_G)
    control.request_step("both")
    assert control.checkpoint(done.append, poll=0.01) is True
    assert done == [STEP_D, STEP_G]
    assert control.paused


def test_stop_wakes_a_paused_run():
    control = TrainingControl()
    control.pause()
    result = []
    t = threading.Thread(target=lambda: result.append(control.checkpoint(lambda m: None)))
    t.start()
    control.stop()
    t.join(timeout=5)
    assert not t.is_alive() and result == [False]


def test_resume_releases_a_paused_run():
    control = TrainingControl()
    control.pause()
    result = []
    t = threading.Thread(target=lambda: result.append(control.checkpoint(lambda m: None)))
    t.start()
    control.resume()
    t.join(timeout=5)
    assert result == [True]


def test_session_history_stays_bounded(monkeypatch):
    from ganstudio.config import RunConfig
    from ganstudio.core import callbacks
    from ganstudio.core.session import TrainingSession

    monkeypatch.setattr(callbacks, "MAX_HISTORY", 40)
    cfg = RunConfig.from_dict({
        "data": {"name": "ring8", "n_points": 1000},
        "net": {"width": 8, "depth": 1, "pack": 1},
        "train": {"steps": 120, "batch": 16, "jit": "off", "eval_every": 0},
    })
    session = TrainingSession(cfg, scalar_hz=0, image_hz=0.001)
    session.run()
    steps = [row["step"] for row in session.history]
    assert len(steps) <= 40 and steps == sorted(steps)
    assert steps[-1] == 120 and steps[0] <= 10  # the start is thinned, not dropped
