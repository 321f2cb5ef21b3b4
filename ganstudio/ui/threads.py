"""QThread bookkeeping, loop threads, and a small background-job runner.

Every QThread the studio starts goes through `start_thread`, so tests (and the window's close)
can find and join them; `live_threads()` lists the ones still running.

The threads that run TensorFlow (training, inference, jobs) are `LoopThread`s: their Python
code runs inside one long call that takes work from a queue. A QThread that instead ran each
piece of work as a separate queued slot would get a fresh Python thread state per call (PySide
releases it when the slot returns), and TensorFlow keeps per-thread state that must outlive a
single call: with fresh thread states, tracing a `tf.function` after an earlier call in the
same thread crashed the process. Loop threads run at a lower scheduling priority than the GUI
thread (`lower_thread_priority`), so the window stays responsive on a machine whose cores are
all busy training. Long, non-training work (loading data, counting parameters,
exporting, saving a run) goes to a `JobRunner`, which reports back through queued signals.
"""

from __future__ import annotations

import itertools
import os
import queue
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganstudio.errors import GanStudioError
from ganstudio.ui import gui_gc

_THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()
BACKGROUND_NICENESS = 5  # how much less CPU priority the TensorFlow threads get than the GUI


def lower_thread_priority(step: int = BACKGROUND_NICENESS) -> bool:
    """Lowers the calling thread's CPU scheduling priority; threads it starts inherit it.

    TensorFlow creates its compute thread pools in the thread that first uses it (a loop
    thread), so those run below the GUI thread too: training still gets every idle cycle, but
    a repaint no longer waits behind it. On Linux this is the thread's nice value (Qt's thread
    priorities do nothing under the default scheduler there); elsewhere, Qt's.

    Args:
        step: How much to raise the nice value (Linux).

    Returns:
        True when the priority was lowered.
    """
    if threading.current_thread() is threading.main_thread():
        return False  # never the GUI thread
    if sys.platform.startswith("linux"):
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + step)
        except OSError:
            return False
        return True
    QThread.currentThread().setPriority(QThread.Priority.LowPriority)
    return True


def start_thread(obj: QObject, name: str) -> QThread:
    """Moves `obj` to a new, registered QThread and starts it.

    Args:
        obj: A QObject without a parent (its slots will run in the new thread).
        name: The thread's object name (shown in debuggers and leak reports).

    Returns:
        The started QThread.
    """
    thread = QThread()
    thread.setObjectName(name)
    obj.moveToThread(thread)
    _THREADS.add(thread)
    thread.start()
    return thread


def stop_thread(thread: QThread | None, timeout_ms: int = 60_000) -> bool:
    """Asks a thread's event loop to quit and waits for it; never terminates it.

    Args:
        thread: The thread (None is ignored).
        timeout_ms: How long to wait.

    Returns:
        True when the thread is no longer running.
    """
    if thread is None:
        return True
    try:
        thread.quit()
        return bool(thread.wait(timeout_ms))
    except RuntimeError:  # the C++ object is already gone
        return True


