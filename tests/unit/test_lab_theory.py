"""The theory lab's exact quantities: D*, the JSD of disjoint and of equal distributions, the
earth mover's distance of two point masses, and the 1D distributions they are computed on."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganstudio.core.lab import lab_names, run_lab
from ganstudio.core.lab.densities import (
    bars,
    gaussian_mixture,
    grid_for,
    jsd,
    kl,
    optimal_discriminator,
    point_mass,
    w1_point_masses,
    w1_samples,
)
from ganstudio.errors import ConfigError


def test_optimal_discriminator_is_the_density_ratio():
    data, g = gaussian_mixture((0.0,), 1.0), gaussian_mixture((1.0,), 1.0)
    x = np.array([-3.0, 0.5, 4.0])
    d_star = optimal_discriminator(data.pdf(x), g.pdf(x))
    # for two unit Gaussians at 0 and 1: D* = 1 / (1 + exp(x − ½))
    np.testing.assert_allclose(d_star, 1 / (1 + np.exp(x - 0.5)), rtol=1e-12)
    assert optimal_discriminator(np.array([0.0]), np.array([0.0]))[0] == 0.5
    assert optimal_discriminator(np.array([2.0]), np.array([2.0]))[0] == 0.5  # p_g = p_data


@pytest.mark.parametrize("theta", [1.0, 2.0, 4.0, 40.0])
def test_the_jsd_of_disjoint_supports_is_log_2_whatever_the_distance(theta):
    p, q = point_mass(0.0, 0.1), point_mass(theta, 0.1)
    x = grid_for(p, q)
    dx = x[1] - x[0]
    assert jsd(p.pdf(x), q.pdf(x), dx) == pytest.approx(math.log(2), abs=1e-3)


def test_the_jsd_of_equal_distributions_is_0_and_kl_is_asymmetric():
    p = gaussian_mixture((-2.0, 2.0), 0.5)
    x = grid_for(p)
    dx = x[1] - x[0]
    assert jsd(p.pdf(x), p.pdf(x), dx) == pytest.approx(0.0, abs=1e-9)
    one = gaussian_mixture((0.0,), 2.0)
    assert kl(p.pdf(x), one.pdf(x), dx) != pytest.approx(kl(one.pdf(x), p.pdf(x), dx), rel=0.1)
    # a density with mass where the other has none: KL is infinite
    assert kl(bars((0.0,), 1.0).pdf(x), bars((5.0,), 1.0).pdf(x), dx) == math.inf


def test_the_earth_movers_distance_of_point_masses_is_their_distance():
    assert w1_point_masses(0.0, 3.5) == 3.5 and w1_point_masses(2.0, -1.0) == 3.0
    rng = np.random.default_rng(0)
    a, b = point_mass(0.0, 0.01).sample(20_000, rng), point_mass(3.0, 0.01).sample(20_000, rng)
    assert w1_samples(a, b) == pytest.approx(3.0, abs=0.01)


def test_samples_follow_their_density():
    rng = np.random.default_rng(1)
    mix = gaussian_mixture((-2.0, 3.0), (0.5, 1.0), (0.25, 0.75))
    xs = mix.sample(200_000, rng)[:, 0]
    assert xs.mean() == pytest.approx(0.25 * -2 + 0.75 * 3, abs=0.02)
    x = grid_for(mix)
    assert np.sum(mix.pdf(x)) * (x[1] - x[0]) == pytest.approx(1.0, abs=1e-4)
    bar = bars((1.0,), 0.5)
    assert bar.sample(1000, rng).min() >= 0.5 and bar.sample(1000, rng).max() <= 1.5


def test_labs_are_listed_and_an_unknown_one_is_refused():
    assert set(lab_names()) >= {"dstar", "jsd-vs-w", "mle-vs-gan"}
    with pytest.raises(ConfigError, match="unknown lab 'dtsar'"):
        run_lab("dtsar")
