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
    load_checkpoint,
    restore_values,
    save_checkpoint,
)
from ganstudio.core.data.base import IMAGES, POINTS, Dataset, Normalizer
from ganstudio.core.data.registry import load_dataset
from ganstudio.core.telemetry import NullReporter, RateLimiter, Reporter, Snapshot, TrainingControl
from ganstudio.errors import ConfigError, TrainingError

FIELD_RESOLUTION = 64


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


LR_FLOOR = 0.01  # a decayed learning rate ends at this share of its starting value


def learning_rate(lr: float, decay: str, total_updates: int):
    """A constant rate, or a Keras schedule falling to `LR_FLOOR * lr` over `total_updates`.

    Args:
        lr: The starting learning rate.
        decay: `none`, `cosine` or `linear` (see `ObjectiveConfig.lr_decay`).
        total_updates: Optimizer updates over the whole run; the rate holds at the floor after.

    Returns:
        A float or a `keras.optimizers.schedules.LearningRateSchedule`, driven by the
        optimizer's own `iterations`, so a resumed run continues where it left off.
    """
    if decay == "none":
        return lr
    import keras

    total = max(1, int(total_updates))
    if decay == "cosine":
        return keras.optimizers.schedules.CosineDecay(lr, decay_steps=total, alpha=LR_FLOOR)
    if decay == "linear":
        return keras.optimizers.schedules.PolynomialDecay(
            lr, decay_steps=total, end_learning_rate=lr * LR_FLOOR, power=1.0)
    raise ValueError(f"unknown learning-rate decay {decay!r}")


