"""The studio's background threads run below the GUI thread's CPU priority."""

from __future__ import annotations

import os
import queue
import sys
import threading

import pytest

from ganstudio.ui.threads import BACKGROUND_NICENESS, LoopThread, lower_thread_priority


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_loop_threads_and_what_they_start_run_below_the_gui_thread(qapp):
    gui_nice = _nice()
    loop = LoopThread("ganstudio-test-priority")
    seen: queue.Queue = queue.Queue()

    def probe() -> None:
        seen.put(_nice())
        child = threading.Thread(target=lambda: seen.put(_nice()))  # as TensorFlow's pools
        child.start()
        child.join()

    loop.call(probe)
    loop_nice, child_nice = seen.get(timeout=10), seen.get(timeout=10)
    assert loop.shutdown()
    expected = min(19, gui_nice + BACKGROUND_NICENESS)
    assert loop_nice == expected and child_nice == expected
    assert not lower_thread_priority()  # never the GUI thread
    assert _nice() == gui_nice
