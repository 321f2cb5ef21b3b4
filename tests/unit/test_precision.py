"""Mixed precision (`train.precision`, `core.precision`): 16-bit layers, float32 outputs,
losses and optimizers; loss scaling under float16; every family takes it or says why not."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganstudio.cli import main
from ganstudio.config import RunConfig
from ganstudio.core import precision
from ganstudio.core.session import TrainingSession
from ganstudio.errors import ConfigError
from tests.conftest import run_tf_only

RING = {
    "data": {"name": "ring8", "n_points": 1000},
    "net": {"depth": 2, "width": 16, "latent_dim": 4},
    "train": {"steps": 4, "batch": 32, "jit": "off", "checkpoint_every": 0, "eval_every": 0,
              "probe_size": 32, "n_samples": 16},
}
DIGITS = {"data": {"name": "digits", "limit": 64}, "net": {"filters": 4},
          "train": {"steps": 3, "batch": 8, "jit": "off", "checkpoint_every": 0,
                    "eval_every": 0, "probe_size": 16}}


@pytest.fixture
def pretend_gpu(monkeypatch):
    """float16 is refused on a CPU (`precision.check_device`); its code path (loss scaling)
    still runs here on tiny nets when the session believes it has a GPU."""
    monkeypatch.setattr("ganstudio.core.session.device_name", lambda: "Test GPU")


def _layers(recipe):
    return [layer for layer in recipe._flatten_layers(include_self=False) if layer.weights]


def _trained(raw: dict, mode: str, family: str = "gan", out=None) -> TrainingSession:
    cfg = RunConfig.from_dict({**raw, "family": family}).with_changes(train={"precision": mode})
    session = TrainingSession(cfg, out_dir=out, scalar_hz=0, image_hz=0)
    session.run()
    return session


@pytest.mark.parametrize("mode", ["mixed_bfloat16", "mixed_float16"])
def test_a_mixed_run_computes_in_16_bits_and_hands_out_float32(tmp_path, mode, pretend_gpu):
    session = _trained(RING, mode, out=tmp_path / "run")
    recipe = session.recipe
    low = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}[mode]
    layers = _layers(recipe)
    assert sum(layer.compute_dtype == low for layer in layers) >= len(layers) // 2
    assert all(v.dtype == "float32" for v in recipe.state_variables() if "float" in v.dtype)
    z = np.zeros((4, recipe.latent_dim), np.float32)
    assert recipe.generator(z).dtype == "float32"  # its output layer computes in float32
    assert recipe.discriminator(recipe.packer(recipe.generator(z))).dtype == "float32"
    assert session.step == 4 and all(np.isfinite(v) for v in session.history[-1].values())
    views = session.views()
    assert views["samples"].samples.dtype == np.float32
    report = session.export()
    assert report.ok, report.summary()
    meta = json.loads((tmp_path / "run" / "generator" / "assets" / "ganstudio.json").read_text())
    assert meta["precision"] == mode
    scaled = [isinstance(o, precision.CountingLossScaleOptimizer)
              for o in (recipe.d_optimizer, recipe.g_optimizer)]
    assert scaled == [mode == "mixed_float16"] * 2  # loss scaling: float16 only


@pytest.mark.parametrize(("family", "mode"), [("cgan", "mixed_float16"), ("vae", "mixed_bfloat16"),
                                              ("ae", "mixed_float16")])
def test_other_families_train_under_a_mixed_policy(family, mode, pretend_gpu):
    session = _trained(DIGITS, mode, family)
    assert session.step == 3
    assert all(np.isfinite(v) for v in session.history[-1].values())
    assert any(layer.compute_dtype != "float32" for layer in _layers(session.recipe))
    for panel in session.views().values():
        for value in vars(panel).values():
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                assert value.dtype == np.float32


def test_float16_is_refused_on_a_cpu_with_what_to_use(tmp_path, capsys):
    assert main(["train", "--dataset", "ring8", "--precision", "mixed_float16", "--out",
                 str(tmp_path / "run")]) == 2
    assert not (tmp_path / "run").exists()
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "mixed_float16 needs a GPU" in line and "Use --precision mixed_bfloat16" in line


def test_rbm_refuses_a_mixed_policy_with_the_reason():
    cfg = RunConfig.from_dict({**DIGITS, "family": "rbm"}).with_changes(
        train={"precision": "mixed_bfloat16"})
    with pytest.raises(ConfigError, match="rbm trains in float32 only: its Gibbs sampling"):
        TrainingSession(cfg).prepare()


def test_descend_under_loss_scaling_is_the_plain_update():
    def model():
        keras.utils.set_random_seed(1)
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])

    x = tf.constant(np.random.default_rng(0).normal(size=(8, 3)), tf.float32)
    out = []
    for scaled in (False, True):
        net = model()
        optimizer = keras.optimizers.SGD(0.1)
        if scaled:
            optimizer = precision.CountingLossScaleOptimizer(optimizer)
        optimizer.build(net.trainable_variables)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(net(x)))
        grads = precision.descend(optimizer, tape, loss, net.trainable_variables)
        out.append(([g.numpy() for g in grads], [v.numpy() for v in net.trainable_variables]))
    for plain, scaled in zip(*[o[0] + o[1] for o in out], strict=True):
        np.testing.assert_allclose(scaled, plain, rtol=1e-5, atol=1e-7)


def test_a_loss_scaled_step_checks_each_gradient_once():
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    optimizer = precision.CountingLossScaleOptimizer(keras.optimizers.SGD(0.1))
    optimizer.build(net.trainable_variables)
    x = tf.ones((2, 3))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(net(x))
        return precision.descend(optimizer, tape, loss, net.trainable_variables)

    ops_run = step.get_concrete_function().graph.get_operations()
    finite_checks = [op for op in ops_run if op.type == "IsFinite"]
    # Keras's own apply checks them too; the check descend made is handed to it, not repeated.
    assert len(finite_checks) == len(net.trainable_variables) == 4
    assert optimizer._checked == []  # nothing held past the step
    step()
    assert int(optimizer.iterations.numpy()) == 1


# A loss-scaled step on two logical CPUs (MirroredStrategy): Keras's apply checks the gradients
# once more per replica from its merge step; those checks are the ones descend made.
MIRRORED_LOSS_SCALED = r"""
import json
import numpy as np, tensorflow as tf, keras
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from ganstudio.core import precision
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    optimizer = precision.CountingLossScaleOptimizer(keras.optimizers.SGD(0.1))
    optimizer.build(net.trainable_variables)

