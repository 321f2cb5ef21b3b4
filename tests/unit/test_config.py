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


def test_family_sections_round_trip_and_default_to_gan(tmp_path):
    cfg = RunConfig.from_dict({"family": "cgan", "cgan": {"d_design": "separate",
                                                          "augment": True, "embed_dim": 16}})
    for suffix in (".toml", ".json"):
        assert RunConfig.load(cfg.save(tmp_path / f"run{suffix}")) == cfg
    assert RunConfig().family == "gan" and RunConfig.from_dict({}).family == "gan"
    with pytest.raises(ConfigError, match="config.family: 'cgna'.*Did you mean 'cgan'"):
        RunConfig.from_dict({"family": "cgna"})


def test_every_field_carries_metadata_that_validates_it():
    from dataclasses import MISSING

    from ganstudio.config import SECTIONS, field_kind, section_fields

    for section in SECTIONS:
        for name, f in section_fields(section).items():
            meta = f.metadata
            assert meta.get("label"), f"{section}.{name} has no label"
            kind, _ = field_kind(f)
            assert kind in ("int", "float", "bool", "str")
            default = f.default if f.default is not MISSING else f.default_factory()
            if meta.get("choices"):
                assert default in meta["choices"]
            if kind in ("int", "float") and default is not None:
                assert meta["lo"] <= default and (meta["hi"] is None or default <= meta["hi"])


@pytest.mark.parametrize(("assignment", "section", "name", "value"), [
    ("cgan.d_design=separate", "cgan", "d_design", "separate"),
    ("train.steps=12", "train", "steps", 12),
    ("objective.lr_d = 2e-4", "objective", "lr_d", 2e-4),
    ("cgan.augment=yes", "cgan", "augment", True),
    ("net.latent_dim=auto", "net", "latent_dim", None),
    ("data.holdout=large yellow triangle", "data", "holdout", "large yellow triangle"),
])
def test_with_setting_parses_by_the_fields_kind(assignment, section, name, value):
    cfg = RunConfig().with_setting(assignment)
    assert getattr(getattr(cfg, section), name) == value


@pytest.mark.parametrize(("assignment", "words"), [
    ("cgan.d_design", "section.field=value"),
    ("cgan.nope=1", "unknown setting"),
    ("trian.steps=3", "Did you mean 'train'"),
    ("train.steps=many", "not an integer"),
    ("train.steps=0", "at least 1"),
    ("cgan.augment=maybe", "true or false"),
])
def test_with_setting_mistakes_name_the_field(assignment, words):
    with pytest.raises(ConfigError, match=words):
        RunConfig().with_setting(assignment)


def test_a_family_starts_from_its_own_defaults():
    from ganstudio.core.families import FAMILIES

    for name, spec in FAMILIES.items():
        cfg = RunConfig.for_family(name)
        assert cfg.family == name
        for key, value in spec.defaults:
            section, _, field_name = key.partition(".")
            assert getattr(getattr(cfg, section), field_name) == value
    assert RunConfig.for_family("gan") == RunConfig()


def test_switching_family_brings_its_tuned_settings_and_keeps_the_rest():
    from ganstudio.core.families import get_family

    mine = RunConfig().with_changes(data={"name": "digits"}, objective={"lr_d": 5e-4})
    cgan = mine.switch_family("cgan")
    assert cgan.family == "cgan" and cgan.data.name == "digits" and cgan.objective.lr_d == 5e-4
    for key, value in get_family("cgan").defaults:
        section, _, name = key.partition(".")
        assert getattr(getattr(cgan, section), name) == value
    back = cgan.switch_family("gan")
    assert back == mine
