"""The RBM family on tiny models: the CD-k update against a numpy reference with the same
draws, log Z exact against brute force and AIS against exact, the free energy, a session run
with its panels, the export round trip in a TensorFlow-only process, and refused settings."""


import numpy as np
import pytest
import tensorflow as tf

from ganstudio.config import RunConfig
from ganstudio.core.families import get_family
from ganstudio.core.metrics import rbm as m
from ganstudio.core.recipes.rbm import contrastive_divergence, free_energy_tf
from ganstudio.core.session import TrainingSession
from ganstudio.errors import ConfigError, DataError
from tests.conftest import run_tf_only
from tests.unit.test_session import Collect


def _tiny_model(rng, d=6, h=4, scale=1.0):
    return (rng.normal(0, scale, (d, h)), rng.normal(0, 1, d), rng.normal(0, 1, h))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_cd(w, b, c, v0, start, u_h, u_v):
    """The reference CD-k statistics, written out plainly."""
    ph0 = _sigmoid(v0 @ w + c)
    v = start.copy()
    for t in range(len(u_h)):
        h = (u_h[t] < _sigmoid(v @ w + c)).astype(np.float64)
        v = (u_v[t] < _sigmoid(h @ w.T + b)).astype(np.float64)
    h_neg = _sigmoid(v @ w + c)
    return {"grad_w": v0.T @ ph0 / len(v0) - v.T @ h_neg / len(v),
            "grad_b": v0.mean(0) - v.mean(0), "grad_c": ph0.mean(0) - h_neg.mean(0),
            "chain": v}


@pytest.mark.parametrize("k,persistent", [(1, False), (3, False), (2, True)])
def test_cd_k_statistics_match_a_numpy_reference_with_the_same_draws(k, persistent):
    rng = np.random.default_rng(k)
    w, b, c = _tiny_model(rng, 7, 5)
    v0 = (rng.random((9, 7)) < 0.5).astype(np.float64)
    start = (rng.random((9, 7)) < 0.5).astype(np.float64) if persistent else v0
    u_h, u_v = rng.random((k, 9, 5)), rng.random((k, 9, 7))
    want = numpy_cd(w, b, c, v0, start, u_h, u_v)
    got = contrastive_divergence(*(tf.constant(a, tf.float64) for a in
                                   (w, b, c, v0, start, u_h, u_v)))
    for key in ("grad_w", "grad_b", "grad_c", "chain"):
        np.testing.assert_allclose(got[key].numpy(), want[key], atol=1e-10, err_msg=key)
    assert np.abs(want["grad_w"]).max() > 1e-3  # the check compares something non-trivial


def test_cd1_expectation_is_the_mean_field_gradient():
    """Averaged over many draws, CD-1's weight statistic tends to v₀ᵀp(h|v₀) − E[v₁ᵀp(h|v₁)],
    whose second term is computable exactly on a tiny model by enumerating h and v₁."""
    rng = np.random.default_rng(0)
    w, b, c = _tiny_model(rng, 3, 2)
    v0 = np.array([[1.0, 0.0, 1.0]])
    ph0 = _sigmoid(v0 @ w + c)[0]
    hs = np.array([[a, z] for a in (0.0, 1.0) for z in (0.0, 1.0)])
    vs = np.array([[a, z, y] for a in (0.0, 1.0) for z in (0.0, 1.0) for y in (0.0, 1.0)])
    expected = np.zeros_like(w)
    for h in hs:
        p_h = np.prod(np.where(h == 1, ph0, 1 - ph0))
        pv = _sigmoid(b + w @ h)
        for v in vs:
            p_v = np.prod(np.where(v == 1, pv, 1 - pv))
            expected += p_h * p_v * np.outer(v, _sigmoid(v @ w + c))
    want = np.outer(v0[0], ph0) - expected
    n = 200_000
    tiled = np.repeat(v0, n, axis=0)
    got = contrastive_divergence(*(tf.constant(a, tf.float64) for a in (
        w, b, c, tiled, tiled, rng.random((1, n, 2)), rng.random((1, n, 3)))))["grad_w"]
    np.testing.assert_allclose(got.numpy(), want, atol=5e-3)


def test_free_energy_is_minus_log_of_the_summed_out_joint():
    rng = np.random.default_rng(1)
    w, b, c = _tiny_model(rng, 4, 3)
    v = np.array([[1, 0, 1, 1], [0, 0, 0, 0], [1, 1, 1, 0]], np.float64)
    hs = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], np.float64)
    by_sum = -np.log(np.exp(v @ b[:, None] + (hs @ c)[None, :] + v @ w @ hs.T).sum(axis=1))
    np.testing.assert_allclose(m.free_energy(w, b, c, v), by_sum, rtol=1e-12)
    np.testing.assert_allclose(free_energy_tf(*(tf.constant(a) for a in (w, b, c, v))).numpy(),
                               by_sum, rtol=1e-12)


