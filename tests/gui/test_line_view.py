"""The 1D samples view: densities over the line, D(x) beside D*(x), the fakes and G's push."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganstudio.core.panels import Line, Samples
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui.widgets.sample_view import SampleView


def _snap(step: int, shift: float, critic: bool = False) -> Snapshot:
    x = np.linspace(-4, 4, 400).astype(np.float32)
    p_data = np.exp(-0.5 * x ** 2) / math.sqrt(2 * math.pi)
    p_g = np.exp(-0.5 * (x - shift) ** 2) / math.sqrt(2 * math.pi)
    d = 1 / (1 + np.exp(x)) if not critic else -3 * x
    d_star = None if critic else p_data / (p_data + p_g)
    samples = np.random.default_rng(step).normal(shift, 1, (64, 1)).astype(np.float32)
    line = Line(x, d.astype(np.float32), p_data.astype(np.float32), p_g.astype(np.float32),
                None if d_star is None else d_star.astype(np.float32), exact=True)
    panel = Samples(samples, "points", push=np.full((64, 1), -1.0, np.float32), line=line)
    return Snapshot(step=step, critic=critic, panels={"samples": panel})


def test_a_1d_snapshot_draws_densities_d_and_d_star_on_one_x_axis(qtbot, tmp_path):
    view = SampleView(history=5)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.add_snapshot(_snap(1, 2.0))
    view.refresh()
    assert view.kind == "line" and view.stack.currentWidget() is view.line_widget
    assert "D*(x)" in view.legend_label.text()
    x, p_g = view.p_g_item.getData()
    assert x.shape == (400,) and abs(x[np.argmax(p_g)] - 2.0) < 0.05
    _, d_star = view.d_star_item.getData()
    assert d_star[0] > 0.99 and d_star[-1] < 0.01  # data on the left of G, none on the right
    rug_x, rug_y = view.rug_item.getData()
    assert len(rug_x) == 64 and np.all(rug_y < 0)  # the fakes, under the densities
    seg_x, _ = view.line_push_item.getData()
    assert len(seg_x) == 128 and np.all(seg_x[1::2] < seg_x[0::2])  # pushed to the left
    assert view.d_plot.getAxis("left").labelText == "D(x)"
    # the x axes are linked: what is under a density is D at the same x
    assert view.d_plot.getViewBox().linkedView(0) is view.density_plot.getViewBox()
    # G moves: the view follows, and the scrubber can go back to the first frame
    view.add_snapshot(_snap(2, 0.0))
    view.refresh()
    assert abs(view.p_g_item.getData()[0][np.argmax(view.p_g_item.getData()[1])]) < 0.05
    view.scrubber.setValue(0)
    assert view.shown_frame.step == 1
    path = view.save_png(tmp_path / "line.png")
    assert path.stat().st_size > 1000


def test_a_critic_on_1d_data_shows_its_scores_and_no_d_star(qtbot):
    view = SampleView(history=5)
    qtbot.addWidget(view)
    view.add_snapshot(_snap(1, 2.0, critic=True))
    view.refresh()
    assert view.d_plot.getAxis("left").labelText == "critic f(x)"
    assert view.d_star_item.getData()[0] is None or len(view.d_star_item.getData()[0]) == 0
    assert not view.half_item.isVisible()
    view.clear()
    assert len(view.frames) == 0 and len(view.p_g_item.getData()[0] or []) == 0


def test_the_g_loss_view_puts_the_fakes_on_both_losses_and_gives_their_slopes(qtbot):
    from ganstudio.core.panels import Histograms
    from ganstudio.ui.widgets.g_loss_view import GLossView

    view = GLossView()
    qtbot.addWidget(view)
    view.set_objective("nonsaturating")
    rejected = np.full(50, 0.01)  # D rejects every fake
    snap = Snapshot(step=1, panels={"d_hist": Histograms({"real": np.full(50, 0.99),
                                                          "fake": rejected})})
    view.set_snapshot(snap)
    assert view.refresh()
    d, loss = view.dots["minimax"].getData()
    np.testing.assert_allclose(d, 0.01)
    np.testing.assert_allclose(loss, np.log(0.99), rtol=1e-6)
    np.testing.assert_allclose(view.dots["nonsaturating"].getData()[1], -np.log(0.01), rtol=1e-6)
    assert view.slopes == pytest.approx({"minimax": 0.01, "nonsaturating": 0.99})
    assert "0.010" in view.caption.text() and "0.990" in view.caption.text()
    assert "uses −log D" in view.caption.text()
    assert view.curves["nonsaturating"].opts["pen"].width() > view.curves["minimax"].opts[
        "pen"].width()
    # a critic's scores are not probabilities: the view empties and says why
    view.set_objective("wgan")
    view.set_snapshot(Snapshot(step=2, panels={"d_hist": Histograms(
        {"real": np.ones(5), "fake": -np.ones(5)}, critic=True)}))
    assert not view.refresh()
    assert len(view.dots["minimax"].getData()[0]) == 0 and "do not apply" in view.caption.text()


def test_1d_data_opens_on_the_line_page_before_any_training(make_window):
    window = make_window(dataset="mixture1d")
    assert window.samples.kind == "line" and window.samples.title.text().startswith("Densities")
    assert window.setup.preview.hist_item.getData()[0] is not None  # the preview's histogram