class LoopThread(QObject):
    """Runs callables in its own QThread, inside one long-lived call, in submission order.

    Args:
        name: The thread's object name.

    Example:

    ```python
    loop = LoopThread("ganstudio-jobs")
    loop.call(lambda: print("runs in the loop thread"))
    loop.shutdown()   # after the queued work, joins the thread
    ```
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self._queue: queue.SimpleQueue[Callable[[], Any] | None] = queue.SimpleQueue()
        gui_gc.hold()  # from now on, reference cycles are collected in the GUI thread only
        self._held = True
        self.thread_ = QThread()
        self.thread_.setObjectName(name)
        self.moveToThread(self.thread_)
        self.thread_.started.connect(self._loop)
        _THREADS.add(self.thread_)
        self.thread_.start()

    def call(self, fn: Callable[[], Any]) -> None:
        """Queues `fn` to run in the loop thread (exceptions are printed, not raised)."""
        self._queue.put(fn)

    @Slot()
    def _loop(self) -> None:
        lower_thread_priority()
        while True:
            fn = self._queue.get()
            if fn is None:
                return
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - a bug in the submitted work
                error_text(exc)

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """Lets the queued work finish, ends the loop and joins the thread (never terminates).

        Returns:
            True when the thread has ended.
        """
        self._queue.put(None)
        with gui_gc.gui_is_waiting():
            ended = stop_thread(self.thread_, timeout_ms)
        if ended and self._held:
            self._held = False
            gui_gc.release()
        return ended


def live_threads() -> list[QThread]:
    """The registered QThreads that are still running."""
    alive = []
    for thread in list(_THREADS):
        try:
            if thread.isRunning():
                alive.append(thread)
        except RuntimeError:
            continue
    return alive


def error_text(exc: BaseException) -> tuple[str, str]:
    """A user-facing message and kind for an exception; logs the traceback of a bug.

    Args:
        exc: The exception.

    Returns:
        `(message, kind)`: a `GanStudioError`'s own message and kind, or for anything else
        "Unexpected error: ..." and kind "bug" (the traceback goes to stderr).
    """
    if isinstance(exc, GanStudioError):
        return str(exc), exc.kind
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    return f"Unexpected error: {type(exc).__name__}: {exc}", "bug"


@dataclass
class _Job:
    job_id: int
    fn: Callable[[], Any]


class JobRunner(QObject):
    """Runs callables in its own thread, one at a time, and reports results by signal.

    Signals:
        job_done(int, object): a job's id and its return value.
        job_failed(int, str, str): a job's id, its error message and kind.
        busy_changed(bool): whether a job is queued or running.

    Example:

    ```python
    runner = JobRunner()          # starts its thread
    runner.submit(lambda: load_dataset(cfg), on_done=show, on_error=banner.show_error)
    runner.shutdown()             # joins the thread (after the current job)
    ```
    """

    job_done = Signal(int, object)
    job_failed = Signal(int, str, str)
    busy_changed = Signal(bool)

    def __init__(self, name: str = "ganstudio-jobs") -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._pending = 0
        self._relay = _Relay(self)
        self.loop = LoopThread(name)
        self.thread_ = self.loop.thread_

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str, str], None] | None = None) -> int:
        """Queues `fn` to run in the job thread; callbacks run in the caller's (GUI) thread.

        Args:
            fn: A callable without arguments.
            on_done: Called with the result.
            on_error: Called with (message, kind) when `fn` raises.

        Returns:
            The job id.
        """
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self.loop.call(lambda: self._run(_Job(job_id, fn)))
        return job_id

    @property
    def busy(self) -> bool:
        """True while a job is queued or running."""
        return self._pending > 0

    def _run(self, job: _Job) -> None:
        try:
            result = job.fn()
        except Exception as exc:  # noqa: BLE001 - reported to the user
            message, kind = error_text(exc)
            self.job_failed.emit(job.job_id, message, kind)
        else:
            self.job_done.emit(job.job_id, result)

    def _finish(self, job_id: int) -> tuple[Callable | None, Callable | None]:
        callbacks = self._callbacks.pop(job_id, (None, None))
        self._pending = max(0, self._pending - 1)
        if self._pending == 0:
            self.busy_changed.emit(False)
        return callbacks

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """Stops the job thread after the queued jobs and joins it."""
        return self.loop.shutdown(timeout_ms)


class _Relay(QObject):
    """Lives in the GUI thread and dispatches a runner's results to the callbacks."""

    def __init__(self, runner: JobRunner) -> None:
        super().__init__()
        self.runner = runner
        runner.job_done.connect(self._done)
        runner.job_failed.connect(self._failed)

    @Slot(int, object)
    def _done(self, job_id: int, result: object) -> None:
        on_done, _ = self.runner._finish(job_id)
        if on_done is not None:
            on_done(result)

    @Slot(int, str, str)
    def _failed(self, job_id: int, message: str, kind: str) -> None:
        _, on_error = self.runner._finish(job_id)
        if on_error is not None:
            on_error(message, kind)