def test_exact_log_z_matches_brute_force_over_visible_and_hidden():
    rng = np.random.default_rng(2)
    for d, h in [(6, 4), (3, 7), (5, 5)]:
        w, b, c = _tiny_model(rng, d, h)
        brute = m.brute_force_log_partition(w, b, c)
        assert m.exact_log_partition(w, b, c) == pytest.approx(brute, abs=1e-9)
        assert m.exact_log_partition(w, b, c, chunk=3) == pytest.approx(brute, abs=1e-9)
    # probabilities sum to one: log Σ_v exp(−F(v)) = log Z
    vs = np.array([[(i >> j) & 1 for j in range(5)] for i in range(32)], np.float64)
    assert np.log(np.exp(-m.free_energy(w, b, c, vs)).sum()) == pytest.approx(
        m.exact_log_partition(w, b, c), abs=1e-9)
    with pytest.raises(ValueError, match="use ais"):
        m.exact_log_partition(np.zeros((30, 25)), np.zeros(30), np.zeros(25))


def test_ais_estimates_log_z_within_a_tenth_of_a_nat_of_exact():
    rng = np.random.default_rng(3)
    w, b, c = _tiny_model(rng, 24, 12, scale=0.3)
    data = (rng.random((200, 24)) < _sigmoid(b)).astype(np.float64)
    exact = m.exact_log_partition(w, b, c)
    res = m.ais_log_partition(w, b, c, m.base_rate_biases(data), runs=100, betas=1000, seed=0)
    assert abs(res.log_z - exact) < 0.1
    assert res.log_z_low <= res.log_z <= res.log_z_high and res.runs == 100
    # the helper chooses exact for small layers and AIS for large ones
    small = m.log_likelihood(w, b, c, data, data)
    assert small["method"] == "exact" and small["log_z"] == pytest.approx(exact)
    big = m.log_likelihood(w, b, c, data, data, max_exact=4, runs=20, betas=200)
    assert big["method"] == "ais" and abs(big["log_z"] - exact) < 0.5


def test_pseudo_likelihood_matches_the_conditional_of_one_bit():
    rng = np.random.default_rng(4)
    w, b, c = _tiny_model(rng, 5, 3)
    v = (rng.random((1, 5)) < 0.5).astype(np.float64)
    # with one row the flipped bit i is known: D · log p(v_i | v_−i)
    i = int(np.random.default_rng(9).integers(0, 5, 1)[0])
    flipped = v.copy()
    flipped[0, i] = 1 - flipped[0, i]
    p = np.exp(-m.free_energy(w, b, c, v)) / (np.exp(-m.free_energy(w, b, c, v))
                                             + np.exp(-m.free_energy(w, b, c, flipped)))
    assert m.pseudo_log_likelihood(w, b, c, v, seed=9) == pytest.approx(5 * np.log(p[0]))


TINY_RBM = {
    "family": "rbm",
    "data": {"name": "digits", "limit": 300},
    "train": {"steps": 12, "batch": 10, "jit": "off", "checkpoint_every": 0, "eval_every": 6,
              "probe_size": 32, "n_samples": 9},
    "rbm": {"hidden": 12, "k": 2, "sample_steps": 15, "ais_runs": 20, "ais_betas": 200},
}


def tiny_rbm(**changes) -> RunConfig:
    return RunConfig.from_dict(TINY_RBM).with_changes(**changes)


