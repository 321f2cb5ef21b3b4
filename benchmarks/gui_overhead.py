"""What the studio window costs: training speed inside it, GUI stalls, launch time, latent latency.

Prints, for each config:

- throughput ratio: training steps/s inside the running window (offscreen) divided by headless
  steps/s, both timed between the same snapshots after a warm-up (goal >= 0.95), in rounds
  that alternate headless and window runs;
- how busy the GUI thread is while training in those rounds: its CPU time in % of the wall
  time (each % is CPU taken from the training on a machine with few cores);
- the longest GUI-thread stall while training: a 5 ms QTimer's largest gap minus 5 ms
  (goal < 50 ms), in separate window rounds: the probe wakes the GUI thread 200 times a second
  and costs about 1.7% of a core itself, which is the benchmark's cost, not the studio's, so
  it is kept out of the throughput rounds;

and once:

- launch-to-window time of `python -m ganstudio gui --exit-after-show` (goal < 2 s);
- latent slider to updated image latency on digits after training (goal < 50 ms).

It prints numbers and asserts nothing. Run: `QT_QPA_PLATFORM=offscreen python
benchmarks/gui_overhead.py [--steps 600]`.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Periodic evaluation is off here: it costs the same inside and outside the window, and this
# benchmark measures what the window itself costs the training thread.
CONFIGS = {
    "ring8 (mlp, nonsaturating)": {"data": {"name": "ring8"}, "train": {"eval_every": 0}},
    "digits (dcgan, nonsaturating)": {"data": {"name": "digits"},
                                      "train": {"batch": 64, "eval_every": 0}},
}


class _Recorder:
    """Wraps a reporter; timestamps each snapshot in the training thread."""

    def __init__(self, inner=None) -> None:
        self.inner = inner
        self.marks: list[tuple[float, int]] = []

    def snapshot(self, snap) -> None:
        self.marks.append((time.perf_counter(), snap.step))
        if self.inner is not None:
            self.inner.snapshot(snap)

    def status(self, text: str) -> None:
        if self.inner is not None:
            self.inner.status(text)


def _rate(marks: list[tuple[float, int]], warmup: int) -> float:
    after = [(t, s) for t, s in marks if s >= warmup]
    if len(after) < 2:
        return float("nan")
    (t0, s0), (t1, s1) = after[0], after[-1]
    return (s1 - s0) / (t1 - t0) if t1 > t0 else float("nan")


def headless_rate(raw: dict, steps: int, warmup: int) -> float:
    """Steps/s of a plain `TrainingSession` (in a thread, as the studio runs it)."""
    from ganstudio.config import RunConfig
    from ganstudio.core.session import TrainingSession
    from ganstudio.ui.threads import lower_thread_priority

    cfg = RunConfig.from_dict(raw).with_changes(train={"steps": steps, "jit": "off"})
    rec = _Recorder()
    out: dict = {}

    def run() -> None:
        # As the studio's loop threads do. TensorFlow makes its compute pools in the first
        # thread that uses it (this one, in this process), and they inherit its priority; with
        # nothing else running, the priority does not change the headless speed.
        lower_thread_priority()
        session = TrainingSession(cfg, reporter=rec)
        session.prepare()
        out["result"] = session.run()
        # Free the models here, as the studio's worker frees a retired session in its own
        # thread: left to the garbage collector, their TensorFlow objects can be collected in
        # the GUI thread of the next window round, where freeing them waits on the training.
        del session
        gc.collect()

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return _rate(rec.marks, warmup)


def window_rate(raw: dict, steps: int, warmup: int,
                probe_ms: int | None = 5) -> tuple[float, float, float]:
    """Trains `steps` steps inside the studio window (offscreen) and times them.

    Args:
        raw: The run's settings, as a `RunConfig` dict.
        steps: Steps to train.
        warmup: Steps before the measurement starts.
        probe_ms: Interval of the GUI-thread timer whose late ticks are the stalls (None: no
            probe, the stall is nan).

    Returns:
        Steps/s after the warm-up, the longest GUI stall (ms) and how busy the GUI thread was
        over the same stretch (its CPU time in % of the wall time).
    """
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio.config import RunConfig
    from ganstudio.ui import theme
    from ganstudio.ui.main_window import MainWindow
    from ganstudio.ui.worker import default_session_factory

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app)
    recorders: list[_Recorder] = []

    def factory(config, reporter=None, **kwargs):
        rec = _Recorder(reporter)
        recorders.append(rec)
        return default_session_factory(config, reporter=rec, **kwargs)

    tmp = tempfile.mkdtemp()
    settings = QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat)
    cfg = RunConfig.from_dict(raw).with_changes(train={"steps": steps, "jit": "off"})
    window = MainWindow(session_factory=factory, settings=settings, param_counter=None,
                        initial_dataset=cfg.data.name)
    window.resize(1440, 900)
    window.show()
    loop = QEventLoop()
    window.dataset_loaded.connect(lambda _d: loop.quit())
    if window.dataset is None:
        loop.exec()
    window.setup.set_config(cfg)

    clock = QElapsedTimer()
    stalls: list[float] = []
    state = {"last": None, "measuring": False, "cpu0": 0.0, "wall0": 0.0}

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if state["measuring"] and state["last"] is not None:
            stalls.append(now - state["last"] - probe_ms)
        state["last"] = now

    def on_snapshot(snap) -> None:
        if snap.step >= warmup and not state["measuring"]:
            state["measuring"] = True
            state["cpu0"] = time.thread_time()
            state["wall0"] = time.perf_counter()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    clock.start()
    if probe_ms:
        timer.start(probe_ms)
    window.worker.snapshot_ready.connect(on_snapshot)
    done = QEventLoop()
    window.training_finished.connect(lambda _info: done.quit())
    window.start_training()
    done.exec()
    busy = (100 * (time.thread_time() - state["cpu0"]) / (time.perf_counter() - state["wall0"])
            if state["measuring"] else float("nan"))  # nan: training ended before the warm-up
    state["measuring"] = False
    timer.stop()
    window.close()
    rate = _rate(recorders[-1].marks, warmup) if recorders else float("nan")
    return rate, max(stalls) if stalls else float("nan"), busy


def latent_latency(moves: int = 20) -> float:
    """Median ms from a latent slider change to the new sample arriving, on digits."""
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio.ui import theme
    from ganstudio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app)
    tmp = tempfile.mkdtemp()
    settings = QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, param_counter=None, initial_dataset="digits")
    window.show()
    loop = QEventLoop()
    window.dataset_loaded.connect(lambda _d: loop.quit())
    if window.dataset is None:
        loop.exec()
    window.setup.steps.setValue(30)
    window.setup.batch.setValue(64)
    done = QEventLoop()
    window.training_finished.connect(lambda _info: done.quit())
    window.start_training()
    done.exec()
    explorer = window.explorer
    window.tabs.setCurrentIndex(1)
    arrived: list[float] = []
    window.inference.samples_ready.connect(lambda _rid, _s: arrived.append(time.perf_counter()))

    def wait_quiet(ms: int = 300) -> None:
        pause = QEventLoop()
        QTimer.singleShot(ms, pause.quit)
        pause.exec()

    wait_quiet(1000)
    slider = explorer.slider_rows[0].slider
    latencies = []
    for i in range(moves):
        arrived.clear()
        t0 = time.perf_counter()
        slider.setValue(slider.value() + (50 if i % 2 == 0 else -50))
        waiter = QEventLoop()
        check = QTimer()
        check.setInterval(1)
        check.timeout.connect(lambda w=waiter: w.quit() if arrived else None)
        check.start()
        QTimer.singleShot(2000, waiter.quit)
        waiter.exec()
        check.stop()
        app.processEvents()  # the explorer draws the sample it just received
        if arrived:
            latencies.append((time.perf_counter() - t0) * 1000)
        wait_quiet(120)
    window.close()
    return statistics.median(latencies) if latencies else float("nan")


def launch_time(runs: int = 3) -> tuple[float, float]:
    """Seconds from spawning `python -m ganstudio gui --exit-after-show` to the window."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": tempfile.mkdtemp()}
    walls, inside = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ganstudio", "gui", "--exit-after-show"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                env=env)
        for line in proc.stdout:
            if line.startswith("window shown after"):
                walls.append(time.perf_counter() - t0)
                inside.append(float(line.split()[3]))
                break
        proc.wait(timeout=60)
    return (statistics.median(walls) if walls else float("nan"),
            statistics.median(inside) if inside else float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7,
                        help="headless/window pairs per config, alternated (the median ratio "
                        "is reported: one pair on a noisy 2-core machine is not enough)")
    parser.add_argument("--stall-rounds", type=int, default=2,
                        help="window runs per config with the 5 ms stall probe")
    parser.add_argument("--only", default=None, metavar="TEXT",
                        help="run only the configs whose name contains TEXT (e.g. ring8), and "
                        "skip the launch and slider figures")
    args = parser.parse_args()
    configs = {k: v for k, v in CONFIGS.items() if args.only is None or args.only in k}
    print(f"{'config':32s} {'headless/s':>10s} {'window/s':>10s} {'ratio':>6s} {'GUI busy':>8s}")
    for name, raw in configs.items():
        ratios, cpus, stalls = [], [], []
        for _ in range(args.rounds):
            head = headless_rate(raw, args.steps, args.warmup)
            win, _stall, cpu = window_rate(raw, args.steps, args.warmup, probe_ms=None)
            ratios.append(win / head)
            cpus.append(cpu)
            print(f"{name:32s} {head:10.1f} {win:10.1f} {win / head:6.3f} {cpu:7.1f}%",
                  flush=True)
        for _ in range(args.stall_rounds):
            _win, stall, _cpu = window_rate(raw, args.steps, args.warmup, probe_ms=5)
            stalls.append(stall)
            print(f"{name:32s} stall probe round: longest stall {stall:.1f} ms", flush=True)
        print(f"{name:32s} median ratio {statistics.median(ratios):.3f} over {args.rounds} "
              f"rounds (GUI thread busy {statistics.median(cpus):.1f}% of the time); longest "
              f"stall {max(stalls, default=float('nan')):.1f} ms over {args.stall_rounds} "
              f"probe rounds", flush=True)
    if args.only is not None:
        return
    wall, inside = launch_time()
    print(f"launch to window: {wall:.2f} s from spawning the process "
          f"({inside:.2f} s after the studio's module was imported)")
    print(f"latent slider -> new digits sample: {latent_latency():.1f} ms (median of 20)")


if __name__ == "__main__":
    main()
