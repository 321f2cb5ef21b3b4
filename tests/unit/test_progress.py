"""The CLI's live progress bar stays on one terminal line."""

from __future__ import annotations

import io

from ganstudio.cli import ProgressReporter
from ganstudio.core.telemetry import Snapshot


def test_the_live_bar_fits_an_80_column_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    stream = io.StringIO()
    bar = ProgressReporter(300, stream=stream, interactive=True)
    for step in range(0, 301, 30):
        bar.snapshot(Snapshot(step=step, steps_per_sec=123.0, scalars={
            "d_loss": 1.234, "g_loss": 0.789, "d_real": 0.61, "d_fake": 0.42}))
    bar.close()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 11
    assert all(len(frame.rstrip("\n")) == 79 for frame in frames)  # never wraps
    assert frames[-1].startswith("[####################] step 300/300")
    assert stream.getvalue().count("\n") == 1  # one line in all, ended by close()
