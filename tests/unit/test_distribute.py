"""Training on several devices (`core.distribute`, `core.replicas`), on CPU.

TensorFlow makes logical CPU devices only before it sets up its devices, once per process, so
every test that trains on several replicas runs in a fresh process (`run_tf_only`) that makes
two logical CPUs first, builds the same run on one device and on two, and compares them.
"""

import json
import math

import numpy as np
import pytest

from ganstudio.config import RunConfig, TrainConfig
from ganstudio.core.distribute import (
    kernel_threads,
    place,
    read_tf_config,
    use_kernel_threads,
    weights_digest,
)
from ganstudio.errors import ConfigError
from tests.conftest import run_tf_only

# Two logical CPUs, then a run's session built on one device or on both, from a given state.
TWO_CPUS = r"""
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np
from ganstudio.config import RunConfig
from ganstudio.core.session import TrainingSession

def built(raw, strategy, devices, start=None):
    cfg = RunConfig.from_dict(raw).with_changes(train={"strategy": strategy,
                                                       "devices": devices})
    session = TrainingSession(cfg, scalar_hz=0, image_hz=0)
    session.prepare()
    state = session.recipe.state_variables()
    if start is not None:
        for variable, value in zip(state, start):
            variable.assign(value)
    return session, [v.numpy() for v in state]
"""

# One update on one device and on two logical CPUs (MirroredStrategy), from the same state on
# the same global batch; the same seed state gives the same z (core.replicas). Prints, per
# case, the largest difference of any state variable and the two runs' logs.
SAME_UPDATE = TWO_CPUS + r"""
def one_update(raw, strategy, devices, start=None):
    session, before = built(raw, strategy, devices, start)
    batch = {k: v[:session.recipe.pipeline_batch] for k, v in session._streams[0].items()}
    data = tf.data.Dataset.from_tensors(batch).repeat()
    logs = session.recipe.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history
    return session, before, {k: float(v[0]) for k, v in logs.items()}

out = {}
for name, raw in json.loads(sys.argv[1]).items():
    one, start, logs_one = one_update(raw, "none", None)
    two, _, logs_two = one_update(raw, "mirrored", 2, start)
    pairs = list(zip(one.recipe.state_variables(), two.recipe.state_variables()))
    diff = max(float(np.max(np.abs(a.numpy() - b.numpy()), initial=0.0)) for a, b in pairs)
    moved = max(float(np.max(np.abs(a.numpy() - s), initial=0.0))
                for a, s in zip(one.recipe.network_variables(), start))
    copies = two.placement.strategy.experimental_local_results(
        two.recipe.network_variables()[0].value)
    out[name] = {"diff": diff, "moved": moved, "logs_one": logs_one, "logs_two": logs_two,
                 "replicas": two.placement.replicas,
                 "copies_differ": float(np.max(np.abs(copies[0].numpy() - copies[1].numpy())))}
print(json.dumps(out))
"""

RING8 = {"data": {"name": "ring8", "n_points": 2000},
         "net": {"name": "mlp", "depth": 2, "width": 16, "latent_dim": 4},
         "train": {"steps": 1, "batch": 32, "jit": "off", "checkpoint_every": 0,
                   "probe_size": 16, "n_samples": 8, "eval_every": 0}}
DIGITS_WGAN_GP = {"data": {"name": "digits", "limit": 128},
                  "net": {"name": "dcgan", "filters": 4, "latent_dim": 8},
                  "objective": {"name": "wgan-gp"},
                  "train": RING8["train"]}


def _with(raw: dict, family: str | None = None, **sections) -> dict:
    out = json.loads(json.dumps(raw))
    if family is not None:
        out["family"] = family
    for section, changes in sections.items():
        out.setdefault(section, {}).update(changes)
    return out


@pytest.fixture(scope="module")
def same_update(tmp_path_factory):
    """One subprocess for every case (each start of TensorFlow costs seconds)."""
    cases = {
        # the defaults of the ring8 bar: non-saturating, R1, EMA, PacGAN packs of 2
        "gan_ring8_mlp": RING8,
        # k = 2 D updates a step, hinge loss, no packing
        "gan_ring8_k2_hinge": _with(RING8, objective={"name": "hinge", "d_steps": 2},
                                    net={"pack": 1}),
        # the conditional GAN (labels: ring8's modes), with separate realness and match heads
        "cgan_ring8_separate": _with(RING8, family="cgan", cgan={"d_design": "separate"}),
        # keras#20164's case: WGAN-GP's custom train_step under MirroredStrategy, with a
        # convolutional G whose batch norm is synchronized over the replicas
        "wgan_gp_dcgan_sync_bn": _with(DIGITS_WGAN_GP, net={"sync_bn": True}),
        # the same without synchronized batch norm: each replica normalizes its own half
        "wgan_gp_dcgan_local_bn": DIGITS_WGAN_GP,
    }
    cwd = tmp_path_factory.mktemp("distribute")
    return run_tf_only(SAME_UPDATE, json.dumps(cases), cwd=cwd)


