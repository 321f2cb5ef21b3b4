"""Where a run trains: one device, several devices of this machine, or several machines.

`place(train)` turns `train.strategy` and `train.devices` into a `Placement`: the
`tf.distribute` strategy (or none), its replica count and whether this process is the chief.
The session builds the recipe (networks and every optimizer) inside `placement.scope()`, and
Keras's `fit` then runs each `train_step` once per replica on its share of the global batch;
`core.replicas` holds what a `train_step` does differently there.

- `none`: no strategy; exactly the single-device code path.
- `mirrored`: `tf.distribute.MirroredStrategy` over the first `devices` GPUs, or, on a machine
  without GPUs, over `devices` logical CPU devices made with
  `tf.config.set_logical_device_configuration`. That only works before TensorFlow sets up its
  devices in the process, so it is done first thing (`TrainingSession.prepare` places before it
  loads data); the CLI starts a fresh process for every run.
- `multiworker`: `tf.distribute.MultiWorkerMirroredStrategy` over the cluster that the
  `TF_CONFIG` environment variable describes (one process per worker; each may hold several
  GPUs, or one CPU). It too must come before TensorFlow's first operation in the process.
  The chief (the `chief` task, or worker 0 without one) writes telemetry, checkpoints and the
  export; every worker writes its own `run.json` with a digest of its weights
  (`weights_digest`) so that agreement can be checked.
- `auto`: mirrored when more than one device is there (GPUs) or asked for (`devices`), else
  none.

A process keeps the strategy it built: a second session with the same settings shares it,
and one that asks for what cannot be made any more (more logical CPUs after TensorFlow set
them up, a second cluster) gets a `ConfigError` saying what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ganstudio.config import TrainConfig
from ganstudio.errors import ConfigError

TF_CONFIG = "TF_CONFIG"
_README = "See the README's \"Several GPUs or machines\"."


@dataclass
class Placement:
    """What `place` built.

    Args:
        kind: `none`, `mirrored` or `multiworker` (`auto` resolved).
        strategy: The `tf.distribute.Strategy`, or `None` for `none`.
        replicas: Replicas in sync over the whole run (all workers).
        devices: This process's devices the replicas run on (empty for `none`).
        workers: Processes training together (1 unless `multiworker`).
        task: This process's task in the cluster, e.g. `("worker", 1)`; `None` alone.
        chief: Whether this process writes telemetry, checkpoints and the export.
    """

    kind: str = "none"
    strategy: Any = None
    replicas: int = 1
    devices: tuple[str, ...] = ()
    workers: int = 1
    task: tuple[str, int] | None = None
    chief: bool = True
    _key: tuple = field(default=(), repr=False)

    def scope(self):
        """A context in which variables are made for the strategy (nothing for `none`)."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def describe(self) -> str:
        """One line for status messages, e.g. `mirrored over 2 devices (CPU:0, CPU:1)`."""
        if self.kind == "none":
            return "one device"
        names = ", ".join(d.rsplit("device:", 1)[-1] for d in self.devices)
        text = f"{self.kind} over {self.replicas} replicas"
        if self.kind == "multiworker":
            text += f" on {self.workers} workers; this is {self.task[0]} {self.task[1]}" + (
                " (chief)" if self.chief else "")
        return text + (f" ({names})" if names else "")

    def to_dict(self) -> dict[str, Any]:
        """The facts `run.json` records."""
        return {"strategy": self.kind, "replicas": self.replicas, "devices": list(self.devices),
                "workers": self.workers, "task": list(self.task) if self.task else None,
                "chief": self.chief}


_placed: Placement | None = None  # this process's strategy, once built


