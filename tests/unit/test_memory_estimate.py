"""The memory estimate made before building: its parameter count against Keras, and the
refusal of settings that are each in range but together too large."""

from __future__ import annotations

import pytest

from ganstudio.config import NetConfig, ObjectiveConfig, RunConfig
from ganstudio.core.nets.memory import (
    check_training_memory,
    estimate_params,
    estimate_training_bytes,
)
from ganstudio.core.nets.registry import build_nets, resolve_net_config
from ganstudio.errors import ConfigError


@pytest.mark.parametrize(("kind", "shape", "net"), [
    ("points", (2,), {}),
    ("points", (5,), {"depth": 4, "width": 64, "pack": 3}),
    ("images", (8, 8, 1), {}),
    ("images", (28, 28, 1), {"filters": 16}),
    ("images", (32, 32, 3), {"filters": 24, "pack": 1}),
    ("images", (64, 64, 3), {}),
])
def test_the_parameter_count_matches_the_networks_keras_builds(kind, shape, net):
    cfg = resolve_net_config(NetConfig(**net), kind, ObjectiveConfig())
    g, d, _, _ = estimate_params(cfg, shape)
    pair = build_nets(cfg, shape)
    # norms' scales and offsets are left out of the estimate: within 2%
    assert g == pytest.approx(pair.generator.count_params(), rel=0.02)
    assert d == pytest.approx(pair.discriminator.count_params(), rel=0.02)


def test_settings_each_in_range_but_together_too_large_are_refused():
    big = resolve_net_config(NetConfig(width=8192, depth=16), "points", ObjectiveConfig())
    need = estimate_training_bytes(big, (2,), 65_536)
    assert need > 40 * 2**30  # two 1.07e9-parameter nets with Adam and a 65k batch
    with pytest.raises(ConfigError, match=r"would need about [\d,.]+ GiB of memory "
                                          r"\(2,013.*M parameters with width 8192, depth 16, "
                                          r"batch 65,536\) but 8.0 GiB are free.*Lower the "
                                          "batch size"):
        check_training_memory(big, (2,), 65_536, available=8 * 2**30)
    small = resolve_net_config(NetConfig(), "points", ObjectiveConfig())
    assert check_training_memory(small, (2,), 512, available=8 * 2**30) < 2**30


def test_a_session_refuses_before_building_anything(monkeypatch):
    from ganstudio.core import nets
    from ganstudio.core.session import TrainingSession

    monkeypatch.setattr(nets.memory, "available_memory", lambda: 64 * 2**20)
    cfg = RunConfig.from_dict({"data": {"name": "ring8", "n_points": 500},
                               "net": {"width": 2048}, "train": {"batch": 4096}})
    session = TrainingSession(cfg)
    with pytest.raises(ConfigError, match="GiB of memory"):
        session.prepare()
    assert session.recipe is None
