"""The Theory lab tab: Run hands the chosen lab to the job thread, and its plots and numbers
come back into the page; a lab and training never run at once. A result with frames plays them
with a slider and Play/Pause."""

from __future__ import annotations

import pytest

from ganstudio.ui.widgets.lab_view import LabView, summary_rows

RESULT = {
    "lab": "jsd-vs-w", "title": "JS divergence against the earth mover's distance",
    "caption": "…", "seed": 0, "wall_seconds": 2.5,
    "rows": [{"theta": 1.0, "jsd": 0.69, "w": 1.02}, {"theta": 2.0, "jsd": 0.693, "w": 1.97}],
    "plots": [{"title": "JSD and W against θ", "x_label": "θ", "y_label": "nats / distance",
               "x": [1.0, 2.0], "lines": {"JSD": [0.69, 0.693], "W (GP)": [1.02, 1.97],
                                          "log 2": [0.693, 0.693]},
               "dots": {"exact W": [[1.0, 1.0], [2.0, 2.0]]}}],
}


def _frame(k: int) -> dict:
    return {"label": f"step {10 * k}", "value": 10 * k, "x": [0.0, 1.0, 2.0],
            "lines": {"D(x)": [0.1 * k, 0.5, 1.0 - 0.1 * k], "½": [0.5, 0.5, 0.5]},
            "dots": {"mean": [[1.0, 0.2 * k]]}}


MOVIE = {"title": "D over the steps", "x_label": "x", "y_label": "D(x)", "frame_label": "step",
         "fps": 50.0, "frames": [_frame(k) for k in range(4)]}


def _curve(view: LabView, name: str):
    (curve,) = [c for c in view.animation_plot.getPlotItem().listDataItems() if c.name() == name]
    return curve


def test_summary_rows_flatten_numbers_and_leave_plots_out():
    rows = dict(summary_rows(RESULT))
    assert rows["rows[1].w"] == "1.97" and rows["wall_seconds"] == "2.5" and rows["seed"] == "0"
    assert not any(name.startswith(("plots", "caption")) for name in rows)


def test_a_result_draws_its_plots_and_fills_the_table(qtbot):
    view = LabView()
    qtbot.addWidget(view)
    view.show_result(RESULT)
    (plot,) = view.plots
    names = [item.name() for item in plot.getPlotItem().listDataItems()]
    assert names == ["JSD", "W (GP)", "log 2", "exact W"]
    assert view.table.rowCount() == len(summary_rows(RESULT))
    assert "done in 2.5 s" in view.status.text() and view.run_button.isEnabled()
    view.show_result({**RESULT, "plots": []})  # a second result replaces the first
    assert view.plots == []


def test_run_goes_through_the_job_thread_and_blocks_start(make_window, qtbot, monkeypatch):
    import ganstudio.core.lab as lab

    calls = []

    def fake_run_lab(name, seed=0, status=None):
        calls.append(name)
        return {**RESULT, "lab": name}

    monkeypatch.setattr(lab, "run_lab", fake_run_lab)
    window = make_window()
    view = window.lab_view
    view.labs.setCurrentRow(1)
    with qtbot.waitSignal(window.jobs.busy_changed, timeout=10_000,
                          check_params_cb=lambda busy: not busy):
        view.run_button.click()
        assert not view.run_button.isEnabled() and window.lab_running
        assert not window.start_training()  # not while the lab runs
    assert calls == [view.current_lab] and not window.lab_running
    assert len(view.plots) == 1 and view.run_button.isEnabled()


def test_the_tab_lists_every_lab_with_its_caption(make_window):
    from ganstudio.core.lab import LABS

    window = make_window()
    assert "Theory lab" in [window.tabs.tabText(i) for i in range(window.tabs.count())]
    view = window.lab_view
    assert view.labs.count() == len(LABS)
    view.labs.setCurrentRow(2)
    assert LABS[view.current_lab].caption in view.caption.text()


def test_a_result_without_frames_hides_the_player(qtbot):
    view = LabView()
    qtbot.addWidget(view)
    view.show()
    view.show_result(RESULT)
    assert not view.player.isVisible() and view.animation is None


def test_frames_show_a_slider_that_moves_the_curves_on_fixed_axes(qtbot):
    view = LabView()
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    view.show_result({**RESULT, "frames": [MOVIE]})
    assert view.player.isVisible() and view.frame_slider.isVisible()
    assert not view.animation_choice.isVisible()  # one animation: nothing to choose
    assert view.frame_slider.maximum() == 3 and view.frame_slider.value() == 0
    assert "frames" not in dict(summary_rows({**RESULT, "frames": [MOVIE]}))
    d = _curve(view, "D(x)")
    assert list(d.getData()[1]) == [0.0, 0.5, 1.0]
    assert "step 0" in view.frame_label.text()
    ranges = view.animation_plot.getPlotItem().viewRange()
    view.frame_slider.setValue(2)
    assert list(d.getData()[1]) == [0.2, 0.5, 0.8]
    assert list(_curve(view, "mean").getData()[1]) == [0.4]
    assert "step 20" in view.frame_label.text() and "frame 3 of 4" in view.frame_label.text()
    # the axes hold the union over the frames and do not move with them
    assert view.animation_plot.getPlotItem().viewRange() == ranges
    (x_lo, x_hi), (y_lo, y_hi) = ranges
    assert x_lo < 0.0 and x_hi > 2.0 and y_lo < 0.0 and y_hi > 1.0


def test_play_advances_to_the_last_frame_and_stops_and_play_from_the_end_restarts(qtbot):
    view = LabView()
    qtbot.addWidget(view)
    view.show()
    view.show_result({**RESULT, "frames": [MOVIE]})
    seen = []
    view.frame_slider.valueChanged.connect(seen.append)
    view.play_button.click()
    assert view.timer.isActive() and view.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: not view.timer.isActive(), timeout=5000)
    assert seen == [1, 2, 3] and view.play_button.text() == "Play"
    assert list(_curve(view, "D(x)").getData()[1]) == pytest.approx([0.3, 0.5, 0.7])
    seen.clear()
    view.play_button.click()  # from the end: back to the first frame, and on
    qtbot.waitUntil(lambda: not view.timer.isActive(), timeout=5000)
    assert seen == [0, 1, 2, 3]


def test_pause_stops_the_frames_and_several_animations_can_be_chosen(qtbot):
    view = LabView()
    qtbot.addWidget(view)
    view.show()
    slow = {**MOVIE, "fps": 2.0}
    other = {**MOVIE, "title": "Another", "frames": [_frame(k) for k in range(2)]}
    view.show_result({**RESULT, "frames": [slow, other]})
    view.play_button.click()
    qtbot.waitUntil(lambda: view.frame_slider.value() == 1, timeout=5000)
    view.play_button.click()
    assert not view.timer.isActive() and view.play_button.text() == "Play"
    qtbot.wait(700)
    assert view.frame_slider.value() == 1
    assert view.animation_choice.isVisible() and view.animation_choice.count() == 2
    view.animation_choice.setCurrentIndex(1)
    assert view.animation is other and view.frame_slider.maximum() == 1
    assert view.frame_slider.value() == 0
    assert view.animation_plot.getPlotItem().titleLabel.text == "Another"
