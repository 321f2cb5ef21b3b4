"""The encoder families `ae` and `vae`: the VAE's terms against closed forms, the ELBO of a
tiny model, the panels of a run, and the four-signature export read back by TensorFlow alone."""


import numpy as np
import pytest

from ganstudio.config import RunConfig
from ganstudio.core.families import PANEL_LATENT, PANEL_RECON, PANEL_SAMPLES, get_family
from ganstudio.core.panels import LatentCodes, Samples
from ganstudio.errors import ConfigError
from tests.conftest import run_tf_only

TINY_IMAGES = {
    "data": {"name": "digits"},
    "net": {"filters": 4, "latent_dim": 3},
    "train": {"steps": 4, "batch": 16, "jit": "off", "eval_every": 0, "checkpoint_every": 0,
              "n_samples": 16},
}
TINY_POINTS = {
    "data": {"name": "ring8", "n_points": 500},
    "net": {"depth": 1, "width": 8},
    "train": {"steps": 4, "batch": 16, "jit": "off", "eval_every": 0, "checkpoint_every": 0},
}


def tiny(family: str, base: dict, **changes) -> RunConfig:
    return RunConfig.from_dict({**base, "family": family}).with_changes(**changes)


def test_kl_matches_the_closed_form_and_the_seeds_sum_is_twice_it():
    from ganstudio.core.variational import gaussian_kl

    rng = np.random.default_rng(0)
    m = rng.normal(size=(5, 3)).astype(np.float32)
    log_var = rng.normal(size=(5, 3)).astype(np.float32)
    s = np.exp(0.5 * log_var.astype(np.float64))
    # KL(N(m, s²) ‖ N(0, 1)) = log(1/s) + (s² + m²)/2 − ½, per dimension
    want = np.log(1.0 / s) + 0.5 * (s**2 + m**2) - 0.5
    got = np.asarray(gaussian_kl(m, log_var))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    seed_sum = np.sum(np.exp(log_var) - (1 + log_var) + m**2, axis=1)  # seed 000, σ = log-var
    np.testing.assert_allclose(seed_sum, 2 * got.sum(axis=1), rtol=1e-5)
    assert np.all(got >= 0) and np.asarray(gaussian_kl(np.zeros(2), np.zeros(2))).max() == 0


def test_reparameterisation_gradients_match_the_analytic_ones():
    import tensorflow as tf

    from ganstudio.core.variational import reparameterize

    eps = tf.constant(np.random.default_rng(1).standard_normal((200_000, 1)), tf.float32)
    m = tf.Variable([[0.7]])
    log_var = tf.Variable([[-0.4]])
    with tf.GradientTape(persistent=True) as tape:
        c = reparameterize(m, log_var, eps)
        mean_c = tf.reduce_mean(c)
        mean_sq = tf.reduce_mean(tf.square(c))
    # E[c] = m: ∂/∂m = 1, ∂/∂σ = ½·exp(σ/2)·E[e] (exactly that for the drawn e)
    assert float(tape.gradient(mean_c, m)[0, 0]) == pytest.approx(1.0, abs=1e-4)
    half = 0.5 * np.exp(-0.2) * float(tf.reduce_mean(eps))
    assert float(tape.gradient(mean_c, log_var)[0, 0]) == pytest.approx(half, abs=1e-4)
    # E[c²] = m² + exp(σ): ∂/∂m = 2m, ∂/∂σ = exp(σ), up to Monte Carlo error
    assert float(tape.gradient(mean_sq, m)[0, 0]) == pytest.approx(1.4, abs=0.01)
    assert float(tape.gradient(mean_sq, log_var)[0, 0]) == pytest.approx(np.exp(-0.4), abs=0.01)


def test_free_bits_and_warm_up():
    from ganstudio.core.variational import free_bits_kl, warmup_beta

    kl = np.array([[0.1, 2.0], [0.3, 1.0]], np.float32)  # batch means 0.2 and 1.5
    assert float(free_bits_kl(kl, 0.0)) == pytest.approx(1.7)
    assert float(free_bits_kl(kl, 0.5)) == pytest.approx(2.0)
    assert [float(warmup_beta(2.0, s, 4)) for s in (0, 1, 3, 10)] == [0.5, 1.0, 2.0, 2.0]
    assert float(warmup_beta(2.0, 0, 0)) == 2.0


def test_pca_projection_holds_the_variance_and_keeps_its_signs():
    from ganstudio.core.recipes.autoencoder import pca_2d

    rng = np.random.default_rng(2)
    codes = rng.normal(size=(500, 4)) * np.array([5.0, 2.0, 0.1, 0.1])
    projected, center, dirs, explained = pca_2d(codes)
    assert projected.shape == (500, 2) and explained > 0.99
    np.testing.assert_allclose(np.abs(dirs[:, :2]), np.eye(2), atol=0.05)
    _, _, again, _ = pca_2d(codes, previous=-dirs)  # flipped: the new ones follow
    np.testing.assert_allclose(again, -dirs, atol=1e-9)


