"""Request throttling: number requests for slow results, drop stale answers, pace changes.

A widget that asks something slow (a generator off the GUI thread) for results as the user
drags a slider must neither flood it nor draw an answer that no longer matches what is on
screen. `RequestThrottle` keeps that bookkeeping out of the widget:

- every request gets an id and a purpose; only the newest request of a purpose is current, and
  the answer to any other is stale;
- changes are marked with `schedule`: the first change after a quiet spell of `interval_ms` is
  sent at once (leading edge), later ones within the interval are coalesced by a single-shot
  timer;
- a purpose in `single_flight` has at most one request outstanding: its changes wait while one
  is (unless it went out more than `lost_ms` ago: an answer that never came no longer blocks),
  and once its answer is in, `send_pending` sends the newest change at once.

The throttle never builds a request: its `send(purpose)` callback does, and numbers it with
`issue`.

Example:
    def send(purpose):
        request_id = throttle.issue(purpose)
        worker.generate(request_id, current_latent())

    throttle = RequestThrottle(send, paced=("sample",), single_flight=("sample",))
    slider.valueChanged.connect(lambda _: throttle.schedule("sample"))

    def on_result(request_id, samples):
        if throttle.answer(request_id) is None:
            return                      # stale: a newer request is on its way
        draw(samples)
        throttle.send_pending("sample")  # the newest change, if one waited
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Slot

__all__ = ["RequestThrottle"]


class RequestThrottle(QObject):
    """Numbers requests, recognises stale answers, and paces repeated changes.

    Args:
        send: Called with a purpose when its changes are due; builds the request and numbers
            it with `issue`.
        paced: The purposes `schedule` takes, in the order one flush sends them.
        single_flight: Purposes with at most one request outstanding.
        interval_ms: The shortest time between two flushes.
        lost_ms: After this long, an unanswered single-flight request no longer holds back the
            next one.
        parent: Parent object (owns the timer).

    Public attribute: `timer`, the single-shot timer of the next paced flush (tests wait on
    its `timeout`).
    """

    def __init__(
        self,
        send: Callable[[str], None],
        paced: Iterable[str],
        single_flight: Iterable[str] = (),
        interval_ms: int = 30,
        lost_ms: int = 2000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._send = send
        self._paced = tuple(paced)
        self._single_flight = frozenset(single_flight)
        self.interval_ms = int(interval_ms)
        self.lost_ms = int(lost_ms)
        self._last_id = 0
        self._latest: dict[str, int] = {}  # purpose -> latest request id
        self._purpose_of: dict[int, str] = {}  # only the latest id of each purpose
        self._pending: set[str] = set()  # purposes with changes not sent yet
        self._in_flight: dict[str, int] = {}  # single-flight purpose -> unanswered id
        self._issued = {purpose: QElapsedTimer() for purpose in self._single_flight}
        self._flush_clock = QElapsedTimer()  # since the last flush (leading-edge throttle)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(self.interval_ms)
        self.timer.timeout.connect(self.flush)

    @property
    def last_id(self) -> int:
        """The id of the newest request issued (0 before the first); ids only grow."""
        return self._last_id

    def latest(self, purpose: str) -> int | None:
        """The id of the newest request of `purpose`, or None (none, or forgotten)."""
        return self._latest.get(purpose)

    def purpose_of(self, request_id: int) -> str | None:
        """The purpose of a request that is still the newest of its purpose (else None)."""
        return self._purpose_of.get(int(request_id))

    def is_pending(self, purpose: str) -> bool:
        """Whether changes of `purpose` wait to be sent."""
        return purpose in self._pending

    def since_issued(self, purpose: str) -> int:
        """Milliseconds since the newest request of a single-flight `purpose` went out.

        Raises:
            KeyError: If `purpose` is not single-flight.
        """
        return int(self._issued[purpose].elapsed())

    def issue(self, purpose: str) -> int:
        """Number a new request of `purpose`; earlier ones of that purpose become stale.

        Args:
            purpose: What the request is for.

        Returns:
            The request's id.
        """
        self._last_id += 1
        request_id = self._last_id
        previous = self._latest.get(purpose)
        if previous is not None:
            self._purpose_of.pop(previous, None)
        self._latest[purpose] = request_id
        self._purpose_of[request_id] = purpose
        if purpose in self._single_flight:
            self._in_flight[purpose] = request_id
            self._issued[purpose].start()
        return request_id

    def answer(self, request_id: int) -> str | None:
        """Take in the answer to a request.

        Args:
            request_id: The id `issue` gave.

        Returns:
            The request's purpose when it is the newest of its purpose (and not answered
            before); None for a stale or unknown id, whose answer should be dropped.
        """
        request_id = int(request_id)
        purpose = self._purpose_of.get(request_id)
        if purpose is None or self._latest.get(purpose) != request_id:
            return None
        del self._purpose_of[request_id]
        self._in_flight.pop(purpose, None)
        return purpose

    def schedule(self, *purposes: str) -> None:
        """Mark changes of `purposes`: sent now after a quiet spell, else by the timer."""
        self._pending.update(purposes)
        if self.timer.isActive():
            return
        since = self._flush_clock.elapsed() if self._flush_clock.isValid() else self.interval_ms
        if since >= self.interval_ms:
            self.flush()  # the first change after a quiet spell: no wait
        else:
            self.timer.start(self.interval_ms - since)

    def send_pending(self, purpose: str) -> None:
        """Flush now if changes of `purpose` wait (call it once its answer is drawn)."""
        if purpose in self._pending:
            self.flush()

    @Slot()
    def flush(self) -> None:
        """Send every pending purpose now, in `paced` order, except a busy single-flight one
        (the timer looks again after `interval_ms`)."""
        self._flush_clock.start()
        for purpose in self._paced:
            if purpose not in self._pending:
                continue
            if self._busy(purpose):
                self.timer.start(self.interval_ms)  # look again soon; the answer comes first
                continue
            self._pending.discard(purpose)
            self._send(purpose)

    def forget(self) -> None:
        """Make every request stale and drop pending changes (e.g. a new generator)."""
        self._latest.clear()
        self._purpose_of.clear()
        self._in_flight.clear()
        self._pending.clear()
        self.timer.stop()

    def _busy(self, purpose: str) -> bool:
        return purpose in self._in_flight and self._issued[purpose].elapsed() < self.lost_ms
