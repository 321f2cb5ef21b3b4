"""Python's cyclic garbage collector, run in the GUI thread only while background threads live.

Python collects reference cycles in whichever thread happens to allocate when a threshold is
crossed. In the studio that is often the training thread, and a cycle it collects can hold a Qt
object (a closed dialog, a window a test closed): destroying that object outside the GUI thread
while the GUI thread paints deadlocks the process (seen as a test run that hung for good in the
worker's `gc.collect()` while the GUI thread was inside a `paintEvent`).

So while any of the studio's loop threads runs (`hold` / `release`, called by `LoopThread`),
automatic collection is switched off and a timer in the GUI thread collects instead, when the
counts pass Python's own thresholds. TensorFlow objects freed by a collection are freed under
`TF_LOCK`, the lock the studio holds while it builds models or runs them outside training, so
a collection never frees graphs while those run. A background thread that needs a collection
now (the training thread retiring a session) calls `collect`, which asks the GUI thread and
waits.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Iterator

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot

__all__ = ["TF_LOCK", "collect", "gui_is_waiting", "hold", "release"]

TF_LOCK = threading.RLock()
"""Held while TensorFlow work runs outside the training loop (building a session, a single
step, generating while paused) and while garbage is collected; shared by every window."""

TICK_MS = 250
FULL_EVERY_S = 10.0  # the shortest time between two full collections


class _Collector(QObject):
    """Lives in the GUI thread: collects on a timer and on request from other threads."""

    requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.holders = 0
        self.waiting = 0  # > 0 while the GUI thread blocks on a background thread
        self.last_full = time.monotonic()
        self.full_cost = 0.0
        self._pending: list[threading.Event] = []
        self._mutex = threading.Lock()
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.requested.connect(self.serve, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def tick(self) -> None:
        """Collects the oldest generation whose count passed its threshold, as Python would;
        a full collection (all of TensorFlow's objects: tens of milliseconds) at most once per
        `FULL_EVERY_S` and never more than 2% of the time, as Python itself runs one only when
        the objects that survived since the last one reach a quarter of the old ones."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        generation = next((g for g in (2, 1, 0) if thresholds[g] and counts[g] > thresholds[g]),
                          None)
        now = time.monotonic()
        if generation == 2 and now - self.last_full < max(FULL_EVERY_S, 50 * self.full_cost):
            generation = 1
        if generation is None or not TF_LOCK.acquire(blocking=False):
            return  # nothing due, or TensorFlow work holds the lock: the next tick
        try:
            gc.collect(generation)
        finally:
            TF_LOCK.release()
        if generation == 2:
            self.last_full = time.monotonic()
            self.full_cost = self.last_full - now

    @Slot()
    def serve(self) -> None:
        """Runs a full collection for the threads waiting in `collect`."""
        with self._mutex:
            pending, self._pending = self._pending, []
        if not pending:
            return
        with TF_LOCK:
            gc.collect()
        for event in pending:
            event.set()

    def ask(self, timeout: float) -> bool:
        event = threading.Event()
        with self._mutex:
            if self.waiting:
                return False  # the GUI thread is joining us: it collects after the join
            self._pending.append(event)
        self.requested.emit()
        return event.wait(timeout)

    def release_waiters(self) -> None:
        with self._mutex:
            pending, self._pending = self._pending, []
        for event in pending:
            event.set()


_collector: _Collector | None = None


def _in_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and threading.current_thread() is threading.main_thread()


def hold() -> None:
    """A background thread is about to start (GUI thread): collect in the GUI thread only."""
    global _collector
    if not _in_gui_thread():
        return
    if _collector is None:
        _collector = _Collector()
    if _collector.holders == 0:
        gc.disable()
        _collector.timer.start()
    _collector.holders += 1


def release() -> None:
    """A background thread has ended (GUI thread): with none left, Python collects again."""
    if _collector is None or not _in_gui_thread() or _collector.holders == 0:
        return
    _collector.holders -= 1
    if _collector.holders == 0:
        _collector.timer.stop()
        gc.enable()
        with TF_LOCK:
            gc.collect()


def collect(timeout: float = 10.0) -> bool:
    """A full collection now, in the GUI thread, under `TF_LOCK`; waits for it.

    From the GUI thread (or when no collector runs) it collects in place. From a background
    thread it asks the GUI thread and waits; it returns at once when the GUI thread is itself
    waiting for a background thread (`gui_is_waiting`), which then collects after its wait.

    Args:
        timeout: Seconds a background thread waits for the GUI thread.

    Returns:
        True when the collection ran.
    """
    if _collector is None or _collector.holders == 0 or _in_gui_thread():
        with TF_LOCK:
            gc.collect()
        return True
    return _collector.ask(timeout)


@contextlib.contextmanager
def gui_is_waiting() -> Iterator[None]:
    """Wraps a wait of the GUI thread on a background thread (joining it), so that a thread
    asking for a collection meanwhile does not wait for the blocked GUI thread."""
    if _collector is None or not _in_gui_thread():
        yield
        return
    with _collector._mutex:
        _collector.waiting += 1
    _collector.release_waiters()
    try:
        yield
    finally:
        with _collector._mutex:
            _collector.waiting -= 1