def test_two_logical_cpus_make_the_same_update_as_one_device(same_update):
    case = same_update["gan_ring8_mlp"]
    assert case["replicas"] == 2
    assert case["moved"] > 1e-4  # the update did change the weights
    assert case["diff"] < 1e-5  # every variable: weights, EMA, optimizer slots, seed state
    assert case["copies_differ"] == 0.0  # both replicas hold the same weights
    # the logged scalars are the global batch's, as on one device (losses summed over the
    # replicas' shares, means averaged, gradient norms of the summed gradient)
    assert case["logs_one"].keys() == case["logs_two"].keys()
    for key, value in case["logs_one"].items():
        assert case["logs_two"][key] == pytest.approx(value, rel=1e-5, abs=1e-6), key


def test_several_d_steps_a_step_split_over_replicas_like_one_device(same_update):
    case = same_update["gan_ring8_k2_hinge"]
    assert case["moved"] > 1e-4 and case["diff"] < 1e-5


def test_the_conditional_gan_splits_over_replicas_like_one_device(same_update):
    case = same_update["cgan_ring8_separate"]
    assert case["moved"] > 1e-4 and case["diff"] < 1e-5
    assert {"d_loss_realness", "d_loss_match", "d_mismatch"} <= set(case["logs_two"])
    for key, value in case["logs_one"].items():
        assert case["logs_two"][key] == pytest.approx(value, rel=1e-5, abs=1e-6), key


def test_wgan_gp_under_mirrored_strategy_trains_like_one_device(same_update):
    """keras#20164 (a WGAN-GP custom train_step under MirroredStrategy fails) does not happen
    here: the recipe is built before fit (`Recipe.finish_build`), and the penalty's
    double backward pass runs per replica."""
    synced = same_update["wgan_gp_dcgan_sync_bn"]
    assert synced["moved"] > 1e-4 and synced["diff"] < 1e-5
    for key, value in synced["logs_one"].items():
        assert synced["logs_two"][key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
    # without synchronized batch norm G normalizes each replica's half by its own statistics:
    # a different (still valid) update
    assert same_update["wgan_gp_dcgan_local_bn"]["diff"] > 1e-6


def _no_gpu() -> bool:
    import tensorflow as tf

    return not tf.config.list_physical_devices("GPU")


cpu_only = pytest.mark.skipif(not _no_gpu(), reason="with GPUs, devices are GPUs")


@cpu_only
def test_more_logical_cpus_than_set_up_is_a_clear_error():
    import tensorflow as tf

    tf.constant(0.0)  # TensorFlow has set up its devices in this process
    have = len(tf.config.list_logical_devices("CPU"))
    with pytest.raises(ConfigError, match="already set up its devices") as info:
        place(TrainConfig(strategy="mirrored", devices=have + 3))
    assert "fresh process" in info.value.hint


@cpu_only
def test_auto_and_none_on_one_cpu_use_no_strategy():
    assert place(TrainConfig()).strategy is None  # auto: one device here
    placement = place(TrainConfig(strategy="none"))
    assert placement.kind == "none" and placement.replicas == 1 and placement.chief


def test_impossible_settings_are_refused_before_tensorflow_runs():
    with pytest.raises(ConfigError, match="need train.strategy mirrored"):
        TrainConfig(strategy="none", devices=2)
    with pytest.raises(ConfigError, match="chief only"):
        TrainConfig(strategy="multiworker", stop_rule=True)
    with pytest.raises(ConfigError, match="strategy"):
        RunConfig().with_setting("train.strategy=horovod")


def test_multiworker_needs_a_valid_tf_config():
    with pytest.raises(ConfigError, match="needs the TF_CONFIG"):
        place(TrainConfig(strategy="multiworker"), environ={})
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    bad = {
        "not json": "{cluster",
        "no workers": json.dumps({"cluster": {}, "task": {"type": "worker", "index": 0}}),
        "task outside": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 2}}),
        "unknown job": json.dumps({"cluster": {**cluster, "ps": ["127.0.0.1:3"]},
                                   "task": {"type": "worker", "index": 0}}),
        "no port": json.dumps({"cluster": {"worker": ["localhost"]},
                               "task": {"type": "worker", "index": 0}}),
    }
    for why, text in bad.items():
        with pytest.raises(ConfigError, match="TF_CONFIG"):
            read_tf_config({"TF_CONFIG": text})
            pytest.fail(why)
    good = read_tf_config({"TF_CONFIG": json.dumps({"cluster": cluster,
                                                    "task": {"type": "worker", "index": 1}})})
    assert good["task"] == {"type": "worker", "index": 1}


