"""StackGAN: the stage schedule, stage I frozen in stage II, the augmentation's KL, the views,
the stage held by hand, and the export's two signatures from TensorFlow alone."""

import json
import math
import textwrap

import numpy as np
import pytest

from ganstudio.config import RunConfig
from ganstudio.errors import ConfigError
from tests.conftest import run_tf_only


def _tiny(**sections) -> RunConfig:
    base = {
        "family": "stackgan",
        "data": {"name": "shapes", "limit": 160},
        "net": {"filters": 4, "latent_dim": 4},
        "train": {"steps": 4, "batch": 8, "jit": "off", "eval_every": 0, "probe_size": 8,
                  "checkpoint_every": 0},
        "stackgan": {"filters2": 4, "res_blocks": 1, "embed_dim": 2},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    return RunConfig.from_dict(base)


@pytest.fixture(scope="module")
def session():
    """One tiny StackGAN on 32-pixel shapes (stage I at 8x8), shared by the tests below (each
    build traces the three-branch step, which costs seconds); the tests that train it run in
    file order."""
    from ganstudio.core.session import TrainingSession

    s = TrainingSession(_tiny())
    s.prepare()
    return s


def _weights(models) -> list[np.ndarray]:
    return [v.numpy().copy() for m in models for v in m.weights]


def _stage1_models(recipe) -> list:
    return [recipe.g_encoder, recipe.g_body, recipe.d_encoder, recipe.trunk,
            *recipe.heads.values(), recipe.ema_g_encoder, recipe.ema_g_body]


def _stage2_models(recipe) -> list:
    return [recipe.g2_encoder, recipe.g2_body, recipe.d2_encoder, recipe.trunk2,
            *recipe.heads2.values(), recipe.ema_g2_encoder, recipe.ema_g2_body]


def _moved(before, after) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_the_schedule_runs_stage_one_then_stage_two_and_joint_and_held_stages_win():
    from ganstudio.core.recipes.stackgan import stage_for

    got = [int(stage_for(step, 3, False, 0)) for step in range(6)]
    assert got == [1, 1, 1, 2, 2, 2]
    assert {int(stage_for(step, 0, True, 0)) for step in range(4)} == {3}
    for held in (1, 2, 3):
        assert int(stage_for(0, 3, False, held)) == held
        assert int(stage_for(5, 3, True, held)) == held


def test_stage_one_sees_area_averages_of_the_full_images():
    from ganstudio.core.recipes.stackgan import downsample, upsample

    x = np.arange(2 * 4 * 4 * 1, dtype=np.float32).reshape(2, 4, 4, 1)
    low = downsample(x, 2)
    assert low.shape == (2, 2, 2, 1)
    assert low[0, 0, 0, 0] == np.mean([0, 1, 4, 5])
    assert low[1, 1, 1, 0] == np.mean([26, 27, 30, 31])
    big = upsample(low, 2, "nearest").numpy()
    assert big.shape == x.shape and np.all(big[:, :2, :2] == low[:, :1, :1])


def test_too_small_images_for_the_factor_are_refused_with_the_fix():
    from ganstudio.core.session import TrainingSession

    with pytest.raises(ConfigError, match="image_size"):
        TrainingSession(_tiny(data={"name": "digits"})).prepare()
    with pytest.raises(ConfigError, match="power of two"):
        _tiny(stackgan={"factor": 3})


def test_the_augmentation_kl_matches_hand_computed_values(session):
    recipe = session.recipe
    assert recipe.augment and recipe.embed_dim == 2 and recipe.augment_kl == 2.0
    # mu = (1, 0), log sigma^2 = (0, log 2): KL per dimension (StackGAN's code averages
    # them) = 1/2 mean(sigma^2 + mu^2 - 1 - log sigma^2)
    code = np.array([[1.0, 0.0, 0.0, math.log(2.0)]] * 3, np.float32)
    mu, kl = recipe._g_code(lambda c, training: c, code, sample=False)
    want = 0.5 * ((1 + 1 - 1 - 0) + (2 + 0 - 1 - math.log(2.0))) / 2
    assert float(kl) == pytest.approx(want, rel=1e-6)
    np.testing.assert_allclose(np.asarray(mu), code[:, :2])
    sampled, kl_sampled = recipe._g_code(lambda c, training: c, code, sample=True)
    assert float(kl_sampled) == pytest.approx(want, rel=1e-6)
    assert not np.allclose(np.asarray(sampled), code[:, :2])  # c = mu + sigma * eps


def test_stage_one_trains_alone_then_stays_frozen_while_stage_two_trains(session):
    recipe = session.recipe
    assert int(recipe.stage1_steps.numpy()) == 2  # half of the 4 steps
    s1, s2 = _weights(_stage1_models(recipe)), _weights(_stage2_models(recipe))
    session.run(steps=2)
    assert session.step == 2
    assert _moved(s1, _weights(_stage1_models(recipe)))
    assert not _moved(s2, _weights(_stage2_models(recipe)))
    s1, s2 = _weights(_stage1_models(recipe)), _weights(_stage2_models(recipe))
    result = session.run(steps=2)
    assert session.step == 4
    assert not _moved(s1, _weights(_stage1_models(recipe)))  # frozen in stage II
    assert _moved(s2, _weights(_stage2_models(recipe)))
    stages = [row["stage"] for row in session.history]
    assert stages[:2] == [1.0, 1.0] and stages[-1] == 2.0
    first, last = session.history[0], session.history[-1]
    assert math.isnan(first["d2_loss"]) and math.isfinite(first["d1_loss"])
    assert math.isnan(last["g1_loss"]) and math.isfinite(last["g2_loss"])
    assert last["kl2"] >= 0 and math.isfinite(result.final["d_loss"])


def test_views_show_both_stages_side_by_side_and_each_stages_d(session):
    from ganstudio.core.panels import Histograms, Samples

    panels = session.views()
    stages, final = panels["samples"], panels["stage2"]
    assert isinstance(final, Samples) and final.samples.shape[1:] == (32, 32, 3)
    assert "Stage II" in final.title and len(final.row_labels) == len(final.samples) // 8
    assert stages.columns == 6 and stages.samples.shape[1:] == (32, 32, 3)
    assert len(stages.samples) == 6 * len(stages.row_labels)
    assert "bicubic" in stages.title and "training stage II" in stages.title
    # each row: (stage I enlarged, bicubic, stage II) for one z, then the same for another z
    nearest, bicubic, second = stages.samples[:3]
    assert np.all(nearest[:4, :4] == nearest[0, 0])  # one stage I pixel = a 4x4 block
    z, caption = session.recipe._stages_z[:1], [stages.row_labels[0]]
    np.testing.assert_allclose(second, session.recipe.generate({"z": z, "caption": caption})[0],
                               atol=1e-5)
    low = session.recipe.generate_stage1({"z": z, "caption": caption})[0]
    np.testing.assert_allclose(nearest[::4, ::4], low, atol=1e-5)
    for key, title in (("d_hist", "stage I"), ("d2_hist", "stage II")):
        hist = panels[key]
        assert isinstance(hist, Histograms) and hist.title.startswith(title)
        assert set(hist.groups) == {"real, matching c", "real, wrong c", "fake"}
    # stage I's histograms are the conditional GAN's own (its probe, without its sample grid)
    from ganstudio.core.recipes.cgan import CGANRecipe

    parent = CGANRecipe.views(session.recipe)["d_hist"]
    for group, values in parent.groups.items():
        np.testing.assert_allclose(panels["d_hist"].groups[group], values, atol=1e-6)


def test_a_stage_held_by_hand_trains_from_the_next_step(session):
    recipe = session.recipe
    session.apply_live_settings(session.config.with_changes(stackgan={"stage": "I"}))
    s1, s2 = _weights(_stage1_models(recipe)), _weights(_stage2_models(recipe))
    session.run(steps=1)
    assert session.history[-1]["stage"] == 1.0
    assert _moved(s1, _weights(_stage1_models(recipe)))
    assert not _moved(s2, _weights(_stage2_models(recipe)))
    assert "held by hand" in session.views()["samples"].title
    joint = session.config.with_changes(stackgan={"stage": "joint"})
    session.apply_live_settings(joint)
    logs = session.single_update("g")
    assert {"g1_loss", "g2_loss", "kl1", "kl2"} <= set(logs)
    assert logs["g_loss"] == pytest.approx(logs["g1_loss"] + logs["g2_loss"], rel=1e-5)
    session.apply_live_settings(session.config.with_changes(stackgan={"stage": "auto"}))
    assert int(recipe.active_stage()) == 2


_LOAD_BOTH_SIGNATURES = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    path, inputs = sys.argv[1], json.loads(sys.argv[2])
    model = tf.saved_model.load(path)
    feeds = {"z": tf.constant(np.asarray(inputs["z"], np.float32)),
             "caption": tf.constant(inputs["caption"])}
    out = {name: model.signatures[name](**feeds)["output_0"].numpy().tolist()
           for name in ("serving_default", "stage1")}
    assert not any(m.startswith("ganstudio") for m in sys.modules)
    print(json.dumps(out))
""")


def test_the_export_serves_the_final_image_and_stage_one_to_plain_tensorflow(session, tmp_path):
    from ganstudio.core.export import read_metadata

    report = session.export(tmp_path / "gen")
    assert report.ok, report.summary()
    z = np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)
    captions = ["a large red circle at the top", "a small blue square on the left",
                "a large green triangle in the center"]
    got = run_tf_only(_LOAD_BOTH_SIGNATURES, str(tmp_path / "gen"),
                      json.dumps({"z": z.tolist(), "caption": captions}), cwd=tmp_path)
    final = np.asarray(got["serving_default"], np.float32)
    first = np.asarray(got["stage1"], np.float32)
    assert final.shape == (3, 32, 32, 3) and first.shape == (3, 8, 8, 3)
    assert final.min() >= 0.0 and final.max() <= 1.0 and first.min() >= 0.0
    recipe = session.recipe
    np.testing.assert_allclose(final, recipe.generate({"z": z, "caption": captions}), atol=1e-5)
    np.testing.assert_allclose(first, recipe.generate_stage1({"z": z, "caption": captions}),
                               atol=1e-5)
    meta = read_metadata(tmp_path / "gen")
    assert meta["family"] == "stackgan" and meta["stages"]["stage1"] == 8
    assert set(meta["signatures"]) == {"serving_default", "stage1"}
    # `ganstudio sample --signature stage1` draws stage I's images; an unknown one is named
    from ganstudio.cli import main

    png = tmp_path / "stage1.png"
    assert main(["sample", "--model", str(tmp_path / "gen"), "--signature", "stage1",
                 "--caption", captions[0], "--n", "4", "--out", str(png)]) == 0
    assert png.is_file()
    assert main(["sample", "--model", str(tmp_path / "gen"), "--signature", "stage3",
                 "--caption", captions[0], "--out", str(png)]) == 2
