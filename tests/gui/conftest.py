"""GUI test fixtures: offscreen Qt, a temporary settings store, a fake training session, and a
check that no test leaves a thread running."""

from __future__ import annotations

import dataclasses
import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QStandardPaths, QThread

from ganstudio.config import RunConfig
from ganstudio.core.data.registry import load_dataset
from ganstudio.core.panels import Histograms, Samples
from ganstudio.core.telemetry import Snapshot, TrainingControl
from ganstudio.errors import TrainingError
from ganstudio.ui import theme
from ganstudio.ui.threads import live_threads

# A window built without `recovery_root` autosaves under the data folder: a test one, never
# the user's.
QStandardPaths.setTestModeEnabled(True)


def pytest_collection_modifyitems(config, items):
    # The offscreen platform plugin warns about a window-manager hint it cannot pass on.
    for item in items:
        if "gui" in item.path.parts:
            item.add_marker(pytest.mark.qt_log_ignore("propagateSizeHints"))


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Fails a test that leaves a Python thread or a studio QThread running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 10.0
    leaked: list = []
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate()
                  if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)]
        qthreads = live_threads()
        for t in leaked:
            t.join(timeout=0.1)
        for q in qthreads:
            q.wait(100)
        if not leaked and not qthreads:
            return
    names = [t.name for t in leaked] + [q.objectName() for q in live_threads()]
    pytest.fail(f"threads left running after the test: {names}")


@pytest.fixture(scope="session", autouse=True)
def _pyqtgraph_config():
    theme.configure_pyqtgraph()


@pytest.fixture
def settings(tmp_path):
    """A settings store in a temporary file (never the user's)."""
    store = QSettings(str(tmp_path / "ganstudio.ini"), QSettings.Format.IniFormat)
    yield store
    store.sync()


class FakeSession:
    """Behaves like `TrainingSession` without TensorFlow: emits prepared snapshots.

    Each step "takes" `step_seconds`; scalars go out every `scalar_every` steps and samples
    every `heavy_every` steps; pause/stop/step go through the real `TrainingControl`.
    """

    def __init__(self, config: RunConfig, out_dir=None, reporter=None, control=None,
                 resume=None, dataset=None, lock=None, autosave=False, *,
                 fail_at: int | None = None,
                 fail_prepare: Exception | None = None, step_seconds: float = 0.002,
                 scalar_every: int = 2, heavy_every: int = 10, critic: bool = False):
        self.config = config
        self.out_dir = out_dir
        self.autosave = autosave
        self.reporter = reporter
        self.control = control or TrainingControl()
        self.resume_from = resume
        self.dataset = dataset
        self.fail_at = fail_at
        self.fail_prepare = fail_prepare
        self.step_seconds = step_seconds
        self.scalar_every = scalar_every
        self.heavy_every = heavy_every
        self.critic = critic
        self.evaluator: FakeEvaluator | None = None
        self.metrics_history: list[dict[str, float]] = []
        self.evaluate_threads: list[str] = []
        self.param_counts: dict[str, int] = {}
        self.device = ""
        self.jit = False
        self.history: list[dict[str, float]] = []
        self.net_config = None
        self._step = 0
        self._clock = threading.Event()
        self.generate_calls = 0
        self.rng = np.random.default_rng(0)

    @property
    def step(self) -> int:
        return self._step

    def prepare(self) -> None:
        if self.fail_prepare is not None:
            raise self.fail_prepare
        if self.dataset is None:
            self.dataset = load_dataset(self.config.data)
        latent = self.config.net.latent_dim or (8 if self.dataset.kind == "points" else 16)
        self.net_config = SimpleNamespace(latent_dim=latent, name="fake")
        self.param_counts = {"generator": 1234, "discriminator": 5678}
        self.device = "FakeCPU"
        self.z_fixed = self.rng.standard_normal((64, latent)).astype(np.float32)

    def generate(self, z):
        self.generate_calls += 1
        z = np.asarray(z, np.float32)
        if self.dataset.kind == "points":
            return np.tanh(z[:, :2]) * 1.5
        h, w, c = self.dataset.shape
        base = 1 / (1 + np.exp(-z[:, :1, None, None]))
        return np.broadcast_to(base, (len(z), h, w, c)).astype(np.float32).copy()

    def _snapshot(self, heavy: bool, event: str = "tick") -> Snapshot:
        t = self._step
        scalars = {"d_loss": 1.4 - 0.001 * t, "g_loss": 0.7 + 0.001 * t, "value": -1.38,
                   "d_real": 0.55, "d_fake": 0.45, "grad_norm_d": 1.0, "grad_norm_g": 1.0,
                   "jsd": 0.01}
        if self.critic:
            del scalars["jsd"]
            scalars.update(value=0.25, wasserstein=0.25, d_real=0.6, d_fake=0.35)
        panels = {}
        if heavy:
            field = {}
            if self.dataset.kind == "points":
                field = dict(real_points=self.dataset.x[:200],
                             surface=self.rng.uniform(0, 1, (64, 64)),
                             extent=(-1.5, 1.5, -1.5, 1.5), push=self.rng.standard_normal((64, 2)))
            panels = {
                "samples": Samples(self.generate(self.z_fixed), self.dataset.kind, **field),
                "d_hist": Histograms({"real": self.rng.uniform(0.4, 0.8, 128),
                                      "fake": self.rng.uniform(0.2, 0.6, 128)},
                                     critic=self.critic),
            }
        self.history.append({"step": t, **scalars})
        return Snapshot(step=t, elapsed=t * self.step_seconds, steps_per_sec=1 / self.step_seconds,
                        scalars=scalars, event=event, critic=self.critic, panels=panels)

    def look_snapshot(self) -> Snapshot:
        return self._snapshot(True, "final")

    def evaluate_now(self) -> dict[str, float]:
        """Figures that improve with the step (as the core's `evaluate_now`)."""
        self.evaluate_threads.append(QThread.currentThread().objectName())
        if self.evaluator is None:
            self.evaluator = FakeEvaluator()
        figures = fake_figures(self._step)
        self.metrics_history.append({"step": self._step, **figures})
        return figures

    def _single(self, mode: str) -> None:
        self.reporter.snapshot(self._snapshot(True, "step"))

    def run(self, steps=None):
        target = self._step + (steps if steps is not None else self.config.train.steps)
        stopped = False
        while self._step < target:
            self._clock.wait(self.step_seconds)  # the fake's "work"
            self._step += 1
            if self.fail_at is not None and self._step >= self.fail_at:
                raise TrainingError(f"the d_loss became NaN or infinite at step {self._step}.",
                                    "Lower the learning rates.")
            if self._step % self.scalar_every == 0:
                self.reporter.snapshot(self._snapshot(self._step % self.heavy_every == 0))
            every = self.config.train.eval_every
            if every and self._step % every == 0:
                snap = dataclasses.replace(self._snapshot(False, "metrics"),
                                           metrics=self.evaluate_now())
                self.reporter.snapshot(snap)
                evaluations = len(self.metrics_history)
                if self.config.train.stop_rule and evaluations > self.config.train.stop_patience:
                    self.reporter.status(f"stop rule: fake rule fired after {evaluations} "
                                         "evaluations")
                    stopped = True
                    break
            if not self.control.checkpoint(
                    self._single, on_pause=lambda: self.reporter.snapshot(
                        self._snapshot(True, "paused")), poll=0.01):
                stopped = True
                break
        self.reporter.snapshot(self._snapshot(True, "final"))
        return SimpleNamespace(steps=self._step, seconds=1.0, steps_per_sec=500.0,
                               stopped_early=stopped, final={})

    def save_checkpoint(self):
        return None

    def save_run(self, folder, result, extra=None):
        """Writes a run.json as the real session's `save_run` does (its step and extras)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "run.json").write_text(json.dumps(
            {"config": self.config.to_dict(), "steps": result.steps, **(extra or {})}))
        return SimpleNamespace(summary=lambda: "fake run")

    def export(self, path=None, replace=None):
        self.exports = [*getattr(self, "exports", []), (str(path), replace)]
        return SimpleNamespace(ok=True, summary=lambda: f"exported to {path}; fake")


class FakeEvaluator:
    """What the worker reads from `session.evaluator` (as `LiveEvaluator`)."""

    names = ("modes", "reverse_kl", "mmd", "precision", "recall")
    baseline = {"modes": 8.0, "reverse_kl": 0.002, "mmd": 0.0001, "precision": 0.95,
                "recall": 0.96}
    better = {"modes": "higher", "reverse_kl": "lower", "mmd": "lower", "precision": "higher",
              "recall": "higher"}
    main_metric = "reverse_kl"
    n = 200


def fake_figures(step: int) -> dict[str, float]:
    """The fake's metrics at a step: they approach the baselines as training goes on."""
    k = 1.0 / (1.0 + step / 20.0)
    return {"modes": 8.0 - 6.0 * k, "reverse_kl": 0.5 * k, "mmd": 0.05 * k,
            "precision": 0.95 - 0.5 * k, "recall": 0.96 - 0.6 * k}


