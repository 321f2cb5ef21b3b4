"""The `cyclegan` family and the translation base: the L1 terms and λ weights on known values,
the history pool's rule, the learning-rate schedule, a tiny run's panels and Step updates, the
translation metrics on a perfect translator, and the three-signature export read back by
TensorFlow alone."""

import numpy as np
import pytest

from ganstudio.config import RunConfig
from ganstudio.core.families import PANEL_D_HIST, PANEL_D_HIST_A
from ganstudio.core.panels import Histograms
from tests.translation_helpers import (
    check_step_buttons,
    check_two_way_export,
    check_two_way_views,
    tiny_config,
    tiny_session_fixture,
)

TINY = tiny_config("cyclegan", "digits2inverted", {"res_blocks": 1, "pool_size": 4,
                                                     "identity_weight": 0.5})
session = tiny_session_fixture(TINY)


def test_l1_distance_on_hand_computed_values():
    from ganstudio.core.recipes.translation import l1_distance

    x = np.array([[0.0, 0.5], [1.0, -1.0]], np.float32)
    y = np.array([[0.5, 0.5], [0.0, 1.0]], np.float32)
    # per example: mean(0.5, 0) = 0.25 and mean(1, 2) = 1.5; over the batch 0.875
    assert float(l1_distance(x, y)) == pytest.approx(0.875)
    assert float(l1_distance(x, x)) == 0.0


def test_cycle_and_identity_terms_are_l1_round_trips_weighted_by_lambda(session):
    recipe = session.recipe
    a = session.normalizer.to_net(session.dataset.x[:4])
    b = recipe.domain_arrays("b")[:4]
    t = {k: np.asarray(v) for k, v in recipe.generator_terms(a, b).items()}
    g, f = (lambda x: np.asarray(recipe.g(x))), (lambda x: np.asarray(recipe.f(x)))
    cycle = np.mean(np.abs(f(g(a)) - a)) + np.mean(np.abs(g(f(b)) - b))
    identity = np.mean(np.abs(g(b) - b)) + np.mean(np.abs(f(a) - a))
    adv = np.mean((np.asarray(recipe.d_b(g(a))) - 1) ** 2) \
        + np.mean((np.asarray(recipe.d_a(f(b))) - 1) ** 2)
    np.testing.assert_allclose(t["cycle"], cycle, rtol=1e-5)
    np.testing.assert_allclose(t["identity"], identity, rtol=1e-5)
    np.testing.assert_allclose(t["g_adv"], adv, rtol=1e-5)
    np.testing.assert_allclose(t["g_loss"], adv + 10 * cycle + 5 * identity, rtol=1e-5)
    assert recipe.cycle_weight == 10 and recipe.identity_share == 0.5
    assert recipe.objective_text() == "CycleGAN (LSGAN, λ=10, identity 0.5·λ, pool 4)"


def test_pool_rule_on_chosen_coins():
    from ganstudio.core.recipes.cyclegan import pool_query

    pool = np.zeros((3, 1), np.float32)
    fakes = np.arange(1, 8, dtype=np.float32)[:, None]  # 1..7
    coins = np.array([0.9, 0.9, 0.9, 0.9, 0.2, 0.7, 0.6], np.float32)
    slots = np.array([2, 2, 2, 1, 0, 0, 0], np.int32)
    images, count, shown = (np.asarray(t) for t in pool_query(pool, np.int32(0), fakes, coins,
                                                              slots))
    # 1-3 fill the pool (coins unused); 4 is swapped for 2 (slot 1); 5 (coin ≤ ½) passes; 6
    # is swapped for 1 (slot 0) and 7, in the same slot, for 6: in order, as one at a time
    np.testing.assert_array_equal(shown[:, 0], [1, 2, 3, 2, 5, 1, 6])
    np.testing.assert_array_equal(images[:, 0], [7, 4, 3])
    assert int(count) == 3