def place(train: TrainConfig, environ: Mapping[str, str] | None = None) -> Placement:
    """Builds (or reuses) the strategy `train.strategy` and `train.devices` ask for.

    Call it before anything else of TensorFlow runs in the process: logical CPU devices and a
    multi-worker strategy can only be made before TensorFlow sets up its devices.

    Args:
        train: The run's training settings.
        environ: Where `TF_CONFIG` is read (default: `os.environ`).

    Returns:
        The `Placement`.

    Raises:
        ConfigError: for what cannot be made: more devices than there are, logical CPUs after
            TensorFlow set up its devices, multiworker without a valid `TF_CONFIG`, or a
            second, different cluster in one process.

    Example:

    >>> placement = place(TrainConfig(strategy="mirrored", devices=2))  # a fresh process
    >>> placement.replicas
    2
    """
    global _placed
    import tensorflow as tf

    env = os.environ if environ is None else environ
    gpus = tf.config.list_physical_devices("GPU")  # does not set up the devices
    kind = train.strategy
    if kind == "auto":
        wanted = train.devices if train.devices is not None else max(1, len(gpus))
        kind = "mirrored" if wanted > 1 else "none"
    if kind == "none":
        return Placement()
    if kind == "mirrored":
        count = train.devices if train.devices is not None else max(1, len(gpus))
        key = ("mirrored", count)
        if _placed is not None and _placed._key == key:
            return _placed
        devices = _gpu_names(gpus, count) if gpus else _logical_cpus(count)
        placement = Placement("mirrored", tf.distribute.MirroredStrategy(list(devices)),
                              replicas=count, devices=devices, _key=key)
    else:
        placement = _multiworker(train, env, gpus)
    _placed = placement
    return placement


def _gpu_names(gpus: list, count: int) -> tuple[str, ...]:
    if count > len(gpus):
        raise ConfigError(f"train.devices: {count} GPUs asked for; this machine has "
                          f"{len(gpus)}.", f"Use --devices {len(gpus)} or fewer.")
    return tuple(f"/device:GPU:{i}" for i in range(count))


