"""The `vaegan` family: its panels and export, each optimizer on its own network with its own
loss, and L_llike against a direct computation of D's features."""


import numpy as np
import pytest

from ganstudio.core.families import (
    PANEL_D_HIST,
    PANEL_LATENT,
    PANEL_RECON,
    PANEL_SAMPLES,
    get_family,
)
from ganstudio.core.panels import Histograms, LatentCodes, Samples
from ganstudio.errors import ConfigError
from tests.conftest import run_tf_only
from tests.unit.test_encoder_families import ROUND_TRIP, TINY_IMAGES, tiny


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    from ganstudio.core.session import TrainingSession

    s = TrainingSession(tiny("vaegan", TINY_IMAGES), out_dir=tmp_path_factory.mktemp("vaegan"))
    s.run()
    return s


def _values(variables) -> list[np.ndarray]:
    return [np.array(v.numpy()) for v in variables]


def _changed(before: list[np.ndarray], after: list[np.ndarray]) -> bool:
    return any(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def test_a_run_emits_its_panels_and_exports_four_signatures(session, tmp_path):
    spec = get_family("vaegan")
    assert spec.panels == (PANEL_SAMPLES, PANEL_RECON, PANEL_LATENT, PANEL_D_HIST)
    assert spec.step_modes == session.recipe.step_modes == ("d", "g")
    assert {key for key, _ in spec.loss_curves} <= set(session.recipe.scalar_keys)
    views = session.views()
    assert set(views) == set(spec.panels)
    assert isinstance(views["samples"], Samples) and views["samples"].samples.shape == (16, 8, 8, 1)
    assert views["recon"].samples.shape == (64, 8, 8, 1)
    assert views["recon"].row_labels == ["input", "reconstruction"] * 4
    assert isinstance(views["latent"], LatentCodes) and views["latent"].codes.shape == (1000, 2)
    hist = views["d_hist"]
    assert isinstance(hist, Histograms) and set(hist.groups) == {"real", "fake"}
    assert not hist.critic and all(v.min() >= 0 and v.max() <= 1 for v in hist.groups.values())
    assert set(session.recipe.scalar_keys) <= set(session.history[-1])

    report = session.export()
    assert report.ok, report.summary()
    inputs = session.recipe.example_inputs(5, seed=9)
    np.savez(tmp_path / "inputs.npz", **inputs)
    got = run_tf_only(ROUND_TRIP, str(report.path),
                           str(tmp_path / "inputs.npz"), cwd=tmp_path)
    assert got["ganstudio_loaded"] is False
    out = got["out"]
    np.testing.assert_allclose(out["serving_default"]["output_0"],
                               session.generate(inputs["z"]), atol=1e-5)
    np.testing.assert_allclose(out["reconstruct"]["output_0"],
                               session.recipe.reconstruct(inputs["x"]), atol=1e-5)
    np.testing.assert_allclose(out["encode"]["mean"], session.recipe.encode(inputs["x"]),
                               atol=1e-5)
    assert set(out["encode"]) == {"mean", "log_var"}
    assert got["meta"]["family"] == "vaegan" and got["meta"]["latent_dim"] == 3


def test_each_optimizer_updates_only_its_network_with_its_own_loss(session):
    import tensorflow as tf

    recipe = session.recipe
    nets = {"encoder": recipe.encoder, "decoder": recipe.decoder, "d": recipe.discriminator}
    state = recipe.state_variables()
    start = _values(state)
    x = tf.constant(session.normalizer.to_net(session.dataset.x[:16]))

    def restore():
        for v, value in zip(state, start, strict=True):
            v.assign(value)

    def step(players, **weights_of_losses) -> dict[str, list[np.ndarray]]:
        restore()
        saved = {k: getattr(recipe, k) for k in weights_of_losses}
        for k, v in weights_of_losses.items():
            setattr(recipe, k, v)
        recipe._update(x, players)
        for k, v in saved.items():
            setattr(recipe, k, v)
        return {name: _values(net.trainable_variables) for name, net in nets.items()}

    both = step((True, True, True))
    g_only = step((True, True, False))
    d_only = step((False, False, True))
    restore()
    weights = {name: _values(net.trainable_variables) for name, net in nets.items()}
    for name in nets:  # a whole step moves all three networks
        assert _changed(weights[name], both[name])
    # the encoder/decoder update leaves D as it was, the D update the encoder and decoder
    for a, b in zip(g_only["d"], weights["d"], strict=True):
        np.testing.assert_array_equal(a, b)
    for name in ("encoder", "decoder"):
        for a, b in zip(d_only[name], weights[name], strict=True):
            np.testing.assert_array_equal(a, b)
    # D's update is the same whether or not the encoder and decoder update beside it: one
    # forward pass, and L_llike does not reach D
    for a, b in zip(both["d"], d_only["d"], strict=True):
        np.testing.assert_array_equal(a, b)
    # each player's own loss: γ weighs only the decoder's, β only the encoder's
    gamma = step((True, True, True), gamma=recipe.gamma * 10 + 1)
    beta = step((True, True, True), beta=recipe.beta * 10 + 1)
    for name, other, same in (("encoder", gamma, beta), ("decoder", beta, gamma)):
        for a, b in zip(other[name], both[name], strict=True):
            np.testing.assert_array_equal(a, b)
        assert _changed(same[name], both[name]), name
    for run in (gamma, beta):
        for a, b in zip(run["d"], both["d"], strict=True):
            np.testing.assert_array_equal(a, b)
    restore()
    with pytest.raises(ConfigError, match="no 'x'-only update"):
        recipe.single_update("x", {"x": np.zeros((16, 8, 8, 1), np.float32)})


def test_feature_recon_is_half_the_squared_error_of_ds_features(session):
    import keras

    from ganstudio.core.recipes.vaegan import feature_model
    from ganstudio.core.variational import reparameterize

    recipe = session.recipe
    d = recipe.discriminator
    rng = np.random.default_rng(5)
    x = session.normalizer.to_net(session.dataset.x[:12])
    eps = rng.standard_normal((12, recipe.latent_dim)).astype(np.float32)
    z = rng.standard_normal((12, recipe.latent_dim)).astype(np.float32)
    t = recipe.terms(x, eps, z)

    hidden = [layer for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert len(hidden) == 2  # 8x8 dcgan: one stride-2 block and the 3x3 conv
    last = keras.Model(d.inputs[0], hidden[-1].output)
    mean, log_var = (np.asarray(v) for v in recipe.moments(x))
    recon = np.asarray(recipe.mean_net(recipe.decoder(reparameterize(mean, log_var, eps))))
    f_x = np.asarray(last(x), np.float64).reshape(12, -1)
    f_r = np.asarray(last(recon), np.float64).reshape(12, -1)
    want = 0.5 * np.sum((f_x - f_r) ** 2, axis=1)
    np.testing.assert_allclose(np.asarray(t["llike"]), want, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(t["recon"]), recon, atol=1e-6)
    assert np.all(want > 0)

    first = feature_model(d, 1)
    assert first.outputs[0].shape[1:] == hidden[0].output.shape[1:]
    assert recipe.d_features.outputs[0].shape[1:] == hidden[1].output.shape[1:]
    with pytest.raises(ConfigError, match="D has 2 hidden layers, not 3"):
        feature_model(d, 3)
