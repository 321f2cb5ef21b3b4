"""Each objective against hand-computed values, and the penalties against finite differences."""

import math

import keras
import numpy as np
import pytest

from ganstudio.config import ObjectiveConfig
from ganstudio.core.objectives import (
    GradientPenalty,
    Hinge,
    LeastSquares,
    Minimax,
    NonSaturating,
    R1Penalty,
    Wasserstein,
    WeightClip,
    build_game,
)

LOG2 = math.log(2.0)
ZERO = np.zeros((6, 1), np.float32)  # logit 0  <=>  D = 0.5 everywhere


def f(t) -> float:
    return float(np.asarray(t))


def test_value_at_half_is_minus_two_log_two():
    assert f(Minimax().value(ZERO, ZERO)) == pytest.approx(-2 * LOG2, abs=1e-6)
    assert f(NonSaturating().value(ZERO, ZERO)) == pytest.approx(-2 * LOG2, abs=1e-6)


def test_minimax_and_nonsaturating_losses_by_hand():
    real = np.array([[2.0], [-1.0]], np.float32)
    fake = np.array([[0.5], [-3.0]], np.float32)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    d_expected = -np.mean(np.log(sig(real))) - np.mean(np.log(1 - sig(fake)))
    assert f(Minimax().d_loss(real, fake)) == pytest.approx(d_expected, rel=1e-5)
    assert f(NonSaturating().d_loss(real, fake)) == pytest.approx(d_expected, rel=1e-5)
    assert f(Minimax().g_loss(fake)) == pytest.approx(np.mean(np.log(1 - sig(fake))), rel=1e-5)
    assert f(NonSaturating().g_loss(fake)) == pytest.approx(-np.mean(np.log(sig(fake))), rel=1e-5)
    # D = 0.5: L_D = 2 log 2, minimax L_G = -log 2, non-saturating L_G = log 2
    assert f(Minimax().d_loss(ZERO, ZERO)) == pytest.approx(2 * LOG2, abs=1e-6)
    assert f(Minimax().g_loss(ZERO)) == pytest.approx(-LOG2, abs=1e-6)
    assert f(NonSaturating().g_loss(ZERO)) == pytest.approx(LOG2, abs=1e-6)


def test_critic_objectives_by_hand():
    real = np.array([[3.0], [1.0]], np.float32)
    fake = np.array([[-0.5], [0.5]], np.float32)
    assert f(Wasserstein().d_loss(real, fake)) == pytest.approx(0.0 - 2.0)
    assert f(Wasserstein().g_loss(fake)) == pytest.approx(0.0)
    assert f(Wasserstein().value(real, fake)) == pytest.approx(2.0)
    # hinge: mean(relu(1 - r)) = mean(0, 0) ; mean(relu(1 + f)) = mean(0.5, 1.5) = 1
    assert f(Hinge().d_loss(real, fake)) == pytest.approx(1.0)
    assert f(Hinge().g_loss(fake)) == pytest.approx(0.0)
    # lsgan: 0.5*mean((r-1)^2) + 0.5*mean(f^2) = 0.5*(4+0)/2 + 0.5*(0.25+0.25)/2
    assert f(LeastSquares().d_loss(real, fake)) == pytest.approx(1.0 + 0.125)
    assert f(LeastSquares().g_loss(fake)) == pytest.approx(0.5 * (2.25 + 0.25) / 2)


def _quadratic_critic():
    """f(x) = sum_i w_i x_i^2 + b·x, a critic with a known, non-constant gradient."""
    x = keras.Input((3,))
    sq = keras.layers.Lambda(lambda t: t * t)(x)
    out = keras.layers.Add()([keras.layers.Dense(1, use_bias=False)(sq),
                              keras.layers.Dense(1, use_bias=False)(x)])
    model = keras.Model(x, out)
    model.set_weights([np.array([[0.5], [-1.0], [2.0]], np.float32),
                       np.array([[1.0], [0.3], [-0.7]], np.float32)])
    return model