def _logical_cpus(count: int) -> tuple[str, ...]:
    """`count` logical CPU devices on the first physical CPU, made now or made already."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
    except RuntimeError:  # TensorFlow has set up its devices in this process already
        have = len(tf.config.list_logical_devices("CPU"))
        if have < count:
            raise ConfigError(
                f"train.devices: {count} CPU devices cannot be made: TensorFlow has already "
                f"set up its devices in this process ({have} CPU device"
                f"{'s' if have != 1 else ''}), and it makes logical devices only before that.",
                "Train from a fresh process (`ganstudio train` is one), or ask for "
                f"--devices {have} or fewer.") from None
    return tuple(f"/device:CPU:{i}" for i in range(count))


INTRA_OP_ENV = "TF_NUM_INTRAOP_THREADS"


def kernel_threads(train: TrainConfig, points: bool, own_process: bool,
                   environ: Mapping[str, str] | None = None) -> int | None:
    """The threads one TensorFlow operation should use for a run, or `None` for TensorFlow's
    default (its `TF_NUM_INTRAOP_THREADS`, else every core).

    A set `train.threads` is used as it is. Auto (`None`) picks 1 for a run on 2D points on a
    machine without GPUs that has its process to itself (the CLI's `train`): the mlp's products
    are small (a few hundred rows by 256), and splitting each over the cores costs more than
    it saves, while single-threaded ones run two at a time (measured on 2 cores: ring8 +14 and
    +22% steps/s in two paired runs, grid25's fast-best in float32 +8%). The convolutional
    nets of images lose 10 to 16% that way, and TensorFlow fixes the count once per process,
    so a process that trains several runs (the studio) keeps the default unless it is set.

    Args:
        train: The run's training settings.
        points: Whether the data are points (the mlp's data).
        own_process: Whether this run is the only one its process trains.
        environ: Where `TF_NUM_INTRAOP_THREADS` is read (default: `os.environ`); auto leaves
            a count set there alone.
    """
    import tensorflow as tf

    if train.threads is not None:
        return train.threads
    env = os.environ if environ is None else environ
    if not (points and own_process) or env.get(INTRA_OP_ENV):
        return None
    return None if tf.config.list_physical_devices("GPU") else 1


def critic_chains(discriminator, rows: int, pack: int, jit: bool) -> int:
    """Into how many independent pieces G's update cuts D's pass over its fakes: 2 or 1.

    With one thread per operation (`kernel_threads`'s choice for the mlp on a CPU) two
    operations run at a time, but D's forward and its input gradient in G's update are one
    chain of products, each waiting for the last, so one core waits through them. Two halves
    of the fakes make two chains that run side by side; every D output is the same, so is the
    update (measured on ring8 on 2 cores: the engine +8.6% steps/s, 8 alternated blocks; the
    process busy on 1.87 cores against 1.73).

    Only where that holds and helps: TensorFlow runs here with one thread per operation and more
    than one at a time, without GPUs, XLA or a `tf.distribute` strategy (replicas already run
    side by side); D's rows are independent (its layers are all row-wise and keep no state
    across calls, so no batch norm, spectral norm's power iteration or minibatch statistics);
    and the fakes' packs split evenly.

    Args:
        discriminator: D (a Keras model).
        rows: The fakes in one G update (rows before packing).
        pack: PacGAN's packing (rows per D input).
        jit: Whether the step is XLA-compiled.

    Returns:
        2 or 1 (`GANRecipe.g_chains`; a batch whose packs do not halve takes one pass).
    """
    import keras
    import tensorflow as tf

    threading = tf.config.threading
    if (jit or threading.get_intra_op_parallelism_threads() != 1
            or threading.get_inter_op_parallelism_threads() == 1
            or tf.distribute.has_strategy() or tf.config.list_physical_devices("GPU")):
        return 1
    if rows % pack or (rows // pack) % 2:
        return 1
    row_wise = (keras.layers.InputLayer, keras.layers.Dense, keras.layers.Activation,
                keras.layers.LeakyReLU, keras.layers.ReLU, keras.layers.Flatten,
                keras.layers.Reshape, keras.layers.Identity)
    # a nested model is not in the list, so it takes one pass
    return 2 if all(type(layer) in row_wise for layer in discriminator.layers) else 1


def use_kernel_threads(count: int | None, strict: bool = True) -> int:
    """Sets the threads one TensorFlow operation uses in this process (before its first
    operation: TensorFlow fixes them then).

    Args:
        count: The threads, or `None` to leave TensorFlow's choice.
        strict: Whether a count TensorFlow can no longer take is an error (a user's setting)
            or is let go (auto's choice: the process keeps what it has).

    Returns:
        The count in force (0: TensorFlow's default).

    Raises:
        ConfigError: when `strict` and `count` differs from the count TensorFlow already runs
            with here.
    """
    import tensorflow as tf

    have = tf.config.threading.get_intra_op_parallelism_threads()
    if count is None or count == have:
        return have
    try:
        tf.config.threading.set_intra_op_parallelism_threads(count)
    except RuntimeError:  # its context exists: the count is fixed for this process
        if not strict:
            return have
        raise ConfigError(
            f"train.threads: {count} thread{'s' if count != 1 else ''} per operation cannot "
            f"be set: TensorFlow already runs here with {have or 'its default'} (it fixes "
            "them at its first operation in a process).",
            "Restart the studio before training with this setting, train it from the CLI "
            "(`ganstudio train` starts a fresh process), or leave train.threads on auto."
        ) from None
    return count


def read_tf_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """The cluster `TF_CONFIG` describes, checked.

    Args:
        environ: The environment to read it from.

    Returns:
        `{"cluster": {job: [host:port, ...]}, "task": {"type": job, "index": i}}`.

    Raises:
        ConfigError: when it is missing, not JSON, or does not name this task in the cluster.
    """
    text = environ.get(TF_CONFIG, "").strip()
    if not text:
        raise ConfigError("train.strategy: multiworker needs the TF_CONFIG environment variable "
                          "(the cluster's workers and this process's task).", _README)
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"TF_CONFIG is not valid JSON: {exc.msg} at character {exc.pos}.",
                          _README) from None
    cluster = spec.get("cluster") if isinstance(spec, dict) else None
    task = spec.get("task") if isinstance(spec, dict) else None
    if not isinstance(cluster, dict) or not cluster.get("worker") and not cluster.get("chief"):
        raise ConfigError("TF_CONFIG has no cluster with workers: give "
                          "{\"cluster\": {\"worker\": [\"host:port\", ...]}, ...}.", _README)
    for job, hosts in cluster.items():
        if not isinstance(hosts, list) or not all(isinstance(h, str) and ":" in h for h in hosts):
            raise ConfigError(f"TF_CONFIG: cluster.{job} must be a list of \"host:port\".",
                              _README)
    if not isinstance(task, dict) or task.get("type") not in cluster:
        raise ConfigError(f"TF_CONFIG: task.type must name a job of the cluster "
                          f"({', '.join(cluster)}).", _README)
    index = task.get("index", 0)
    if isinstance(index, bool) or not isinstance(index, int) or not (
            0 <= index < len(cluster[task["type"]])):
        raise ConfigError(f"TF_CONFIG: task.index {index!r} is not a {task['type']} of the "
                          f"cluster (0..{len(cluster[task['type']]) - 1}).", _README)
    unknown = set(cluster) - {"chief", "worker"}
    if unknown:
        raise ConfigError(f"TF_CONFIG: multiworker training has chief and worker tasks only, "
                          f"not {', '.join(sorted(unknown))}.", _README)
    return {"cluster": cluster, "task": {"type": task["type"], "index": index}}


def _multiworker(train: TrainConfig, environ: Mapping[str, str], gpus: list) -> Placement:
    import tensorflow as tf

    spec = read_tf_config(environ)
    key = ("multiworker", json.dumps(spec, sort_keys=True), train.devices)
    if _placed is not None:
        if _placed._key == key:
            return _placed
        raise ConfigError("train.strategy: this process already trains under another "
                          "strategy; a multi-worker cluster can only be joined once per process.",
                          "Start a fresh process for it.")
    count = 0
    if gpus:
        count = train.devices if train.devices is not None else len(gpus)
        devices = _gpu_names(gpus, count)
    elif (train.devices or 1) > 1:
        raise ConfigError(f"train.devices: multiworker trains one replica per worker on CPUs, "
                          f"not {train.devices}.",
                          "Start more workers instead (one process each), or drop --devices.")
    else:
        devices = ("/device:CPU:0",)
    task = (spec["task"]["type"], spec["task"]["index"])
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec(spec["cluster"]), task_type=task[0], task_id=task[1],
        rpc_layer="grpc", num_accelerators={"GPU": count} if count else None)
    try:  # replicas on the first `count` GPUs of this worker (or its CPU)
        strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    except (RuntimeError, ValueError) as exc:
        raise _too_late(str(exc)) from None
    workers = sum(len(spec["cluster"].get(job, [])) for job in ("chief", "worker"))
    chief = task[0] == "chief" or (task == ("worker", 0) and "chief" not in spec["cluster"])
    return Placement("multiworker", strategy, replicas=int(strategy.num_replicas_in_sync),
                     devices=devices, workers=workers, task=task, chief=chief, _key=key)


def _too_late(detail: str = "") -> ConfigError:
    return ConfigError("train.strategy: multiworker must be set up before TensorFlow runs "
                       "anything in the process" + (f" ({detail})" if detail else "") + ".",
                       "Train from a fresh process: `ganstudio train --strategy multiworker`.")


def sync_batch_norm(model) -> int:
    """Makes every batch-norm layer of `model` (and its sub-models) synchronized.

    Keras reads the layer's `synchronized` at each call: its training statistics then come
    from the whole global batch (an all-reduce over the replicas); on one device it is the
    plain batch norm.

    Returns:
        How many layers were switched.
    """
    import keras

    layers = [layer for layer in model._flatten_layers()
              if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in layers:
        layer.synchronized = True
    return len(layers)


def weights_digest(values: Iterable[np.ndarray]) -> str:
    """A SHA-256 of arrays in order (shape, dtype and bytes), to check workers agree.

    Args:
        values: The arrays, e.g. the networks' weights in `state_variables()` order.

    Returns:
        `sha256:` and the hex digest.
    """
    h = hashlib.sha256()
    for value in values:
        arr = np.ascontiguousarray(value)
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
    return "sha256:" + h.hexdigest()
