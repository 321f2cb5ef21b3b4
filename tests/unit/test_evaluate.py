"""Evaluation against real-vs-real baselines: points, images (digits), the cached classifier."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from scipy.stats import norm

from ganstudio.config import DataConfig
from ganstudio.core.data.base import Dataset
from ganstudio.core.data.registry import load_dataset
from ganstudio.core.metrics import classifier as classifier_module
from ganstudio.core.metrics import mode_stats
from ganstudio.core.metrics.classifier import (
    cache_root,
    classifier_key,
    get_classifier,
    split_indices,
)
from ganstudio.core.metrics.evaluate import (
    LiveEvaluator,
    evaluate_generator,
    evaluate_samples,
    format_table,
    latents,
)
from ganstudio.errors import ConfigError


def _uniform_index(z: np.ndarray, count: int) -> np.ndarray:
    """Maps z[:, 0] ~ N(0, 1) to an index uniform over range(count)."""
    return np.minimum((norm.cdf(z[:, 0]) * count).astype(np.int64), count - 1)


@pytest.fixture(scope="module")
def ring8() -> Dataset:
    return load_dataset(DataConfig(name="ring8", n_points=20_000))


def mixture_generator(ds: Dataset):
    """An exact sampler of the mixture: z[:, 0] picks the mode, z[:, 1:3] is the noise."""

    def generate(z: np.ndarray) -> np.ndarray:
        return ds.modes[_uniform_index(z, len(ds.modes))] + ds.sigma * z[:, 1:3]

    return generate


# -- points -----------------------------------------------------------------------------------


def test_exact_mixture_captures_every_mode(ring8):
    generate = mixture_generator(ring8)
    result = evaluate_generator(ring8, generate, latent_dim=3, seed=0)
    m = result["metrics"]
    assert result["n"] == 2500 and result["kind"] == "points"
    assert m["modes"]["value"] == 8 and m["modes"]["baseline"] == 8
    assert m["hq"]["value"] > 0.97 and m["hq"]["better"] == "higher"
    assert m["reverse_kl"]["value"] < 0.01 and m["reverse_kl"]["better"] == "lower"
    assert abs(m["mmd"]["value"] - m["mmd"]["baseline"]) < 2e-3
    assert m["precision"]["value"] > 0.9 and m["recall"]["value"] > 0.9
    # The figures are those of a hand computation on the documented latents.
    by_hand = mode_stats(generate(latents(2500, 3, seed=0)), ring8.modes, ring8.sigma)
    assert m["hq"]["value"] == by_hand.high_quality
    assert m["reverse_kl"]["value"] == by_hand.reverse_kl
    assert result["details"]["mode_counts"] == [int(c) for c in by_hand.counts]


def test_collapsed_generator_scores_one_mode(ring8):
    result = evaluate_generator(ring8, lambda z: np.repeat(ring8.modes[:1], len(z), 0),
                                latent_dim=2)
    m = result["metrics"]
    assert m["modes"]["value"] == 1
    assert m["reverse_kl"]["value"] == pytest.approx(math.log(8))
    assert m["mmd"]["value"] > 100 * max(m["mmd"]["baseline"], 1e-4)
    assert m["recall"]["value"] < 0.2


def test_points_without_modes_use_mmd():
    ds = load_dataset(DataConfig(name="spiral", n_points=5000))
    live = LiveEvaluator(ds, n=500)
    assert live.main_metric == "mmd" and live.main_mode == "min"
    assert "modes" not in live.names
    figures = live(lambda z: ds.x[_uniform_index(z, len(ds))], latent_dim=2)
    assert set(figures) == set(live.names)
    assert figures["mmd"] < 5e-3


def test_live_evaluator_is_repeatable(ring8):
    live = LiveEvaluator(ring8)
    assert live.n == 2500
    assert (live.main_metric, live.main_mode) == ("reverse_kl", "min")
    assert set(live.baseline) == set(live.names) == set(live.better)
    generate = mixture_generator(ring8)
    first, second = live(generate, 3), live(generate, 3)
    assert first == second
    assert all(isinstance(v, float) for v in first.values())
    assert first["modes"] == 8.0
    assert live.last_seconds < 5.0


def test_result_is_json_and_table_is_aligned(ring8):
    result = evaluate_generator(ring8, mixture_generator(ring8), latent_dim=3, n=500)
    text = json.dumps(result)
    assert json.loads(text)["metrics"]["modes"]["value"] == 8
    table = format_table(result)
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith("metric"))
    assert "real vs real" in header and "better" in header and "meaning" in header
    for name in ("modes captured", "high quality", "reverse KL", "MMD²"):
        row = next(line for line in lines if line.startswith(name))
        assert row.index("higher" if name in ("modes captured", "high quality") else "lower") \
            == header.index("better")
    assert "8/8" in table


def test_too_few_samples_is_a_user_error(ring8):
    with pytest.raises(ConfigError, match="too few"):
        evaluate_samples(ring8, ring8.x[:3])


# -- images (digits) --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_dataset(DataConfig(name="digits"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A fresh cache root: `$GANSTUDIO_CACHE` = root, classifiers in root/classifiers."""
    return tmp_path_factory.mktemp("ganstudio-cache")


@pytest.fixture(scope="module")
def digits_classifier(digits, cache):
    clf = get_classifier(digits, cache / "classifiers")
    assert not clf.loaded_from_cache
    return clf


