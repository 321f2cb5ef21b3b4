"""The Theory lab tab: Run hands the chosen lab to the job thread, and its plots and numbers
come back into the page; a lab and training never run at once."""

from __future__ import annotations

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
