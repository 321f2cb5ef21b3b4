"""The g-losses lab: while D rejects the fakes, the minimax loss gives G almost no slope and
the non-saturating loss nearly the largest; from the same start only the latter moves G."""

from __future__ import annotations

import math

import pytest

from ganstudio.core.lab import g_losses


@pytest.fixture(scope="module")
def small_run():
    return g_losses.run(seed=1, status=lambda text: None, d_warmup=200, g_steps=250, every=50,
                        batch=256)


def test_rejected_fakes_get_almost_no_slope_from_the_minimax_loss(small_run):
    start = small_run["start"]
    assert start["mean_d_fake"] < 0.05
    assert start["slope_minimax"] == pytest.approx(start["mean_d_fake"])
    assert start["slope_non_saturating"] == pytest.approx(1 - start["mean_d_fake"])
    assert start["ratio"] > 20


def test_only_the_non_saturating_generator_moves_from_there(small_run):
    ends = small_run["jsd_end"]
    assert ends["minimax"] > 0.6  # still nearly disjoint: about log 2
    assert ends["non_saturating"] < ends["minimax"] - 0.2
    rows = small_run["snapshots"]
    assert [r["step"] for r in rows["minimax"]] == [0, 50, 100, 150, 200, 250]
    assert rows["non_saturating"][-1]["mean_d_fake"] > rows["minimax"][-1]["mean_d_fake"]


def test_the_plots_carry_the_curves_and_the_fakes(small_run):
    losses, slopes, progress = small_run["plots"]
    assert set(losses["lines"]) == {"minimax: log(1 − D)", "non-saturating: −log D"}
    assert len(losses["dots"]["fakes on −log D"]) == 200
    x, y = losses["dots"]["fakes on −log D"][0]
    assert y == pytest.approx(-math.log(x), rel=1e-4)
    assert len(slopes["x"]) <= 400 and len(progress["x"]) == 6
