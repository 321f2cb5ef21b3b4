"""The `mle-vs-gan` lab: maximum likelihood is the minimum of KL(P_data‖P) within its family,
the same-family GANs (a Gaussian G, an equal-weight mixture G) report exact densities, and the
numbers the lab reports are the exact ones. The GANs train for a few hundred steps only here;
the full-size comparison is `ganstudio lab mle-vs-gan` (and `benchmarks/lab_mle_seeds.py`)."""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
import tensorflow as tf
from scipy.integrate import quad
from scipy.stats import norm

from ganstudio.cli import main
from ganstudio.core.lab import mle_vs_gan
from ganstudio.core.lab.densities import gaussian_mixture, grid_for, kl
from ganstudio.core.lab.mle_vs_gan import (
    DATA,
    EPSILON,
    floored,
    mode_masses,
    sorted_slices,
    summarize,
)
from ganstudio.core.lab.nets1d import binned_kde, mixture_generator

SMALL = {"n_train": 5000, "gan_steps": 200, "n_gan_samples": 20_000, "width": 16,
         "family_steps": 300}
FITS = {"gaussian", "mixture_k", "gan_gaussian", "gan_mixture_k", "gan"}
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
    assert json.loads(text)["fits"].keys() == FITS
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
    assert any(m.startswith("GAN step 200/200") for m in small_run["messages"])
    assert any(m.startswith("Gaussian-G GAN step 300/300") for m in small_run["messages"])
    assert any(m.startswith("2-mixture-G GAN step 300/300") for m in small_run["messages"])
    assert small_run["fits"]["gan_gaussian"]["steps"] == SMALL["family_steps"]


def test_the_plots_share_one_x_of_at_most_400_points(small_run):
    plots = small_run["plots"]
    assert plots and {"title", "x_label", "y_label", "x", "lines"} <= plots[0].keys()
    for plot in plots:
        assert 2 <= len(plot["x"]) <= 400 and np.all(np.diff(plot["x"]) > 0)
        assert len(plot["lines"]) == 6 and "p_data" in plot["lines"]
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
    # the GAN in the same family, and Gaussians near where it went, do no better
    gan = small_run["fits"]["gan_gaussian"]
    g_mu, g_sigma = gan["mean"], gan["std"]
    for m, sd in [(g_mu, g_sigma), (g_mu + 0.3, g_sigma), (g_mu, 1.5 * g_sigma),
                  (0.5 * (g_mu + mu), 0.5 * (g_sigma + sigma))]:
        assert kl_to(m, sd) >= best
    assert gan["kl_data_model"] >= small_run["fits"]["gaussian"]["kl_data_model"]


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
    assert set(result["fits"]) == FITS and result["plots"] and result["summary"]["verdict"]
    printed = capsys.readouterr().out
    assert "kl_data_model" in printed and '"plots"' not in printed and f"wrote {out}" in printed


def _grid(result: dict) -> np.ndarray:
    grid = result["data"]["grid"]
    return np.linspace(grid["lo"], grid["hi"], grid["points"])


@pytest.mark.parametrize("name", ["gan_gaussian", "gan_mixture_k"])
def test_the_same_family_gans_report_exact_densities(small_run, name):
    fit = small_run["fits"][name]
    k = 1 if name == "gan_gaussian" else small_run["fits"]["mixture_k"]["components"]
    assert len(fit["means"]) == len(fit["stds"]) == k and fit["weights"] == [1 / k] * k
    assert all(s > 0 for s in fit["stds"]) and fit["means"] == sorted(fit["means"])
    # the start is the sorted training sample cut in k equal slices (k = 1: the ML Gaussian)
    if k == 1:
        assert fit["init_means"][0] == pytest.approx(small_run["fits"]["gaussian"]["mean"])
        assert fit["init_stds"][0] == pytest.approx(small_run["fits"]["gaussian"]["std"])
    x = _grid(small_run)
    dx = x[1] - x[0]
    p = gaussian_mixture(tuple(fit["means"]), tuple(fit["stds"]), tuple(fit["weights"])).pdf(x)
    # the grid holds the whole density, and the reported divergences are the ones of it
    assert np.sum(p) * dx == pytest.approx(1.0, abs=1e-6)
    p_data = floored(DATA.pdf(x), dx)
    for key, value in [("kl_data_model", kl(p_data, floored(p, dx), dx)),
                       ("kl_model_data", kl(floored(p, dx), p_data, dx))]:
        assert math.isfinite(fit[key]) and fit[key] == pytest.approx(value, rel=1e-9)
    assert 0.0 <= fit["jsd"] <= math.log(2)
    # the GAN moved its parameters away from where it started
    assert fit["means"] != pytest.approx(fit["init_means"], abs=1e-3)


