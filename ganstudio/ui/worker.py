"""The training worker: a QObject in its own QThread that drives a `TrainingSession`.

The GUI thread hands it a frozen `RunConfig` (and the already loaded `Dataset`); the worker
imports the core's session (and so TensorFlow) lazily in its own thread, prepares and runs it,
and sends back plain-numpy `Snapshot`s through queued signals. Pause, resume, stop and single
steps go straight to the session's thread-safe `TrainingControl`; the thread is never
terminated, only asked to stop and joined.

The session factory is injectable, so tests drive the real worker with a fake session that
emits prepared snapshots.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from ganstudio.config import RunConfig
from ganstudio.core.data.base import Dataset
from ganstudio.core.telemetry import Snapshot, TrainingControl
from ganstudio.ui import gui_gc
from ganstudio.ui.threads import LoopThread, error_text, live_threads

__all__ = ["SessionFactory", "SessionLike", "TrainingWorker", "live_threads"]


class SessionLike(Protocol):
    """What the worker needs from a session (`ganstudio.core.session.TrainingSession`)."""

    config: RunConfig
    control: TrainingControl
    out_dir: Path | None
    dataset: Dataset | None
    param_counts: dict[str, int]
    device: str
    jit: bool
    history: list[dict[str, float]]

    @property
    def step(self) -> int: ...  # noqa: D102

    def prepare(self) -> None: ...  # noqa: D102

    def run(self, steps: int | None = None) -> Any: ...  # noqa: D102

    def generate(self, z: Any, condition: Any = None) -> Any: ...  # noqa: D102

    def look_snapshot(self) -> Snapshot: ...  # noqa: D102


SessionFactory = Callable[..., SessionLike]


def default_session_factory(config: RunConfig, **kwargs: Any) -> SessionLike:
    """Builds a real `TrainingSession` (imports TensorFlow; call it from the worker thread).

    Args:
        config: The run's settings.
        **kwargs: `out_dir`, `reporter`, `control`, `resume`, `dataset`, `lock`, `autosave`
            for the session.
    """
    from ganstudio.core.quiet import quiet_tensorflow_import

    quiet_tensorflow_import()  # TensorFlow's start-up lines are not errors; --verbose shows them
    from ganstudio.core.session import TrainingSession

    return TrainingSession(config, **kwargs)


@dataclass(frozen=True)
class StartRequest:
    """What the GUI asks the worker to do: prepare a session and optionally train it.

    Args:
        config: The settings to run with.
        dataset: The loaded dataset (None: the session loads `config.data`).
        resume: A run folder to continue from.
        out_dir: Where the session writes checkpoints (None: nothing is written).
        train: Run training after preparing (False: prepare only, e.g. to look at a run).
        fresh: Build a new session even if the current one has the same settings.
        autosave: `out_dir` is an autosave folder for networks not saved anywhere yet (the
            session deletes it when it is saved elsewhere or dropped; a crash leaves it).
    """

    config: RunConfig
    dataset: Dataset | None = None
    resume: str | None = None
    out_dir: str | None = None
    train: bool = True
    fresh: bool = False
    autosave: bool = False


def same_model(a: RunConfig, b: RunConfig) -> bool:
    """True when two configs describe the same model and data (the step count, how often to
    evaluate and the family's live settings may differ: the session reads them afresh when
    training continues)."""
    return _fixed_part(a) == _fixed_part(b)


def _fixed_part(config: RunConfig) -> RunConfig:
    """The config with what may change between two starts of one model set to one value."""
    from ganstudio.core.families import FAMILIES

    config = config.with_changes(train={"steps": 1, "eval_every": 0})
    spec = FAMILIES.get(config.family)
    for key in spec.live_settings if spec is not None else ():
        section, _, name = key.partition(".")
        default = getattr(type(getattr(config, section))(), name)
        config = config.with_changes(**{section: {name: default}})
    return config


class _Reporter:
    """The session's reporter: forwards to the worker's signals from the training thread."""

    def __init__(self, worker: TrainingWorker) -> None:
        self.worker = worker

    def snapshot(self, snap: Snapshot) -> None:
        self.worker._run_queued_calls()
        if snap.event in ("paused", "step", "final"):
            self.worker._idle.set()
        if snap.metrics is not None:
            self.worker._describe_metrics()
        self.worker.snapshot_ready.emit(snap)

    def status(self, text: str) -> None:
        self.worker.status_changed.emit(text)


class TrainingWorker(QObject):
    """Drives a training session in its own thread.

    Args:
        session_factory: Makes a session: `factory(config, out_dir=, reporter=, control=,
            resume=, dataset=, lock=, autosave=)`. Defaults to the core's `TrainingSession`.

    Signals:
        snapshot_ready(object): a `Snapshot` (from the training thread, queued to the GUI).
        status_changed(str): a one-line status.
        prepared(object): a dict with `param_counts`, `device`, `jit`, `latent_dim`, `kind`,
            `step`, `history`, `config` once a session is built (or resumed).
        metrics_info(object): what the session's quality evaluator computes, in plain types
            (`names`, `labels`, `better`, `baseline`, `meanings`, `main_metric`, `n`); sent
            once per evaluator, before its first metrics snapshot.
        errored(str, str): a readable message and its kind (`GanStudioError.kind`, or "bug").
        finished(object): a dict with `trained`, `steps`, `steps_per_sec`, `stopped_early`,
            `ok` when a start request is done (always sent, also after an error).
    """

    snapshot_ready = Signal(object)
    status_changed = Signal(str)
    prepared = Signal(object)
    metrics_info = Signal(object)
    errored = Signal(str, str)
    finished = Signal(object)

    def __init__(self, session_factory: SessionFactory | None = None) -> None:
        super().__init__()
        self.session_factory = session_factory or default_session_factory
        self.control = TrainingControl()
        self._session: SessionLike | None = None
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()
        self.tf_lock = gui_gc.TF_LOCK
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future]] = queue.SimpleQueue()
        self._training_active = False
        self._described: weakref.ref | None = None
        # the training thread: one long-lived call that takes requests from a queue
        self.loop = LoopThread("ganstudio-training")
        self.thread_ = self.loop.thread_

    # -- commands (GUI thread) -------------------------------------------------------------------

    def start(self, request: StartRequest) -> bool:
        """Prepares (or reuses) a session and trains it in the worker thread.

        Args:
            request: What to run.

        Returns:
            False (and does nothing) while a previous request is still running.
        """
        if self._busy:
            return False
        self._busy = True
        self.control = TrainingControl()
        self._idle.clear()
        self.loop.call(lambda: self._start(request))
        return True

    def pause(self) -> None:
        """Pauses after the current step."""
        self.control.pause()

    def resume(self) -> None:
        """Resumes full-speed training."""
        self._idle.clear()
        self.control.resume()

    def stop(self) -> None:
        """Stops after the current step (the session keeps its weights)."""
        self.control.stop()

    def step(self, mode: str = "both") -> None:
        """While paused: one step of both players, or of D (`"d"`) or G (`"g"`) only."""
        if self._busy and self.control.paused:
            self._idle.clear()
            self.control.request_step(mode)

    def reset(self) -> None:
        """Stops training and forgets the session (the next start builds a fresh one)."""
        self.control.stop()
        self.loop.call(self._reset)

    @property
    def busy(self) -> bool:
        """True while a start request is being prepared or trained."""
        return self._busy

    @property
    def paused(self) -> bool:
        """True while training is paused."""
        return self._busy and self.control.paused

    @property
    def session(self) -> SessionLike | None:
        """The current session (built by the last start), or None."""
        return self._session

    def generator(self) -> Callable[..., Any] | None:
        """The live session's generator ((z, condition=None) -> samples in data units), or
        None.

        Calls are serialized with training (see `run_serialized`), so it is safe to call from
        any thread.
        """
        if self._session is None:
            return None
        # A weak reference: the worker alone owns the session, so it is freed in the worker
        # thread (see `_retire`), never in a thread that happens to drop the last reference.
        ref = weakref.ref(self._session)

        def generate(z: Any, condition: Any = None) -> Any:
            session = ref()
            if session is None:
                from ganstudio.errors import ModelError

                raise ModelError("the networks were reset.", "Train again or open a model.")
            if condition is None:
                return self.run_serialized(lambda: session.generate(z))
            return self.run_serialized(lambda: session.generate(z, condition))

        return generate

    def apply_live_settings(self, config: RunConfig) -> bool:
        """Hands a config that changes only the family's live settings to the session, between
        two steps (blocks until then: call it off the GUI thread).

        Returns:
            False when there is no session of the same model to take it (the next start reads
            the settings anyway).
        """
        session = self._session
        if session is None or not same_model(session.config, config):
            return False
        self.run_serialized(lambda: session.apply_live_settings(config))
        return True

    def translator(self) -> Any:
        """The live session as a `Translator` (`translator(x, "a_to_b")`) when it trains on
        two domains, else None.

        It runs the recipe's own `a_to_b` and `b_to_a` (what its export would serve), through
        `run_serialized`, so it is safe to call from any thread.
        """
        session = self._session
        dataset = getattr(session, "dataset", None)
        if session is None or getattr(dataset, "domain_b", None) is None:
            return None
        from ganstudio.core.translator import DIRECTIONS, Translator, translate_with_recipe

        ref = weakref.ref(session)  # as in `generator`: the worker alone owns the session

        def translate(x: Any, direction: str) -> Any:
            live = ref()
            if live is None:
                from ganstudio.errors import ModelError

                raise ModelError("the networks were reset.", "Train again or open a model.")
            return self.run_serialized(lambda: translate_with_recipe(live.recipe, x, direction))

        names = dataset.domain_names or ("A", "B")
        shapes = {"a_to_b": dataset.shape, "b_to_a": dataset.domain_b.shape}
        step = int(getattr(session, "step", 0))
        return Translator(translate, DIRECTIONS, names, dataset.kind, shapes,
                          f"live session · {getattr(session.config, 'family', '')} · "
                          f"step {step:,}")

    def run_serialized(self, fn: Callable[[], Any], timeout: float | None = None) -> Any:
        """Runs TensorFlow work on the session without racing the training thread.

        TensorFlow can crash when one thread calls a model eagerly while another traces the
        training functions, so while training runs at full speed `fn` is handed to the
        training thread, which runs it between two steps (at the next snapshot, ≤ 0.1 s; but
        not before the first step, whose tracing can take a minute on a loaded CPU); while
        paused or idle it runs in the calling thread under `tf_lock`.

        Args:
            fn: The work (e.g. `lambda: session.generate(z)`).
            timeout: Seconds to wait at most; `None`: as long as training runs (the training
                thread takes every queued call before it ends).

        Returns:
            What `fn` returns (its exception is raised here).

        Raises:
            TimeoutError: after `timeout` seconds without the training thread taking it.
        """
        if self._training_active and not (self.control.paused and self._idle.is_set()):
            future: Future = Future()
            self._calls.put((fn, future))
            waited = 0.0
            while not future.done():
                if not self._training_active:  # it ended just now: take the call here
                    self._run_queued_calls()
                    break
                if timeout is not None and waited >= timeout:
                    raise TimeoutError(f"training did not reach a step within {timeout:.0f} s")
                try:
                    return future.result(0.25)
                except FutureTimeout:
                    waited += 0.25
            return future.result()
        with self.tf_lock:
            return fn()

    def evaluate(self, timeout: float = 600.0) -> Snapshot:
        """Scores the current generator with the session's quality metrics now.

        Blocks until done, so call it off the GUI thread (the window's job thread): the
        evaluation runs through `run_serialized`, i.e. in the training thread between two steps
        while training runs, or in the calling thread under `tf_lock` while paused or idle.
        It does not count towards the stop rule.

        Args:
            timeout: Seconds to wait for the training thread.

        Returns:
            A `Snapshot` with `event="metrics"`, the figures in `metrics` and no scalars.

        Raises:
            ConfigError: when there is no session to evaluate.
        """
        session = self._session
        if session is None or not hasattr(session, "evaluate_now"):
            from ganstudio.errors import ConfigError

            raise ConfigError("there is no generator to evaluate yet.", "Press Start first.")
        ref = weakref.ref(session)
        del session  # the worker alone owns the session (see `generator`)

        def run() -> tuple[int, dict[str, float]]:
            live = ref()
            if live is None:
                from ganstudio.errors import ModelError

                raise ModelError("the networks were reset.", "Train again.")
            figures = live.evaluate_now()
            self._describe_metrics(live)
            return int(live.step), {k: float(v) for k, v in figures.items()}

        step, figures = self.run_serialized(run, timeout)
        return Snapshot(step=step, metrics=figures, event="metrics")

    def _describe_metrics(self, session: SessionLike | None = None) -> None:
        """Sends `metrics_info` once per evaluator (called in the thread that evaluated)."""
        session = session if session is not None else self._session
        evaluator = getattr(session, "evaluator", None)
        if evaluator is None or (self._described is not None
                                 and self._described() is evaluator):
            return
        try:
            from ganstudio.core.metrics.evaluate import METRICS
        except ImportError:  # pragma: no cover - part of the core
            METRICS = {}  # noqa: N806
        names = [str(n) for n in getattr(evaluator, "names", ())]
        info = {
            "names": names,
            "labels": {n: METRICS[n].label if n in METRICS else n for n in names},
            "meanings": {n: METRICS[n].meaning if n in METRICS else "" for n in names},
            "better": {n: str(v) for n, v in dict(getattr(evaluator, "better", {})).items()},
            "baseline": {n: float(v) for n, v in dict(getattr(evaluator, "baseline",
                                                                  {})).items()},
            "main_metric": str(getattr(evaluator, "main_metric", "")),
            "n": int(getattr(evaluator, "n", 0) or 0),
        }
        try:
            self._described = weakref.ref(evaluator)
        except TypeError:  # not weak-referenceable: describe it every time
            self._described = None
        self.metrics_info.emit(info)

    def _run_queued_calls(self) -> None:
        while True:
            try:
                fn, future = self._calls.get_nowait()
            except queue.Empty:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Blocks (off the GUI thread) until training is paused, stepped or stopped.

        Jobs that must not run while weights change (export, save) pause training and call
        this before touching the session.
        """
        return self._idle.wait(timeout)

    def shutdown(self, timeout_ms: int = 120_000,
                 keep: Callable[[SessionLike], Any] | None = None) -> bool:
        """Stops training, drops the session in the worker thread, and joins the thread;
        never terminates it (the window collects the session's objects after the join).

        Args:
            timeout_ms: How long to wait for the thread.
            keep: Run on the session in the worker thread after training has stopped and
                before the session goes (e.g. to save what was not saved); its errors are
                printed.

        Returns:
            True when the thread has ended.
        """
        self.control.stop()
        if keep is not None:
            self.loop.call(lambda: self._keep(keep))
        self.loop.call(self._retire)  # not later, in whichever thread collects the window
        return self.loop.shutdown(timeout_ms)

    # -- the worker thread -----------------------------------------------------------------------

    def _start(self, request: StartRequest) -> None:
        info: dict[str, Any] = {"trained": False, "ok": False, "steps": 0, "steps_per_sec": 0.0,
                                "stopped_early": False}
        try:
            session = self._session
            if (request.fresh or session is None or request.resume is not None
                    or not same_model(session.config, request.config)):
                session = None
                self._retire()
                self.status_changed.emit("starting TensorFlow…")
                # The histogram view needs this numpy-only module; importing it here keeps the
                # import off the GUI thread.
                import ganstudio.core.metrics.theory  # noqa: F401

                session = self.session_factory(
                    request.config, out_dir=request.out_dir, reporter=_Reporter(self),
                    control=self.control, resume=request.resume, dataset=request.dataset,
                    lock=self.tf_lock, autosave=request.autosave)
                with self.tf_lock:
                    session.prepare()
                self._session = session
                self.prepared.emit(self._describe(session))
                if not request.train:
                    with self.tf_lock:
                        self._emit_look(session)
            else:
                session.config = request.config
            if request.train:
                session.control = self.control
                target = request.config.train.steps
                steps = target - session.step if session.step < target else target
                self._training_active = True
                try:
                    result = session.run(steps=steps)
                finally:
                    self._training_active = False
                    self._run_queued_calls()
                info.update(trained=True, steps=int(getattr(result, "steps", session.step)),
                            steps_per_sec=float(getattr(result, "steps_per_sec", 0.0)),
                            stopped_early=bool(getattr(result, "stopped_early", False)))
                info["result"] = result
            info["ok"] = True
        except Exception as exc:  # noqa: BLE001 - every error is shown, bugs also logged
            message, kind = error_text(exc)
            self.errored.emit(message, kind)
        finally:
            self._idle.set()
            self._busy = False
            self.finished.emit(info)

    def _emit_look(self, session: SessionLike) -> None:
        """Sends one full snapshot of a session that is not training (an opened run)."""
        self.snapshot_ready.emit(session.look_snapshot())

    def _keep(self, keep: Callable[[SessionLike], Any]) -> None:
        if self._session is not None:
            with self.tf_lock:
                keep(self._session)

    def _retire(self) -> None:
        """Drops the current session and waits until its objects are freed.

        TensorFlow can crash when one thread frees a model's graphs while another traces a
        function, so the old session's reference cycles are collected now, before this thread
        builds the next one, rather than whenever the collector runs next. The collection
        itself runs in the GUI thread under `tf_lock` (`gui_gc.collect`): one in this thread
        could also destroy Qt objects left in cycles, which must die in the GUI thread.
        """
        if self._session is None:
            return
        close = getattr(self._session, "close", None)
        if close is not None:
            close()  # its folder's lock goes (and its autosave folder, when it has one)
        with self.tf_lock:
            self._session = None
        gui_gc.collect()

    def _reset(self) -> None:
        self._retire()
        self.status_changed.emit("reset: the next start builds fresh networks")

    @staticmethod
    def _describe(session: SessionLike) -> dict[str, Any]:
        net = getattr(session, "net_config", None)
        dataset = session.dataset
        return {
            "param_counts": dict(session.param_counts),
            "device": session.device,
            "jit": bool(session.jit),
            "latent_dim": int(getattr(net, "latent_dim", 0) or 0),
            "net": getattr(net, "name", ""),
            "kind": dataset.kind if dataset is not None else "",
            "step": int(session.step),
            "history": list(session.history),
            "metrics_history": list(getattr(session, "metrics_history", []) or []),
            "config": session.config,
            "family": getattr(session.config, "family", "gan"),
            "condition": session.condition_info() if hasattr(session, "condition_info") else None,
        }