def test_code_gaussian_fits_the_codes_it_sees():
    from ganstudio.core.nets.autoencoder import CodeGaussian

    layer = CodeGaussian(2, momentum=0.9)
    e = np.random.default_rng(3).standard_normal((4000, 2)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(layer(e[:5])), e[:5], atol=1e-3)  # N(0, I) at first
    cov = np.array([[4.0, 1.2], [1.2, 1.0]])
    codes = (e @ np.linalg.cholesky(cov).T + [3.0, -1.0]).astype(np.float32)
    for part in np.split(codes, 40):
        layer.update(part)
    mean, fitted = (np.asarray(v) for v in layer.moments())
    np.testing.assert_allclose(mean, [3.0, -1.0], atol=0.15)
    np.testing.assert_allclose(fitted, cov, atol=0.3)
    drawn = np.asarray(layer(e))
    np.testing.assert_allclose(np.cov(drawn.T), fitted, atol=0.25)


def test_elbo_of_a_tiny_vae_is_minus_recon_nll_minus_kl():
    from ganstudio.core.session import TrainingSession

    for base in (TINY_IMAGES, TINY_POINTS):
        s = TrainingSession(tiny("vae", base))
        s.run()
        recipe = s.recipe
        x = s.dataset.x[:32]
        x_net = s.normalizer.to_net(x)
        eps = np.random.default_rng(4).standard_normal((32, recipe.latent_dim)).astype(np.float32)
        t = {k: np.asarray(v, np.float64) for k, v in recipe.terms(x_net, eps).items()}
        kl = 0.5 * np.sum(np.exp(t["log_var"]) - 1 - t["log_var"] + t["mean"] ** 2, axis=1)
        out = t["out"].reshape(32, -1)
        if base is TINY_IMAGES:  # Bernoulli of pixels in [0, 1]
            p = 1 / (1 + np.exp(-out))
            xs = x.reshape(32, -1)
            nll = -np.sum(xs * np.log(p) + (1 - xs) * np.log(1 - p), axis=1)
        else:  # Gaussian density in the data's units: the network range's, less D·log(scale)
            v = np.asarray(recipe.output_log_var.value(), np.float64)
            mu = s.normalizer.to_data(out)
            var = np.exp(v) * s.normalizer.scale**2
            nll = 0.5 * np.sum(np.log(2 * np.pi * var) + (x - mu) ** 2 / var, axis=1)
        np.testing.assert_allclose(t["recon"], nll, rtol=1e-4, atol=1e-3)
        elbo = np.asarray(recipe._elbo_batch(x_net, eps))
        np.testing.assert_allclose(elbo, -(nll + kl), rtol=1e-4, atol=1e-3)
        if base is TINY_IMAGES:
            assert np.all(elbo <= 0)  # a probability of binarized pixels: at most 1
            assert recipe.heldout_elbo(samples=2) < 0


ROUND_TRIP = r"""
import json, sys
import numpy as np
import tensorflow as tf
path = sys.argv[1]
inputs = np.load(sys.argv[2])
model = tf.saved_model.load(path)
sig = model.signatures
out = {name: {k: v.numpy().tolist() for k, v in sig[name](
           **{"z" if name in ("serving_default", "decode") else "x":
              tf.constant(inputs["z" if name in ("serving_default", "decode") else "x"])}).items()}
       for name in ("serving_default", "decode", "encode", "reconstruct")}
meta = json.load(open(path + "/assets/ganstudio.json"))
print(json.dumps({"out": out, "meta": meta,
                  "ganstudio_loaded": any(m.startswith("ganstudio") for m in sys.modules)}))
"""


