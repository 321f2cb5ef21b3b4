"""The `translate` family (direct translation): the consistency KL on hand-computed values, the
encoder of both domains, G's loss, a tiny run's one-direction panels and Step updates, the
missing direction refused (in memory, in the metrics, in the export read back by TensorFlow
alone, by `ganstudio translate`)."""

import numpy as np
import pytest

from ganstudio.core.families import PANEL_D_HIST, PANEL_ROUND_TRIP, get_family
from ganstudio.core.panels import Samples
from ganstudio.errors import ConfigError
from tests.conftest import run_tf_only
from tests.translation_helpers import check_step_buttons, tiny_config, tiny_session_fixture

TINY = tiny_config("translate", "digits2printed", {"res_blocks": 1})
session = tiny_session_fixture(TINY)


def test_consistency_kl_on_hand_computed_values():
    from ganstudio.core.recipes.direct import consistency_kl

    p = np.array([[0.5, 0.5], [1.0, 0.0]], np.float32)
    q = np.array([[0.25, 0.75], [1.0, 0.0]], np.float32)
    # ½ ln(0.5 / 0.25) + ½ ln(0.5 / 0.75) = 0.14384 for the first; 0 for the second (0·log 0
    # counts as 0); over the batch half of it
    expected = 0.5 * (0.5 * np.log(2.0) + 0.5 * np.log(0.5 / 0.75))
    assert float(consistency_kl(p, q)) == pytest.approx(expected, rel=1e-5)
    assert float(consistency_kl(p, p)) == pytest.approx(0.0, abs=1e-7)


def test_the_encoder_reads_both_domains_and_is_frozen(session):
    from ganstudio.core.recipes.direct import both_domains, consistency_encoder

    ds = session.dataset
    joint = both_domains(ds)
    assert len(joint) == len(ds) + len(ds.domain_b)
    np.testing.assert_array_equal(joint.y, np.concatenate([ds.y, ds.domain_b.y]))
    recipe = session.recipe
    assert recipe.encoder is not None and not recipe.encoder.trainable_variables
    assert "both domains" in recipe.encoder_note and recipe.consistency_weight == 0.3
    from ganstudio.core.data.pairs import moons2ring8

    assert consistency_encoder(moons2ring8(n=50)) == (None,
                                                      "none (points: no pre-trained encoder)")


def test_g_loss_is_the_adversarial_term_plus_the_weighted_kl(session):
    recipe = session.recipe
    a = session.normalizer.to_net(session.dataset.x[:4])
    t = {k: np.asarray(v) for k, v in recipe.generator_terms(a).items()}
    g_a = np.asarray(recipe.g(a))
    adv = np.mean((np.asarray(recipe.d_b(g_a)) - 1) ** 2)
    p = np.asarray(recipe.encoder(session.dataset.x[:4]))
    q = np.asarray(recipe.encoder(np.clip(g_a * 0.5 + 0.5, 0, 1)))
    kl = np.mean(np.sum(p * (np.log(np.maximum(p, 1e-7)) - np.log(np.maximum(q, 1e-7))), 1))
    np.testing.assert_allclose(t["g_adv"], adv, rtol=1e-5)
    np.testing.assert_allclose(t["consistency"], kl, rtol=1e-4)
    np.testing.assert_allclose(t["g_loss"], adv + 0.3 * kl, rtol=1e-4)


def test_a_tiny_run_shows_one_direction_and_steps_each_player(session):
    spec = get_family("translate")
    views = session.views()
    assert set(views) == {PANEL_ROUND_TRIP, PANEL_D_HIST} <= set(spec.panels)
    trip = views["round_trip"]
    assert isinstance(trip, Samples) and trip.samples.shape == (24, 8, 8, 1)
    assert trip.row_labels[1] == "G(x_a) → printed digits" and len(trip.row_labels) == 3
    np.testing.assert_allclose(trip.samples[8:16], session.recipe.a_to_b(trip.samples[:8]),
                               atol=1e-5)
    assert {k for k, _ in spec.loss_curves} <= set(session.history[-1])
    check_step_buttons(session)
    with pytest.raises(ConfigError, match="no 'x'-only update"):
        session.recipe.single_update("x", {})


def test_b_to_a_is_refused_with_what_to_do(session):
    with pytest.raises(ConfigError, match="translate learns a_to_b only; b_to_a is not") as e:
        session.recipe.b_to_a(session.dataset.domain_b.x[:2])
    assert "cyclegan or unit" in e.value.hint


def test_the_metrics_score_the_one_direction():
    from ganstudio.core.data.pairs import digits2inverted
    from ganstudio.core.metrics.translation import evaluate_translation, format_translation

    class OneWay:  # digits2inverted's true mapping, a → b only
        family = "translate"
        directions = ("a_to_b",)

        @staticmethod
        def a_to_b(x):
            return 1.0 - x

    result = evaluate_translation(OneWay(), digits2inverted())
    assert result["directions"] == ["a_to_b"] and result["mae_a_to_b"] == 0.0
    assert not any(k.endswith("b_to_a") or k.startswith("cycle") for k in result)
    table = format_translation(result)
    assert "translate learns a → b only: no b → a and no way back." in table
    assert "-" in table.splitlines()[3].split()  # b → a's column


def test_the_export_has_a_to_b_only_in_a_tensorflow_only_process(session, tmp_path):
    report = session.export(tmp_path / "export")
    assert report.ok, report.summary()
    x_a = session.recipe.example_inputs(5, seed=4)["x"]
    np.save(tmp_path / "x.npy", x_a)
    got = run_tf_only(ONE_WAY, str(report.path), str(tmp_path / "x.npy"), cwd=tmp_path)
    assert got["ganstudio_loaded"] is False
    assert got["signatures"] == ["a_to_b", "serving_default"]
    np.testing.assert_allclose(got["out"], session.recipe.a_to_b(x_a), atol=1e-5)
    translation = got["meta"]["translation"]
    assert translation["directions"] == {"a_to_b": ["digits", "printed digits"]}
    assert "translate learns a_to_b only" in translation["unavailable"]["b_to_a"]


def test_ganstudio_translate_says_the_export_has_no_b_to_a(session, tmp_path, capsys):
    from ganstudio.cli import main
    from ganstudio.core.export import LoadedTranslator

    report = session.export(tmp_path / "export")
    model = LoadedTranslator(report.path)
    assert model.directions == ("a_to_b",)
    np.testing.assert_allclose(model.a_to_b(session.dataset.x[:3]),
                               session.recipe.a_to_b(session.dataset.x[:3]), atol=1e-5)
    (tmp_path / "in").mkdir()  # not read: the direction is checked first
    rc = main(["translate", "--model", str(report.path), "--in", str(tmp_path / "in"),
               "--out", str(tmp_path / "out"), "--direction", "b_to_a"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1, err
    assert "cannot translate b_to_a: translate learns a_to_b only." in err[0]
    assert "Train cyclegan or unit for both directions" in err[0]


ONE_WAY = r"""
import json, sys
import numpy as np
import tensorflow as tf
path = sys.argv[1]
sig = tf.saved_model.load(path).signatures
out = sig["serving_default"](x=tf.constant(np.load(sys.argv[2])))["output_0"].numpy()
meta = json.load(open(path + "/assets/ganstudio.json"))
print(json.dumps({"out": out.tolist(), "meta": meta, "signatures": sorted(sig.keys()),
                  "ganstudio_loaded": any(m.startswith("ganstudio") for m in sys.modules)}))
"""
