"""Plain-numpy snapshots of a run at a bounded rate, and the pause/stop/step control.

Training runs at full speed; only the emission is throttled, by wall-clock time, at the
source: scalars at most `scalar_hz` (10 Hz), images or points at most `image_hz` (2 Hz; none
for a run nobody watches, the CLI's).
This module has no Keras in it, so the UI and tests can use `Snapshot` and `TrainingControl`
without TensorFlow.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

STEP_BOTH = "both"
STEP_D = "d"
STEP_G = "g"
STEP_MODES = (STEP_BOTH, STEP_D, STEP_G)


@dataclass(frozen=True)
class Snapshot:
    """What the views get: numbers and numpy arrays only, never a tensor.

    Args:
        step: Generator updates so far.
        epoch: Passes over the data so far.
        elapsed: Seconds of training in this session.
        steps_per_sec: Recent training speed.
        scalars: Per-step values (`d_loss`, `g_loss`, `value`, `d_real`, `d_fake`,
            `grad_norm_d`, `grad_norm_g`, and derived `jsd` or `wasserstein`).
        critic: True when D outputs are critic values (WGAN, hinge), not probabilities.
        metrics: Quality metrics, when an evaluation ran at this step.
        panels: The family's live views by key (`core.panels` dataclasses: `samples`,
            `d_hist`, ...), present when this snapshot carries the heavy parts.
        event: Why this snapshot was made: `"tick"` (periodic), `"step"` (a single D or G
            step), `"paused"`, `"metrics"` (an evaluation ran), `"final"`.
    """

    step: int
    epoch: int = 0
    elapsed: float = 0.0
    steps_per_sec: float = 0.0
    scalars: dict[str, float] = field(default_factory=dict)
    critic: bool = False
    metrics: dict[str, float] | None = None
    event: str = "tick"
    panels: dict[str, Any] = field(default_factory=dict)

    @property
    def has_images(self) -> bool:
        """True when this snapshot carries the heavy parts (histograms, samples)."""
        return bool(self.panels)


class Reporter(Protocol):
    """Where a session sends what it has to say (the worker in the studio, the CLI's bar)."""

    def snapshot(self, snap: Snapshot) -> None:
        """A new snapshot; called from the training thread."""

    def status(self, text: str) -> None:
        """A one-line status (loading, compiling, checkpoint written, ...)."""


class TrainingHost(Protocol):
    """What the telemetry callback needs from the run it watches (the `TrainingSession`).

    Attributes:
        step: Training steps so far.
        reporter: Where snapshots and status lines go.
        control: Pause / stop / single-step control.
        history: Scalar rows kept for the run's files.
        watched_scalars: Scalars whose becoming NaN or infinite stops training.
        stop_rule: The stop rule, once an evaluation made one (or `None`).
        evaluator: The quality evaluator, once made (its `main_metric`).
        out_dir: The run folder (its `checkpoints/`), or `None` when nothing is written.
        chief: Whether this process reports: snapshots and evaluations come from the chief
            only when several workers train together (the others just train).
        per_call_untuned: Whether auto steps per call still waits for `tune_per_call`.
        scalar_hz: The most scalar snapshots a second.
        image_hz: The most snapshots a second with the heavy views (histograms, samples),
            or `None` for none while training.
    """

    step: int
    reporter: Reporter
    control: TrainingControl
    history: list[dict[str, float]]
    watched_scalars: tuple[str, ...]
    stop_rule: Any
    evaluator: Any
    out_dir: Path | None
    chief: bool
    per_call_untuned: bool
    scalar_hz: float
    image_hz: float | None

    def scalars(self, logs: dict[str, Any]) -> dict[str, float]:
        """A step's logs as floats plus derived figures."""

    def snapshot(self, scalars: dict[str, float], steps_per_sec: float, elapsed: float,
                 heavy: bool, event: str = "tick",
                 metrics: dict[str, float] | None = None) -> Snapshot:
        """A snapshot of the current state (`heavy`: with the live panels)."""

    def equilibrium(self, scalars: dict[str, float]) -> float | None:
        """Mean D output for the stop rule, or `None`."""

    def evaluate_now(self) -> dict[str, float]:
        """Quality figures now."""

    def save_checkpoint(self, periodic: bool = False) -> Any:
        """Keeps the state as the last good one and writes a checkpoint (`periodic`: asked
        for by the interval; an autosave may wait for its clock)."""

    def autosave_due(self) -> bool:
        """Whether an autosave is due by the clock whatever the step."""

    def single_update(self, mode: str) -> dict[str, float]:
        """One update of one player (a Step button while paused)."""

    def count_steps(self, counting: bool) -> None:
        """Starts (from the true count) or stops counting `step` in Python during `fit`."""

    def step_done(self, steps: int = 1) -> None:
        """`steps` `train_step`s ran (one compiled call): `step` goes up by that many when
        counting."""

    def diverged(self, names: list[str]) -> Exception:
        """The error for watched scalars that became NaN or infinite at this step."""

    def tune_per_call(self, step_seconds: float, trace_seconds: float | None) -> None:
        """Auto steps per call's measurement: one step's and the first (tracing) call's time."""

    def plan_per_call(self, remaining: int) -> int:
        """Steps the next compiled call should run, `remaining` steps before the target."""


class NullReporter:
    """A reporter that ignores everything."""

    def snapshot(self, snap: Snapshot) -> None:  # noqa: D102
        pass

    def status(self, text: str) -> None:  # noqa: D102
        pass


class RateLimiter:
    """Lets an event through at most `hz` times a second of wall-clock time, and, when events
    cost time themselves, at most `max_share` of it.

    Args:
        hz: Maximum rate; `0` or less lets everything through.
        clock: Time source (injectable for tests).
        max_share: The most of the wall-clock time the events may take (`spent` tells what one
            cost): after an event that took t seconds the next waits at least t / max_share.
            So a heavy snapshot on a slow step (a 28x28 net's probe takes tens of milliseconds)
            is not paid on nearly every step. `0`: no such limit. The first event's cost is
            not counted: it holds the one-time tracing of the views' functions (seconds for
            StackGAN's two stages), which held the next views back for minutes.
    """

    def __init__(self, hz: float, clock: Callable[[], float] = time.monotonic,
                 max_share: float = 0.0) -> None:
        self.interval = 1.0 / hz if hz > 0 else 0.0
        self.clock = clock
        self.max_share = max_share
        self._last = -float("inf")
        self._wait = self.interval
        self._costed = 0  # events whose cost `spent` was told

    def ready(self, force: bool = False) -> bool:
        """Returns True (and starts a new interval) if an event may go out now."""
        now = self.clock()
        if force or now - self._last >= self._wait:
            self._last = now
            return True
        return False

    def spent(self, seconds: float) -> None:
        """The event let through last took `seconds`: the next one waits long enough that
        events take at most `max_share` of the time."""
        self._costed += 1
        if self.max_share > 0 and self._costed > 1:
            self._wait = max(self.interval, float(seconds) / self.max_share)


class TrainingControl:
    """Pause, resume, stop and single steps, checked between training steps.

    Thread-safe: the UI thread calls the commands, the training thread calls `checkpoint`.
    While paused, `checkpoint` blocks, running single D-only or G-only updates as asked, and
    returns after a "both" request so exactly one full training step runs.
    """

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._requests: queue.SimpleQueue[str] = queue.SimpleQueue()

    # commands (any thread)
    def pause(self) -> None:
        """Pauses after the current step."""
        self._running.clear()

    def resume(self) -> None:
        """Resumes full-speed training."""
        self._running.set()

    def stop(self) -> None:
        """Stops after the current step (also wakes a paused run)."""
        self._stop.set()
        self._requests.put("wake")

    def request_step(self, mode: str = STEP_BOTH) -> None:
        """While paused: one step of both players, D only or G only."""
        if mode not in STEP_MODES:
            raise ValueError(f"step mode must be one of {STEP_MODES}, not {mode!r}")
        self._requests.put(mode)

    @property
    def paused(self) -> bool:
        """True while paused."""
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        """True once a stop was asked for."""
        return self._stop.is_set()

    # the training thread
    def checkpoint(self, single_update: Callable[[str], None], on_pause: Callable[[], None] | None = None,
                   poll: float = 0.05) -> bool:
        """Called between steps. Returns False when training must stop.

        Args:
            single_update: Runs one `"d"` or `"g"` update and reports it.
            on_pause: Called once when a pause begins (to emit a final snapshot).
            poll: Seconds between checks while paused (a request or resume wakes at once).
        """
        if self._stop.is_set():
            return False
        if self._running.is_set():
            return True
        if on_pause is not None:
            on_pause()
        while not self._running.is_set() and not self._stop.is_set():
            try:
                mode = self._requests.get(timeout=poll)
            except queue.Empty:
                continue
            if mode == STEP_BOTH:
                return True
            if mode in (STEP_D, STEP_G):
                single_update(mode)
        return not self._stop.is_set()
