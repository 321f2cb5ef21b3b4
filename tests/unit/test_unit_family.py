"""The `unit` family: the shared layers are one set of variables, the KL term on hand-computed
values, the loss as the weighted sum of its terms, a tiny run's panels and curves, and the
two-way export read back by TensorFlow alone (the Step buttons' shared code is tested with
`translate`)."""

import numpy as np
import pytest

from ganstudio.core.families import PANEL_D_HIST, PANEL_D_HIST_A
from tests.translation_helpers import (
    check_two_way_export,
    check_two_way_views,
    tiny_config,
    tiny_session_fixture,
)

TINY = tiny_config("unit", "digits2edges", {"res_blocks": 2})
session = tiny_session_fixture(TINY)


def _used(fn):
    """The variables a function of no arguments reads (a tape watches them: the TensorFlow
    variables under Keras's, `keras.Variable.value`)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        fn()
    return {id(v) for v in tape.watched_variables()}


@pytest.mark.parametrize("kind", ["images", "points"])
def test_the_shared_layers_are_one_set_of_variables(kind):
    import tensorflow as tf

    from ganstudio.core.nets.unit import image_unit_nets, point_unit_nets

    if kind == "images":
        nets = image_unit_nets((8, 8, 1), (8, 8, 3), filters=4, res_blocks=2)
        x_a, x_b = tf.zeros((2, 8, 8, 1)), tf.zeros((2, 8, 8, 3))
    else:
        nets = point_unit_nets(2, 2, depth=2, width=8, activation="relu", code_dim=3)
        x_a, x_b = tf.zeros((2, 2)), tf.ones((2, 2))
    ids = {name: {id(v.value) for v in getattr(nets, name).trainable_variables}
           for name in ("front_a", "front_b", "shared_encoder", "shared_decoder", "back_a",
                        "back_b")}
    enc_a, enc_b = _used(lambda: nets.encode(x_a, "a")), _used(lambda: nets.encode(x_b, "b"))
    assert enc_a & enc_b == ids["shared_encoder"] != set()  # the same objects, not copies
    assert enc_a == ids["front_a"] | ids["shared_encoder"]
    z = nets.encode(x_a, "a")
    dec_a, dec_b = _used(lambda: nets.decode(z, "a")), _used(lambda: nets.decode(z, "b"))
    assert dec_a & dec_b == ids["shared_decoder"] != set()
    # and B's loss moves the variables A's path reads
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(nets.decode(nets.encode(x_b, "b"), "b") - 0.3))
    grads = tape.gradient(loss, nets.shared_encoder.trainable_variables
                          + nets.front_a.trainable_variables)
    shared = len(nets.shared_encoder.trainable_variables)
    assert any(float(tf.reduce_max(tf.abs(g))) > 0 for g in grads[:shared])
    assert all(g is None for g in grads[shared:])


def test_code_kl_on_hand_computed_values():
    from ganstudio.core.recipes.unit import code_kl

    mean = np.array([[0.0, 2.0], [1.0, -1.0]], np.float32)
    # KL(N(μ, I) ‖ N(0, I)) per value is ½μ²: example 1 mean(0, 2) = 1, example 2
    # mean(½, ½) = ½; over the batch ¾
    assert float(code_kl(mean)) == pytest.approx(0.75)
    maps = np.full((3, 2, 2, 4), 2.0, np.float32)  # a feature map: ½·4 per value
    assert float(code_kl(maps)) == pytest.approx(2.0)
    assert float(code_kl(np.zeros((2, 5), np.float32))) == 0.0


def test_the_loss_weighs_its_terms_with_the_papers_lambdas(session):
    recipe = session.recipe
    assert recipe.lambdas == {"gan": 10.0, "kl": 0.1, "recon": 100.0, "kl_cycle": 0.1,
                              "cycle": 100.0}
    a = session.normalizer.to_net(session.dataset.x[:4])
    b = recipe.domain_arrays("b")[:4]
    t = {k: float(np.asarray(v)) for k, v in recipe.generator_terms(a, b).items()
         if k not in ("fake_a", "fake_b")}
    expected = (10 * t["g_adv"] + 0.1 * t["kl"] + 100 * t["recon"] + 0.1 * t["kl_cycle"]
                + 100 * t["cycle"])
    assert t["g_loss"] == pytest.approx(expected, rel=1e-5)
    from ganstudio.core.recipes.unit import code_kl

    kl = sum(float(code_kl(recipe.nets.encode(x, key))) for x, key in ((a, "a"), (b, "b")))
    assert t["kl"] == pytest.approx(kl, rel=1e-5)  # the codes' means: no noise in μ


def test_a_tiny_run_shows_its_panels_and_curves(session):
    spec, views, trip = check_two_way_views(session, "unit")
    np.testing.assert_allclose(trip.samples[8:16], session.recipe.a_to_b(trip.samples[:8]),
                               atol=1e-5)
    for key in (PANEL_D_HIST, PANEL_D_HIST_A):
        values = np.concatenate(list(views[key].groups.values()))
        assert ((values >= 0) & (values <= 1)).all()  # D(x) as probabilities
    assert {k for k, _ in spec.loss_curves} <= set(session.history[-1])
    assert "UNIT (GAN 10, KL 0.1, recon 100" in session.recipe.objective_text()


def test_the_export_translates_both_ways_in_a_tensorflow_only_process(session, tmp_path):
    meta = check_two_way_export(session, tmp_path)
    assert meta["family"] == "unit"
    assert meta["translation"]["directions"] == {"a_to_b": ["digits", "digit edges"],
                                                 "b_to_a": ["digit edges", "digits"]}
    assert meta["translation"]["unavailable"] == {}
