"""The Metrics tab: the theory strip, the quality-metric curves, the stop rule, Evaluate now."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganstudio.config import TrainConfig
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui.widgets.metrics_view import MetricsView
from tests.gui.conftest import FakeEvaluator, fake_figures


def _info() -> dict:
    ev = FakeEvaluator()
    return {"names": list(ev.names), "labels": {"reverse_kl": "reverse KL", "mmd": "MMD²"},
            "better": dict(ev.better), "baseline": dict(ev.baseline),
            "meanings": {"mmd": "kernel distance"}, "main_metric": ev.main_metric, "n": 200}


def _snap(step: int, metrics: dict | None = None, critic: bool = False, **scalars) -> Snapshot:
    base = {"value": -1.2, "d_real": 0.7, "d_fake": 0.4, "jsd": 0.093}
    if critic:
        base = {"value": 0.3, "wasserstein": 0.3, "d_real": 0.5, "d_fake": 0.2}
    base.update(scalars)
    return Snapshot(step=step, scalars=base, critic=critic, metrics=metrics,
                    event="metrics" if metrics else "tick")


@pytest.fixture
def view(qtbot):
    widget = MetricsView()
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    return widget


def test_metric_curves_get_data_baselines_and_titles(view):
    view.set_train_config(TrainConfig(eval_every=10, eval_n=200))
    view.set_metric_info(_info())
    for step in (10, 20, 30):
        view.add_snapshot(_snap(step, fake_figures(step)))
    assert view.refresh()

    assert set(view.cards) == set(FakeEvaluator.names)
    mmd = view.cards["mmd"]
    x, y = mmd.curve.getData()
    np.testing.assert_allclose(x, [10, 20, 30])
    np.testing.assert_allclose(y, [fake_figures(s)["mmd"] for s in (10, 20, 30)])
    assert mmd.baseline_line.isVisible() and mmd.baseline_line.value() == pytest.approx(1e-4)
    assert mmd.title.text() == "MMD² (lower is better)"
    assert mmd.toolTip() == "kernel distance"
    assert view.cards["precision"].title.text() == "precision (higher is better)"
    assert view.cards["reverse_kl"].title.text().startswith("★ reverse KL")
    latest = fake_figures(30)["mmd"]
    assert mmd.value_label.text().startswith(f"{latest:.4g} at step 30")
    assert "real vs real 0.0001" in mmd.value_label.text()
    lo, hi = mmd.item.viewRange()[1]
    assert lo <= 1e-4 <= hi and lo <= latest <= hi
    assert "200 samples" in view.schedule_label.text()
    view.set_train_config(TrainConfig(eval_every=10))  # eval_n None: the evaluator says
    assert "default sample count" in view.schedule_label.text()
    view.set_metric_info(_info())
    assert view.schedule_label.text().endswith("200 samples")
    assert not view.placeholder.isVisible()


def test_metrics_before_the_description_use_fallback_labels(view):
    view.add_snapshot(_snap(5, {"fd": 40.0, "kid": 0.02, "precision": 0.5}))
    view.refresh()
    assert view.cards["fd"].title.text() == "Fréchet distance (lower is better)"
    assert not view.cards["fd"].baseline_line.isVisible()
    view.set_metric_info({"names": ["fd", "kid", "precision"], "baseline": {"fd": 3.0},
                          "better": {"fd": "lower"}, "main_metric": "fd"})
    assert view.cards["fd"].baseline_line.isVisible()
    assert view.cards["fd"].baseline_line.value() == 3.0
    assert view.cards["fd"].title.text().startswith("★ ")


def test_infinite_values_are_shown_but_not_plotted(view):
    view.set_metric_info(_info())
    view.add_metrics(10, {"reverse_kl": math.inf})
    view.add_metrics(20, {"reverse_kl": 0.3})
    view.refresh()
    x, y = view.cards["reverse_kl"].curve.getData()
    np.testing.assert_allclose(x, [20])
    np.testing.assert_allclose(y, [0.3])
    view.add_metrics(30, {"reverse_kl": math.inf})
    assert view.cards["reverse_kl"].value_label.text().startswith("∞ at step 30")


def test_theory_strip_shows_v_jsd_mean_d_and_the_equilibrium_gap(view):
    for step, v in ((2, -1.0), (4, -1.2), (6, -1.3)):
        view.add_snapshot(_snap(step, value=v, jsd=(v + 2 * math.log(2)) / 2))
    view.refresh()
    x, y = view.value_curve.getData()
    np.testing.assert_allclose(x, [2, 4, 6])
    np.testing.assert_allclose(y, [-1.0, -1.2, -1.3])
    assert view.value_ref.value() == pytest.approx(-2 * math.log(2))
    _, jsd = view.jsd_curve.getData()
    np.testing.assert_allclose(jsd, [(v + 2 * math.log(2)) / 2 for v in (-1.0, -1.2, -1.3)])
    _, gap = view.gap_curve.getData()
    np.testing.assert_allclose(gap, [0.05, 0.05, 0.05])  # |(0.7 + 0.4) / 2 − 0.5|
    _, real = view.d_real_curve.getData()
    _, fake = view.d_fake_curve.getData()
    np.testing.assert_allclose(real, [0.7] * 3)
    np.testing.assert_allclose(fake, [0.4] * 3)
    assert view.value_card.value_label.text().startswith("V = −1.3")
    assert "−1.386" in view.value_card.value_label.text()
    assert view.jsd_card.value_label.text().startswith("JSD ≥ ")
    assert "real 0.7 · generated 0.4" in view.d_card.value_label.text()
    assert "|mean D − 0.5| = 0.05" in view.gap_card.value_label.text()
    assert view.jsd_card.isVisible() and view.gap_card.isVisible()


def test_a_critic_switches_the_strip_to_wasserstein(view):
    view.add_snapshot(_snap(2))
    view.add_snapshot(_snap(4, critic=True, wasserstein=0.3))
    view.add_snapshot(_snap(6, critic=True, wasserstein=0.2, value=0.2))
    view.refresh()
    assert view.critic
    assert "Wasserstein" in view.value_card.title.text()
    assert view.value_card.value_label.text().startswith("W ≈ 0.2")
    assert view.value_ref.value() == 0.0
    assert not view.jsd_card.isVisible() and not view.gap_card.isVisible()
    assert view.d_card.title.text().startswith("mean critic output")
    _, y = view.value_curve.getData()
    assert list(y[-2:]) == [0.3, 0.2]
    view.set_critic(False)
    assert view.value_card.title.text() == "V(G, D) estimate" and view.jsd_card.isVisible()


def test_stop_rule_status_off_watching_and_fired(view):
    view.set_train_config(TrainConfig())
    assert view.rule_text.startswith("stop rule: off")
    view.set_train_config(TrainConfig(stop_rule=True, stop_epsilon=0.1, stop_patience=3,
                                      eval_every=10))
    assert "waiting for the first evaluation" in view.rule_text
    view.set_metric_info(_info())
    view.add_snapshot(_snap(10, {"reverse_kl": 0.4}, d_real=0.52, d_fake=0.5))
    view.add_snapshot(_snap(20, {"reverse_kl": 0.3}, d_real=0.52, d_fake=0.5))
    view.add_snapshot(_snap(30, {"reverse_kl": 0.35}, d_real=0.52, d_fake=0.5))
    assert view.rule_text == ("stop rule: watching reverse KL: best 0.3 at step 20, 1 of 3 "
                              "evaluations without improvement, |D−0.5| = 0.01 (ε 0.1)")
    # an "Evaluate now" result does not count towards the patience
    view.add_snapshot(Snapshot(step=35, metrics={"reverse_kl": 0.5}, event="metrics"),
                      manual=True)
    assert "1 of 3" in view.rule_text
    view.stop_rule_fired("stop rule: mean D 0.510 is within 0.1 of 0.5 and reverse_kl has "
                         "not improved for 3 evaluations.")
    assert view.rule_text.startswith("stop rule fired: mean D 0.510")
    view.clear()
    assert "waiting for the first evaluation" in view.rule_text and not view.cards


def test_histories_stay_bounded(view):
    for step in range(6000):
        view.add_snapshot(_snap(step))
    assert len(view.theory["value"]) <= 2000
    view.refresh()
    assert len(view.value_curve.getData()[0]) <= 2000


def test_window_fake_run_fills_the_metrics_tab_and_the_stop_rule_fires(make_window, qtbot):
    window = make_window()
    window.setup.steps.setValue(400)
    window.setup.eval_every.setValue(20)
    window.setup.eval_n.setValue(200)
    window.setup.stop_rule.setChecked(True)
    window.setup.stop_patience.setValue(2)
    cfg = window.current_config()
    assert (cfg.train.eval_every, cfg.train.eval_n, cfg.train.stop_rule,
            cfg.train.stop_patience) == (20, 200, True, 2)
    with qtbot.waitSignal(window.training_finished, timeout=30_000) as blocker:
        assert window.start_training()
    assert blocker.args[0]["stopped_early"]
    view = window.metrics_view
    assert view.rule_text.startswith("stop rule fired: fake rule fired after 3 evaluations")
    window.refresh_views(force=True)
    x, y = view.cards["mmd"].curve.getData()
    np.testing.assert_allclose(x, [20, 40, 60])
    np.testing.assert_allclose(y, [fake_figures(s)["mmd"] for s in (20, 40, 60)])
    assert view.cards["modes"].baseline_line.value() == 8.0
    assert view.cards["reverse_kl"].title.text().startswith("★ ")
    assert len(view.value_curve.getData()[0]) > 0

    # Evaluate now, while idle: the figures arrive as a manual metrics snapshot
    assert view.evaluate_button.isEnabled()
    with qtbot.waitSignal(window.evaluated, timeout=30_000) as done:
        view.evaluate_button.click()
    assert done.args[0].metrics == fake_figures(60)
    window.refresh_views(force=True)
    assert len(view.cards["mmd"].curve.getData()[0]) == 4
    threads = window.worker.session.evaluate_threads
    assert threads[-1] == "ganstudio-jobs"  # idle: in the job thread, under the worker's lock
    assert threads[:3] == ["ganstudio-training"] * 3


def test_evaluate_now_while_training_runs_in_the_training_thread(make_window, qtbot):
    window = make_window(step_seconds=0.005)
    window.setup.steps.setValue(100_000)
    window.setup.eval_every.setValue(0)
    assert window.start_training()
    # waitUntil, not waitSignal: with PySide6 6.11, waiting on a worker signal and then on a
    # window signal after an earlier test's window was destroyed delivered the wrong signal
    qtbot.waitUntil(lambda: window.latest is not None and not window.metrics_view.cards
                    and window.worker.session is not None, timeout=30_000)
    results = []
    window.evaluated.connect(results.append)
    assert window.evaluate_now()
    assert not window.metrics_view.evaluate_button.isEnabled()  # one evaluation at a time
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert results[0].metrics is not None and results[0].event == "metrics"
    assert window.worker.session.evaluate_threads == ["ganstudio-training"]
    window.metrics_view.refresh()
    assert "mmd" in window.metrics_view.cards
    assert window.metrics_view.evaluate_button.isEnabled()
    with qtbot.waitSignal(window.training_finished, timeout=30_000):
        window.stop_training()


def test_real_worker_sends_metrics_to_the_tab(make_window, qtbot):
    window = make_window(real=True)
    window.setup.steps.setValue(30)
    window.setup.batch.setValue(64)
    window.setup.jit.setCurrentIndex(window.setup.jit.findData("off"))
    window.setup.eval_every.setValue(10)
    window.setup.eval_n.setValue(200)
    with qtbot.waitSignal(window.worker.metrics_info, timeout=120_000) as info:
        assert window.start_training()
    described = info.args[0]
    assert described["main_metric"] == "reverse_kl" and "mmd" in described["names"]
    assert described["better"]["mmd"] == "lower" and described["n"] == 200
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=120_000)
    window.refresh_views(force=True)
    view = window.metrics_view
    x, _ = view.cards["mmd"].curve.getData()
    np.testing.assert_allclose(x, [10, 20, 30])
    assert view.cards["mmd"].baseline_line.value() == pytest.approx(described["baseline"]["mmd"])
    assert "lower is better" in view.cards["mmd"].title.text()
    assert view.value_card.value_label.text().startswith("V = ")
    assert len(view.gap_curve.getData()[0]) > 0
