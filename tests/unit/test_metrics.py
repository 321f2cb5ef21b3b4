"""Known-answer tests for ganstudio.core.metrics (pure numpy/scipy, no TensorFlow)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ganstudio.core.metrics import (
    ModeStats,
    StopRule,
    class_coverage,
    classifier_score,
    density_coverage,
    equilibrium_gap,
    frechet_distance,
    histogram_overlap,
    jsd_lower_bound,
    kernel_inception_distance,
    mmd_rbf,
    mode_stats,
    precision_recall,
    value_estimate,
    wasserstein_estimate,
)
from ganstudio.errors import ConfigError, GanStudioError

LOG2 = math.log(2.0)


def ring8() -> tuple[np.ndarray, float]:
    angles = 2 * np.pi * np.arange(8) / 8
    return np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01


def grid25() -> tuple[np.ndarray, float]:
    axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2), 0.05


def sample_mixture(modes: np.ndarray, sigma: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    which = rng.integers(len(modes), size=n)
    return modes[which] + sigma * rng.standard_normal((n, modes.shape[1]))


# --- points ------------------------------------------------------------------------------------


@pytest.mark.parametrize("toy", [ring8, grid25])
def test_single_mode_generator_captures_one_mode(toy):
    modes, sigma = toy()
    rng = np.random.default_rng(1)
    collapsed = modes[3] + sigma * rng.standard_normal((2500, 2))
    stats = mode_stats(collapsed, modes, sigma)
    assert stats.modes_captured == 1
    assert stats.counts[3] == stats.counts.sum()
    # All high-quality mass on one of M modes: KL(q || uniform) = log M.
    assert stats.reverse_kl == pytest.approx(math.log(len(modes)))
    # A generator that returns the mode center exactly.
    exact = mode_stats(np.repeat(modes[:1], 100, axis=0), modes, sigma)
    assert exact.modes_captured == 1
    assert exact.high_quality == 1.0


@pytest.mark.parametrize("toy", [ring8, grid25])
def test_true_mixture_captures_all_modes(toy):
    modes, sigma = toy()
    stats = mode_stats(sample_mixture(modes, sigma, 2500, seed=0), modes, sigma)
    assert stats.n_samples == 2500
    assert stats.n_modes == len(modes)
    assert stats.modes_captured == len(modes)
    # 3 sigma in 2D holds 1 - exp(-4.5) = 98.9 % of a Gaussian.
    assert stats.high_quality == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert stats.reverse_kl < 0.01
    assert stats.counts.sum() == round(stats.high_quality * 2500)


def test_mode_stats_edge_cases_and_dict():
    modes, sigma = ring8()
    far = np.full((50, 2), 10.0)
    stats = mode_stats(far, modes, sigma)
    assert stats.high_quality == 0.0
    assert stats.modes_captured == 0
    assert math.isinf(stats.reverse_kl)
    # min_count raises the bar for "captured".
    few = np.concatenate([np.repeat(modes[:1], 10, axis=0), modes[1:2]])
    assert mode_stats(few, modes, sigma).modes_captured == 2
    assert mode_stats(few, modes, sigma, min_count=5).modes_captured == 1
    as_dict = mode_stats(few, modes, sigma).to_dict()
    assert as_dict["counts"][:2] == [10, 1]
    json.dumps(as_dict)
    assert isinstance(stats, ModeStats)
    with pytest.raises(ConfigError):
        mode_stats(few, modes, sigma=0.0)


def test_mmd_same_vs_different():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 2))
    y = rng.standard_normal((3000, 2))
    z = rng.standard_normal((3000, 2)) + np.array([1.0, 0.0])
    same = mmd_rbf(x, y)
    different = mmd_rbf(x, z)
    assert abs(same) < 2e-3
    assert different > 0.05
    assert different > 20 * abs(same)
    assert mmd_rbf(x, z, bandwidth=1.0) > 0.05
    # Subsampling uses a fixed seed: reproducible.
    assert mmd_rbf(x, z) == mmd_rbf(x, z)


# --- features ----------------------------------------------------------------------------------


def test_identical_sets():
    rng = np.random.default_rng(0)
    feats = rng.standard_normal((1000, 16)) * 3.0 + 5.0
    scale = float(np.trace(np.cov(feats, rowvar=False)))
    assert frechet_distance(feats, feats) / scale < 1e-6
    density, coverage = density_coverage(feats, feats, k=5)
    assert coverage == 1.0
    assert density >= 1.0
    assert precision_recall(feats, feats, k=3) == (1.0, 1.0)


def test_frechet_distance_of_shifted_gaussians_is_squared_shift():
    rng = np.random.default_rng(0)
    mu = np.array([1.0, -2.0, 0.5, 0.0])
    real = rng.standard_normal((20000, 4))
    fake = rng.standard_normal((20000, 4)) + mu
    assert frechet_distance(real, fake) == pytest.approx(float(mu @ mu), abs=0.05)


def test_frechet_distance_near_singular_covariance():
    rng = np.random.default_rng(0)
    # Fewer samples than features: rank-deficient covariances.
    real = rng.standard_normal((20, 64))
    fake = rng.standard_normal((20, 64))
    value = frechet_distance(real, fake)
    assert math.isfinite(value) and value > 0


def test_kid_identical_distributions_vs_shifted():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((2000, 32))
    same = rng.standard_normal((2000, 32))
    shifted = rng.standard_normal((2000, 32)) + 0.5
    kid_same, std_same = kernel_inception_distance(real, same)
    kid_shift, _ = kernel_inception_distance(real, shifted)
    assert abs(kid_same) < 0.01
    assert std_same >= 0
    assert kid_shift > 0.1
    assert kid_shift > 10 * abs(kid_same) + 10 * std_same
    # subset_size is capped at the smaller set.
    small = kernel_inception_distance(real[:50], shifted[:80], subsets=3, subset_size=1000)
    assert small[0] > 0


def test_density_coverage_published_check():
    """Naeem et al. 2020: N(0, I) vs N(0, I), 1000-D, 10k each, k=5 -> density ~1.06, cov ~0.97."""
    rng = np.random.default_rng(0)
    real = rng.standard_normal((10000, 1000), dtype=np.float32)
    fake = rng.standard_normal((10000, 1000), dtype=np.float32)
    density, coverage = density_coverage(real, fake, k=5)
    assert density == pytest.approx(1.06, abs=0.05)
    assert coverage == pytest.approx(0.97, abs=0.03)


def test_precision_recall_detects_collapse_and_shift():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((2000, 8))
    collapsed = 0.1 * rng.standard_normal((2000, 8))
    precision, recall = precision_recall(real, collapsed, k=3)
    assert precision > 0.9  # every sample looks real
    assert recall < 0.2  # but most of the real data is missed
    far = rng.standard_normal((2000, 8)) + 10.0
    assert precision_recall(real, far) == (0.0, 0.0)
    density, coverage = density_coverage(real, far)
    assert density == 0.0 and coverage == 0.0


def test_classifier_score_and_class_coverage():
    classes = 10
    one_hot = np.eye(classes)[np.arange(1000) % classes]
    assert classifier_score(one_hot) == pytest.approx(classes, rel=1e-6)
    same = np.tile(np.array([[0.7, 0.2, 0.1]]), (500, 1))
    assert classifier_score(same) == pytest.approx(1.0)
    assert classifier_score(np.eye(classes)[np.zeros(100, dtype=int)]) == pytest.approx(1.0)
    assert class_coverage(one_hot, classes) == 1.0
    assert class_coverage(one_hot[:3], classes) == pytest.approx(0.3)
    skewed = np.eye(4)[np.array([0] * 97 + [1, 2, 3])]
    assert class_coverage(skewed, 4) == 1.0
    assert class_coverage(skewed, 4, min_fraction=0.05) == 0.25


def test_bad_inputs_raise_clear_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        frechet_distance(rng.standard_normal((10, 3)), rng.standard_normal((10, 4)))
    with pytest.raises(GanStudioError, match="more samples"):
        precision_recall(rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), k=3)
    with pytest.raises(ConfigError):
        density_coverage(rng.standard_normal((10, 2)), rng.standard_normal((10, 2)), k=0)


# --- theory ------------------------------------------------------------------------------------


def test_value_function_at_equilibrium_and_disjoint():
    half = np.full(64, 0.5)
    v = value_estimate(half, half)
    assert v == pytest.approx(-2 * LOG2)
    assert jsd_lower_bound(v) == pytest.approx(0.0, abs=1e-12)
    v_disjoint = value_estimate(np.ones(64), np.zeros(64))
    assert math.isfinite(v_disjoint)
    assert jsd_lower_bound(v_disjoint) == pytest.approx(LOG2, abs=1e-6)
    assert 0.0 <= jsd_lower_bound(-100.0) <= LOG2
    assert jsd_lower_bound(-100.0) == 0.0


def test_wasserstein_gap_and_overlap():
    assert wasserstein_estimate(np.array([2.0, 4.0]), np.array([-1.0, 1.0])) == 3.0
    assert equilibrium_gap(np.full(10, 0.5), np.full(10, 0.5)) == 0.0
    assert equilibrium_gap(np.full(10, 0.9), np.full(10, 0.7)) == pytest.approx(0.3)
    # A perfect separator averages 1/2 too: the gap alone is not sufficient.
    assert equilibrium_gap(np.ones(10), np.zeros(10)) == 0.0
    rng = np.random.default_rng(0)
    a = rng.uniform(size=5000)
    assert histogram_overlap(a, a) == pytest.approx(1.0)
    assert histogram_overlap(np.full(100, 0.9), np.full(100, 0.1)) == 0.0
    assert 0.4 < histogram_overlap(rng.uniform(0, 0.6, 5000), rng.uniform(0.3, 0.9, 5000)) < 0.6


def test_stop_rule_needs_equilibrium_and_stalled_metric():
    rule = StopRule(epsilon=0.05, patience=2, mode="min")
    assert rule.update(0.5, 10.0) is False  # first value is the best
    assert rule.update(0.5, 9.0) is False  # improved
    assert rule.update(0.5, 9.5) is False  # 1 without improvement
    assert rule.update(0.8, 9.5) is False  # 2 without improvement, but far from equilibrium
    assert "not within" in rule.reason()
    assert rule.update(0.52, None) is True  # no new evaluation: still stalled, now near 0.5
    assert "Stop" in rule.reason()
    assert rule.update(0.52, 8.0) is False  # improvement resets the patience
    assert "improved" in rule.reason()

    # Equilibrium alone never fires.
    rule = StopRule(patience=0)
    assert rule.update(0.5, None) is False
    assert "not been evaluated" in rule.reason()

    # mode="max": higher is better.
    rule = StopRule(patience=1, mode="max")
    assert rule.update(0.5, 3.0) is False
    assert rule.update(0.5, 4.0) is False
    assert rule.update(0.5, 4.0) is True
    rule.reset()
    assert rule.best is None and rule.reason() == "No check yet."

    with pytest.raises(ConfigError):
        StopRule(mode="lowest")