@pytest.mark.parametrize("family", ["ae", "vae"])
def test_a_run_emits_its_panels_and_exports_four_signatures(tmp_path, family):
    from ganstudio.core.session import TrainingSession

    spec = get_family(family)
    assert spec.panels == (PANEL_SAMPLES, PANEL_RECON, PANEL_LATENT) and spec.step_modes == ()
    s = TrainingSession(tiny(family, TINY_IMAGES), out_dir=tmp_path)
    s.run()
    views = s.views()
    assert set(views) == set(spec.panels)
    samples, recon, latent = views["samples"], views["recon"], views["latent"]
    assert isinstance(samples, Samples) and samples.samples.shape == (16, 8, 8, 1)
    assert recon.kind == "images" and recon.samples.shape == (64, 8, 8, 1) and recon.columns == 8
    assert recon.row_labels == ["input", "reconstruction"] * 4
    held = s.dataset.x[s.recipe._recon_idx]
    np.testing.assert_array_equal(recon.samples[:8], held[:8])  # inputs, then their decodings
    np.testing.assert_allclose(recon.samples[8:16], s.recipe.reconstruct(held[:8]), atol=1e-5)
    assert isinstance(latent, LatentCodes) and latent.codes.shape == (1000, 2)
    assert latent.method == "pca" and 0 < latent.explained <= 1
    assert latent.prior.shape == (1000, 2) and latent.labels.shape == (1000,)
    assert set(s.recipe.scalar_keys) <= set(s.history[-1])  # the loss plot's terms
    with pytest.raises(ConfigError, match="one optimizer"):
        s.single_update("d")

    report = s.export()
    assert report.ok, report.summary()
    inputs = s.recipe.example_inputs(5, seed=9)
    np.savez(tmp_path / "inputs.npz", **inputs)
    got = run_tf_only(ROUND_TRIP, str(report.path),
                           str(tmp_path / "inputs.npz"), cwd=tmp_path)
    assert got["ganstudio_loaded"] is False
    out = got["out"]
    np.testing.assert_allclose(out["serving_default"]["output_0"], s.generate(inputs["z"]),
                               atol=1e-5)
    np.testing.assert_allclose(out["reconstruct"]["output_0"], s.recipe.reconstruct(inputs["x"]),
                               atol=1e-5)
    codes = np.asarray(out["encode"]["mean"], np.float32)
    np.testing.assert_allclose(codes, s.recipe.encode(inputs["x"]), atol=1e-5)
    decoded = np.asarray(out["decode"]["output_0"])
    assert decoded.shape == (5, 8, 8, 1) and decoded.min() >= 0 and decoded.max() <= 1
    assert set(out["encode"]) == ({"mean", "log_var"} if family == "vae" else {"mean"})
    meta = got["meta"]
    assert meta["family"] == family and meta["latent_dim"] == 3
    assert meta["signatures"]["encode"]["output"] == sorted(out["encode"], reverse=True)


def test_points_have_codes_in_2d_and_no_reconstruction_grid():
    from ganstudio.core.session import TrainingSession

    s = TrainingSession(tiny("vae", TINY_POINTS))
    s.run()
    views = s.views()
    assert set(views) == {PANEL_SAMPLES, PANEL_LATENT}
    assert views["samples"].kind == "points" and views["samples"].samples.shape == (512, 2)
    assert views["latent"].method == "codes" and views["latent"].explained is None
    assert views["samples"].real_points.shape[1] == 2


def test_bad_options_for_the_data_are_config_errors():
    from ganstudio.core.session import TrainingSession

    with pytest.raises(ConfigError, match="ae.recon_loss: bce needs values in"):
        TrainingSession(tiny("ae", TINY_POINTS, ae={"recon_loss": "bce"})).prepare()
    with pytest.raises(ConfigError, match="vae.likelihood: bernoulli"):
        TrainingSession(tiny("vae", TINY_POINTS, vae={"likelihood": "bernoulli"})).prepare()
    with pytest.raises(ConfigError, match="vae.beta"):
        RunConfig().with_setting("vae.beta=-1")


@pytest.mark.parametrize(("family", "keys"), [("vae", ("vae.lr",)),
                                              ("vaegan", ("vaegan.lr", "vaegan.lr_d"))])
def test_going_back_after_a_divergence_halves_the_familys_own_learning_rates(family, keys):
    """The encoder families' rates are their own settings (not objective.lr_d / lr_g): those
    are what going back scales, in the optimizers and in the config the studio shows."""
    from ganstudio.core.families import get_family, learning_rate_values
    from ganstudio.core.session import TrainingSession
    from tests.unit.test_session import Collect

    cfg = tiny(family, TINY_POINTS)
    rep = Collect()
    s = TrainingSession(cfg, reporter=rep, scalar_hz=0, image_hz=0)
    s.run(steps=4)
    before = learning_rate_values(get_family(family), s.config)
    rates = [float(o.learning_rate) for o in s.recipe.optimizers()]
    assert s.recover(0.5) == 4
    after = learning_rate_values(get_family(family), s.config)
    assert tuple(after) == keys
    assert after == pytest.approx({k: v * 0.5 for k, v in before.items()})
    assert s.config.objective == cfg.objective  # the GAN's rates are not this family's
    assert [float(o.learning_rate) for o in s.recipe.optimizers()] == pytest.approx(
        [r * 0.5 for r in rates])
    assert keys[0].partition(".")[2] in rep.statuses[-1]
