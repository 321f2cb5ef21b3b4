"""TrainingSession: config -> data + recipe -> fit(), with telemetry, checkpoints and export.

The one object the CLI, the studio's worker, the tests and the benchmarks drive:

```python
session = TrainingSession(RunConfig(), out_dir="runs/ring8", reporter=my_reporter)
session.prepare()          # load data, build and compile the recipe
result = session.run()     # blocks; honours session.control (pause/stop/step)
report = session.export()  # SavedModel + round-trip check
```
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio import __version__
from ganstudio.config import RunConfig
from ganstudio.core.checkpoint import (
    atomic_write_text,
    count_non_finite,
    last_good_checkpoint,
    load_checkpoint,
    restore_values,
    save_checkpoint,
)
from ganstudio.core.data.base import IMAGES, POINTS, Dataset, Normalizer
from ganstudio.core.data.registry import builtin_kind, load_dataset
from ganstudio.core.families import (
    check_data,
    describe_learning_rates,
    get_family,
    learning_rate_values,
)
from ganstudio.core.run_folder import (
    RunLock,
    check_run_target,
    is_own_export,
    remove_autosave,
    same_folder,
)
from ganstudio.core.telemetry import NullReporter, Reporter, Snapshot, TrainingControl
from ganstudio.errors import ConfigError, DivergedError, TrainingError

AUTOSAVE_SECONDS = 60.0
"""An autosave folder (the studio's unsaved run) is written after this many seconds of training
(and when a run stops), not more often: a checkpoint with its curves takes ~0.15 s for the
mlp. A large net's write takes longer; then the interval is 100 times its last write (1% of the
time goes to autosaves)."""
AUTOSAVE_SHARE = 0.01

_DIVERGED_HINT = ("Go back to the last good state with lower learning rates (the studio offers "
                  "it; from the CLI: --resume with a lower --set objective.lr_d/lr_g), or use "
                  "wgan-gp or spectral normalization.")

@dataclass
class RunResult:
    """What a finished (or stopped) run did."""

    steps: int
    seconds: float
    steps_per_sec: float
    final: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False
    checkpoint: str | None = None
    stop_reason: str | None = None


def device_name() -> str:
    """The device training runs on: the GPU's name, or "CPU (<processor>)"."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return str(details.get("device_name", gpus[0].name))
    return f"CPU ({platform.machine()})"


def resolve_jit(mode: str) -> bool:
    """`auto` means on with a GPU and off on CPU (where benchmarks/throughput.py shows it
    slower for these small models); `on` and `off` are taken as they are."""
    if mode == "on":
        return True
    if mode == "off":
        return False
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


STEPS_PER_EPOCH = 1000  # Keras epochs of `fit` (the data pipeline repeats on its own)
# `train.steps_per_execution` auto: a compiled call of about AUTO_CALL_SECONDS (so pause, stop
# and the 10 Hz scalars still answer within it), at most AUTO_MAX_PER_CALL steps, measured on
# the run's first one-step calls (`callbacks.AUTO_TUNE_CALLS`); a call of k steps is traced
# only when that costs at most AUTO_TRACE_SHARE of the training time left
AUTO_CALL_SECONDS = 0.1
AUTO_MAX_PER_CALL = 16
AUTO_TRACE_SHARE = 0.05


