"""The Keras callback between `fit` and the outside world.

Per step it only counts the step (in Python: no read from the device), reads the clock and
checks the control (pause/stop/step). At most `scalar_hz` times a second it turns the step's
logs into floats and emits a scalar `Snapshot`; at most `image_hz` times a second it also scores
the probe batches and draws the fixed-z samples. It also writes periodic checkpoints and stops
`fit` exactly at the target step. Training itself is never slowed to match the UI.
"""

from __future__ import annotations

import math
import time

import keras

from ganstudio.core.telemetry import RateLimiter, TrainingHost

AUTO_TUNE_CALLS = 12  # one-step calls measured before auto steps per call chooses

# The most of the training time live views may take: a heavy snapshot (probe through D, the
# fixed-z samples) that took t seconds is followed by the next one t / HEAVY_SHARE later at the
# earliest (measured: limited by wall-clock alone, the probe cost 7% of a 28x28 run).
HEAVY_SHARE = 0.02
MAX_HISTORY = 20_000  # scalar rows kept in memory and in history.json (10 Hz: ~30 min in full)


class TelemetryCallback(keras.callbacks.Callback):
    """Emits rate-limited snapshots, honours the session's control, checkpoints, stops at target.

    Args:
        session: What it reports to and checks (a `TrainingHost`: the `TrainingSession`).
        target_step: Stop when the recipe has made this many steps in all.
        checkpoint_every: Steps between checkpoints (0: none from here).
        eval_every: Steps between quality evaluations (0: none).
    """

    def __init__(self, session: TrainingHost, target_step: int, checkpoint_every: int = 0,
                 eval_every: int = 0) -> None:
        super().__init__()
        self.session = session
        self.target = target_step
        self.scalar_limiter = RateLimiter(session.scalar_hz)
        # no heavy views at all where nobody sees them (`image_hz` None: the CLI's runs)
        self.image_limiter = (None if session.image_hz is None
                              else RateLimiter(session.image_hz, max_share=HEAVY_SHARE))
        self.error: Exception | None = None
        self._t0 = time.perf_counter()
        self._rate_t: float | None = None  # set at the first step, after tracing/compiling
        self._rate_step = session.step
        self._rate = 0.0
        self._last_logs: dict | None = None
        self.checkpoint_every = checkpoint_every
        self.eval_every = eval_every
        every = checkpoint_every
        self._next_ckpt = (session.step // every + 1) * every if every else None
        every = eval_every
        self._next_eval = (session.step // every + 1) * every if every else None
        self.stop_reason: str | None = None
        self._counting = False
        self._per_call = 1
        # auto steps per call (`TrainingSession.plan_per_call`): `traces` (set by the session)
        # says this fit's first call traces its function; `replan` asks for another fit with
        # another size of call; the gaps between calls, pauses left out, measure the step
        self.traces = False
        self.replan = False
        self._fit_t0 = 0.0
        self._call_end: float | None = None
        self._gaps: list[float] = []
        self._trace_s: float | None = None

    # -- helpers ---------------------------------------------------------------------------------

    def _scalars(self, logs: dict) -> dict[str, float]:
        return self.session.scalars(logs)

    def _speed(self, step: int) -> float:
        now = time.perf_counter()
        if self._rate_t is None:
            self._rate_t, self._rate_step = now, step
            return 0.0
        if now - self._rate_t >= 0.5:
            inst = (step - self._rate_step) / (now - self._rate_t)
            self._rate = inst if self._rate == 0 else 0.5 * self._rate + 0.5 * inst
            self._rate_t, self._rate_step = now, step
        return self._rate

    def emit(self, logs: dict | None, heavy: bool, event: str = "tick",
             metrics: dict[str, float] | None = None) -> None:
        """Builds and sends one snapshot now (scalars from `logs`, and the heavy parts)."""
        s = self.session
        scalars = self._scalars(logs) if logs else {}
        if scalars:
            s.history.append({"step": s.step, **scalars})
            if len(s.history) > MAX_HISTORY:  # keep it bounded: thin the older half
                half = len(s.history) // 2
                s.history[:half] = s.history[:half:2]
        snap = s.snapshot(scalars, self._speed(s.step), time.perf_counter() - self._t0,
                          heavy, event, metrics)
        s.reporter.snapshot(snap)

    def _evaluate(self, logs: dict | None) -> None:
        """Quality metrics now; feeds the stop rule; stops training when it fires."""
        s = self.session
        figures = s.evaluate_now()
        self.emit(logs, heavy=False, event="metrics", metrics=figures)
        rule = s.stop_rule
        if rule is None:
            return
        mean_d = s.equilibrium(self._scalars(logs or {}))
        if mean_d is None:  # no 0.5 equilibrium (critics): only the metric's plateau counts
            mean_d = 0.5
        if rule.update(mean_d, figures.get(s.evaluator.main_metric)):
            self.stop_reason = rule.reason()
            s.reporter.status(f"stop rule: {self.stop_reason}")
            self.model.stop_training = True

    def emit_final(self) -> None:
        """A last snapshot with everything, so views show the final state (the chief's)."""
        if self.error is None and self.session.chief:
            self.emit(self._last_logs, heavy=self.image_limiter is not None, event="final")

    def _single(self, mode: str) -> None:
        logs = self.session.single_update(mode)
        self.session.count_steps(self._counting)  # a G update outside fit moved the step
        self.emit({**(self._last_logs or {}), **logs}, heavy=True, event="step")

    # -- keras hooks -----------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        # the step is counted here, not read from the device every batch: one batch is
        # `steps_per_execution` train_steps (the session makes every epoch a multiple of it)
        self._per_call = int(getattr(self.model, "steps_per_execution", 1) or 1)
        self.replan = False
        self._fit_t0 = time.perf_counter()
        self._call_end = None
        self._gaps = []
        self._counting = True
        self.session.count_steps(self._counting)

    def on_train_end(self, logs=None):
        self.session.count_steps(False)

    def on_train_batch_end(self, batch, logs=None):
        s = self.session
        s.step_done(self._per_call)
        step = s.step
        self._last_logs = logs
        # every step (the logs are numpy values by now: four float checks), so no checkpoint
        # or snapshot is ever taken of a diverged state
        bad = [k for k in s.watched_scalars
               if k in (logs or {}) and not math.isfinite(float(logs[k]))]
        if bad:
            self.error = s.diverged(bad)
            self.model.stop_training = True
            return
        # with several workers only the chief reports and evaluates; the others train in
        # step with it (their checkpoints are the chief's to write: `save_checkpoint`)
        if s.chief and self.scalar_limiter.ready():
            heavy = self.image_limiter is not None and self.image_limiter.ready()
            t0 = time.perf_counter()
            self.emit(logs, heavy=heavy)
            if heavy:
                self.image_limiter.spent(time.perf_counter() - t0)
        if s.chief and self._next_eval is not None and step >= self._next_eval:
            self._next_eval += self.eval_every
            self._evaluate(logs)
            if self.model.stop_training:
                return
        by_steps = self._next_ckpt is not None and step >= self._next_ckpt
        if by_steps or s.autosave_due():
            s.save_checkpoint(periodic=True)
            if by_steps:
                self._next_ckpt += self.checkpoint_every
        if step >= self.target:
            self.model.stop_training = True
            return
        before = time.perf_counter()
        if not s.control.checkpoint(self._single,
                                    on_pause=lambda: self.emit(logs, heavy=True, event="paused")):
            self.model.stop_training = True
            return
        if s.per_call_untuned and self._per_call == 1:
            self._tune(before)
        self._call_end = time.perf_counter()
        if s.plan_per_call(self.target - s.step) != self._per_call:
            self.replan = True
            self.model.stop_training = True

    def _tune(self, now: float) -> None:
        """Measures a one-step call (its compiled step, Keras's loop and this callback's work,
        time spent paused left out) for auto steps per call; the fit's first call, which
        traces a new function, gives the tracing time instead."""
        if self._call_end is None:
            if self.traces:
                self._trace_s = now - self._fit_t0
            return
        self._gaps.append(now - self._call_end)
        if len(self._gaps) >= AUTO_TUNE_CALLS:
            gaps = sorted(self._gaps)
            self.session.tune_per_call(gaps[len(gaps) // 2], self._trace_s)
