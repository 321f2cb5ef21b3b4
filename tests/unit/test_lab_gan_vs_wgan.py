"""The gan-vs-wgan lab: from a G disjoint from the data, the minimax GAN does not move G, the
unconstrained linear critic throws G past the data, and the non-saturating GAN and WGAN-GP bring
G to it."""

from __future__ import annotations

import math

import pytest

from ganstudio.core.lab import gan_vs_wgan


@pytest.fixture(scope="module")
def small_run():
    return gan_vs_wgan.run(seed=0, status=lambda text: None, warmup=100, steps=80,
                           critic_steps=2, batch=256, every=20, eval_samples=4000)


def test_every_variant_reports_its_distances(small_run):
    runs = small_run["runs"]
    assert list(runs) == list(gan_vs_wgan.RUNS)
    for name, result in runs.items():
        assert result["start_distance"] == pytest.approx(gan_vs_wgan.START, abs=0.1), name
        assert math.isfinite(result["w1_end"])


def test_the_minimax_gan_stalls_where_the_wgan_critics_move_g(small_run):
    runs = small_run["runs"]
    stalled = runs["gan-minimax"]["end_distance"]
    assert stalled == pytest.approx(gan_vs_wgan.START, abs=0.05)
    for name in ("gan", "wgan-gp"):
        assert runs[name]["end_distance"] < stalled - 1.0, name
    # without a constraint the critic's values run off, and G is thrown past the data
    linear = runs["linear-mean"]
    assert linear["end_distance"] > gan_vs_wgan.START
    assert linear["critic_range"] > runs["wgan-gp"]["critic_range"]


def test_the_plots_show_each_d_or_critic_and_the_distances(small_run):
    gans, critics, distances = small_run["plots"]
    assert set(gans["lines"]) == {"gan-minimax: D(x)", "gan: D(x)"}
    assert len(critics["lines"]) == 3 and len(distances["x"]) == 5