@tf.function
def step(x, gain):
    def replica(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(net(x * gain)) / 4
        return precision.descend(optimizer, tape, loss, net.trainable_variables)
    return strategy.run(replica, args=(x,))

x = strategy.experimental_distribute_values_from_function(lambda ctx: tf.ones((2, 3)))
graph = step.get_concrete_function(x, tf.constant(1.0)).graph
out = {"checks": sum(op.type == "IsFinite" for op in graph.get_operations())}
weights = [v.numpy() for v in net.trainable_variables]
for name, gain in (("finite", 1.0), ("overflow", 1e38)):
    scale = float(optimizer.dynamic_scale.numpy())
    step(x, tf.constant(gain))
    now = [v.numpy() for v in net.trainable_variables]
    out[name] = {"moved": max(float(np.max(np.abs(a - b))) for a, b in zip(weights, now)),
                 "scale": float(optimizer.dynamic_scale.numpy()) / scale,
                 "iterations": int(optimizer.iterations.numpy())}
    weights = now
print(json.dumps(out))
"""


def test_a_loss_scaled_step_on_two_replicas_checks_each_gradient_once_per_replica(tmp_path):
    out = run_tf_only(MIRRORED_LOSS_SCALED, cwd=tmp_path)
    assert out["checks"] == 4 * 2  # four gradients on each of two replicas, not twice that
    assert out["finite"]["moved"] > 0 and out["finite"]["scale"] == 1.0
    assert out["overflow"] == {"moved": 0.0, "scale": 0.5, "iterations": 2}


def test_an_overflowing_update_is_skipped_but_counted():
    net = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    optimizer = precision.CountingLossScaleOptimizer(keras.optimizers.SGD(0.1))
    optimizer.build(net.trainable_variables)
    before = [v.numpy() for v in net.trainable_variables]
    scale = float(optimizer.dynamic_scale.numpy())
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(net(tf.constant([[1e36]])))  # × the scale: infinite gradients
    grads = precision.descend(optimizer, tape, loss, net.trainable_variables)
    assert all(np.array_equal(v.numpy(), b) for v, b in zip(net.trainable_variables, before,
                                                             strict=True))
    assert int(optimizer.iterations.numpy()) == 1  # the step still counts
    assert float(optimizer.dynamic_scale.numpy()) == scale / 2
    assert all(not np.any(g.numpy()) for g in grads)  # the norm curve shows 0, not inf


def test_policy_is_restored_and_layers_made_later_are_float32():
    with precision.policy("mixed_bfloat16"):
        inside = keras.layers.Dense(2)
    assert inside.compute_dtype == "bfloat16"
    assert keras.config.dtype_policy().name == "float32"
    assert keras.layers.Dense(2).compute_dtype == "float32"


def test_resuming_across_float16_is_refused_and_bfloat16_to_float32_works(tmp_path, capsys,
                                                                          pretend_gpu):
    run = tmp_path / "run"
    common = ["--dataset", "ring8", "--steps", "4", "--batch", "32", "--no-eval", "--no-export",
              "--set", "net.width=16", "--set", "net.depth=2"]
    assert main(["train", *common, "--out", str(run), "--precision", "mixed_float16"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--steps", "8", "--precision", "float32"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("ganstudio: error: train.precision: the checkpoint was trained")
    assert "trained with mixed_float16" in line and "Resume with --precision mixed_float16" in line
    run2 = tmp_path / "run2"
    assert main(["train", *common, "--out", str(run2), "--precision", "mixed_bfloat16"]) == 0
    assert main(["train", "--resume", str(run2), "--steps", "8", "--precision", "float32",
                 "--no-eval", "--no-export"]) == 0
    assert json.loads((run2 / "run.json").read_text())["steps"] == 8


def test_a_refused_setting_leaves_no_empty_run_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--family", "rbm", "--dataset", "digits", "--steps", "2",
                 "--precision", "mixed_bfloat16"]) == 2
    assert "trains in float32 only" in capsys.readouterr().err
    assert not list((tmp_path / "runs").glob("*"))


def test_the_export_check_allows_16_bit_rounding_in_proportion_to_the_outputs():
    from ganstudio.core.export import round_trip_tolerance

    # images within [-1, 1]: the precision's own tolerance
    assert round_trip_tolerance("mixed_bfloat16", 0.98) == pytest.approx(5e-2)
    assert round_trip_tolerance("float32", 1.0) == pytest.approx(1e-4)
    # grid25's points reach about 4.2 data units: bfloat16's 8-bit mantissa rounds them ~4x coarser
    # (a 13,000-step width-128 bfloat16 run reloaded 9.2e-2 away from its in-memory G)
    assert round_trip_tolerance("mixed_bfloat16", 4.2) == pytest.approx(0.21)
    assert round_trip_tolerance("mixed_float16", 4.2) > 9.2e-3 * 4.2