def _fd_grad(model, x, h=1e-3):
    g = np.zeros_like(x, dtype=np.float64)
    for i in range(x.shape[1]):
        e = np.zeros_like(x)
        e[:, i] = h
        g[:, i] = (np.asarray(model(x + e)).ravel() - np.asarray(model(x - e)).ravel()) / (2 * h)
    return g


def test_gradient_penalty_matches_finite_differences():
    critic = _quadratic_critic()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    norms = np.sqrt((_fd_grad(critic, x) ** 2).sum(axis=1))
    expected = 10.0 * np.mean((norms - 1.0) ** 2)
    seed = keras.random.SeedGenerator(1)
    # real == fake makes the interpolate x̂ = x whatever α is
    got = f(GradientPenalty(10.0)(critic, x, x, seed))
    assert got == pytest.approx(expected, rel=1e-3)


def test_r1_penalty_matches_finite_differences():
    critic = _quadratic_critic()
    x = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    expected = 0.5 * 3.0 * np.mean((_fd_grad(critic, x) ** 2).sum(axis=1))
    got = f(R1Penalty(3.0)(critic, x, x, None))
    assert got == pytest.approx(expected, rel=1e-3)


def _packed_mlp_critic(spectral: bool = False):
    from ganstudio.config import NetConfig
    from ganstudio.core.nets import build_nets

    cfg = NetConfig(name="mlp", latent_dim=4, depth=2, width=32, g_norm="none",
                    d_norm="spectral" if spectral else "none", pack=2, minibatch_std=True)
    nets = build_nets(cfg, (2,))
    from ganstudio.core.nets.blocks import Pack

    pack = Pack(2)
    return nets.discriminator, lambda x, training=True: nets.discriminator(pack(x),
                                                                           training=training)