def test_multiworker_after_tensorflow_started_is_a_clear_error():
    import tensorflow as tf

    tf.constant(0.0)  # TensorFlow runs in this process: collectives can no longer be set up
    env = {"TF_CONFIG": json.dumps({"cluster": {"worker": ["127.0.0.1:1"]},
                                    "task": {"type": "worker", "index": 0}})}
    with pytest.raises(ConfigError, match="before TensorFlow runs anything"):
        place(TrainConfig(strategy="multiworker"), environ=env)


def test_weights_digest_sees_every_value_shape_and_order():
    a, b = np.arange(6, dtype=np.float32), np.ones((2, 2), np.float32)
    digest = weights_digest([a, b])
    assert digest.startswith("sha256:") and digest == weights_digest([a.copy(), b.copy()])
    changed = a.copy()
    changed[3] = np.nextafter(changed[3], np.float32(10))
    assert weights_digest([changed, b]) != digest
    assert weights_digest([b, a]) != digest
    assert weights_digest([a.reshape(2, 3), b]) != digest


# Five steps of a real run (`TrainingSession.run`: the engine's pipeline, `fit`, the telemetry
# callback) on one device and on two logical CPUs, from the same state: the pipeline's batches
# are a function of the seed alone and each replica reads its rows of the global batch, so the
# two runs train on the same data and end on the same weights.
SAME_RUN = TWO_CPUS + r"""
def run(raw, strategy, devices, start=None):
    session, before = built(raw, strategy, devices, start)
    session.run()
    return session, before

one, start = run(json.loads(sys.argv[1]), "none", None)
two, _ = run(json.loads(sys.argv[1]), "mirrored", 2, start)
pairs = list(zip(one.recipe.network_variables(), two.recipe.network_variables()))
print(json.dumps({
    "steps": [one.step, two.step], "replicas": two.placement.replicas,
    "diff": max(float(np.max(np.abs(a.numpy() - b.numpy()), initial=0.0)) for a, b in pairs),
    "moved": max(float(np.max(np.abs(a.numpy() - s), initial=0.0))
                 for a, s in zip(one.recipe.network_variables(), start))}))
"""


def test_a_run_on_two_logical_cpus_reads_the_same_batches_and_ends_on_the_same_weights(tmp_path):
    raw = _with(RING8, train={"steps": 5})
    out = run_tf_only(SAME_RUN, json.dumps(raw), cwd=tmp_path)
    assert out["steps"] == [5, 5] and out["replicas"] == 2
    assert out["moved"] > 1e-3
    assert out["diff"] < 1e-5


# Calls of several steps over two replicas: a set number (the fast-best preset's 8) and auto
# after its measurement. Keras's loop of several steps a call fails under a strategy
# (keras#19246: "You must feed a value for placeholder tensor"), so both run one step a call.
SEVERAL_A_CALL = TWO_CPUS + r"""
raw = json.loads(sys.argv[1])
out = {}
for name, k in (("set", 4), ("auto", None)):
    cfg = RunConfig.from_dict(raw).with_changes(train={"steps_per_execution": k, "steps": 4000})
    session, _ = built(cfg.to_dict(), "mirrored", 2)
    session.tune_per_call(0.001, 0.0)  # as measured: auto would choose 16 a call on one device
    planned = session.plan_per_call(1000)
    result = session.run(steps=10)
    out[name] = {"planned": planned, "step": session.step,
                 "per_call": int(session.recipe.steps_per_execution or 1)}
print(json.dumps(out))
"""


def test_calls_of_several_steps_run_one_step_a_call_over_two_replicas(tmp_path):
    out = run_tf_only(SEVERAL_A_CALL, json.dumps(RING8), cwd=tmp_path)
    for name in ("set", "auto"):
        assert out[name] == {"planned": 1, "step": 10, "per_call": 1}, name


@cpu_only
def test_kernel_threads_auto_is_one_only_for_points_in_a_process_of_their_own():
    auto = TrainConfig()
    assert kernel_threads(auto, points=True, own_process=True, environ={}) == 1
    assert kernel_threads(auto, points=False, own_process=True, environ={}) is None  # images
    assert kernel_threads(auto, points=True, own_process=False, environ={}) is None  # studio
    # a count the user gave TensorFlow in its environment variable stays
    env = {"TF_NUM_INTRAOP_THREADS": "2"}
    assert kernel_threads(auto, points=True, own_process=True, environ=env) is None
    for points, own in [(True, True), (False, False)]:  # a set count, wherever it runs
        assert kernel_threads(TrainConfig(threads=3), points, own, environ={}) == 3


