"""The `mle-vs-gan` lab: maximum likelihood is the minimum of KL(P_data‖P) within its family,
and the numbers the lab reports are the exact ones. The GAN trains for a few hundred steps only
here; the full-size comparison is `ganstudio lab mle-vs-gan`."""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
from scipy.integrate import quad

from ganstudio.cli import main
from ganstudio.core.lab import mle_vs_gan
from ganstudio.core.lab.densities import gaussian_mixture, grid_for, kl
from ganstudio.core.lab.mle_vs_gan import DATA, EPSILON, floored, mode_masses
from ganstudio.core.lab.nets1d import binned_kde

SMALL = {"n_train": 5000, "gan_steps": 200, "n_gan_samples": 20_000, "width": 16}
KEYS = ("kl_data_model", "kl_model_data", "jsd")


@pytest.fixture(scope="module")
def small_run() -> dict:
    messages: list[str] = []
    result = mle_vs_gan.run(seed=3, status=messages.append, **SMALL)
    result["messages"] = messages
    return result


def _entropy(dist) -> float:
    lo, hi = dist.support
    points = list(dist.centers)
    return quad(lambda t: -dist.pdf(t) * math.log(dist.pdf(t)) if dist.pdf(t) > 0 else 0.0,
                lo, hi, points=points, limit=200)[0]


def test_the_result_is_json_ready_and_finite(small_run):
    text = json.dumps({k: v for k, v in small_run.items() if k != "messages"}, allow_nan=False)
    assert json.loads(text)["fits"].keys() == {"gaussian", "mixture_k", "gan"}
    for name, fit in small_run["fits"].items():
        for key in KEYS:
            assert math.isfinite(fit[key]) and fit[key] >= 0.0, (name, key)
        assert 0.0 <= fit["jsd"] <= math.log(2)
        assert len(fit["mass_per_mode"]) == len(DATA.centers)
    assert small_run["fits"]["gan"]["steps"] == SMALL["gan_steps"]
    assert 0.0 <= small_run["fits"]["gan"]["mass_outside_grid"] <= 1.0
    data = small_run["data"]
    assert data["weights"] == list(DATA.weights) and data["epsilon"] == EPSILON
    assert data["grid"]["points"] == 20_001 and small_run["runtime_s"] > 0
    assert any("GAN step 200/200" in m for m in small_run["messages"])


def test_the_plots_share_one_x_of_at_most_400_points(small_run):
    plots = small_run["plots"]
    assert plots and {"title", "x_label", "y_label", "x", "lines"} <= plots[0].keys()
    for plot in plots:
        assert 2 <= len(plot["x"]) <= 400 and np.all(np.diff(plot["x"]) > 0)
        assert len(plot["lines"]) == 4 and "p_data" in plot["lines"]
        for values in plot["lines"].values():
            assert len(values) == len(plot["x"]) and np.all(np.isfinite(values))
    # the first plot draws densities: p_data's curve integrates to about 1
    first = plots[0]
    step = first["x"][1] - first["x"][0]
    assert np.sum(first["lines"]["p_data"]) * step == pytest.approx(1.0, abs=0.01)


def test_the_single_gaussian_is_the_closed_form_fit_and_its_kl_the_exact_one(small_run):
    fit = small_run["fits"]["gaussian"]
    mu, sigma = fit["mean"], fit["std"]
    w, c, s = (np.asarray(v) for v in (DATA.weights, DATA.centers, DATA.scales))
    mean = float(w @ c)
    var = float(w @ (s**2 + c**2)) - mean**2
    # the sample's mean and std estimate the data's (5000 samples: a few standard errors)
    assert mu == pytest.approx(mean, abs=0.2) and sigma == pytest.approx(math.sqrt(var), abs=0.1)
    # KL(P_data‖N(μ, σ²)) = −H(P_data) + ½ log(2πσ²) + (Var + (mean − μ)²) / (2σ²)
    expected = (-_entropy(DATA) + 0.5 * math.log(2 * math.pi * sigma**2)
                + (var + (mean - mu) ** 2) / (2 * sigma**2))
    assert fit["kl_data_model"] == pytest.approx(expected, abs=1e-4)


def test_maximum_likelihood_is_the_kl_minimum_among_gaussians(small_run):
    """Seed 002: maximizing the likelihood minimizes KL(P_data‖P) over the model's family."""
    mu, sigma = small_run["fits"]["gaussian"]["mean"], small_run["fits"]["gaussian"]["std"]
    x = grid_for(DATA, gaussian_mixture((mu,), 2 * sigma))
    dx = x[1] - x[0]
    p_data = floored(DATA.pdf(x), dx)

    def kl_to(m: float, sd: float) -> float:
        return kl(p_data, floored(gaussian_mixture((m,), sd).pdf(x), dx), dx)

    best = kl_to(mu, sigma)
    for m, sd in [(mu - 0.5, sigma), (mu + 0.5, sigma), (mu, 0.8 * sigma), (mu, 1.25 * sigma)]:
        assert kl_to(m, sd) > best + 1e-3


def test_the_smaller_mixture_covers_the_modes_better_than_one_gaussian(small_run):
    gaussian, mixture = small_run["fits"]["gaussian"], small_run["fits"]["mixture_k"]
    assert mixture["components"] == len(DATA.centers) - 1
    assert mixture["kl_data_model"] < gaussian["kl_data_model"]
    assert mixture["jsd"] < gaussian["jsd"]
    # maximum likelihood leaves no mode empty, and the single Gaussian pays in the gaps
    assert gaussian["modes_covered"] == mixture["modes_covered"] == len(DATA.centers)
    assert gaussian["gap_mass"] > 0.4 > small_run["data"]["self_mode_report"]["gap_mass"]


def test_the_floor_keeps_kl_finite_and_a_dropped_mode_costs_it():
    x = grid_for(DATA)
    dx = x[1] - x[0]
    p_data = floored(DATA.pdf(x), dx)
    dropped = gaussian_mixture(DATA.centers[1:], 0.3, (1 / 3, 2 / 3))  # no mass at the first
    # a density estimate from samples is exactly 0 far from them: the raw KL is infinite
    estimate, _ = binned_kde(dropped.sample(50_000, np.random.default_rng(0)), x, 0.05)
    assert kl(DATA.pdf(x), estimate, dx) == math.inf
    q = floored(estimate, dx)
    assert q.min() >= 0.99 * EPSILON and np.sum(q) * dx == pytest.approx(1.0)
    # the missing mode of weight 0.1 costs about 0.1 · log(p_data / ε): large but finite
    cost = kl(p_data, q, dx)
    assert 0.1 * math.log(1e-2 / EPSILON) < cost < 0.1 * math.log(10 / EPSILON)
    report = mode_masses(q, x, DATA)
    assert report["modes_covered"] == 2 and report["share_of_weight"][0] < 1e-6
    assert mode_masses(p_data, x, DATA)["modes_covered"] == 3


def test_the_cli_writes_the_labs_json(tmp_path, monkeypatch, capsys):
    # the real lab through the real command, with the GAN's training shrunk for the test
    monkeypatch.setattr(mle_vs_gan, "run", functools.partial(mle_vs_gan.run, **SMALL))
    out = tmp_path / "m.json"
    assert main(["lab", "mle-vs-gan", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["lab"] == "mle-vs-gan" and result["seed"] == 0
    assert set(result["fits"]) == {"gaussian", "mixture_k", "gan"} and result["plots"]
    printed = capsys.readouterr().out
    assert "kl_data_model" in printed and '"plots"' not in printed and f"wrote {out}" in printed