def test_history_pool_keeps_fifty_and_shows_an_older_fake_half_the_time():
    import tensorflow as tf

    from ganstudio.core.recipes.cyclegan import HistoryPool

    pool = HistoryPool(50, (2,), seed=3)
    query = tf.function(pool)  # as in the compiled train step
    first = np.stack([np.arange(50), -np.arange(50)], axis=1).astype(np.float32)
    np.testing.assert_array_equal(query(tf.constant(first)).numpy(), first)  # filling
    np.testing.assert_array_equal(pool.images.numpy(), first)
    assert int(pool.count.numpy()) == 50
    older, batches = 0, 40
    for step in range(batches):
        before = {tuple(r) for r in pool.images.numpy()}
        fakes = 1000.0 + step * 100 + np.stack([np.arange(25)] * 2, 1).astype(np.float32)
        seen = query(tf.constant(fakes)).numpy()
        after = {tuple(r) for r in pool.images.numpy()}
        swapped = [tuple(s) for s, f in zip(seen, fakes, strict=True) if tuple(s) != tuple(f)]
        # an older fake was shown in its place: from the pool, or one of this batch that an
        # earlier swap stored (the fakes go through one at a time)
        assert all(s in before | {tuple(f) for f in fakes} for s in swapped)
        new_kept = {tuple(f) for f in fakes} & after
        assert len(new_kept) == len(after - before) <= len(swapped)  # and it was stored
        older += len(swapped)
        assert int(pool.count.numpy()) == 50
    assert 0.42 < older / (25 * batches) < 0.58  # about ½ of 1,000 coins
    twins = [HistoryPool(50, (2,), seed=3) for _ in range(2)]  # the same seed: the same draws
    shown = [[twin(tf.constant(x)).numpy() for x in (first, fakes, fakes)] for twin in twins]
    np.testing.assert_array_equal(np.concatenate(shown[0]), np.concatenate(shown[1]))


