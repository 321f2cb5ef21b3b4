"""Reference cycles are collected in the GUI thread while the studio's threads run."""

from __future__ import annotations

import gc
import threading
import time
import weakref

from ganstudio.ui import gui_gc
from ganstudio.ui.threads import LoopThread


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _freed_in(obj: object) -> list[str]:
    names: list[str] = []
    weakref.finalize(obj, lambda: names.append(threading.current_thread().name))
    return names


def test_a_loop_thread_turns_automatic_collection_off_until_it_ends(qtbot):
    assert gc.isenabled()
    loop = LoopThread("test-loop")
    try:
        assert not gc.isenabled()
        ran = threading.Event()
        loop.call(lambda: ran.set() if not gc.isenabled() else None)
        assert ran.wait(5)
    finally:
        assert loop.shutdown(10_000)
    assert gc.isenabled()


def test_a_background_request_collects_in_the_gui_thread(qtbot):
    loop = LoopThread("test-loop")
    try:
        cycle = _Cycle()
        freed = _freed_in(cycle)
        done = threading.Event()
        result: list[bool] = []

        def work() -> None:
            nonlocal cycle
            cycle = None  # the last outside reference goes in the loop thread
            result.append(gui_gc.collect(timeout=10))
            done.set()

        loop.call(work)
        qtbot.waitUntil(done.is_set, timeout=10_000)  # the GUI thread serves the request
        assert result == [True]
        assert freed == [threading.main_thread().name]
    finally:
        assert loop.shutdown(10_000)


def test_the_timer_collects_garbage_made_by_a_background_thread(qtbot):
    loop = LoopThread("test-loop")
    try:
        freed: list[list[str]] = []

        def work() -> None:
            for _ in range(3 * gc.get_threshold()[0]):  # past the youngest threshold
                freed.append(_freed_in(_Cycle()))

        loop.call(work)
        qtbot.waitUntil(lambda: len(freed) > 0 and all(freed[i] for i in range(len(freed))),
                        timeout=10_000)
        assert {name for names in freed for name in names} == {threading.main_thread().name}
    finally:
        assert loop.shutdown(10_000)


def test_a_request_while_the_gui_thread_joins_does_not_wait_for_it(qtbot):
    loop = LoopThread("test-loop")
    waited: list[float] = []

    def work() -> None:
        time.sleep(0.2)  # the GUI thread is in shutdown's join by now
        start = time.monotonic()
        gui_gc.collect(timeout=30)
        waited.append(time.monotonic() - start)

    loop.call(work)
    assert loop.shutdown(20_000)
    assert waited and waited[0] < 5
