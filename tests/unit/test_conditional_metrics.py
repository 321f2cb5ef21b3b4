"""Known-answer tests of the conditional metrics: digits labels, shapes captions, mismatch AUC."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.stats import norm

from ganstudio.config import DataConfig
from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.core.data.registry import load_dataset
from ganstudio.core.metrics.classifier import get_classifier
from ganstudio.core.metrics.conditional import (
    attribute_accuracy_for_captions,
    evaluate_conditional,
    fd_per_condition,
    format_conditional,
    label_agreement,
    mismatch_auc,
)
from ganstudio.errors import ConfigError, GanStudioError

LATENT = 4


def _pick(z: np.ndarray, count: int) -> np.ndarray:
    """Maps z[:, 0] ~ N(0, 1) to an index uniform over range(count)."""
    return np.minimum((norm.cdf(z[:, 0]) * count).astype(np.int64), count - 1)


# -- digits (labels) ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_dataset(DataConfig(name="digits"))


@pytest.fixture(scope="module")
def clf(digits, tmp_path_factory):
    """The digits classifier, trained once into a fresh cache folder (~5 s on 2 cores)."""
    return get_classifier(digits, tmp_path_factory.mktemp("ganstudio-cache") / "classifiers")


def digit_generator(ds: Dataset, shift: int = 0, ignore_label: bool = False):
    """Returns real digits: of class (label + shift) mod 10, or of any class (ignore_label)."""
    by_class = [np.flatnonzero(ds.y == k) for k in range(10)]
    everything = np.arange(len(ds))

    def generate(z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        assert z.dtype == np.float32 and z.shape[1] == LATENT
        assert labels.dtype == np.int32 and len(labels) == len(z)
        out = np.empty((len(z), *ds.shape), np.float32)
        for i, k in enumerate(labels):
            pool = everything if ignore_label else by_class[(int(k) + shift) % 10]
            out[i] = ds.x[pool[_pick(z[i:i + 1], len(pool))[0]]]
        return out

    return generate


def test_perfect_generator_agrees_like_real_data(digits, clf):
    result = label_agreement(digits, digit_generator(digits), LATENT, n_per_class=100,
                             classifier=clf)
    assert result["classes"] == [str(k) for k in range(10)]
    assert len(result["per_class"]) == len(result["real_per_class"]) == 10
    assert result["real_label_agreement"] > 0.85
    assert abs(result["label_agreement"] - result["real_label_agreement"]) < 0.04
    assert result["label_agreement_worst"] == min(result["per_class"])
    assert result["worst_class"] == str(int(np.argmin(result["per_class"])))
    assert result["real_label_agreement_worst"] == min(result["real_per_class"])


def test_generator_that_ignores_the_label_agrees_one_time_in_ten(digits, clf):
    result = label_agreement(digits, digit_generator(digits, ignore_label=True), LATENT,
                             n_per_class=100, classifier=clf)
    # Every class sees the same latents, hence the same images: each image counts for exactly
    # one class, so the mean agreement is exactly 1/10.
    assert result["label_agreement"] == pytest.approx(0.1)
    assert result["label_agreement_worst"] < 0.1


def test_generator_of_the_wrong_class_agrees_almost_never(digits, clf):
    result = label_agreement(digits, digit_generator(digits, shift=1), LATENT,
                             n_per_class=100, classifier=clf)
    assert result["label_agreement"] < 0.05
    assert result["real_label_agreement"] > 0.85


def test_fd_per_class_sees_what_overall_fd_misses(digits, clf):
    # Each class is drawn as the next digit: the overall mixture is still right.
    wrong = fd_per_condition(digits, digit_generator(digits, shift=1), LATENT,
                             n_per_condition=100, classifier=clf)
    assert wrong["fd_conditions"] == [str(k) for k in range(10)]
    assert wrong["fd_condition"] == "class"
    assert len(wrong["fd_per_condition"]) == len(wrong["real_fd_per_condition"]) == 10
    assert wrong["fd"] < 2 * wrong["real_fd"]
    assert wrong["fd_mean"] > 20 * wrong["real_fd_mean"]  # ~130x
    assert wrong["fd_worst"] == max(wrong["fd_per_condition"]) >= wrong["fd_mean"]
    worst = wrong["fd_conditions"].index(wrong["fd_worst_condition"])
    assert wrong["real_fd_worst"] == wrong["real_fd_per_condition"][worst]


def test_evaluate_conditional_on_digits(digits, clf):
    result = evaluate_conditional(digits, digit_generator(digits), LATENT, classifier=clf)
    assert result["condition"] == "label"
    assert result["main_metric"] == "label_agreement" and result["main_better"] == "higher"
    for key in ("label_agreement", "real_label_agreement", "label_agreement_worst",
                "worst_class", "per_class", "fd", "real_fd", "fd_mean", "real_fd_mean"):
        assert key in result
    assert result["n_per_class"] == 100
    # The right classes: each FD near its real-vs-real baseline (FD from ~90 samples a class
    # in 128 features is noisy: seeds 0-3 give ratios of 0.6 to 1.5).
    assert result["fd_mean"] < 2 * result["real_fd_mean"]
    assert result["fd"] < 2 * result["real_fd"]
    # The shared samples give the same figures as the separate functions.
    alone = label_agreement(digits, digit_generator(digits), LATENT, classifier=clf)
    assert result["per_class"] == alone["per_class"]
    assert result["seconds"] < 10
    text = format_conditional(result)
    assert "label agreement" in text and "FD mean per class" in text
    assert text.splitlines()[0].startswith("digits: conditioned on labels")


def test_unconditioned_data_is_a_user_error(digits, clf):
    unlabelled = dataclasses.replace(digits, y=None, class_names=None)
    with pytest.raises(ConfigError, match="neither class labels nor captions"):
        evaluate_conditional(unlabelled, digit_generator(digits), LATENT, classifier=clf)
    with pytest.raises(ConfigError, match="no captions"):
        fd_per_condition(digits, digit_generator(digits), LATENT, classifier=clf,
                         condition="caption")
    with pytest.raises(ConfigError, match="no class labels"):
        label_agreement(unlabelled, digit_generator(digits), LATENT, classifier=clf)
    points = Dataset("ring", "points", np.zeros((10, 2), np.float32), np.zeros(10, np.int32))
    with pytest.raises(ConfigError, match="for images"):
        evaluate_conditional(points, digit_generator(digits), LATENT)


# -- mismatch AUC ------------------------------------------------------------------------------


def test_mismatch_auc_known_answers():
    rng = np.random.default_rng(0)
    match, mismatch = rng.normal(2.0, 0.1, 500), rng.normal(-2.0, 0.1, 500)
    assert mismatch_auc(match, mismatch) == 1.0
    assert mismatch_auc(mismatch, match) == 0.0
    assert mismatch_auc(rng.normal(size=5000), rng.normal(size=5000)) == pytest.approx(
        0.5, abs=0.02)
    assert mismatch_auc(np.ones(3), np.ones(4)) == 0.5  # ties count half
    with pytest.raises(ConfigError):
        mismatch_auc(np.array([]), np.ones(3))
    with pytest.raises(ConfigError):
        mismatch_auc(np.array([math.nan]), np.ones(3))


# -- shapes (captions) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes():
    module = pytest.importorskip("ganstudio.core.data.shapes")
    if not hasattr(module, "attribute_accuracy"):
        pytest.skip("ganstudio.core.data.shapes has no attribute reader yet")
    return module


def _all_combinations(shapes) -> dict[str, np.ndarray]:
    grids = np.meshgrid(*(np.arange(len(v)) for v in shapes.ATTRIBUTES.values()),
                        indexing="ij")
    return {name: g.ravel() for name, g in zip(shapes.ATTRIBUTES, grids, strict=True)}


def caption_generator(shapes, colour_shift: int = 0):
    """Renders exactly what each caption asks (with its colour shifted by colour_shift)."""
    combos = _all_combinations(shapes)
    names = list(shapes.ATTRIBUTES)
    lookup = {shapes.caption_for(**{a: int(combos[a][i]) for a in names}): i
              for i in range(len(combos[names[0]]))}
    n_colours = len(shapes.ATTRIBUTES["colour"])

    def generate(z: np.ndarray, captions: np.ndarray) -> np.ndarray:
        assert captions.dtype == object and isinstance(captions[0], str)
        idx = np.array([lookup[c] for c in captions])
        attrs = {a: combos[a][idx].copy() for a in names}
        attrs["colour"] = (attrs["colour"] + colour_shift) % n_colours
        return shapes.render(attrs, image_size=32).astype(np.float32)

    return generate


def _shapes_dataset(shapes, n: int = 600) -> Dataset:
    rng = np.random.default_rng(0)
    attrs = {a: rng.integers(len(v), size=n) for a, v in shapes.ATTRIBUTES.items()}
    captions = [shapes.caption_for(**{a: int(attrs[a][i]) for a in attrs}) for i in range(n)]
    ds = Dataset("shapes", IMAGES, shapes.render(attrs, image_size=32).astype(np.float32))
    fields = {f.name for f in dataclasses.fields(Dataset)}
    if not {"captions", "attributes", "attribute_names"} <= fields:
        pytest.skip("Dataset has no captions / attributes fields yet")
    return dataclasses.replace(ds, captions=captions, attributes=attrs,
                               attribute_names={a: list(v)
                                                for a, v in shapes.ATTRIBUTES.items()})


def test_exact_renderer_reads_back_every_attribute(shapes):
    ds = Dataset("shapes", IMAGES, np.zeros((4, 32, 32, 3), np.float32))
    result = attribute_accuracy_for_captions(ds, caption_generator(shapes), LATENT, n=300)
    for name in (*shapes.ATTRIBUTES, "all"):
        assert result[f"{name}_acc"] == result[f"real_{name}_acc"]
        assert result[f"real_{name}_acc"] > 0.95
    assert result["n_captions"] == 300 and "heldout_all_acc" not in result


def test_colour_swapping_renderer_gets_colours_wrong_only(shapes):
    ds = Dataset("shapes", IMAGES, np.zeros((4, 32, 32, 3), np.float32))
    result = attribute_accuracy_for_captions(ds, caption_generator(shapes, colour_shift=1),
                                             LATENT, n=300)
    assert result["colour_acc"] < 0.05 and result["all_acc"] < 0.05
    assert result["shape_acc"] == pytest.approx(result["real_shape_acc"], abs=0.02)
    assert result["shape_acc"] > 0.95
    assert result["real_colour_acc"] > 0.95


def test_holdout_figures_use_only_held_out_combinations(shapes):
    ds = Dataset("shapes", IMAGES, np.zeros((4, 32, 32, 3), np.float32))
    colour = shapes.ATTRIBUTES["colour"][0]
    result = attribute_accuracy_for_captions(ds, caption_generator(shapes), LATENT, n=200,
                                             holdout=colour)
    assert 0 < result["n_heldout_combinations"] < len(_all_combinations(shapes)["colour"])
    assert result["heldout_all_acc"] == result["heldout_real_all_acc"] > 0.9
    # Words of the grammar that no caption holds together: nothing to score.
    with pytest.raises(ConfigError, match="no caption"):
        attribute_accuracy_for_captions(ds, caption_generator(shapes), LATENT, n=10,
                                        holdout="small large")
    with pytest.raises(GanStudioError, match="not a word"):
        attribute_accuracy_for_captions(ds, caption_generator(shapes), LATENT, n=10,
                                        holdout="purple")


def test_evaluate_conditional_on_shapes(shapes):
    ds = _shapes_dataset(shapes)
    result = evaluate_conditional(ds, caption_generator(shapes), LATENT, n=300)
    assert result["main_metric"] == "all_acc" and result["condition"] == "caption"
    assert result["all_acc"] > 0.9
    assert result["fd_condition"] == "colour"
    assert result["fd_conditions"] == list(shapes.ATTRIBUTES["colour"])
    assert math.isfinite(result["fd"]) and math.isfinite(result["real_fd"])
    text = format_conditional(result)
    assert "all attributes right" in text and "FD overall" in text
    # Captions that are not the shapes grammar: the overall FD only.
    other = dataclasses.replace(ds, name="my-captions", attributes=None, attribute_names=None)
    result = evaluate_conditional(other, caption_generator(shapes), LATENT, n=100)
    assert result["main_metric"] == "fd" and "all_acc" not in result
    assert "fd_mean" not in result and result["fd_condition"] == "all"
