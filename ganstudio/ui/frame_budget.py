"""The live views' frame clock: as often as the GUI thread's share of a core allows.

While training runs at full speed every millisecond the GUI thread draws is taken from it: the
GUI thread holds Python's lock while Qt paints a plot, and the training loop's Python part waits
for it. So the periodic redraw runs at `base_ms` (4 frames a second) when it is cheap, and
stretches up to `max_ms` when the GUI thread's own CPU time (drawing, and taking in snapshots)
would pass `share` of a core. A user's own actions (a slider, the scrubber) still draw at once;
idle or paused, the clock runs at `base_ms`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["FrameBudget"]


class FrameBudget:
    """Chooses the next frame interval from the GUI thread's CPU time over the last one.

    Args:
        base_ms: The interval when drawing is cheap (and whenever training is not running).
        max_ms: The longest interval (the views never fall below 1000/max_ms frames a second).
        share: The GUI thread's target CPU time, as a share of one core, while training runs.
        cpu: The calling thread's CPU-time clock in seconds (`time.thread_time`).
        wall: A wall clock in seconds (`time.perf_counter`).

    Example:

    ```python
    budget = FrameBudget()
    timer.setInterval(budget.next_interval(training=worker.busy))   # after each frame
    ```
    """

    def __init__(self, base_ms: int = 250, max_ms: int = 1000, share: float = 0.025,
                 cpu: Callable[[], float] = time.thread_time,
                 wall: Callable[[], float] = time.perf_counter) -> None:
        self.base_ms = base_ms
        self.max_ms = max(base_ms, max_ms)
        self.share = share
        self._cpu = cpu
        self._wall = wall
        self._last: tuple[float, float] | None = None
        self.interval_ms = base_ms
        self.measured_share = 0.0

    def next_interval(self, training: bool) -> int:
        """Measures the GUI thread's CPU share since the last call and returns the interval
        (milliseconds) until the next frame; call it from the GUI thread after each frame.

        Args:
            training: True while training runs at full speed (not paused, not idle).
        """
        now = (self._wall(), self._cpu())
        last, self._last = self._last, now
        if not training or last is None:
            self.interval_ms = self.base_ms
            return self.interval_ms
        wall = now[0] - last[0]
        used = now[1] - last[1]
        if wall <= 0:
            return self.interval_ms
        self.measured_share = used / wall
        # One frame's CPU time spread over the interval that keeps it within the share;
        # halfway there each frame, so a single slow frame does not swing the clock.
        wanted = 1000.0 * used / self.share
        smoothed = 0.5 * self.interval_ms + 0.5 * wanted
        self.interval_ms = int(min(self.max_ms, max(self.base_ms, smoothed)))
        return self.interval_ms
