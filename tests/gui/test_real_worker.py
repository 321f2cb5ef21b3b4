"""A few tests that run the real worker with TensorFlow for a handful of steps."""

from __future__ import annotations

import json

from ganstudio.ui.main_window import count_parameters


def _train(window, qtbot, steps, batch):
    window.setup.steps.setValue(steps)
    window.setup.batch.setValue(batch)
    window.setup.jit.setCurrentIndex(window.setup.jit.findData("off"))
    with qtbot.waitSignal(window.training_finished, timeout=120_000) as blocker:
        assert window.start_training()
    info = blocker.args[0]
    assert info["ok"], window.banner.text()
    window.refresh_views(force=True)
    return info


def test_ring8_trains_exports_saves_and_resumes(make_window, qtbot, tmp_path):
    window = make_window(real=True)
    info = _train(window, qtbot, 20, 64)
    assert info["steps"] == 20
    # saved nowhere yet: autosaved (at the end of the start, and every checkpoint interval)
    autosaves = list(window.recovery_root.glob("autosave-ring8-*"))
    assert len(autosaves) == 1
    assert (autosaves[0] / "checkpoints" / "ckpt-00000020.npz").is_file()
    snap = window.latest
    field = snap.panels["samples"]
    assert snap.step == 20 and field.surface is not None and field.push is not None
    assert window.setup.device_label.text().startswith("CPU")
    assert "G " in window.setup.params_label.text() and "—" not in window.setup.params_label.text()
    assert window.samples.shown_frame is not None and window.samples.shown_frame.surface is not None
    assert len(window.loss_plot.series["d_loss"]) >= 1
    slopes = window.g_loss_view.slopes  # the fakes' D values on G's two losses
    assert slopes is not None and abs(slopes["minimax"] + slopes["nonsaturating"] - 1) < 1e-6

    with qtbot.waitSignal(window.export_done, timeout=120_000) as blocker:
        assert window.export_generator(tmp_path / "gen")
    report = blocker.args[0]
    assert report.ok
    assert "exported to" in window.banner.text() and "matches" in window.banner.text()
    assert (tmp_path / "gen" / "saved_model.pb").is_file()

    run = tmp_path / "run"
    with qtbot.waitSignal(window.run_saved, timeout=120_000):
        assert window.save_run(run)
    assert (run / "run.json").is_file() and (run / "history.json").is_file()
    assert any((run / "checkpoints").iterdir())
    assert json.loads((run / "run.json").read_text())["steps"] == 20
    assert not autosaves[0].exists()  # the saved run supersedes its autosave

    window.reset()
    with qtbot.waitSignal(window.worker.prepared, timeout=120_000) as prepared:
        assert window.open_run(run)
    assert prepared.args[0]["step"] == 20
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.step == 20,
                    timeout=30_000)
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=30_000)
    window.setup.steps.setValue(30)
    with qtbot.waitSignal(window.training_finished, timeout=120_000) as blocker:
        window.start_training()
    assert blocker.args[0]["steps"] == 30, window.banner.text()
    asked = len(window.questions)
    assert window.close()  # a run kept in its folder quits without asking
    assert len(window.questions) == asked


def test_reset_deletes_the_autosave_of_discarded_networks(make_window, qtbot):
    window = make_window(real=True)
    _train(window, qtbot, 10, 32)
    autosaves = list(window.recovery_root.glob("autosave-ring8-*"))
    assert len(autosaves) == 1 and (autosaves[0] / "config.toml").is_file()
    window.answers = [True]  # discard them
    assert window.reset()
    qtbot.waitUntil(lambda: not autosaves[0].exists(), timeout=30_000)


def test_digits_shows_image_samples_and_counts_parameters(make_window, qtbot):
    window = make_window(real=True, dataset="digits", counter=count_parameters)
    qtbot.waitUntil(lambda: "G " in window.setup.params_label.text()
                    and "—" not in window.setup.params_label.text(), timeout=120_000)
    counted = window.setup.params_label.text()
    _train(window, qtbot, 8, 32)
    assert window.setup.params_label.text() == counted
    assert window.latest.panels["samples"].samples.shape[1:] == (8, 8, 1)
    frame = window.samples.shown_frame
    assert frame is not None and frame.grid is not None
    assert window.samples.stack.currentWidget() is window.samples.image_widget
    assert window.histogram.overlap is not None