class TrainingSession:
    """Owns one run: dataset, recipe, fixed probes, control, checkpoints and export.

    Args:
        config: The run's settings.
        out_dir: Where checkpoints, run.json and exports go (`None`: nothing is written).
        reporter: Receives snapshots and status lines (from the training thread).
        control: Pause/stop/step control (a new one when omitted).
        resume: A run folder or checkpoint to continue from (same settings).
        scalar_hz: Maximum rate of scalar snapshots.
        image_hz: Maximum rate of snapshots with histograms and samples (`0`: every step,
            within the callback's share of the time); `None`: none while training (the CLI's
            runs, where nobody sees them: the probes and samples would cost up to 2% of the
            time for nothing); the run's own outputs (`samples.png`) are drawn from the
            networks, not from snapshots.
        dataset: An already loaded dataset to use instead of loading `config.data`.
        lock: Held around the single updates of the Step buttons, which run outside `fit`
            (the studio shares TensorFlow with its inference thread through it).
        own_process: Whether this run is the only one its process trains (the CLI's): then
            auto `train.threads` may fix TensorFlow's threads per operation for the run's nets
            (`core.distribute.kernel_threads`).
        autosave: `out_dir` is an autosave folder (`core.run_folder.autosave_folder`: the
            studio's run while it is saved nowhere else): a checkpoint, the curves and
            `config.toml` go there every `AUTOSAVE_SECONDS` of training and when a run stops
            (the last good state is still kept in memory every `train.checkpoint_every`
            steps), so a crash loses little; `save_run` to another folder and `close` delete
            it.
    """

    def __init__(self, config: RunConfig, out_dir: str | Path | None = None,
                 reporter: Reporter | None = None, control: TrainingControl | None = None,
                 resume: str | Path | None = None, scalar_hz: float = 10.0,
                 image_hz: float | None = 2.0,
                 dataset: Dataset | None = None, lock: Any = None,
                 own_process: bool = False, autosave: bool = False) -> None:
        self.config = config
        self.own_process = own_process
        self.lock = lock
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.autosave = autosave and self.out_dir is not None
        self._written_at = time.perf_counter()  # when the autosave was last written
        self._write_seconds = 0.0  # how long that write took
        self.reporter = reporter or NullReporter()
        self.control = control or TrainingControl()
        self.resume_from = resume
        self.scalar_hz = scalar_hz
        self.image_hz = image_hz
        self.dataset = dataset
        self.recipe = None
        self.normalizer: Normalizer | None = None
        self.net_config = None
        self.param_counts: dict[str, int] = {}
        self.jit = False
        self.device = ""
        self.placement = None  # where it trains (`core.distribute.Placement`), once prepared
        self.threads = 0  # threads per TensorFlow operation in force, once prepared (0: default)
        self.history: list[dict[str, float]] = []
        self.metrics_history: list[dict[str, float]] = []
        self.evaluator = None
        self.stop_rule = None
        self._prepared = False
        self._saved: tuple[int, Path] | None = None  # (step, path) of the state last saved
        self._folder_lock: RunLock | None = None
        self._good: tuple[int, list[np.ndarray]] | None = None  # last finite (step, state)
        self._counted_step: int | None = None  # while `fit` runs: the step, counted in Python
        # auto steps per call: the measured seconds of one step and of the first call (which
        # traces), the chosen k, and the recipe's train functions by steps per call
        self._step_seconds: float | None = None
        self._trace_seconds: float | None = None
        self._auto_per_call: int | None = None
        self._train_fns: dict[int, Any] = {}
        self._train_fns_recipe: Any = None  # the recipe those functions belong to

    # -- set-up --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Loads the data, builds and compiles the family's recipe, restores a checkpoint if
        resuming.

        Raises:
            GanStudioError: for bad data or settings (the message says what to do).
        """
        if self._prepared:
            return
        import keras

        from ganstudio.core import precision
        from ganstudio.core.data.pipeline import make_pipeline
        from ganstudio.core.distribute import (
            kernel_threads,
            place,
            sync_batch_norm,
            use_kernel_threads,
        )
        from ganstudio.core.recipes.base import RecipeContext

        cfg = self.config
        family = get_family(cfg.family)
        # first: logical devices and a multi-worker strategy exist only if made before
        # TensorFlow sets up its devices (which loading images may do)
        train = cfg.train
        if family.single_device and train.strategy == "auto" and train.devices is None:
            train = dataclasses.replace(train, strategy="none")  # auto never spreads it
        kind = self.dataset.kind if self.dataset is not None else builtin_kind(cfg.data.name)
        self.threads = use_kernel_threads(kernel_threads(train, kind == POINTS, self.own_process),
                                          strict=train.threads is not None)
        placement = place(train)
        if placement.replicas > 1 and family.single_device:
            raise ConfigError(f"{family.name} trains on one device only: "
                              f"{family.single_device}.", "Use --strategy none.")
        if family.float32_only and train.precision != "float32":
            raise ConfigError(f"train.precision: {family.name} trains in float32 only: "
                              f"{family.float32_only}.", "Use --precision float32.")
        self.placement = placement
        if self.dataset is None:
            self.reporter.status(f"loading {cfg.data.name}")
            self.dataset = load_dataset(cfg.data, seed=cfg.train.seed)
        ds = self.dataset
        check_data(family, ds.kind, ds.y is not None, bool(ds.captions), ds.name,
                   ds.domain_b is not None)
        self.normalizer = Normalizer.for_dataset(ds)
        keras.utils.set_random_seed(cfg.train.seed)
        self.device = device_name()
        precision.check_device(cfg.train.precision, self.device)
        self.jit = resolve_jit(cfg.train.jit)
        if placement.strategy is not None and self.jit:
            if cfg.train.jit == "on":
                raise ConfigError(
                    f"train.jit: XLA cannot compile a step under the {placement.kind} strategy "
                    "(Keras compiles none under tf.distribute; a forced one fails on the "
                    "other replicas' variables).", "Use --jit auto or off with --strategy.")
            self.jit = False  # Keras's own rule under tf.distribute (auto: on with a GPU)
        if self._several_replicas and (train.steps_per_execution or 1) > 1:
            self.reporter.status(
                f"steps per call: 1 over {placement.replicas} replicas, not "
                f"train.steps_per_execution={train.steps_per_execution} (Keras's loop of "
                "several steps a call fails under a tf.distribute strategy, keras#19246)")
        if self.device.startswith("CPU"):  # a GPU's own memory limit is TensorFlow's to report
            check_memory(cfg, ds, cfg.train.batch)
        where = "" if placement.kind == "none" else f", {placement.describe()}"
        if cfg.train.precision != "float32":
            where += f", {cfg.train.precision}"
        if self.threads:
            where += f", {self.threads} thread{'s' if self.threads != 1 else ''} per op"
        self.reporter.status(f"building {family.name} on {self.device}{where}")
        context = RecipeContext(cfg, ds, self.normalizer, self.jit)
        with placement.scope():  # the networks and every optimizer: mirrored variables
            with precision.policy(cfg.train.precision):  # the layers' arithmetic
                self.recipe = family.recipe_class().create(context)
            if cfg.train.precision != "float32":
                precision.networks_float32_outputs(self.recipe)
            self.recipe.finish_build()
            if cfg.net.sync_bn:
                sync_batch_norm(self.recipe)
            if self.recipe.pipeline_batch % placement.replicas:
                raise ConfigError(
                    f"train.batch: {self.recipe.pipeline_batch} rows a step do not split "
                    f"evenly over {placement.replicas} replicas.",
                    f"Pick a batch size divisible by {placement.replicas}.")
            self.net_config = getattr(self.recipe, "net_config", None)
            self.param_counts = self.recipe.param_counts()
            self._streams = self.recipe.training_streams()
            self.pipeline = make_pipeline(self._streams, self.recipe.pipeline_batch,
                                          cfg.train.seed)
            self.recipe.prepare_views(np.random.default_rng(cfg.train.seed + 1))
            if self.resume_from is not None:
                self._restore(self.resume_from)
        self._prepared = True

    @property
    def chief(self) -> bool:
        """Whether this process writes the run's files and reports (always, but on the other
        workers of a multi-worker run)."""
        return self.placement is None or self.placement.chief

    def _scope(self):
        """The strategy's scope, for changes to the variables outside `fit`."""
        return self.placement.scope() if self.placement is not None else contextlib.nullcontext()

    @property
    def examples(self) -> int:
        """Training examples (rows of the pipeline's first stream's arrays)."""
        return len(next(iter(self._streams[0].values())))

    @property
    def z_fixed(self) -> np.ndarray | None:
        """The fixed latents of the live sample view, where the recipe has them."""
        return getattr(self.recipe, "z_fixed", None)

    # -- state -----------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """Generator updates so far (while `fit` runs, counted by the telemetry callback rather
        than read from the optimizer's variable at every batch)."""
        if self._counted_step is not None:
            return self._counted_step
        return self.recipe.steps if self.recipe is not None else 0

    def count_steps(self, counting: bool) -> None:
        """Starts counting steps in Python from the recipe's own count (again: after an update
        outside `fit`, a Step button's), or stops and goes back to reading it."""
        self._counted_step = None
        if counting and self.recipe is not None:
            self._counted_step = self.recipe.steps

    def step_done(self, steps: int = 1) -> None:
        """`steps` more `train_step`s ran (each makes exactly one step): counts them, when
        counting."""
        if self._counted_step is not None:
            self._counted_step += steps

    @property
    def per_call_untuned(self) -> bool:
        """Whether auto steps per call still waits for its measurement (`tune_per_call`)."""
        return (self.config.train.steps_per_execution is None and self._auto_per_call is None
                and not self._several_replicas)

    @property
    def _several_replicas(self) -> bool:
        """Training runs as several replicas (devices or workers): one step a call there, as
        Keras's loop of several steps a call fails under a strategy (keras#19246)."""
        return self.placement is not None and (self.placement.replicas > 1
                                               or self.placement.workers > 1)

    def tune_per_call(self, step_seconds: float, trace_seconds: float | None) -> None:
        """Chooses auto's steps per call from a measured step (with its share of the views
        and the loop's own work) and the first call's time (the tracing it included)."""
        self._step_seconds = float(step_seconds)
        if trace_seconds is not None:
            self._trace_seconds = float(trace_seconds)
        k = int(AUTO_CALL_SECONDS / max(step_seconds, 1e-6))
        self._auto_per_call = max(1, min(AUTO_MAX_PER_CALL, k))
        self.reporter.status(f"steps per call (auto): {self._auto_per_call}, from "
                             f"{1000 * step_seconds:.1f} ms a step")

    def plan_per_call(self, remaining: int) -> int:
        """Steps the next compiled call should run, with `remaining` steps to the target.

        One step a call over several replicas (devices or workers: Keras's loop of several
        steps a call fails under a strategy, keras#19246). Otherwise
        `train.steps_per_execution` when set. Auto: one step a call until measured, while
        paused (so Step runs one), for a last stretch shorter than k, and when tracing a new
        call would cost more than AUTO_TRACE_SHARE of what is left (of this run, or of
        `train.steps`); k otherwise.
        """
        if self._several_replicas:
            return 1
        explicit = self.config.train.steps_per_execution
        if explicit is not None:
            return max(1, int(explicit))
        k = self._auto_per_call  # never measured over several replicas (`per_call_untuned`)
        if k is None or k <= 1 or remaining < k or self.control.paused:
            return 1
        traced = self._train_fns_recipe is self.recipe and k in self._train_fns
        left = max(remaining, self.config.train.steps - self.step)  # this run, or the plan
        if not traced and (left * (self._step_seconds or 0.0) * AUTO_TRACE_SHARE
                           < (self._trace_seconds or 0.0)):
            return 1
        return k

    @property
    def auto_per_call(self) -> int | None:
        """The steps per call auto chose once measured (`None` before, or when set)."""
        return self._auto_per_call

    def _install_per_call(self, per_call: int) -> bool:
        """Gives the recipe the train function of `per_call` steps a call, kept from an
        earlier call of that size when there was one (Keras traces a missing one in `fit`).
        Returns whether `fit` will trace it."""
        recipe = self.recipe
        if self._train_fns_recipe is not recipe or recipe.train_function is None:
            self._train_fns = {}  # a new recipe, or its step was reset (new schedules)
            self._train_fns_recipe = recipe
        fns = self._train_fns
        current = int(getattr(recipe, "steps_per_execution", 1) or 1)
        if recipe.train_function is not None:
            fns[current] = recipe.train_function
        if current != per_call or recipe.train_function is None:
            recipe.steps_per_execution = per_call  # read when Keras traces the function
            recipe.train_function = fns.get(per_call)
        return recipe.train_function is None

    def checkpoint_meta(self) -> dict[str, Any]:
        """What a checkpoint stores beside the variables."""
        return {
            "family": self.recipe.family,
            "config": self.config.to_dict(),
            **self.recipe.describe(),
            "normalizer": self.normalizer.to_dict(),
            "dataset": self.dataset.info(),
            "ganstudio": __version__,
        }

    def claim_folder(self) -> None:
        """Locks `out_dir` for this session's writes (once; a move to another folder moves the
        lock), so a second process cannot mix its files into it.

        Raises:
            ConfigError: when another process is writing the folder.
        """
        if self.out_dir is None:
            return
        if self._folder_lock is not None and self._folder_lock.folder == self.out_dir:
            return
        lock = RunLock(self.out_dir).acquire()
        self.release_folder()
        self._folder_lock = lock

    def release_folder(self) -> None:
        """Lets the run folder's lock go."""
        if self._folder_lock is not None:
            self._folder_lock.release()
            self._folder_lock = None

    def close(self) -> None:
        """Ends the session's hold on its folder when it is dropped: lets the lock go and
        deletes an autosave folder (what it held was discarded or saved elsewhere)."""
        self.release_folder()
        if self.autosave and self.out_dir is not None:
            remove_autosave(self.out_dir)
            self.autosave = False

    def autosave_due(self) -> bool:
        """Whether an autosave folder is due by the clock: `AUTOSAVE_SECONDS` since its last
        write, or 1/`AUTOSAVE_SHARE` times that write's time when longer (the callback then
        asks for a checkpoint whatever the step)."""
        if not self.autosave:
            return False
        every = max(AUTOSAVE_SECONDS, self._write_seconds / AUTOSAVE_SHARE)
        return time.perf_counter() - self._written_at >= every

    def _write_autosave_config(self) -> None:
        """Keeps an autosave folder's `config.toml` as the run's settings are now (the studio
        opens the folder by it after a crash)."""
        if self.autosave and self.out_dir is not None and self.chief:
            from ganstudio.config import to_toml

            atomic_write_text(self.out_dir / "config.toml", to_toml(self.config.to_dict()))

    def save_checkpoint(self, periodic: bool = False) -> Path | None:
        """Keeps the state in memory as the last good one (`recover` goes back to it) and, if
        the session has an output folder, writes it as a checkpoint (atomically).

        Args:
            periodic: Asked for by the interval (the callback): an autosave folder is then
                written only when `autosave_due`.

        Raises:
            DivergedError: when a state variable is NaN or infinite (nothing is kept or
                written; the last good state stays).
        """
        if self.recipe is None:
            return None
        if (self._saved is not None and self._saved[0] == self.step and self._saved[1].exists()
                and same_folder(self.out_dir, self._saved[1].parent.parent)):
            return self._saved[1]  # this very state is in this folder already (a periodic save)
        values = self._keep_good_state()
        if self.out_dir is None or not self.chief:  # the chief writes the cluster's checkpoints
            return None
        if periodic and self.autosave and not self.autosave_due():
            return None  # the state is kept in memory; the autosave follows by the clock
        t0 = time.perf_counter()
        try:
            self.claim_folder()
            # an autosave keeps its newest checkpoint only (written before the old one goes)
            keep = 1 if self.autosave else self.config.train.keep_checkpoints
            path = save_checkpoint(self.out_dir / "checkpoints", self.step, values,
                                   self.checkpoint_meta(), keep=keep)
            self._saved = (self.step, path)
            self._save_history()  # a killed run keeps its curves up to its last checkpoint
            self._write_autosave_config()
        except OSError as exc:
            if not self.autosave:
                raise
            self._autosave_off(exc)
            return None
        self._written_at = time.perf_counter()
        self._write_seconds = self._written_at - t0
        self.reporter.status(f"autosaved at step {self.step:,} (a crash loses only what follows)"
                             if self.autosave else f"checkpoint saved at step {self.step}")
        return path

    def _autosave_off(self, exc: OSError) -> None:
        """An autosave folder that cannot be written (a read-only or full disk) turns autosave
        off for this session, with a status line; training goes on."""
        folder = self.out_dir
        self.release_folder()
        self.autosave = False
        self.out_dir = None
        self._saved = None
        if folder is not None:
            remove_autosave(folder)
        self.reporter.status(f"autosave is off: {folder} cannot be written "
                             f"({exc.strerror or exc}); File → Save run keeps the networks")

    def _keep_good_state(self) -> list[np.ndarray]:
        """Copies the state; keeps it as the last good one when every value is finite."""
        values = [np.array(v.numpy()) for v in self.recipe.state_variables()]
        bad = count_non_finite(values)
        if bad:
            raise DivergedError(
                f"training diverged: {bad} state variables hold NaN or infinite values at step "
                f"{self.step}; {self._last_good_text()}.", _DIVERGED_HINT, step=self.step,
                good_step=self.good_step)
        if self._good is None or self._good[0] != self.step:
            self._good = (self.step, values)
        return values

    @property
    def good_step(self) -> int | None:
        """The step of the last good state kept in memory (`recover` goes back to it)."""
        return self._good[0] if self._good is not None else None

    def _last_good_text(self) -> str:
        if self.out_dir is not None and not self.autosave:  # the checkpoint to resume from
            return last_good_checkpoint(self.out_dir / "checkpoints")
        if self._good is not None:
            return f"the last good state is the one at step {self._good[0]:,}"
        return "there is no earlier good state"

    def diverged(self, names: list[str]) -> DivergedError:
        """The error for losses that stopped being finite at this step (the callback raises it).

        Args:
            names: The watched scalars that became NaN or infinite.
        """
        return DivergedError(
            f"training diverged: {', '.join(names)} became NaN or infinite at step "
            f"{self.step}; {self._last_good_text()}.", _DIVERGED_HINT, step=self.step,
            good_step=self.good_step)

    def recover(self, lr_factor: float = 0.5) -> int:
        """Goes back to the last good state after a divergence, with both learning rates scaled.

        The networks, optimizer states and step return to the last good state (kept in memory
        at every checkpoint interval and at the start of each `run`); the history after it is
        dropped; the family's learning-rate settings (`FamilySpec.learning_rates`, e.g.
        `objective.lr_d` and `lr_g`) are multiplied by `lr_factor`, and so are the optimizers'
        rates (schedules included). `run` then continues from there.

        Args:
            lr_factor: What the learning rates are multiplied by, in (0, 1].

        Returns:
            The step training continues from.

        Raises:
            TrainingError: when no good state was kept (training never ran).
        """
        if not 0.0 < lr_factor <= 1.0:
            raise ConfigError(f"lr_factor must be in (0, 1], not {lr_factor}.")
        if self.recipe is None or self._good is None:
            raise TrainingError("there is no good state to go back to.",
                                "Reset, then start again with lower learning rates.")
        step, values = self._good
        with self._scope():
            restore_values(self.recipe.state_variables(), values)
            self.recipe.scale_learning_rates(lr_factor)
        spec = get_family(self.config.family)
        changes: dict[str, dict[str, float]] = {}
        for key, value in learning_rate_values(spec, self.config).items():
            section, _, name = key.partition(".")
            changes.setdefault(section, {})[name] = value * lr_factor
        self.config = self.config.with_changes(**changes)
        self.history = [h for h in self.history if h.get("step", 0) <= step]
        self.metrics_history = [h for h in self.metrics_history if h.get("step", 0) <= step]
        self._saved = None
        self.reporter.status(f"back at step {step:,} with learning rates ×{lr_factor:g} "
                             f"({describe_learning_rates(spec, self.config)})")
        return step

    def _restore(self, source: str | Path) -> None:
        ckpt = load_checkpoint(source)
        saved = ckpt.meta.get("config", {}).get("train", {}).get("precision", "float32")
        now = self.config.train.precision
        if saved != now and "mixed_float16" in (saved, now):  # float32 <-> bfloat16 is fine
            raise ConfigError(f"train.precision: the checkpoint was trained with {saved} and "
                              f"this run asks for {now}; mixed_float16's optimizers keep a "
                              "loss scale the others do not have.",
                              f"Resume with --precision {saved}.")
        rates = self.recipe.constant_learning_rates()  # this run's settings, not the saved ones
        restore_values(self.recipe.state_variables(), ckpt.arrays)
        for optimizer, rate in rates:
            optimizer.learning_rate = rate
        run_dir = Path(ckpt.path).parent.parent
        self.history = _read_history(run_dir / "history.json")
        self.metrics_history = _read_history(run_dir / "metrics.json")
        self.reporter.status(f"resumed from {ckpt.path.name} at step {ckpt.step}")

    # -- running ---------------------------------------------------------------------------------

    def run(self, steps: int | None = None) -> RunResult:
        """Trains until `config.train.steps` generator updates in all (or `steps` more), a stop,
        or an error; blocks the calling thread.

        Raises:
            TrainingError: when the losses stop being finite or memory runs out; the last good
                checkpoint is kept.
        """
        import tensorflow as tf

        from ganstudio.core.callbacks import TelemetryCallback

        self.prepare()
        self.recipe.apply_live_settings(self.config)  # as the config says now (a continued run)
        try:
            self.claim_folder()  # before the first step: a folder in use fails now, not later
            self._write_autosave_config()
        except OSError as exc:
            if not self.autosave:
                raise
            self._autosave_off(exc)
        self._written_at = time.perf_counter()  # training time, not time idle, is what counts
        if self._good is None or self._good[0] != self.step:
            self._keep_good_state()  # something to go back to before the first checkpoint
        target = self.step + steps if steps is not None else self.config.train.steps
        remaining = max(0, target - self.step)
        explicit = None if self._several_replicas else self.config.train.steps_per_execution
        if explicit is not None and remaining % max(1, explicit):
            # one compiled call runs k steps: end on a multiple
            remaining += max(1, explicit) - remaining % max(1, explicit)
            target = self.step + remaining
        t0 = time.perf_counter()
        start_step = self.step
        if remaining == 0:
            return self._result(t0, start_step, stopped=False)
        telemetry = TelemetryCallback(self, target, self.config.train.checkpoint_every,
                                      self.config.train.eval_every)
        try:
            # one `fit` per size of call: auto steps per call changes it between calls (once
            # measured, to one step while paused or for the last few); the telemetry asks
            while True:
                per_call = self.plan_per_call(target - self.step)
                telemetry.traces = self._install_per_call(per_call)
                # The pipeline is endless, so an epoch is only Keras's bookkeeping (its
                # epoch-end work cost 2% when small data made an epoch 3 steps): a long one.
                spe = math.ceil(STEPS_PER_EPOCH / per_call) * per_call
                epoch0 = self.step // spe
                epochs = epoch0 + math.ceil((target - self.step) / spe) + 1
                self.recipe.fit(self.pipeline, epochs=epochs, initial_epoch=epoch0,
                                steps_per_epoch=spe, callbacks=[telemetry], verbose=0,
                                shuffle=False)
                if not telemetry.replan or telemetry.error is not None or self.step >= target:
                    break
        except tf.errors.ResourceExhaustedError:
            raise TrainingError(
                f"out of memory at step {self.step} with batch {self.config.train.batch}.",
                "Lower the batch size or the image size, or use a smaller net.") from None
        finally:
            self.count_steps(False)  # read again from the variables, whatever happened in fit
            telemetry.emit_final()
        if telemetry.error is not None:
            raise telemetry.error
        stopped = self.step < target
        ckpt = self.save_checkpoint()
        self._save_history()
        result = self._result(t0, start_step, stopped, ckpt)
        result.stop_reason = telemetry.stop_reason
        return result

    def _result(self, t0: float, start_step: int, stopped: bool, ckpt: Path | None = None):
        seconds = time.perf_counter() - t0
        done = self.step - start_step
        final = {k: float(t.result()) for k, t in self.recipe.trackers.items()} if done else {}
        return RunResult(self.step, seconds, done / seconds if seconds > 0 else 0.0, final,
                         stopped, str(ckpt) if ckpt else None)

    def _save_history(self) -> None:
        if self.out_dir is not None and self.chief:
            atomic_write_text(self.out_dir / "history.json", json.dumps(self.history))
            atomic_write_text(self.out_dir / "metrics.json",
                              json.dumps(self.metrics_history, default=_json_default))

    def apply_live_settings(self, config: RunConfig) -> None:
        """Takes a config that differs from the run's only in its family's live settings
        (`FamilySpec.live_settings`, e.g. StackGAN's training stage) and hands it to the
        recipe; call it between two steps (the studio runs it through the worker's
        serialized calls)."""
        self.config = config
        if self.recipe is not None:
            self.recipe.apply_live_settings(config)

    def single_update(self, mode: str) -> dict[str, float]:
        """One update of one player on a fresh batch (the Step D / Step G buttons)."""
        rng = np.random.default_rng(self.step + 7919)
        self._saved = None  # the weights change but a D-only update keeps the step count
        batch = {}
        for stream in self._streams:  # each stream drawn on its own, as the pipeline does
            idx = rng.integers(0, len(next(iter(stream.values()))),
                               size=self.recipe.pipeline_batch)
            batch.update({k: v[idx] for k, v in stream.items()})
        # outside `fit`, in the strategy's scope: the whole batch on the first replica's copy
        # of the weights, and the update written to every copy
        with self.lock if self.lock is not None else contextlib.nullcontext(), self._scope():
            return self.recipe.single_update(mode, batch)

    def scalars(self, logs: dict[str, Any]) -> dict[str, float]:
        """A step's logs as floats, with the recipe's derived figures (JSD bound, ...)."""
        out = {k: float(v) for k, v in logs.items()}
        out.update(self.recipe.derived_scalars(out))
        return out

    @property
    def watched_scalars(self) -> tuple[str, ...]:
        """Scalars whose becoming NaN or infinite stops training."""
        return self.recipe.watched_scalars

    def equilibrium(self, scalars: dict[str, float]) -> float | None:
        """Mean D output for the stop rule (see `Recipe.equilibrium`)."""
        return self.recipe.equilibrium(scalars)

    def evaluate_now(self) -> dict[str, float]:
        """Quality metrics of the current generator (the Metrics panel, the stop rule).

        The first call builds the evaluator (for images it trains or loads the cached feature
        classifier); each call draws the same latents, so figures are comparable over time.
        """
        from ganstudio.core.metrics.theory import StopRule

        self.prepare()
        train = self.config.train
        if self.evaluator is None:
            self.evaluator = self.recipe.make_evaluator(self.dataset, train.eval_n, train.seed,
                                                        self.reporter.status)
            if train.stop_rule:
                self.stop_rule = StopRule(epsilon=train.stop_epsilon,
                                          patience=train.stop_patience,
                                          mode=self.evaluator.main_mode,
                                          metric_name=self.evaluator.main_metric)
        figures = self.evaluator(self.recipe)
        self.metrics_history.append({"step": self.step, **figures})
        self._save_history()
        return figures

    # -- views -----------------------------------------------------------------------------------

    def views(self) -> dict[str, Any]:
        """The recipe's live panels (numpy, in the dataset's units)."""
        return self.recipe.views()

    def snapshot(self, scalars: dict[str, float], steps_per_sec: float, elapsed: float,
                 heavy: bool, event: str = "tick",
                 metrics: dict[str, float] | None = None) -> Snapshot:
        """Assembles a `Snapshot` of the current state; `heavy` adds the recipe's panels."""
        panels = self.views() if heavy else {}
        return Snapshot(
            step=self.step,
            epoch=self.step // max(1, self.examples // self.config.train.batch),
            elapsed=elapsed,
            steps_per_sec=steps_per_sec,
            scalars=scalars,
            critic=bool(self.recipe.critic_output),
            metrics=metrics,
            event=event,
            panels=panels,
        )

    def generate(self, z: np.ndarray | dict[str, Any], condition: Any = None) -> np.ndarray:
        """Samples with the current weights, in the dataset's units.

        Args:
            z: Latents [N, latent] (or a dict of every named input, see `input_specs`).
            condition: For a conditional family: a label or caption for all rows, or one each.
        """
        self.prepare()
        inputs = dict(z) if isinstance(z, dict) else {"z": np.asarray(z, np.float32)}
        if condition is not None:
            name = next(i.name for i in self.recipe.input_specs() if i.name != "z")
            inputs[name] = condition
        return self.recipe.generate(inputs)

    def condition_info(self) -> dict[str, Any] | None:
        """The condition a conditional family takes and its choices (see `Recipe`)."""
        self.prepare()
        return self.recipe.condition_info()

    def look_snapshot(self) -> Snapshot:
        """A full snapshot of a run that is not training (an opened run): the last scalars
        and every panel."""
        self.prepare()
        last = dict(self.history[-1]) if self.history else {}
        last.pop("step", None)
        return self.snapshot(last, 0.0, 0.0, heavy=True, event="final")

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n samples from the recipe's seeded inputs, in the dataset's units."""
        self.prepare()
        return self.recipe.generate(self.recipe.example_inputs(n, seed))

    # -- outputs ---------------------------------------------------------------------------------

    def export_metadata(self) -> dict[str, Any]:
        """The facts an export carries in its metadata JSON."""
        ds = self.dataset
        return {
            "dataset": ds.name,
            "kind": ds.kind,
            "data_shape": list(ds.shape),
            "value_range": list(ds.value_range),
            "class_names": ds.class_names,
            "modes": None if ds.modes is None else ds.modes.tolist(),
            "sigma": ds.sigma,
            "family": self.config.family,
            "net": getattr(self.net_config, "name", None),
            "objective": self.config.objective.name,
            "steps": self.step,
            "seed": self.config.train.seed,
            "precision": self.config.train.precision,
            "param_counts": self.param_counts,
            "ganstudio": __version__,
            **getattr(self.recipe, "export_metadata", dict)(),
        }

    def export(self, path: str | Path | None = None, replace: bool | None = None):
        """Exports the generator as a SavedModel (default `out_dir/generator`) and checks it.

        Args:
            path: The export folder (default: the run's own `generator/`).
            replace: Replace an earlier export there (default: only the run's own
                `generator/`; elsewhere an earlier export is refused, as is any other content).

        Returns:
            The `ExportReport`.
        """
        from ganstudio.core.export import export_recipe

        self.prepare()
        if path is None:
            if self.out_dir is None:
                raise ConfigError("export: no output folder.", "Give a path to export to.")
            path = self.out_dir / "generator"
        if replace is None:
            replace = is_own_export(path, self.out_dir)
        self.reporter.status(f"exporting to {path}")
        return export_recipe(self.recipe, path, self.export_metadata(),
                             seed=self.config.train.seed, replace=replace)

    def write_samples_png(self, path: str | Path) -> Path:
        """Writes the samples as a picture: the live sample grid (a conditional one has a row
        per condition), or 2,500 points over the real ones."""
        from ganstudio.core.render import samples_png

        ds = self.dataset
        picture = self.recipe.picture()
        if picture is not None:  # the family's own (a translation's round trip)
            return samples_png(picture.samples, picture.kind, path, real=picture.real_points,
                               columns=picture.columns)
        if ds.kind == IMAGES:
            panel = self.views()["samples"]
            return samples_png(panel.samples[:100], IMAGES, path, columns=panel.columns)
        samples = self.sample(2500, seed=self.config.train.seed + 101)
        return samples_png(samples, "points", path, real=ds.x[:2000], modes=ds.modes)

    def save_run(self, folder: str | Path | None = None, result: RunResult | None = None,
                 extra: dict[str, Any] | None = None, export: bool = True):
        """Writes the whole run folder, the same from the CLI and from the studio's Save run:
        `config.toml`, a checkpoint, the history, the export (`generator/`), `samples.png`
        and `run.json`. Later checkpoints of this session go there too.

        Args:
            folder: The run folder (default: the session's `out_dir`).
            result: What the last `run` returned (default: the current step, no timings).
            extra: More facts for `run.json` (e.g. `quality`).
            export: Whether to write and check the export.

        Returns:
            The `ExportReport`, or `None` without an export.

        Raises:
            ConfigError: without a folder, or when the folder holds another run or other
                files (`check_run_target`; nothing there is changed).
            ModelError: when the folder cannot be written.
        """
        self.prepare()
        folder = Path(folder) if folder is not None else self.out_dir
        if folder is None:
            raise ConfigError("save: no run folder.", "Give a folder to save the run in.")
        check_run_target(folder, own=self.out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        autosaved = self.out_dir if self.autosave else None
        self.autosave = False  # the folder saved to is the run's now, whichever it is
        self.out_dir = folder
        self.claim_folder()
        self.config.save(folder / "config.toml")
        if result is None:
            result = RunResult(self.step, 0.0, 0.0, {},
                               stopped_early=self.step < self.config.train.steps)
        if not self.chief:  # another worker: the chief writes the run; this one its end state
            self.write_run_json(result, extra)
            return None
        self.save_checkpoint()
        self._save_history()
        extra = dict(extra or {})
        report = None
        if export:
            report = self.export(folder / "generator")
            extra["export"] = {"path": str(report.path), "max_abs_diff": report.max_abs_diff,
                               "ok": report.ok}
        self.write_samples_png(folder / "samples.png")
        self.write_run_json(result, extra)
        if autosaved is not None and not same_folder(autosaved, folder):
            remove_autosave(autosaved)  # superseded by the run saved now
        return report

    def weights_digest(self) -> str:
        """A SHA-256 of the networks' weights (`Recipe.network_variables`, in order): equal on
        every worker of a multi-worker run that stayed in step."""
        from ganstudio.core.distribute import weights_digest

        self.prepare()
        return weights_digest(np.asarray(v.numpy()) for v in self.recipe.network_variables())

    def write_run_json(self, result: RunResult, extra: dict[str, Any] | None = None) -> Path:
        """Writes `out_dir/run.json`: config, resolved net, dataset, device, where it trained,
        final numbers and the weights' digest."""
        placement = self.placement.to_dict() if self.placement is not None else None
        data = {
            "config": self.config.to_dict(),
            "family": self.config.family,
            **self.recipe.describe(),
            "dataset": self.dataset.info(),
            "param_counts": self.param_counts,
            "device": self.device,
            "distribute": placement,
            "threads": self.threads,
            "jit": self.jit,
            "steps": result.steps,
            "seconds": round(result.seconds, 3),
            "steps_per_sec": round(result.steps_per_sec, 2),
            "stopped_early": result.stopped_early,
            "final": result.final,
            "stop_reason": result.stop_reason,
            "metrics_history": self.metrics_history[-20:],
            "weights_digest": self.weights_digest(),
            **(extra or {}),
        }
        if self.dataset.report is not None:
            data["load_report"] = self.dataset.report.to_dict()
        b = self.dataset.domain_b
        if b is not None and b.report is not None:
            data["load_report_b"] = b.report.to_dict()
        path = self.out_dir / "run.json"
        atomic_write_text(path, json.dumps(data, indent=2, default=_json_default))
        return path


def count_parameters(config: RunConfig, dataset: Dataset) -> dict[str, int]:
    """Parameter counts of the networks a run of `config` would build on `dataset` (the
    studio shows them before training starts).

    Raises:
        GanStudioError: for settings or data the family cannot use.
    """
    from ganstudio.core.recipes.base import RecipeContext

    family = get_family(config.family)
    check_data(family, dataset.kind, dataset.y is not None, bool(dataset.captions), dataset.name,
               dataset.domain_b is not None)
    check_memory(config, dataset, batch=1)  # building them must fit, whatever the batch
    context = RecipeContext(config, dataset, Normalizer.for_dataset(dataset), jit=False)
    return family.recipe_class().create(context).param_counts()


def check_memory(config: RunConfig, dataset: Dataset, batch: int) -> int:
    """Refuses settings whose networks and batch would not fit in the free memory (an
    estimate made before anything is built: `core.nets.memory`).

    Returns:
        The estimate in bytes.

    Raises:
        ConfigError: naming the estimate, the free memory and what to lower.
    """
    from ganstudio.core.nets.memory import check_training_memory
    from ganstudio.core.nets.registry import resolve_net_config

    net = resolve_net_config(config.net, dataset.kind, config.objective)
    return check_training_memory(net, tuple(int(v) for v in dataset.x.shape[1:]), batch)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def _read_history(path: Path) -> list[dict[str, float]]:
    try:
        return list(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []
