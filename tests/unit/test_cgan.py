"""The conditional GAN family: its D loss, mismatch sampler, designs, export and CLI."""

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ganstudio.config import RunConfig
from ganstudio.errors import ConfigError, DataError


def _softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def _f(t) -> float:
    return float(np.asarray(t))


def test_three_case_d_loss_matches_hand_computed_values():
    from ganstudio.core.objectives import Hinge, NonSaturating
    from ganstudio.core.recipes.cgan import three_case_d_loss

    real = np.array([[2.0], [1.0]], np.float32)
    fake = np.array([[-1.0], [0.5]], np.float32)
    wrong = np.array([[0.5], [-2.0]], np.float32)
    # nonsaturating: −log D(x, c) − ½ log(1 − D(G(z), c)) − ½ log(1 − D(x, ĉ))
    want = (np.mean([_softplus(-2.0), _softplus(-1.0)])
            + 0.5 * np.mean([_softplus(-1.0), _softplus(0.5)])
            + 0.5 * np.mean([_softplus(0.5), _softplus(-2.0)]))
    got = _f(three_case_d_loss(NonSaturating(), real, fake, wrong))
    assert got == pytest.approx(want, abs=1e-6)
    # hinge with other weights: relu(1 − r) + w_f relu(1 + f) + w_m relu(1 + m)
    want = (np.mean([0.0, 0.0]) + 1.0 * np.mean([0.0, 1.5]) + 0.25 * np.mean([1.5, 0.0]))
    got = _f(three_case_d_loss(Hinge(), real, fake, wrong, fake_weight=1.0, mismatch_weight=0.25))
    assert got == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("n_conditions", [2, 3, 10, 324])
def test_mismatch_sampler_never_returns_the_true_condition(n_conditions):
    import keras

    from ganstudio.core.recipes.cgan import mismatch_ids

    ids = np.arange(20_000) % n_conditions
    seed = keras.random.SeedGenerator(3)
    wrong = np.asarray(mismatch_ids(ids, n_conditions, seed))
    assert wrong.min() >= 0 and wrong.max() < n_conditions
    assert not np.any(wrong == ids)
    if 2 < n_conditions <= 10:  # every other condition is drawn, about equally often
        counts = np.bincount(wrong[ids == 0], minlength=n_conditions)
        assert counts[0] == 0 and counts[1:].min() > 0.5 * counts[1:].mean()


def test_caption_vocabulary_is_stable_and_frequency_ordered():
    from ganstudio.core.recipes.cgan import caption_vocabulary

    vocab = caption_vocabulary(["a red circle", "A blue circle!", "a red square"])
    assert vocab[:3] == ["a", "circle", "red"]
    assert vocab == caption_vocabulary(["a red square", "A blue circle!", "a red circle"])


def test_condition_kind_explains_missing_labels_or_captions():
    from ganstudio.core.data.base import IMAGES, Dataset
    from ganstudio.core.recipes.cgan import condition_kind

    bare = Dataset("mine", IMAGES, np.zeros((4, 8, 8, 1), np.float32))
    with pytest.raises(DataError, match="no labels"):
        condition_kind("label", bare)
    with pytest.raises(DataError, match="no captions"):
        condition_kind("caption", bare)


def test_families_need_conditions_and_name_the_fix():
    from ganstudio.core.session import TrainingSession

    cfg = RunConfig.from_dict({"family": "cgan", "data": {"name": "spiral", "n_points": 200},
                               "train": {"steps": 1, "jit": "off"}})
    with pytest.raises(DataError, match="needs labels or captions"):
        TrainingSession(cfg).prepare()
    with pytest.raises(ConfigError, match="Did you mean 'cgan'"):
        RunConfig(family="cgna")


def _tiny(family="cgan", **sections):
    base = {
        "family": family,
        "data": {"name": "digits"},
        "net": {"filters": 8, "latent_dim": 8},
        "train": {"steps": 2, "batch": 16, "jit": "off", "eval_every": 0, "probe_size": 16,
                  "checkpoint_every": 0},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    return RunConfig.from_dict(base)


@pytest.mark.parametrize("design", ["joint", "separate", "projection"])
def test_each_design_trains_and_shows_its_panels(design):
    from ganstudio.core.panels import Histograms, Samples
    from ganstudio.core.session import TrainingSession

    session = TrainingSession(_tiny(cgan={"d_design": design}))
    result = session.run()
    assert result.steps == 2 and np.isfinite(result.final["d_loss"])
    panels = session.views()
    samples = panels["samples"]
    assert isinstance(samples, Samples) and samples.row_labels == [str(i) for i in range(10)]
    assert samples.samples.shape == (10 * samples.columns, 8, 8, 1)
    # columns share one z: the grid's style is fixed per column
    z = session.z_fixed.reshape(10, samples.columns, -1)
    assert np.all(z == z[:1])
    hist = panels["d_hist"]
    assert isinstance(hist, Histograms) and np.all((hist.groups["fake"] >= 0)
                                                  & (hist.groups["fake"] <= 1))
    if design == "separate":
        assert set(panels["match_hist"].groups) == {"real, matching c", "real, wrong c",
                                                    "fake, its c"}
        assert {"d_loss_realness", "d_loss_match"} <= set(result.final)
    else:
        assert set(hist.groups) == {"real, matching c", "real, wrong c", "fake"}
    assert set(session.single_update("g")) >= {"g_loss"}


def test_label_conditions_change_the_samples_and_bad_labels_are_refused():
    from ganstudio.core.session import TrainingSession

    session = TrainingSession(_tiny())
    session.run()
    z = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
    a, b = session.generate(z, condition=1), session.generate(z, condition=7)
    assert a.shape == (4, 8, 8, 1) and not np.allclose(a, b)
    with pytest.raises(ConfigError, match="not a class"):
        session.generate(z, condition=12)


def test_checkpoint_resume_continues_the_same_cgan(tmp_path):
    from ganstudio.core.session import TrainingSession

    cfg = _tiny()
    first = TrainingSession(cfg, out_dir=tmp_path)
    first.run()
    first.save_checkpoint()
    again = TrainingSession(cfg, out_dir=tmp_path, resume=tmp_path)
    again.prepare()
    z = np.random.default_rng(1).standard_normal((3, 8)).astype(np.float32)
    assert again.step == 2
    np.testing.assert_allclose(again.generate(z, condition=4), first.generate(z, condition=4),
                               atol=1e-6)


_LOAD_WITH_TENSORFLOW_ONLY = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    path, inputs = sys.argv[1], json.loads(sys.argv[2])
    fn = tf.saved_model.load(path).signatures["serving_default"]
    feeds = {"z": tf.constant(np.asarray(inputs["z"], np.float32))}
    if "label" in inputs:
        feeds["label"] = tf.constant(np.asarray(inputs["label"], np.int32))
    if "caption" in inputs:
        feeds["caption"] = tf.constant(inputs["caption"])
    out = fn(**feeds)["output_0"].numpy()
    assert not any(m.startswith("ganstudio") for m in sys.modules)
    print(json.dumps(out.tolist()))
""")


def _round_trip_in_plain_tensorflow(session, export_dir, inputs):
    report = session.export(export_dir)
    assert report.ok, report.summary()
    proc = subprocess.run([sys.executable, "-c", _LOAD_WITH_TENSORFLOW_ONLY, str(export_dir),
                           json.dumps({k: np.asarray(v).tolist() for k, v in inputs.items()})],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return np.asarray(json.loads(proc.stdout.strip().splitlines()[-1]), np.float32)


def test_label_export_round_trip_in_a_process_that_imports_only_tensorflow(tmp_path):
    from ganstudio.core.export import read_metadata
    from ganstudio.core.session import TrainingSession

    session = TrainingSession(_tiny())
    session.run()
    z = np.random.default_rng(2).standard_normal((5, 8)).astype(np.float32)
    labels = np.array([0, 3, 3, 9, 5], np.int32)
    got = _round_trip_in_plain_tensorflow(session, tmp_path / "gen", {"z": z, "label": labels})
    want = session.generate({"z": z, "label": labels})
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert got.min() >= -1e-6 and got.max() <= 1 + 1e-6  # the dataset's own units, [0, 1]
    meta = read_metadata(tmp_path / "gen")
    inputs = meta["signatures"]["serving_default"]["inputs"]
    assert [(i["name"], i["dtype"]) for i in inputs] == [("z", "float32"), ("label", "int32")]
    assert meta["class_names"] == [str(i) for i in range(10)] and meta["family"] == "cgan"


def test_caption_export_takes_strings(tmp_path):
    from ganstudio.core.export import LoadedGenerator
    from ganstudio.core.session import TrainingSession

    session = TrainingSession(_tiny(data={"name": "shapes", "limit": 300},
                                    net={"filters": 4, "latent_dim": 4}))
    session.run()
    z = np.random.default_rng(3).standard_normal((2, 4)).astype(np.float32)
    captions = ["a large red circle at the top", "a small blue square on the left"]
    got = _round_trip_in_plain_tensorflow(session, tmp_path / "gen",
                                          {"z": z, "caption": captions})
    np.testing.assert_allclose(got, session.generate(z, condition=captions), atol=1e-5)
    loaded = LoadedGenerator(tmp_path / "gen")
    assert loaded.condition_name == "caption" and "circle" in loaded.metadata["vocabulary"]
    np.testing.assert_allclose(loaded(z, captions), got, atol=1e-6)
    with pytest.raises(Exception, match="needs a caption"):
        loaded(z)


def test_conditioning_augmentation_adds_a_kl_curve():
    from ganstudio.core.session import TrainingSession

    session = TrainingSession(_tiny(data={"name": "shapes", "limit": 200},
                                    net={"filters": 4, "latent_dim": 4},
                                    cgan={"augment": True, "text_encoder": "gru"}))
    result = session.run()
    assert result.final["kl"] >= 0.0 and np.isfinite(result.final["g_loss"])