def test_after_a_divergence_the_banner_goes_back_with_half_the_learning_rates(make_window,
                                                                              qtbot):
    import numpy as np

    window = make_window(real=True)
    _train(window, qtbot, 20, 64)  # the next run keeps its start, step 20, as its good state
    lr_d, lr_g = window.setup.config().objective.lr_d, window.setup.config().objective.lr_g

    def poison():  # runs in the training thread between two steps, as a divergence would
        w = window.worker.session.recipe.discriminator.trainable_variables[0]
        w.assign(np.full(w.shape, np.nan, np.float32))

    window.setup.steps.setValue(120)
    with qtbot.waitSignal(window.training_finished, timeout=120_000):
        assert window.start_training()
        qtbot.waitUntil(lambda: window.latest is not None and window.latest.step >= 40,
                        timeout=60_000)
        window.worker.run_serialized(poison)
    window.refresh_views(force=True)
    assert "diverged" in window.banner.text() and "step 20" in window.banner.text()
    assert window.loss_plot.series["d_loss"].x.max() >= 40  # points of the lost stretch
    button = window.banner.action_button
    assert button.isVisible() and "step 20" in button.text() and "half" in button.text()

    with qtbot.waitSignal(window.training_finished, timeout=120_000) as blocker:
        button.click()
    info = blocker.args[0]
    assert info["ok"] and info["steps"] == 120, window.banner.text()
    assert window.questions == []  # nothing was discarded: the same networks went on
    cfg = window.setup.config()
    assert (cfg.objective.lr_d, cfg.objective.lr_g) == (lr_d / 2, lr_g / 2)
    window.refresh_views(force=True)
    d_loss = window.loss_plot.series["d_loss"]
    # the lost stretch was dropped: the curve never goes back in x
    assert np.isfinite(d_loss.y).all() and np.all(np.diff(d_loss.x) >= 0)
    assert window.latest.step == 120
    assert [f.step for f in window.samples.frames] == sorted(f.step for f in window.samples.frames)


def test_stackgan_shows_both_stages_and_switches_stage_while_it_trains(make_window, qtbot):
    window = make_window(real=True, dataset="shapes")
    setup = window.setup
    setup.family.setCurrentIndex(setup.family.findData("stackgan"))
    for (section, name), value in {("net", "filters"): 4, ("net", "latent_dim"): 4,
                                   ("stackgan", "filters2"): 4, ("stackgan", "res_blocks"): 1,
                                   ("train", "steps"): 100_000, ("train", "batch"): 8,
                                   ("train", "jit"): "off"}.items():
        setup.editor(section, name).set_field_value(value)
    assert setup.editor("stackgan", "stage").isEnabled()
    assert window.start_training()
    qtbot.waitUntil(lambda: window.latest is not None and window.latest.step > 2, timeout=180_000)
    # editable while it trains, and taken by the running session at once
    assert setup.editor("stackgan", "stage").isEnabled() and not setup.batch.isEnabled()
    setup.editor("stackgan", "stage").set_field_value("II")
    qtbot.waitUntil(lambda: window.worker.session.config.stackgan.stage == "II",
                    timeout=60_000)
    step = window.latest.step
    qtbot.waitUntil(lambda: window.latest.step > step + 2
                    and window.latest.scalars.get("stage") == 2.0, timeout=120_000)
    qtbot.waitUntil(lambda: "held by hand" in window.samples.title.text(), timeout=60_000)
    assert "bicubic" in window.samples.title.text()
    assert "stage2" in window.panel_views and "d2_hist" in window.histograms
    with qtbot.waitSignal(window.training_finished, timeout=120_000):
        window.stop_training()
