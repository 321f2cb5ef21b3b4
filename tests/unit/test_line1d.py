"""The built-in 1D data and the 1D view's numbers: exact densities, the bandwidth chosen on the
data, D* = ½ for a G that draws the data, and a session that sends the line panel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganstudio.config import DataConfig, RunConfig
from ganstudio.core.data.registry import load_dataset
from ganstudio.core.data.toy1d import BARS1D, MIXTURE1D, POINTS1D
from ganstudio.core.line1d import LINE_POINTS, LINE_SAMPLES, LineProbe, choose_bandwidth
from ganstudio.core.session import TrainingSession
from tests.unit.test_session import TINY, Collect


@pytest.mark.parametrize(("name", "dist"), [("mixture1d", MIXTURE1D), ("bars1d", BARS1D),
                                            ("points1d", POINTS1D)])
def test_the_1d_datasets_draw_from_their_exact_density(name, dist):
    ds = load_dataset(DataConfig(name=name, n_points=50_000), seed=1)
    assert ds.shape == (1,) and ds.density is dist and len(ds) == 50_000
    x = np.linspace(*dist.support, 200_001)
    assert abs(np.trapezoid(dist.pdf(x), x) - 1.0) < 2e-3  # the density is one
    # each sample's label is the component it came from, and the components are the modes
    centers = np.asarray(dist.centers)
    assert np.array_equal(np.abs(ds.x[:, 0, None] - centers).argmin(1), ds.y)
    assert ds.modes[:, 0].tolist() == list(dist.centers)
    # the empirical mass of each component matches its weight
    shares = np.bincount(ds.y, minlength=len(centers)) / len(ds)
    assert np.allclose(shares, dist.weights, atol=0.01)


def test_a_limit_keeps_the_density():
    ds = load_dataset(DataConfig(name="mixture1d", limit=100))
    assert len(ds) == 100 and ds.density is MIXTURE1D


def test_the_bandwidth_follows_the_data_not_silvermans_rule():
    """Silverman's rule smooths three modes σ = 0.25 apart by 3 into one bump; the held-out
    likelihood picks a bandwidth near the modes' own scale."""
    values = MIXTURE1D.sample(60_000, np.random.default_rng(0))[:, 0]
    x = np.linspace(-4.5, 4.5, LINE_POINTS)
    h = choose_bandwidth(values, x)
    silverman = 0.9 * min(values.std(), np.subtract(*np.percentile(values, [75, 25])) / 1.34) \
        * LINE_SAMPLES ** -0.2
    assert 0.02 < h < 0.25 < silverman


def test_d_star_is_a_half_where_g_draws_the_data_and_follows_the_densities_elsewhere():
    ds = load_dataset(DataConfig(name="mixture1d", n_points=60_000))
    probe = LineProbe.for_dataset(ds)
    assert probe.exact and probe.x.shape == (LINE_POINTS,)
    assert probe.x[0] < -3 - 0.25 and probe.x[-1] > 3 + 0.25
    # a G that draws the data: D* = ½ up to the estimate's noise, wherever the data is
    same = probe.panel(np.zeros(LINE_POINTS), MIXTURE1D.sample(LINE_SAMPLES,
                                                                 np.random.default_rng(5)), False)
    mass = probe.p_data_smoothed > 0.05 * probe.p_data_smoothed.max()
    assert np.nanmean(np.abs(same.d_star[mass] - 0.5)) < 0.03
    assert abs(np.trapezoid(same.p_g, same.x) - 1.0) < 0.01
    # a G on the middle mode only: D* is near 1 on the outer modes, below ½ on the middle one
    middle = np.random.default_rng(6).normal(0.0, 0.25, (LINE_SAMPLES, 1))
    one = probe.panel(np.zeros(LINE_POINTS), middle, False)
    at = {c: int(np.abs(probe.x - c).argmin()) for c in (-3.0, 0.0, 3.0)}
    assert one.d_star[at[-3.0]] > 0.95 and one.d_star[at[3.0]] > 0.95
    assert 0.2 < one.d_star[at[0.0]] < 0.4  # p_data = ⅓ of G's density there: D* ≈ ¼
    # far from both densities D* is undefined, not 0 or 1
    assert math.isnan(one.d_star[0]) and math.isnan(one.d_star[-1])
    # a critic has no D*
    assert probe.panel(np.zeros(LINE_POINTS), middle, True).d_star is None


def test_user_1d_points_get_a_kernel_estimate_of_their_density(tmp_path):
    path = tmp_path / "points.csv"
    values = np.random.default_rng(0).normal(2.0, 0.5, 5000)
    path.write_text("x\n" + "\n".join(f"{v:.5f}" for v in values))
    ds = load_dataset(DataConfig(name=str(path)))
    probe = LineProbe.for_dataset(ds)
    assert not probe.exact and ds.density is None
    peak = probe.x[np.argmax(probe.p_data)]
    assert abs(peak - 2.0) < 0.2 and abs(np.trapezoid(probe.p_data, probe.x) - 1.0) < 0.02


def test_a_session_on_1d_data_sends_the_line_with_d_and_d_star():
    cfg = RunConfig.from_dict({**TINY, "data": {"name": "mixture1d", "n_points": 2000}})
    rep = Collect()
    session = TrainingSession(cfg, reporter=rep, scalar_hz=0, image_hz=0)
    session.run()
    view = rep.snaps[-1].panels["samples"]
    line = view.line
    assert view.surface is None and line is not None and line.exact
    assert line.x.shape == line.d.shape == line.p_data.shape == line.p_g.shape == (LINE_POINTS,)
    assert np.all((line.d >= 0) & (line.d <= 1)) and line.d_star is not None
    assert view.samples.shape == (512, 1) and view.push.shape == (512, 1)  # points: ≥ 512
    assert abs(np.trapezoid(line.p_g, line.x) - 1.0) < 0.05  # G's samples stay on the line here