def test_learning_rate_holds_then_falls_linearly_to_zero():
    from ganstudio.core.recipes.base import learning_rate

    rate = learning_rate(2e-4, "half", 1000)
    values = [float(rate(step)) for step in (0, 499, 500, 750, 1000, 1200)]
    np.testing.assert_allclose(values, [2e-4, 2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-10)


def test_a_tiny_run_shows_its_panels_and_steps_each_player(session):
    spec, views, trip = check_two_way_views(session, "cyclegan")
    assert trip.columns == 8 and len(trip.row_labels) == 6
    assert trip.row_labels[0] == "x_a (digits)" and "inverted digits" in trip.row_labels[1]
    assert trip.samples.min() >= 0 and trip.samples.max() <= 1
    np.testing.assert_allclose(trip.samples[8:16],  # G(x_a) is the export's a_to_b
                               session.recipe.a_to_b(trip.samples[:8]), atol=1e-5)
    for key, fake in ((PANEL_D_HIST, "fake G(a)"), (PANEL_D_HIST_A, "fake F(b)")):
        hist = views[key]
        assert isinstance(hist, Histograms) and set(hist.groups) == {"real", fake}
        assert len(hist.groups["real"]) == 16
    assert {k for k, _ in spec.loss_curves} <= set(session.history[-1])
    check_step_buttons(session)


def test_metrics_of_a_perfect_translator_reach_their_references(session):
    from ganstudio.core.metrics.translation import evaluate_translation, format_translation

    class Perfect:  # digits2inverted's true mapping, both ways
        family = "cyclegan"

        @staticmethod
        def a_to_b(x):
            return 1.0 - x

        b_to_a = a_to_b

    ds = session.dataset
    result = evaluate_translation(Perfect(), ds)
    truth = ds.truth
    assert result["n_sources"] == {"a_to_b": 1797, "b_to_a": 1797} and result["truth"]
    assert result["mae_a_to_b"] == result["mae_b_to_a"] == 0.0
    assert result["cycle_a"] == result["cycle_b"] == 0.0
    assert result["mae_identity"] == pytest.approx(np.mean(np.abs(truth.a - truth.b)))
    base = result["baseline"]
    assert result["label_kept_a_to_b"] == pytest.approx(base["label_kept_a_to_b"])
    assert result["label_kept_b_to_a"] == pytest.approx(base["label_kept_b_to_a"])
    assert result["a_to_b"]["metrics"]["fd"]["value"] == result["fd_a_to_b"]
    table = format_translation(result)
    assert "digits ↔ inverted digits, over all 1,797 true pairs" in table
    assert "(translating nothing)" in table and "label kept" in table


def test_the_export_translates_both_ways_in_a_tensorflow_only_process(session, tmp_path):
    meta = check_two_way_export(session, tmp_path)
    assert meta["family"] == "cyclegan" and meta["latent_dim"] is None
    domains = meta["translation"]["domains"]
    assert (domains["a"]["name"], domains["b"]["name"]) == ("digits", "inverted digits")
    assert meta["signatures"]["b_to_a"]["inputs"][0]["name"] == "x"


def test_points_get_a_translation_field_in_each_domains_units():
    from ganstudio.core.data.base import POINTS, Dataset
    from ganstudio.core.panels import TranslationField
    from ganstudio.core.recipes.translation import FIELD_PROBES
    from ganstudio.core.session import TrainingSession

    rng = np.random.default_rng(0)
    b = Dataset("pair:B", POINTS, (rng.normal(size=(300, 2)) * 5 + 100).astype(np.float32))
    a = Dataset("pair", POINTS, rng.normal(size=(200, 2)).astype(np.float32), domain_b=b,
                domain_names=("near", "far"))
    cfg = RunConfig.from_dict({**TINY, "data": {"name": "pair"},
                               "net": {"depth": 1, "width": 8}})
    s = TrainingSession(cfg, dataset=a)
    s.run()
    recipe = s.recipe
    assert recipe.domain["b"].normalizer.offset == pytest.approx(b.x.mean(0), rel=1e-5)
    assert recipe.domain["a"].normalizer.scale < 1.5 < recipe.domain["b"].normalizer.scale
    field = s.views()["field"]
    assert isinstance(field, TranslationField) and field.names == ("near", "far")
    assert field.cloud_a.shape == (200, 2) and field.cloud_b.shape == (300, 2)
    assert field.probes_a.shape == field.a_to_b.shape == (FIELD_PROBES, 2)
    np.testing.assert_allclose(field.a_to_b, recipe.a_to_b(field.probes_a), rtol=1e-5)
    assert np.abs(field.a_to_b.mean(0) - 100).max() < 20  # in B's units, around B's cloud
    assert "round_trip" not in s.views() and s.recipe.picture().real_points is not None


def test_the_images_to_translate_are_read_shaped_and_their_mistakes_named(tmp_path):
    from PIL import Image

    from ganstudio.core.translate_files import read_images, write_images
    from ganstudio.errors import DataError

    (tmp_path / "in" / "sub").mkdir(parents=True)
    Image.fromarray(np.full((16, 24, 3), 255, np.uint8)).save(tmp_path / "in" / "sub" / "a.jpg")
    (tmp_path / "in" / "b.png").write_bytes(b"broken")
    names, x, report = read_images(tmp_path / "in", (8, 8, 1))
    assert names == ["sub/a.jpg"] and x.shape == (1, 8, 8, 1) and x.min() == pytest.approx(1)
    assert [s.path for s in report.skipped] == ["b.png"]
    written = write_images(tmp_path / "out", names, 1 - x)
    assert written == [tmp_path / "out" / "sub" / "a.png"]
    (tmp_path / "empty").mkdir()
    for folder, words in [("missing", "there is no folder"), ("in/b.png", "is not a folder"),
                          ("empty", "holds no image files")]:
        with pytest.raises(DataError, match=words):
            read_images(tmp_path / folder, (8, 8, 1))
    (tmp_path / "in" / "sub" / "a.jpg").write_bytes(b"")
    with pytest.raises(DataError, match="none of the 2 files .* is a usable image"):
        read_images(tmp_path / "in", (8, 8, 1))