class TrainingSession:
    """Owns one run: dataset, recipe, fixed probes, control, checkpoints and export.

    Args:
        config: The run's settings.
        out_dir: Where checkpoints, run.json and exports go (`None`: nothing is written).
        reporter: Receives snapshots and status lines (from the training thread).
        control: Pause/stop/step control (a new one when omitted).
        resume: A run folder or checkpoint to continue from (same settings).
        scalar_hz: Maximum rate of scalar snapshots.
        image_hz: Maximum rate of snapshots with histograms and samples.
        dataset: An already loaded dataset to use instead of loading `config.data`.
    """

    def __init__(self, config: RunConfig, out_dir: str | Path | None = None,
                 reporter: Reporter | None = None, control: TrainingControl | None = None,
                 resume: str | Path | None = None, scalar_hz: float = 10.0, image_hz: float = 2.0,
                 dataset: Dataset | None = None) -> None:
        self.config = config
        self.out_dir = Path(out_dir) if out_dir is not None else None
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
        self.history: list[dict[str, float]] = []
        self.metrics_history: list[dict[str, float]] = []
        self.evaluator = None
        self.stop_rule = None
        self._prepared = False
        self._saved: tuple[int, Path] | None = None  # (step, path) of the state last saved

    # -- set-up --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Loads the data, builds and compiles the recipe, restores a checkpoint if resuming.

        Raises:
            GanStudioError: for bad data or settings (the message says what to do).
        """
        if self._prepared:
            return
        import keras

        from ganstudio.core.data.pipeline import make_pipeline
        from ganstudio.core.nets import build_nets, resolve_net_config
        from ganstudio.core.objectives import build_game
        from ganstudio.core.recipes.gan import GANRecipe

        cfg = self.config
        if self.dataset is None:
            self.reporter.status(f"loading {cfg.data.name}")
            self.dataset = load_dataset(cfg.data, seed=cfg.train.seed)
        ds = self.dataset
        net_cfg = resolve_net_config(cfg.net, ds.kind, cfg.objective)
        if cfg.train.batch % net_cfg.pack:
            raise ConfigError(f"train.batch: {cfg.train.batch} is not a multiple of net.pack "
                              f"({net_cfg.pack}).", "Pick a batch size divisible by the packing.")
        self.net_config = net_cfg
        self.normalizer = Normalizer.for_dataset(ds)
        keras.utils.set_random_seed(cfg.train.seed)
        self.device = device_name()
        self.jit = resolve_jit(cfg.train.jit)
        self.reporter.status(f"building {net_cfg.name} on {self.device}")
        nets = build_nets(net_cfg, ds.shape)
        self.param_counts = nets.param_counts
        obj = cfg.objective
        recipe = GANRecipe(nets.generator, nets.discriminator, build_game(obj),
                           latent_dim=net_cfg.latent_dim, batch=cfg.train.batch,
                           d_steps=obj.d_steps, pack=net_cfg.pack, ema=obj.ema,
                           seed=cfg.train.seed)
        lr_d = learning_rate(obj.lr_d, obj.lr_decay, cfg.train.steps * obj.d_steps)
        lr_g = learning_rate(obj.lr_g, obj.lr_decay, cfg.train.steps)
        if obj.name == "wgan":
            d_opt = keras.optimizers.RMSprop(lr_d)
            g_opt = keras.optimizers.RMSprop(lr_g)
        else:
            d_opt = keras.optimizers.Adam(lr_d, beta_1=obj.beta1, beta_2=obj.beta2)
            g_opt = keras.optimizers.Adam(lr_g, beta_1=obj.beta1, beta_2=obj.beta2)
        recipe.compile(d_optimizer=d_opt, g_optimizer=g_opt, jit_compile=self.jit)
        recipe.build_state()
        self.recipe = recipe

        x_net = self.normalizer.to_net(ds.x)
        self._x_net = x_net
        self.pipeline = make_pipeline(x_net, cfg.train.batch * obj.d_steps, cfg.train.seed)
        self._make_probes(x_net)
        if self.resume_from is not None:
            self._restore(self.resume_from)
        self._prepared = True

    def _make_probes(self, x_net: np.ndarray) -> None:
        cfg = self.config.train
        m = self.net_config.pack
        rng = np.random.default_rng(cfg.seed + 1)
        probe = max(m, (min(cfg.probe_size, len(x_net) * m) // m) * m)
        idx = rng.choice(len(x_net), size=probe, replace=probe > len(x_net))
        latent = self.net_config.latent_dim
        self._real_probe = x_net[idx]
        self._z_probe = rng.standard_normal((probe, latent)).astype(np.float32)
        n_samples = cfg.n_samples if self.dataset.kind == IMAGES else max(cfg.n_samples, 512)
        self.z_fixed = rng.standard_normal((n_samples, latent)).astype(np.float32)
        self._grid = None
        if self.dataset.kind == POINTS and self.dataset.shape == (2,):
            lo = self.dataset.x.min(axis=0)
            hi = self.dataset.x.max(axis=0)
            pad = 0.15 * (hi - lo).max()
            lo, hi = lo - pad, hi + pad
            xs = np.linspace(lo[0], hi[0], FIELD_RESOLUTION, dtype=np.float32)
            ys = np.linspace(lo[1], hi[1], FIELD_RESOLUTION, dtype=np.float32)
            gx, gy = np.meshgrid(xs, ys)  # rows = y, columns = x
            grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
            self._grid = self.normalizer.to_net(grid)
            self._extent = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
            self._real_points = self.dataset.x[idx[: min(len(idx), 1000)]]

    # -- state -----------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """Generator updates so far."""
        return self.recipe.steps if self.recipe is not None else 0

    def checkpoint_meta(self) -> dict[str, Any]:
        """What a checkpoint stores beside the variables."""
        return {
            "family": self.recipe.family,
            "config": self.config.to_dict(),
            "net": {k: v for k, v in vars(self.net_config).items()},
            "normalizer": self.normalizer.to_dict(),
            "dataset": self.dataset.info(),
            "ganstudio": __version__,
        }

    def save_checkpoint(self) -> Path | None:
        """Writes a checkpoint now (atomically) if the session has an output folder."""
        if self.out_dir is None or self.recipe is None:
            return None
        if self._saved is not None and self._saved[0] == self.step and self._saved[1].exists():
            return self._saved[1]  # this very state is on disk already (a periodic save)
        values = [np.asarray(v) for v in self.recipe.state_variables()]
        path = save_checkpoint(self.out_dir / "checkpoints", self.step, values,
                               self.checkpoint_meta(), keep=self.config.train.keep_checkpoints)
        self._saved = (self.step, path)
        self.reporter.status(f"checkpoint saved at step {self.step}")
        return path

    def _restore(self, source: str | Path) -> None:
        ckpt = load_checkpoint(source)
        restore_values(self.recipe.state_variables(), ckpt.arrays)
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
        target = self.step + steps if steps is not None else self.config.train.steps
        remaining = max(0, target - self.step)
        t0 = time.perf_counter()
        start_step = self.step
        if remaining == 0:
            return self._result(t0, start_step, stopped=False)
        telemetry = TelemetryCallback(self, target)
        spe = max(1, len(self._x_net) // (self.config.train.batch * self.config.objective.d_steps))
        spe = min(spe, 1000)
        epoch0 = self.step // spe
        epochs = epoch0 + math.ceil(remaining / spe) + 1
        try:
            self.recipe.fit(self.pipeline, epochs=epochs, initial_epoch=epoch0,
                            steps_per_epoch=spe, callbacks=[telemetry], verbose=0,
                            shuffle=False)
        except tf.errors.ResourceExhaustedError:
            raise TrainingError(
                f"out of memory at step {self.step} with batch {self.config.train.batch}.",
                "Lower the batch size or the image size, or use a smaller net.") from None
        finally:
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
        if self.out_dir is not None:
            atomic_write_text(self.out_dir / "history.json", json.dumps(self.history))
            atomic_write_text(self.out_dir / "metrics.json",
                              json.dumps(self.metrics_history, default=_json_default))

    def single_update(self, mode: str) -> dict[str, float]:
        """One D-only or G-only update on a fresh real batch (the Step D / Step G buttons)."""
        rng = np.random.default_rng(self.step + 7919)
        idx = rng.integers(0, len(self._x_net), size=self.config.train.batch)
        self._saved = None  # the weights change but a D-only update keeps the step count
        return self.recipe.single_update(mode, self._x_net[idx])

    def evaluate_now(self) -> dict[str, float]:
        """Quality metrics of the current generator (the Metrics panel, the stop rule).

        The first call builds the evaluator (for images it trains or loads the cached feature
        classifier); each call draws the same latents, so figures are comparable over time.
        """
        from ganstudio.core.metrics.evaluate import LiveEvaluator
        from ganstudio.core.metrics.theory import StopRule

        self.prepare()
        train = self.config.train
        if self.evaluator is None:
            self.evaluator = LiveEvaluator(self.dataset, n=train.eval_n, seed=train.seed,
                                           status=self.reporter.status)
            if train.stop_rule:
                self.stop_rule = StopRule(epsilon=train.stop_epsilon,
                                          patience=train.stop_patience,
                                          mode=self.evaluator.main_mode,
                                          metric_name=self.evaluator.main_metric)
        figures = self.evaluator(self.generate, self.net_config.latent_dim)
        self.metrics_history.append({"step": self.step, **figures})
        return figures

    # -- views -----------------------------------------------------------------------------------

    def snapshot_heavy(self) -> dict[str, Any]:
        """D outputs on the fixed probe batches, samples from the fixed z, and for 2D data the
        decision surface and the generator's push; numpy, in the dataset's units."""
        out = self.recipe.probe(self._real_probe, self._z_probe, self.z_fixed)
        heavy: dict[str, Any] = {
            "d_real": out["d_real"].numpy(),
            "d_fake": out["d_fake"].numpy(),
            "samples": self.normalizer.to_data(out["samples"].numpy()),
        }
        if self._grid is not None:
            f = self.recipe.field(self._grid, self.z_fixed)
            heavy["surface"] = f["surface"].numpy().reshape(FIELD_RESOLUTION, FIELD_RESOLUTION)
            heavy["push"] = f["push"].numpy()
            heavy["extent"] = self._extent
            heavy["real_points"] = self._real_points
        return heavy

    def generate(self, z: np.ndarray) -> np.ndarray:
        """Samples G(z) with the current weights, in the dataset's units."""
        self.prepare()
        z = np.asarray(z, np.float32).reshape(-1, self.net_config.latent_dim)
        return self.normalizer.to_data(np.asarray(self.recipe.sampler()(z, training=False)))

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n samples from N(0, I) latents with a seed, in the dataset's units."""
        z = np.random.default_rng(seed).standard_normal((n, self.net_config.latent_dim))
        return self.generate(z)

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
            "net": self.net_config.name,
            "objective": self.config.objective.name,
            "steps": self.step,
            "seed": self.config.train.seed,
            "param_counts": self.param_counts,
            "ganstudio": __version__,
        }

    def export(self, path: str | Path | None = None):
        """Exports the generator as a SavedModel (default `out_dir/generator`) and checks it.

        Returns:
            The `ExportReport`.
        """
        from ganstudio.core.export import export_generator

        self.prepare()
        if path is None:
            if self.out_dir is None:
                raise ConfigError("export: no output folder.", "Give a path to export to.")
            path = self.out_dir / "generator"
        self.reporter.status(f"exporting to {path}")
        return export_generator(self.recipe.sampler(), self.normalizer,
                                self.net_config.latent_dim, path, self.export_metadata(),
                                seed=self.config.train.seed)

    def write_run_json(self, result: RunResult, extra: dict[str, Any] | None = None) -> Path:
        """Writes `out_dir/run.json`: config, resolved net, dataset, device and final numbers."""
        data = {
            "config": self.config.to_dict(),
            "net": vars(self.net_config),
            "dataset": self.dataset.info(),
            "param_counts": self.param_counts,
            "device": self.device,
            "jit": self.jit,
            "steps": result.steps,
            "seconds": round(result.seconds, 3),
            "steps_per_sec": round(result.steps_per_sec, 2),
            "stopped_early": result.stopped_early,
            "final": result.final,
            "stop_reason": result.stop_reason,
            "metrics_history": self.metrics_history[-20:],
            **(extra or {}),
        }
        if self.dataset.report is not None:
            data["load_report"] = self.dataset.report.to_dict()
        path = self.out_dir / "run.json"
        atomic_write_text(path, json.dumps(data, indent=2, default=_json_default))
        return path


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


