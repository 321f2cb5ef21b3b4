"""Named presets: applied over the defaults, refused for other families and data."""

from __future__ import annotations

import pytest

from ganstudio.cli import build_parser, config_from_args
from ganstudio.config import RunConfig
from ganstudio.core.presets import PRESETS, apply_preset, get_preset
from ganstudio.errors import ConfigError


def test_fast_best_sets_its_settings_and_explicit_options_win():
    cfg = apply_preset(RunConfig(), "fast-best", "points")
    preset = PRESETS["fast-best"]
    for section, values in preset.changes.items():
        for name, value in values.items():
            assert getattr(getattr(cfg, section), name) == value
    args = build_parser().parse_args(["train", "--preset", "fast-best", "--dataset", "grid25",
                                      "--steps", "123"])
    cfg = config_from_args(args)
    assert cfg.train.steps == 123 and cfg.net.latent_dim == 2 and cfg.data.name == "grid25"
    assert cfg.train.steps_per_execution == preset.changes["train"]["steps_per_execution"]


def test_a_preset_for_other_families_or_data_is_refused_with_a_hint():
    with pytest.raises(ConfigError, match="is for family gan, not vae"):
        apply_preset(RunConfig.for_family("vae"), "fast-best")
    args = build_parser().parse_args(["train", "--preset", "fast-best", "--dataset", "digits"])
    with pytest.raises(ConfigError, match="'digits' is images"):
        config_from_args(args)
    with pytest.raises(ConfigError, match="Did you mean 'fast-best'"):
        get_preset("fast-bst")