def test_r1_from_the_loss_forward_is_the_separate_forwards_value_and_gradients():
    """`with_logits` (one forward of D) against the old computation (D's loss on `critic(real)`
    plus `R1Penalty.__call__`, a second forward), on a fixed batch: value and D's gradients."""
    import tensorflow as tf

    d, critic = _packed_mlp_critic()
    rng = np.random.default_rng(3)
    real = tf.constant(rng.normal(size=(64, 2)).astype(np.float32))
    fake = tf.constant(rng.normal(size=(64, 2)).astype(np.float32))
    r1, obj = R1Penalty(2.5), NonSaturating()
    with tf.GradientTape() as tape:
        old_logits = critic(real)
        old_r1 = r1(critic, real, fake, None)
        old_total = obj.d_loss(old_logits, critic(fake)) + old_r1
    old_grads = tape.gradient(old_total, d.trainable_variables)
    with tf.GradientTape() as tape:
        new_logits, new_r1 = r1.with_logits(critic, real)
        new_total = obj.d_loss(new_logits, critic(fake)) + new_r1
    new_grads = tape.gradient(new_total, d.trainable_variables)
    assert f(new_r1) > 0
    np.testing.assert_allclose(f(new_r1), f(old_r1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(new_logits), np.asarray(old_logits), rtol=1e-6)
    np.testing.assert_allclose(f(new_total), f(old_total), rtol=1e-6)
    for a, b in zip(new_grads, old_grads, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-7)


def test_r1_from_the_loss_forward_of_a_spectral_norm_critic_is_the_r1_of_that_critic():
    """A spectral-norm D rewrites its kernel as W/σ on every training call, so the R1 of a
    second forward would be taken at a D normalized once more: `with_logits` gives the logits
    and the R1 of the one D that ran (checked against that D read back in inference mode,
    which uses the kernel as stored), and D's gradients reach the kernels."""
    import tensorflow as tf

    d, critic = _packed_mlp_critic(spectral=True)
    rng = np.random.default_rng(4)
    real = tf.constant(rng.normal(size=(64, 2)).astype(np.float32))
    critic(real)  # a first training call normalizes the kernels from their initial values
    r1 = R1Penalty(2.5)
    with tf.GradientTape() as tape:
        logits, penalty = r1.with_logits(critic, real)
    grads = tape.gradient(penalty, d.trainable_variables)
    ran = lambda x, training=False: critic(x, training=False)  # noqa: E731
    np.testing.assert_allclose(np.asarray(logits), np.asarray(ran(real)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f(penalty), f(r1(ran, real, real, None)), rtol=1e-5)
    assert f(penalty) > 0
    assert any(g is not None and float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads)


def test_weight_clip_clips_every_weight():
    layer = keras.layers.Dense(4)
    layer.build((None, 3))
    layer.kernel.assign(np.full((3, 4), 5.0, np.float32))
    WeightClip(0.01).apply(layer.trainable_variables)
    assert np.abs(np.asarray(layer.kernel)).max() == pytest.approx(0.01)


def test_build_game_composes_parts():
    assert [type(c).__name__ for c in build_game(ObjectiveConfig(name="wgan")).constraints] == [
        "WeightClip"]
    gp = build_game(ObjectiveConfig(name="wgan-gp", gp_lambda=5.0))
    assert gp.penalties[0].weight == 5.0 and not gp.constraints
    r1 = build_game(ObjectiveConfig(name="nonsaturating", r1_gamma=1.0))
    assert [type(p).__name__ for p in r1.penalties] == ["R1Penalty"]
    assert build_game(ObjectiveConfig(r1_gamma=0.0)).penalties == []


def test_every_trick_builds_and_trains_one_step():
    """Packing, minibatch std, spectral norm, R1, EMA and separate rates compose in one recipe."""
    from ganstudio.config import RunConfig
    from ganstudio.core.session import TrainingSession

    cfg = RunConfig.from_dict({
        "data": {"name": "grid25", "n_points": 1000},
        "net": {"width": 16, "depth": 2, "pack": 4, "minibatch_std": True, "d_norm": "spectral"},
        "objective": {"r1_gamma": 1.0, "ema": 0.9, "lr_d": 4e-4, "lr_g": 1e-4},
        "train": {"steps": 3, "batch": 32, "jit": "off", "eval_every": 0},
    })
    session = TrainingSession(cfg)
    result = session.run()
    assert result.steps == 3 and np.isfinite(result.final["d_loss"])
    assert session.recipe.ema_generator is not None
    assert float(session.recipe.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert session.views()["d_hist"].groups["real"].shape == (session.config.train.probe_size // 4,)


def test_the_gans_d_update_is_unchanged_by_the_shared_r1_forward():
    """One D update of the GAN recipe with R1 from the loss's forward and with R1's own
    forward (the old path): the same loss, R1 included, and the same D weights after it."""
    import tensorflow as tf

    from ganstudio.config import NetConfig
    from ganstudio.core.nets import build_nets
    from ganstudio.core.recipes.gan import GANRecipe

    cfg = NetConfig(name="mlp", latent_dim=4, depth=2, width=32, g_norm="none", d_norm="none",
                    pack=2)
    real = tf.constant(np.random.default_rng(5).normal(size=(64, 2)).astype(np.float32))
    results, start = [], None
    for shared in (True, False):
        nets = build_nets(cfg, (2,))
        recipe = GANRecipe(nets.generator, nets.discriminator,
                           build_game(ObjectiveConfig(r1_gamma=2.0)), latent_dim=4, batch=64,
                           pack=2, seed=0)
        recipe.compile(d_optimizer=keras.optimizers.Adam(1e-2),
                       g_optimizer=keras.optimizers.Adam(1e-2))
        recipe.build_state()
        if start is None:
            start = [m.get_weights() for m in (recipe.generator, recipe.discriminator)]
        for m, w in zip((recipe.generator, recipe.discriminator), start, strict=True):
            m.set_weights(w)
        assert recipe._shared_r1 is not None
        if not shared:
            recipe._shared_r1 = None
        logs = recipe._d_update(real)
        results.append((f(logs["d_loss"]), f(logs["grad_norm_d"]),
                        recipe.discriminator.get_weights()))
    (loss_a, norm_a, w_a), (loss_b, norm_b, w_b) = results
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-6)
    np.testing.assert_allclose(norm_a, norm_b, rtol=1e-5)
    for a, b in zip(w_a, w_b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
