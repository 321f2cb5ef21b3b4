"""The request throttle on its own: ids and stale answers, leading-edge pacing, single flight."""

from __future__ import annotations

import pytest

from ganstudio.ui.widgets.request_throttle import RequestThrottle


class Sender:
    """The throttle's `send` callback: issues a request per call and records it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []
        self.throttle: RequestThrottle | None = None

    def __call__(self, purpose: str) -> None:
        self.sent.append((purpose, self.throttle.issue(purpose)))

    def of(self, purpose: str) -> list[int]:
        return [request_id for p, request_id in self.sent if p == purpose]


@pytest.fixture
def sender(qtbot):
    send = Sender()
    send.throttle = RequestThrottle(send, paced=("strips", "sample"), single_flight=("sample",),
                                    interval_ms=200, lost_ms=5000)
    yield send
    send.throttle.forget()


def test_only_the_newest_request_of_a_purpose_is_current(sender):
    throttle = sender.throttle
    first, second = throttle.issue("sample"), throttle.issue("sample")
    other = throttle.issue("reference")
    assert first < second < other == throttle.last_id
    assert throttle.answer(first) is None
    assert throttle.answer(987654) is None
    assert throttle.answer(second) == "sample"
    assert throttle.answer(second) is None  # answered once
    assert throttle.latest("reference") == other
    throttle.forget()
    assert throttle.answer(other) is None and throttle.latest("reference") is None


def test_a_change_after_a_quiet_spell_goes_out_at_once_and_later_ones_are_coalesced(qtbot,
                                                                                     sender):
    throttle = sender.throttle
    throttle.schedule("strips")
    assert sender.of("strips") == [1]  # no wait
    for _ in range(5):
        throttle.schedule("strips")
    assert len(sender.of("strips")) == 1 and throttle.timer.isActive()
    qtbot.waitUntil(lambda: len(sender.of("strips")) == 2)
    assert not throttle.is_pending("strips")


def test_a_single_flight_purpose_waits_for_its_answer(qtbot, sender):
    throttle = sender.throttle
    throttle.schedule("sample", "strips")
    first = sender.of("sample")[0]
    assert [p for p, _ in sender.sent] == ["strips", "sample"]  # in `paced` order
    with qtbot.waitSignal(throttle.timer.timeout):
        throttle.schedule("sample")
    assert throttle.is_pending("sample") and len(sender.of("sample")) == 1
    assert throttle.answer(first) == "sample"
    throttle.send_pending("sample")
    assert len(sender.of("sample")) == 2 and not throttle.is_pending("sample")
    assert throttle.since_issued("sample") >= 0


def test_a_lost_answer_stops_blocking_after_lost_ms(qtbot):
    sender = Sender()
    sender.throttle = RequestThrottle(sender, paced=("sample",), single_flight=("sample",),
                                      interval_ms=10, lost_ms=50)
    sender.throttle.schedule("sample")
    sender.throttle.schedule("sample")
    qtbot.waitUntil(lambda: len(sender.of("sample")) == 2, timeout=2000)
    sender.throttle.forget()