def make_rate_limiters(scalar_hz: float, image_hz: float) -> tuple[RateLimiter, RateLimiter]:
    """The two emission limiters of a session: scalars and heavy (images/points)."""
    return RateLimiter(scalar_hz), RateLimiter(image_hz)


def snapshot_from(session: TrainingSession, scalars: dict[str, float], steps_per_sec: float,
                  elapsed: float, heavy: dict[str, Any] | None, event: str = "tick",
                  metrics: dict[str, float] | None = None) -> Snapshot:
    """Assembles a `Snapshot` from scalars and, optionally, the heavy parts."""
    from ganstudio.core.objectives import CRITIC

    critic = session.recipe.objective.output == CRITIC
    heavy = heavy or {}
    return Snapshot(
        step=session.step,
        epoch=session.step // max(1, len(session._x_net) // session.config.train.batch),
        elapsed=elapsed,
        steps_per_sec=steps_per_sec,
        scalars=scalars,
        critic=critic,
        d_real=heavy.get("d_real"),
        d_fake=heavy.get("d_fake"),
        samples=heavy.get("samples"),
        real_points=heavy.get("real_points"),
        surface=heavy.get("surface"),
        extent=heavy.get("extent"),
        push=heavy.get("push"),
        metrics=metrics,
        event=event,
    )