@pytest.fixture
def fake_factory():
    """Returns `make(**options)`: a session factory building `FakeSession`s with options;
    the sessions it built are in `make.sessions`."""

    def make(**options):
        def factory(config, **kwargs):
            session = FakeSession(config, **kwargs, **options)
            factory.sessions.append(session)
            return session

        factory.sessions = []
        return factory

    return make


def fake_counter(config, dataset):
    return {"generator": 11, "discriminator": 22}


def train_to(window, qtbot, steps: int, timeout: int = 20_000):
    """Sets the step count, starts (or continues) training and waits until it finishes;
    returns the `training_finished` info."""
    window.setup.steps.setValue(steps)
    with qtbot.waitSignal(window.training_finished, timeout=timeout) as blocker:
        assert window.start_training()
    return blocker.args[0]


@pytest.fixture
def make_window(qtbot, settings, fake_factory, tmp_path):
    """Builds a `MainWindow` with a fake session (or the real one with `real=True`), a
    temporary settings store, and waits for its first dataset."""
    from ganstudio.ui.main_window import MainWindow

    def make(factory=None, real=False, dataset="ring8", counter=fake_counter, wait=True,
             store=None, **options):
        if factory is None and not real:
            factory = fake_factory(**options)
        window = MainWindow(session_factory=factory, settings=store or settings,
                            param_counter=counter, initial_dataset=dataset,
                            recovery_root=tmp_path / "kept-runs")  # never the user's
        qtbot.addWidget(window)
        window.questions = []  # what the window asked; answered Yes (tests can set `answers`)
        window.answers = []

        def confirm(question):
            window.questions.append(question)
            return window.answers.pop(0) if window.answers else True

        window.confirm = confirm
        window.show()
        if wait:
            qtbot.waitUntil(lambda: window.dataset is not None and window._loading is None,
                            timeout=20_000)
        return window

    return make