def test_session_run_emits_the_rbm_panels_scalars_and_quality(tmp_path):
    rep = Collect()
    s = TrainingSession(tiny_rbm(), out_dir=tmp_path, reporter=rep, scalar_hz=0, image_hz=0)
    result = s.run()
    assert result.steps == 12
    spec = get_family("rbm")
    assert {k for k, _ in spec.loss_curves} <= set(rep.snaps[0].scalars)
    final = rep.snaps[-1]
    assert final.event == "final" and set(final.panels) == set(spec.panels)
    samples, chain = final.panels["samples"], final.panels["chain"]
    assert samples.samples.shape == (9, 8, 8, 1) and samples.kind == "images"
    assert chain.row_labels == ["step 0", "step 1", "step 2", "step 5", "step 10", "step 15"]
    assert chain.columns == 8 and chain.samples.shape == (6 * 8, 8, 8, 1)
    # row 0 is the fixed start: held-out binary examples
    np.testing.assert_array_equal(chain.samples[:8].reshape(8, -1), s.recipe.test_x[:8])
    filters = final.panels["filters"].samples
    assert filters.shape == (12, 8, 8, 1)
    np.testing.assert_allclose(filters.reshape(12, -1).min(1), 0.0)
    np.testing.assert_allclose(filters.reshape(12, -1).max(1), 1.0)
    hist = final.panels["free_energy"]
    assert hist.critic and hist.title == "free energy F(v)" and set(hist.groups) == {"real",
                                                                                     "fake"}
    assert hist.groups["real"].shape == (32,)
    # the views are deterministic for fixed weights (fixed starts, fixed draws)
    again = s.views()
    np.testing.assert_array_equal(again["samples"].samples, samples.samples)
    # the live evaluation ran (exact log-likelihood with 12 hidden units)
    assert [h["step"] for h in s.metrics_history] == [6, 12]
    assert s.metrics_history[-1]["log_likelihood"] < 0
    quality, table = s.recipe.quality_report(s.dataset, 0)
    assert quality["log_likelihood_method"] == "exact"
    assert abs(quality["ais_minus_exact"]) < 1.0
    assert quality["sklearn_log_likelihood"] < 0 and quality["sklearn"]["n_iter"] >= 1
    assert "sklearn BernoulliRBM log-likelihood" in table
    # resume continues the CD step count and the persistent chains
    s.save_checkpoint()
    s2 = TrainingSession(tiny_rbm(train={"steps": 14, "batch": 10, "jit": "off",
                                         "checkpoint_every": 0, "eval_every": 0,
                                         "probe_size": 32, "n_samples": 9}),
                         resume=tmp_path)
    s2.prepare()
    assert s2.step == 12
    np.testing.assert_array_equal(np.asarray(s2.recipe.chain), np.asarray(s.recipe.chain))


ROUND_TRIP = r"""
import json, sys
import numpy as np
import tensorflow as tf
path = sys.argv[1]
model = tf.saved_model.load(path)
out = model.signatures["serving_default"](n=tf.constant(5), steps=tf.constant(7),
                                          seed=tf.constant(3))["output_0"].numpy()
same = model.signatures["sample"](n=tf.constant(5), steps=tf.constant(7),
                                  seed=tf.constant(3))["output_0"].numpy()
x = np.load(sys.argv[2])
fe = model.signatures["free_energy"](x=tf.constant(x))["output_0"].numpy()
meta = json.load(open(path + "/assets/ganstudio.json"))
print(json.dumps({"out": out.tolist(), "same": same.tolist(), "fe": fe.tolist(), "meta": meta,
                  "ganstudio_loaded": any(k.startswith("ganstudio") for k in sys.modules)}))
"""


def test_export_round_trip_in_a_process_that_imports_only_tensorflow(tmp_path):
    s = TrainingSession(tiny_rbm(train={"steps": 5, "batch": 10, "jit": "off",
                                        "eval_every": 0, "checkpoint_every": 0}),
                        out_dir=tmp_path)
    s.run()
    report = s.export()
    assert report.ok, report.summary()
    x = s.recipe.test_x[:4].reshape(4, 8, 8, 1)
    np.save(tmp_path / "x.npy", x)
    got = run_tf_only(ROUND_TRIP, str(report.path),
                           str(tmp_path / "x.npy"), cwd=tmp_path)
    assert got["ganstudio_loaded"] is False
    out = np.asarray(got["out"], np.float32)
    assert out.shape == (5, 8, 8, 1) and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(out, got["same"])
    np.testing.assert_allclose(out, s.recipe.generate({"n": 5, "steps": 7, "seed": 3}),
                               atol=1e-5)
    w, b, c = s.recipe.params.arrays()
    np.testing.assert_allclose(got["fe"], m.free_energy(w, b, c, x.reshape(4, -1)), rtol=1e-4)
    meta = got["meta"]
    assert meta["family"] == "rbm" and meta["rbm"]["hidden"] == 12
    inputs = meta["signatures"]["serving_default"]["inputs"]
    assert [(i["name"], i["dtype"], i["batched"]) for i in inputs] == [
        ("n", "int32", False), ("steps", "int32", False), ("seed", "int32", False)]


def test_bad_settings_and_point_data_are_refused_clearly():
    with pytest.raises(ConfigError, match="threshold, stochastic"):
        tiny_rbm(rbm={"binarize": "fuzzy"})
    with pytest.raises(DataError, match="does not train on points"):
        TrainingSession(tiny_rbm(data={"name": "ring8"})).prepare()
    s = TrainingSession(tiny_rbm())
    s.prepare()
    with pytest.raises(ConfigError, match="one CD update"):
        s.recipe.single_update("d", {})