# A fresh process with one thread per operation (as the CLI's points runs): G's update cuts D's
# pass over the fakes into two chains there, and the update is the one D's single pass gives.
CHAINS = r"""
import json, sys
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(1)
import numpy as np
from ganstudio.config import RunConfig
from ganstudio.core.session import TrainingSession

def one_update(raw, chains=None, start=None):
    session = TrainingSession(RunConfig.from_dict(raw), scalar_hz=0, image_hz=0)
    session.prepare()
    planned = session.recipe.g_chains
    if chains is not None:
        session.recipe.g_chains = chains
    state = session.recipe.state_variables()
    for variable, value in zip(state, start or []):
        variable.assign(value)
    before = [v.numpy() for v in state]
    batch = {k: v[:session.recipe.pipeline_batch] for k, v in session._streams[0].items()}
    data = tf.data.Dataset.from_tensors(batch).repeat()
    logs = session.recipe.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history
    return session, planned, before, float(logs["g_loss"][0])

raw, others = (json.loads(a) for a in sys.argv[1:3])
two, planned, start, g_two = one_update(raw)
one, _, _, g_one = one_update(raw, chains=1, start=start)
pairs = zip(one.recipe.state_variables(), two.recipe.state_variables())
out = {"planned": planned, "g_loss": [g_one, g_two],
       "diff": max(float(np.max(np.abs(a.numpy() - b.numpy()), initial=0.0)) for a, b in pairs),
       "moved": max(float(np.max(np.abs(a.numpy() - s), initial=0.0))
                    for a, s in zip(two.recipe.generator.trainable_variables, start))}
# a Step G button on fewer rows than a batch, whose packs do not halve: one pass
short = two._streams[0]["x"][:30]  # 15 packs of 2
out["short_g_loss"] = two.recipe.single_update("g", {"x": short})["g_loss"]
for name, other in others.items():
    session = TrainingSession(RunConfig.from_dict(other), scalar_hz=0, image_hz=0)
    session.prepare()
    out[name] = session.recipe.g_chains
print(json.dumps(out))
"""


@cpu_only
def test_g_update_runs_d_in_two_chains_with_one_thread_per_op_and_updates_the_same(tmp_path):
    others = {
        "spectral_norm_d": DIGITS_WGAN_GP,  # D's power iteration keeps state: one pass
        "odd_packs": _with(RING8, train={"batch": 34}),  # 17 packs of 2 do not halve
        "xla": _with(RING8, train={"jit": "on"}),
    }
    out = run_tf_only(CHAINS, json.dumps(RING8), json.dumps(others), cwd=tmp_path)
    assert out["planned"] == 2
    assert out["moved"] > 1e-4  # G moved, and ...
    assert out["diff"] < 1e-5, out  # ... every variable as with D's single pass
    assert abs(out["g_loss"][0] - out["g_loss"][1]) < 1e-6
    assert math.isfinite(out["short_g_loss"])
    assert out["spectral_norm_d"] == out["odd_packs"] == out["xla"] == 1


# A fresh process, as the CLI's: a points run of its own fixes one thread per operation, which
# the next session keeps on auto, and a set count it cannot have any more is a clear error.
THREADS = r"""
import json, sys
from ganstudio.config import RunConfig
from ganstudio.core.session import TrainingSession
from ganstudio.errors import ConfigError
import tensorflow as tf

raw = json.loads(sys.argv[1])
first = TrainingSession(RunConfig.from_dict(raw), scalar_hz=0, image_hz=0, own_process=True)
first.prepare()
out = {"first": first.threads, "tf": tf.config.threading.get_intra_op_parallelism_threads()}
images = RunConfig.from_dict({**raw, "data": {"name": "digits", "limit": 64},
                              "net": {"filters": 4, "latent_dim": 8}})
second = TrainingSession(images, scalar_hz=0, image_hz=0)
second.prepare()
out["second"] = second.threads
try:
    TrainingSession(images.with_changes(train={"threads": 2}), scalar_hz=0,
                    image_hz=0).prepare()
except ConfigError as e:
    out["error"], out["hint"] = str(e), e.hint
print(json.dumps(out))
"""


@cpu_only
def test_a_points_run_in_its_own_process_uses_one_thread_per_operation(tmp_path):
    out = run_tf_only(THREADS, json.dumps(RING8), cwd=tmp_path)
    assert out["first"] == 1 and out["tf"] == 1
    assert out["second"] == 1  # auto leaves what the process has
    assert "train.threads" in out["error"] and "already runs here with 1" in out["error"]
    assert "Restart the studio" in out["hint"]


def test_auto_threads_let_go_of_a_count_tensorflow_can_no_longer_take():
    import tensorflow as tf

    tf.constant(0.0)  # TensorFlow runs in this process: its threads are fixed
    have = tf.config.threading.get_intra_op_parallelism_threads()
    other = have + 1
    assert use_kernel_threads(other, strict=False) == have
    with pytest.raises(ConfigError, match="train.threads"):
        use_kernel_threads(other)
    assert use_kernel_threads(None) == have
