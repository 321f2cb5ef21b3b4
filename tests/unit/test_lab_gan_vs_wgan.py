"""The gan-vs-wgan lab: from a G disjoint from the data, the minimax GAN does not move G, the
unconstrained linear critic throws G past the data, and the non-saturating GAN and WGAN-GP bring
G to it."""

from __future__ import annotations

import json
import math

import numpy as np
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


def test_the_frames_follow_g_and_each_d_or_critic_over_the_steps(small_run):
    densities, gans, critics = small_run["frames"]
    json.dumps(small_run["frames"], allow_nan=False)
    steps = [0, 10, 20, 30, 40, 50, 60, 70, 80]  # frame_every 10 over 80 G steps
    for movie in (densities, gans, critics):
        assert [f["value"] for f in movie["frames"]] == steps
        for f in movie["frames"]:
            assert len(f["x"]) <= 400
            assert all(len(ys) == len(f["x"]) for ys in f["lines"].values())
    assert set(densities["frames"][0]["lines"]) == {"data", *gan_vs_wgan.RUNS}
    assert set(gans["frames"][0]["lines"]) == {"gan-minimax: D(x)", "gan: D(x)"}
    assert set(critics["frames"][0]["lines"]) == {"wgan-clip: f(x) − f(0)",
                                                   "wgan-gp: f(x) − f(0)"}

    def peak_at(f: dict, line: str) -> float:
        return f["x"][int(np.argmax(f["lines"][line]))]

    first, last = densities["frames"][0], densities["frames"][-1]
    for name in gan_vs_wgan.RUNS:  # every run starts from the same bar at START
        assert peak_at(first, name) == pytest.approx(gan_vs_wgan.START, abs=0.2), name
        assert max(first["lines"][name]) == pytest.approx(1.0)  # scaled to a peak of 1
    assert peak_at(last, "gan-minimax") == pytest.approx(gan_vs_wgan.START, abs=0.2)
    assert abs(peak_at(last, "wgan-gp")) < gan_vs_wgan.START - 1.0
    # the distances the lab reports agree with where the frames put G
    assert abs(peak_at(last, "gan")) == pytest.approx(small_run["runs"]["gan"]["end_distance"],
                                                      abs=0.3)