def test_the_mixture_gan_is_no_better_than_ml_on_forward_kl(small_run):
    """Its family (equal weights) lies inside the ML mixture's, whose EM fit is the forward-KL
    minimum there up to the sample."""
    fits = small_run["fits"]
    assert fits["mixture_k"]["kl_data_model"] <= fits["gan_mixture_k"]["kl_data_model"]


def test_the_summary_agrees_with_the_fits(small_run):
    summary, fits = small_run["summary"], small_run["fits"]
    for family, gan_name in [("gaussian", "gan_gaussian"), ("mixture_k", "gan_mixture_k")]:
        pair, ml, gan = summary[family], fits[family], fits[gan_name]
        for key in ("kl_data_model", "kl_model_data", "jsd", "modes_covered"):
            assert pair["ml"][key] == ml[key] and pair["gan"][key] == gan[key]
        assert pair["ml_lower_forward_kl"] == (ml["kl_data_model"] < gan["kl_data_model"])
        assert pair["gan_lower_reverse_kl"] == (gan["kl_model_data"] < ml["kl_model_data"])
        assert pair["gan_lower_jsd"] == (gan["jsd"] < ml["jsd"])
        assert f"{gan['kl_data_model']:.3g}" in summary["verdict"]
    assert summary["flexible"]["gan"]["kl_data_model"] == fits["gan"]["kl_data_model"]
    assert summary["flexible"]["same_family"] is False


def _fit(forward: float, reverse: float, covered: int = 3) -> dict:
    return {"kl_data_model": forward, "kl_model_data": reverse, "jsd": 0.1,
            "modes_covered": covered}


@pytest.mark.parametrize(("gan", "phrase"), [
    (_fit(5.0, 0.5, 1), "on the seeking side"),
    (_fit(5.0, 9.0), "worse than maximum likelihood on both"),
    (_fit(0.5, 0.5), "below maximum likelihood on both"),
    (_fit(0.5, 9.0), "on the covering side"),
])
def test_the_verdict_follows_the_numbers(gan, phrase):
    ml = _fit(1.0, 2.0)
    fits = {"gaussian": ml, "mixture_k": ml, "gan_gaussian": gan, "gan_mixture_k": ml,
            "gan": _fit(0.7, 1.0, 2)}
    summary = summarize(fits, modes=3, k=2)
    assert summary["verdict"].count(phrase) >= 1
    assert summary["gaussian"]["ml_lower_forward_kl"] == (gan["kl_data_model"] > 1.0)
    assert summary["gaussian"]["gan_lower_reverse_kl"] == (gan["kl_model_data"] < 2.0)
    # the MLP's forward KL 0.7 is below the ML mixture's 1.0, and the verdict says so
    assert "0.7, below the maximum-likelihood 2-mixture's 1" in summary["verdict"]


def test_sorted_slices_start_each_component_on_an_equal_share():
    sample = np.array([5.0, -1.0, 1.0, 3.0, -3.0, 7.0])
    means, stds = sorted_slices(sample, 2)
    assert means == [-1.0, 5.0] and stds == pytest.approx([math.sqrt(8 / 3)] * 2)
    assert sorted_slices(sample, 1) == ([2.0], [pytest.approx(float(sample.std()))])


def test_the_mixture_generator_samples_its_own_density_and_gets_gradients():
    model, layer = mixture_generator([-2.0, 3.0], [0.5, 1.5])
    z = np.random.default_rng(0).standard_normal((40_000, 2)).astype(np.float32)
    x = np.asarray(model(z))[:, 0]
    hist, edges = np.histogram(x, bins=80, range=(-8, 12), density=True)
    exact = gaussian_mixture((-2.0, 3.0), (0.5, 1.5)).pdf(0.5 * (edges[1:] + edges[:-1]))
    assert np.max(np.abs(hist - exact)) < 0.03
    # equal weights: P(x < 0.5) = ½ Φ((0.5 + 2) / 0.5) + ½ Φ((0.5 − 3) / 1.5)
    assert np.mean(x < 0.5) == pytest.approx(0.5 * norm.cdf(5.0) + 0.5 * norm.cdf(-2.5 / 1.5),
                                             abs=0.01)
    assert layer.parameters() == (pytest.approx([-2.0, 3.0]), pytest.approx([0.5, 1.5]))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(z[:1000]) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(grads) == 2 and all(np.all(np.asarray(g) != 0) for g in grads)
