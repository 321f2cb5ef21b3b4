"""Config validation messages and the TOML/JSON round trip."""

import json

import pytest

from ganstudio.config import DataConfig, NetConfig, ObjectiveConfig, RunConfig, TrainConfig
from ganstudio.errors import ConfigError


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: ObjectiveConfig(name="wgan_gp"), ["objective.name", "'wgan_gp'", "wgan-gp",
                                                    "Did you mean 'wgan-gp'"]),
        (lambda: TrainConfig(steps=0), ["train.steps", "0", "at least 1"]),
        (lambda: TrainConfig(batch=2.5), ["train.batch", "2.5", "whole number"]),
        (lambda: TrainConfig(jit="maybe"), ["train.jit", "'maybe'", "auto, on, off"]),
        (lambda: ObjectiveConfig(lr_d=0.0), ["objective.lr_d", "0.0", "greater than 0"]),
        (lambda: ObjectiveConfig(lr_g=float("nan")), ["objective.lr_g", "finite"]),
        (lambda: NetConfig(name="resnet"), ["net.name", "'resnet'", "mlp", "dcgan"]),
        (lambda: NetConfig(pack=0), ["net.pack", "at least 1"]),
        (lambda: DataConfig(image_size=4), ["data.image_size", "4", "at least 8", "at most 128"]),
        (lambda: DataConfig(color="sepia"), ["data.color", "grayscale", "rgb"]),
        (lambda: NetConfig(minibatch_std="yes"), ["net.minibatch_std", "true or false"]),
        (lambda: ObjectiveConfig(lr_decay="exp"), ["objective.lr_decay", "'exp'",
                                                   "none, cosine, linear"]),
    ],
)
def test_bad_values_name_field_value_and_allowed(build, words):
    with pytest.raises(ConfigError) as info:
        build()
    for word in words:
        assert word in str(info.value)


def test_unknown_section_and_field_are_named():
    with pytest.raises(ConfigError, match="unknown section 'trian'.*Did you mean 'train'"):
        RunConfig.from_dict({"trian": {"steps": 3}})
    with pytest.raises(ConfigError, match="train.stpes: unknown setting.*Did you mean 'steps'"):
        RunConfig.from_dict({"train": {"stpes": 3}})


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_round_trip(tmp_path, suffix):
    cfg = RunConfig.from_dict({
        "data": {"name": "grid25", "image_size": 32},
        "net": {"name": "mlp", "latent_dim": 4, "minibatch_std": True},
        "objective": {"name": "wgan-gp", "lr_d": 1e-4, "d_steps": 5},
        "train": {"steps": 123, "jit": "off"},
    })
    path = cfg.save(tmp_path / f"run{suffix}")
    assert RunConfig.load(path) == cfg


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        RunConfig.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train\nsteps = 3")
    with pytest.raises(ConfigError, match="is not valid"):
        RunConfig.load(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"train": {"steps": -5}}))
    with pytest.raises(ConfigError, match="train.steps: -5"):
        RunConfig.load(wrong)


def test_with_changes_validates_and_keeps_the_rest():
    cfg = RunConfig().with_changes(train={"steps": 10}, data={"name": "digits"})
    assert cfg.train.steps == 10 and cfg.data.name == "digits"
    assert cfg.objective == ObjectiveConfig()
    with pytest.raises(ConfigError, match="train.batch"):
        cfg.with_changes(train={"batch": 0})


def test_cli_train_options_land_in_their_config_fields():
    from ganstudio.cli import build_parser, config_from_args

    args = build_parser().parse_args([
        "train", "--dataset", "grid25", "--objective", "hinge", "--lr-decay", "cosine",
        "--ema", "0.999", "--r1", "0", "--pack", "4", "--minibatch-std", "--d-norm", "spectral",
        "--lr-d", "2e-3", "--lr-g", "5e-4", "--steps", "300", "--batch", "64"])
    cfg = config_from_args(args)
    assert cfg.data.name == "grid25"
    assert (cfg.objective.name, cfg.objective.lr_decay, cfg.objective.ema) == ("hinge", "cosine",
                                                                               0.999)
    assert (cfg.objective.r1_gamma, cfg.objective.lr_d, cfg.objective.lr_g) == (0.0, 2e-3, 5e-4)
    assert (cfg.net.pack, cfg.net.minibatch_std, cfg.net.d_norm) == (4, True, "spectral")
    assert (cfg.train.steps, cfg.train.batch) == (300, 64)
    untouched = config_from_args(build_parser().parse_args(["train"]))
    assert untouched.objective == RunConfig().objective