def test_classifier_learns_digits(digits, digits_classifier):
    clf = digits_classifier
    assert clf.trained and clf.num_classes == 10
    assert clf.accuracy > 0.85
    assert clf.path.is_file() and clf.path.with_suffix(".json").is_file()
    assert len(np.intersect1d(clf.train_idx, clf.heldout_idx)) == 0
    assert len(clf.train_idx) + len(clf.heldout_idx) == len(digits)
    feats, probs = clf.features_and_probs(digits.x[:7])
    assert feats.shape == (7, 128) and probs.shape == (7, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(clf.features(digits.x[:7]), feats)


def test_classifier_loads_from_cache_without_training(digits, digits_classifier, cache,
                                                      monkeypatch):
    import keras

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier was trained again")

    monkeypatch.setattr(classifier_module, "_train", no_training)
    monkeypatch.setattr(keras.Model, "fit", no_training)
    monkeypatch.setenv("GANSTUDIO_CACHE", str(cache))
    assert cache_root() == digits_classifier.path.parent
    again = get_classifier(digits)
    assert again.loaded_from_cache and again.path == digits_classifier.path
    assert again.accuracy == digits_classifier.accuracy
    np.testing.assert_array_equal(again.heldout_idx, digits_classifier.heldout_idx)
    np.testing.assert_allclose(again.features(digits.x[:16]),
                               digits_classifier.features(digits.x[:16]), atol=1e-5)


def test_changed_data_changes_the_cache_key(digits):
    same = load_dataset(DataConfig(name="digits"))
    assert classifier_key(same) == classifier_key(digits)
    edited = Dataset(digits.name, digits.kind, digits.x.copy(), digits.y, digits.class_names)
    edited.x[0, 0, 0, 0] += 0.5
    assert classifier_key(edited) != classifier_key(digits)
    assert classifier_key(digits).startswith("digits-8x8x1-")


def test_split_is_fixed_and_stratified():
    labels = np.repeat(np.arange(4), 50)
    train, held = split_indices(len(labels), labels)
    again_train, again_held = split_indices(len(labels), labels)
    np.testing.assert_array_equal(held, again_held)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, held])), np.arange(200))
    assert len(held) == 100  # small data: half of it, so the baseline has enough samples
    assert np.all(np.bincount(labels[held]) == 25)


def test_real_heldout_digits_score_like_the_baseline(digits, digits_classifier):
    held = digits.x[digits_classifier.heldout_idx]
    result = evaluate_generator(digits, lambda z: held[_uniform_index(z, len(held))],
                                latent_dim=4, classifier=digits_classifier)
    m = result["metrics"]
    assert result["n"] == len(held) == result["n_real"]
    assert result["classifier_accuracy"] == digits_classifier.accuracy
    assert m["fd"]["value"] < 4 * m["fd"]["baseline"] + 1.0
    assert m["coverage"]["value"] > 0.8 and m["precision"]["value"] > 0.8
    assert m["class_coverage"]["value"] == 1.0
    assert m["classifier_score"]["value"] > 0.9 * m["classifier_score"]["baseline"]
    assert m["fd"]["better"] == "lower" and m["coverage"]["better"] == "higher"


def test_constant_image_is_mode_collapse(digits, digits_classifier):
    result = evaluate_samples(digits, np.repeat(digits.x[:1], 500, axis=0),
                              classifier=digits_classifier)
    m = result["metrics"]
    assert result["n"] == 500
    assert m["class_coverage"]["value"] == pytest.approx(0.1)
    assert m["classifier_score"]["value"] == pytest.approx(1.0, abs=1e-3)
    assert m["recall"]["value"] < 0.05 and m["coverage"]["value"] < 0.05
    assert m["fd"]["value"] > 20 * m["fd"]["baseline"]
    assert "class coverage" in format_table(result)


def test_live_image_evaluator(digits, digits_classifier):
    live = LiveEvaluator(digits, n=300, classifier=digits_classifier)
    assert (live.main_metric, live.main_mode) == ("fd", "min")
    assert live.n == 300
    held = digits.x[digits_classifier.heldout_idx]
    figures = live(lambda z: held[_uniform_index(z, len(held))], latent_dim=4)
    assert set(figures) == {"fd", "kid", "precision", "recall", "density", "coverage",
                            "class_coverage", "classifier_score"}
    assert figures["fd"] < 4 * live.baseline["fd"] + 1.0


def test_unlabelled_images_get_random_features_and_no_class_metrics(digits, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("unlabelled data must not train a classifier")

    monkeypatch.setattr(classifier_module, "_train", no_training)
    unlabelled = Dataset("scribbles", "images", digits.x[:600])
    clf = get_classifier(unlabelled)
    assert not clf.trained and clf.accuracy is None and clf.path is None
    with pytest.raises(ConfigError, match="no labels"):
        clf.probs(unlabelled.x[:2])
    result = evaluate_samples(unlabelled, np.repeat(unlabelled.x[:1], 200, axis=0),
                              classifier=clf)
    assert "class_coverage" not in result["metrics"]
    assert result["metrics"]["recall"]["value"] < 0.05
    assert "random CNN" in format_table(result)


def test_wrong_image_shape_is_a_user_error(digits, digits_classifier):
    with pytest.raises(ConfigError, match="shape"):
        evaluate_samples(digits, np.zeros((50, 16, 16, 1), np.float32),
                         classifier=digits_classifier)


def test_points_have_no_classifier(ring8):
    with pytest.raises(ConfigError, match="images"):
        get_classifier(ring8)


def test_metrics_package_imports_no_tensorflow():
    import subprocess

    code = ("import sys, ganstudio.core.metrics as m; "
            "sys.exit(int('tensorflow' in sys.modules or 'keras' in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
