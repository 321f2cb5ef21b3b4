"""Start, pause, step, stop and reset against a fake session; the live views follow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ganstudio.errors import DataError
from tests.gui.conftest import train_to


def _wait_running(qtbot, window, step=5):
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.step >= step,
                    timeout=10_000)


def test_start_pause_step_stop(make_window, qtbot):
    window = make_window(step_seconds=0.002)
    window.setup.steps.setValue(100_000)
    assert window.start_training()
    qtbot.waitUntil(lambda: window.setup.device_label.text().startswith("FakeCPU"), timeout=5000)
    assert "G 1,234" in window.setup.params_label.text()
    _wait_running(qtbot, window)
    assert window.state_label.text() == "training"
    assert not window.step_action.isEnabled()
    assert not window.setup.net.isEnabled()  # model settings locked while training

    window.pause_action.trigger()
    qtbot.waitUntil(lambda: window.latest.event == "paused", timeout=5000)
    assert window.state_label.text() == "paused"
    assert window.pause_button.text().endswith("Resume")
    assert all(a.isEnabled() for a in (window.step_action, window.step_d_action,
                                       window.step_g_action))
    paused_at = window.latest.step

    window.step_d_action.trigger()
    qtbot.waitUntil(lambda: window.latest.event == "step", timeout=5000)
    assert window.latest.step == paused_at  # D only: the generator did not move
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.latest.step == paused_at + 1
                    and window.latest.event == "paused", timeout=5000)

    window.pause_action.trigger()  # resume
    _wait_running(qtbot, window, paused_at + 10)
    with qtbot.waitSignal(window.training_finished, timeout=10_000) as blocker:
        window.stop_action.trigger()
    assert blocker.args[0]["stopped_early"]
    assert window.state_label.text() == "stopped"
    assert window.start_button.text().endswith("Continue")
    assert window.setup.net.isEnabled()


def test_views_update_and_the_scrubber_steps_back(make_window, qtbot):
    window = make_window(step_seconds=0.0005, heavy_every=10)
    window.setup.steps.setValue(400)
    with qtbot.waitSignal(window.training_finished, timeout=20_000):
        window.start_training()
    window.refresh_views(force=True)
    assert len(window.loss_plot.series["d_loss"]) > 10
    x, y = window.loss_plot.curves["g_loss"].getData()
    assert len(x) == len(window.loss_plot.series["g_loss"])
    assert window.histogram.overlap is not None and 0 <= window.histogram.overlap <= 1
    assert "overlap" in window.histogram.overlap_label.text()
    samples = window.samples
    assert len(samples.frames) >= 10
    assert samples.shown_frame.step == window.latest.step
    assert samples.fake_item.data.size > 0 and samples.push_item.xData is not None
    samples.scrubber.setValue(0)  # scrubbing draws at once, not on the next frame
    assert not samples.live
    assert samples.shown_frame is samples.frames[0]
    assert "1 of" in samples.step_label.text()
    samples.live_button.click()
    assert samples.shown_frame is samples.frames[len(samples.frames) - 1]
    assert window.step_label.text() == f"step {window.latest.step:,}"
    assert "steps/s" in window.speed_label.text()


def test_smoothing_slider_changes_the_curve(make_window, qtbot):
    window = make_window(step_seconds=0.0002)
    train_to(window, qtbot, 200)
    plot = window.loss_plot
    plot.smoothing.setValue(0)  # the slider redraws at once, not on the next frame
    raw = plot.curves["d_loss"].getData()[1].copy()
    plot.smoothing.setValue(95)
    smooth = plot.curves["d_loss"].getData()[1]
    assert raw.shape == smooth.shape and not (raw == smooth).all()
    assert not plot.refresh()  # nothing left to draw


def test_continue_trains_the_same_session_and_reset_forgets_it(make_window, qtbot, fake_factory):
    factory = fake_factory(step_seconds=0.0002)
    window = make_window(factory=factory)
    train_to(window, qtbot, 50)
    info = train_to(window, qtbot, 80)
    assert len(factory.sessions) == 1 and info["steps"] == 80
    window.answers = [False]  # "No": the trained networks stay
    window.reset_action.trigger()
    assert "trained for 80 steps are not saved" in window.questions[-1]
    assert window.worker.session is factory.sessions[0] and window.latest is not None
    window.reset_action.trigger()  # "Yes"
    assert window.latest is None and len(window.samples.frames) == 0
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.start_training()
    qtbot.waitUntil(lambda: len(factory.sessions) == 2, timeout=5000)


def test_quitting_asks_before_unsaved_networks_are_lost(make_window, qtbot, fake_factory):
    factory = fake_factory(step_seconds=0.0002)
    window = make_window(factory=factory)
    assert window.close() is True  # nothing trained: no question
    assert window.questions == []
    window = make_window(factory=factory)
    train_to(window, qtbot, 60)
    window.answers = [False]  # "No": the window stays, with its networks
    assert window.close() is False
    assert "trained for 60 steps are not saved" in window.questions[-1]
    assert "quit" in window.questions[-1]
    assert window.isVisible() and window.worker.session is not None
    assert window.start_action.isEnabled()  # still usable
    assert window.close() is True  # "Yes"
    assert len(window.questions) == 2 and not window.isVisible()


def test_a_nan_loss_shows_in_the_banner_and_the_window_stays_usable(make_window, qtbot):
    window = make_window(fail_at=30, step_seconds=0.0002)
    with qtbot.waitSignal(window.training_finished, timeout=10_000) as blocker:
        window.start_training()
    assert not blocker.args[0]["ok"]
    assert window.banner.level == "error"
    assert "NaN" in window.banner.text() and "learning rates" in window.banner.text()
    assert window.start_action.isEnabled() and not window.stop_action.isEnabled()


def test_a_data_error_while_preparing_is_shown(make_window, qtbot):
    window = make_window(fail_prepare=DataError("the data is gone.", "Load it again."))
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.start_training()
    assert window.banner.text() == "the data is gone. Load it again."
    assert window.worker.session is None


def test_an_unexpected_error_is_shown_and_its_traceback_logged(make_window, qtbot, capfd):
    window = make_window(fail_prepare=RuntimeError("boom"))
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.start_training()
    assert "Unexpected error: RuntimeError: boom" in window.banner.text()
    assert "Traceback" in capfd.readouterr().err


def test_a_bad_setting_is_shown_not_raised(make_window):
    window = make_window()
    window.setup.batch.setValue(3)
    window.setup.pack.setValue(2)
    window.setup.net.setCurrentIndex(window.setup.net.findData("dcgan"))
    assert window.start_training()  # validated by the (fake) session; config itself is fine
    window.stop_training()


@pytest.mark.parametrize("dataset", ["digits"])
def test_image_samples_show_as_a_grid(make_window, qtbot, dataset):
    window = make_window(dataset=dataset, step_seconds=0.0002)
    window.setup.steps.setValue(60)
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.start_training()
    window.refresh_views(force=True)
    samples = window.samples
    assert samples.stack.currentWidget() is samples.image_widget
    grid = samples.image_item.image
    assert grid is not None and grid.ndim == 2 and grid.shape[0] > 8 * 7


def test_save_samples_png(make_window, qtbot, tmp_path):
    from PIL import Image

    window = make_window(dataset="digits", step_seconds=0.0002)
    window.setup.steps.setValue(30)
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.start_training()
    window.refresh_views(force=True)
    assert window.save_png_action.isEnabled()
    assert window.save_png(tmp_path / "s.png")
    assert Image.open(tmp_path / "s.png").size[0] >= 512


def test_keyboard_shortcuts_are_set(make_window):
    window = make_window()
    assert window.start_action.shortcut().toString() == "F5"
    assert [k.toString() for k in window.start_action.shortcuts()] == ["F5", "Ctrl+Return"]
    assert window.pause_action.shortcut().toString() == "F6"
    assert window.step_action.shortcut().toString() == "F10"
    assert window.stop_action.shortcut().toString() == "Shift+F5"


def test_scrubbed_frame_stays_put_while_old_frames_drop_out(qtbot):
    import numpy as np

    from ganstudio.core.panels import Samples
    from ganstudio.core.telemetry import Snapshot
    from ganstudio.ui.widgets.sample_view import SampleView

    view = SampleView(history=5)
    qtbot.addWidget(view)

    def snap(step):
        grid = Samples(np.full((4, 8, 8, 1), step / 100, np.float32), "images")
        return Snapshot(step=step, panels={"samples": grid})

    for step in range(5):
        view.add_snapshot(snap(step))
    view.refresh()
    assert view.scrubber.maximum() == 4 and view.shown_frame.step == 4
    view.scrubber.setValue(2)  # the user steps back: drawn at once
    assert not view.live and view.shown_frame.step == 2
    for step in (5, 6):  # two newer snapshots push the two oldest out
        view.add_snapshot(snap(step))
    assert view.scrubber.value() == 2  # the slider moves once per frame, not per snapshot
    view.refresh()  # the frame clock
    assert view.shown_frame.step == 2 and view.scrubber.value() == 0
    view.live_button.click()
    assert view.live and view.shown_frame.step == 6 and view.scrubber.value() == 4


def test_points_view_sets_the_fixed_real_points_once(qtbot, monkeypatch):
    import numpy as np

    from ganstudio.core.panels import Samples
    from ganstudio.core.telemetry import Snapshot
    from ganstudio.ui.widgets.sample_view import SampleView

    view = SampleView(history=5)
    qtbot.addWidget(view)
    view.set_kind("points")
    rng = np.random.default_rng(0)
    ring = rng.standard_normal((300, 2)).astype(np.float32)

    def snap(step, real):
        points = Samples(rng.standard_normal((64, 2)).astype(np.float32), "points",
                         real_points=real, surface=rng.uniform(0, 1, (64, 64)),
                         extent=(-3.0, 3.0, -3.0, 3.0), push=rng.standard_normal((64, 2)))
        return Snapshot(step=step, panels={"samples": points})

    real_sets, fake_sets = [], []
    real_set, fake_set = view.real_item.setData, view.fake_item.setData
    monkeypatch.setattr(view.real_item, "setData",
                        lambda *a, **k: (real_sets.append(k.get("pos")), real_set(*a, **k)))
    monkeypatch.setattr(view.fake_item, "setData",
                        lambda *a, **k: (fake_sets.append(1), fake_set(*a, **k)))
    for step in range(3):  # the same real probe each time, as the session sends it
        view.add_snapshot(snap(step, ring))
        view.refresh()
    assert len(real_sets) == 1 and len(fake_sets) == 3
    assert view.real_item.getData()[0].shape == (300,)
    other = ring + 1.0  # another dataset: its points replace the old ones
    view.add_snapshot(snap(3, other))
    view.refresh()
    assert len(real_sets) == 2
    np.testing.assert_allclose(view.real_item.getData()[0], other[:, 0])
    view.clear()  # emptied: the next frame sets the points again
    view.add_snapshot(snap(4, ring))
    view.refresh()
    assert len(real_sets) == 4  # clear() empties it (3), the frame sets it (4)
    assert view.real_item.getData()[0].shape == (300,)


def test_closing_the_window_frees_the_session_in_the_gui_thread(make_window, qtbot,
                                                                  fake_factory):
    import gc
    import threading
    import weakref

    factory = fake_factory(step_seconds=0.0002)
    window = make_window(factory=factory)
    window.setup.steps.setValue(40)
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.start_training()
    assert not gc.isenabled()  # while the studio's threads run, only the GUI thread collects
    session = factory.sessions[0]
    session.cycle = session  # like a real session: only the cycle collector frees it
    freed_in: list[str] = []
    weakref.finalize(session, lambda: freed_in.append(threading.current_thread().name))
    del session
    factory.sessions.clear()
    window.close()
    assert window.worker.session is None
    # freed when the window closes, in the GUI thread (never in a training thread, where
    # collecting could also destroy Qt objects)
    assert freed_in == [threading.main_thread().name]
    assert gc.isenabled()


def test_closing_during_training_hides_the_window_before_joining_the_thread(make_window, qtbot,
                                                                            monkeypatch):
    window = make_window(step_seconds=0.002)
    window.setup.steps.setValue(100_000)
    window.start_training()
    _wait_running(qtbot, window)
    seen: list[tuple[bool, str]] = []
    join = window.worker.shutdown

    def shutdown(*args, **kwargs):
        seen.append((window.isVisible(), window.status_text.text()))
        return join(*args, **kwargs)

    monkeypatch.setattr(window.worker, "shutdown", shutdown)
    window.close()
    assert seen == [(False, "stopping…")]
    assert not window.worker.busy


@pytest.mark.parametrize("how", ["button", "action", "shortcut"])
def test_the_start_button_its_action_and_f5_train_with_the_settings_shown(make_window, qtbot,
                                                                          how):
    """Clicked and triggered signals carry a `checked` flag; it must not reach
    start_training's `cfg` (it did: every real click failed with "'bool' object has no
    attribute 'train'")."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = make_window(factory=None, step_seconds=0.0005)
    window.setup.steps.setValue(12)
    with qtbot.waitSignal(window.training_finished, timeout=20_000) as blocker:
        if how == "button":
            qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
        elif how == "action":
            window.start_action.trigger()
        else:
            window.activateWindow()
            QTest.keyClick(window, Qt.Key.Key_F5)
    assert blocker.args[0]["ok"], window.banner.text()
    assert blocker.args[0]["steps"] == 12 and window.banner.level != "error"


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_termination_signal_closes_the_window_like_its_close_button(make_window, qtbot,
                                                                      signame):
    """A logout or a closed terminal sends SIGTERM/SIGHUP: the window closes (settings saved,
    training stopped) instead of the process dying on the spot."""
    import os
    import signal

    from ganstudio.ui.app import _close_on_signals

    window = make_window(step_seconds=0.002)
    window.setup.steps.setValue(100_000)
    saved = {name: signal.getsignal(getattr(signal, name))
             for name in ("SIGTERM", "SIGINT", "SIGHUP")}
    try:
        _close_on_signals(window)
        assert window.start_training()
        qtbot.waitUntil(lambda: window.latest is not None, timeout=10_000)
        os.kill(os.getpid(), getattr(signal, signame))
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
        qtbot.waitUntil(lambda: not window.worker.busy, timeout=10_000)
        assert window.latest.step < 100_000  # stopped, not run to the end
        assert window.questions == []  # nobody may be there to answer
        # ... and the networks that were not saved are kept, and offered at the next start
        kept = list((window.recovery_root).iterdir())
        assert len(kept) == 1 and kept[0].name.startswith("ring8-")
        run = json.loads((kept[0] / "run.json").read_text())
        # (the session's own step: training stops after the step it is in)
        assert run["kept_on_close"] is True and run["steps"] >= window.latest.step > 0
        again = make_window(step_seconds=0.002)
        assert str(kept[0]) in again.banner.text() and "not saved" in again.banner.text()
        assert again.banner.action_button.isVisibleTo(again)
        again.banner.action_button.click()  # "Open that run"
        qtbot.waitUntil(lambda: again.run_dir == str(kept[0]), timeout=10_000)
        assert make_window().banner.text() == ""  # said once
    finally:
        for name, handler in saved.items():
            signal.signal(getattr(signal, name), handler)


def test_the_autosave_of_a_studio_that_crashed_is_offered_at_the_next_start(make_window, qtbot,
                                                                          tmp_path):
    """A crash or a kill leaves the autosave of networks that were not saved; the next start
    keeps it as a run folder and says so, with a button that opens it (once)."""
    from ganstudio.config import RunConfig
    from ganstudio.core.checkpoint import save_checkpoint
    from ganstudio.core.run_folder import autosave_folder

    root = tmp_path / "kept-runs"
    crashed = autosave_folder(root, "ring8")
    save_checkpoint(crashed / "checkpoints", 40, [], {})
    RunConfig().save(crashed / "config.toml")

    window = make_window(step_seconds=0.002)
    kept = root / crashed.name.removeprefix("autosave-")
    text = window.banner.text()
    assert "did not close normally" in text and "step 40" in text and str(kept) in text
    assert not crashed.exists() and (kept / "checkpoints").is_dir()
    window.banner.action_button.click()  # "Open that run"
    qtbot.waitUntil(lambda: window.run_dir == str(kept), timeout=10_000)
    assert make_window().banner.text() == ""  # said once


def test_new_networks_train_into_an_autosave_folder(make_window, qtbot, fake_factory):
    """Start gives new networks an autosave folder under `recovery_root` (the session writes
    it); Continue keeps the session's folder."""
    factory = fake_factory(step_seconds=0.001)
    window = make_window(factory=factory)
    train_to(window, qtbot, 10)
    first = factory.sessions[-1]
    assert first.autosave and Path(first.out_dir).parent == window.recovery_root
    assert Path(first.out_dir).name.startswith("autosave-ring8-")
    train_to(window, qtbot, 20)  # continue: the same session
    assert factory.sessions == [first]


def test_opening_a_run_asks_before_unsaved_networks_are_lost(make_window, qtbot, tmp_path):
    from ganstudio.config import RunConfig

    window = make_window(step_seconds=0.001)
    train_to(window, qtbot, 10)
    other = tmp_path / "other-run"
    other.mkdir()
    RunConfig().save(other / "config.toml")
    window.answers = [False]  # No: keep the networks
    assert not window.open_run(other)
    assert "open that run" in window.questions[-1] and window.run_dir is None
    window.answers = [True]
    assert window.open_run(other)
    qtbot.waitUntil(lambda: window.run_dir == str(other), timeout=10_000)


def test_open_kept_run_starts_in_the_kept_runs_folder(make_window, qtbot, tmp_path,
                                                      monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from ganstudio.config import RunConfig

    window = make_window(step_seconds=0.001)
    window.open_kept_action.trigger()
    assert "No runs were kept" in window.banner.text()

    kept = window.recovery_root / "ring8-20261201-000000"
    kept.mkdir(parents=True)
    RunConfig().save(kept / "config.toml")
    asked = []

    def choose(parent, title, start):
        asked.append(start)
        return str(kept)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", choose)
    window.open_kept_action.trigger()
    assert asked == [str(window.recovery_root)]
    qtbot.waitUntil(lambda: window.run_dir == str(kept), timeout=10_000)


def test_the_autosave_of_networks_training_now_is_not_opened_as_a_run(make_window, qtbot):
    from ganstudio.config import RunConfig
    from ganstudio.core.run_folder import RunLock, autosave_folder

    window = make_window(step_seconds=0.001)
    live = autosave_folder(window.recovery_root, "ring8")
    with RunLock(live):  # its session holds it (here, or in another studio)
        RunConfig().save(live / "config.toml")
        assert not window.open_run(live)
        assert "autosave of networks a GAN Studio is training now" in window.banner.text()
