"""The family contract: what every recipe (one `keras.Model` per model family) provides.

The session, the telemetry callback, checkpoints, export, the CLI and the studio talk to a
recipe only through this interface, so adding a family adds a recipe file, its config section
and its panels, and no branches elsewhere:

- building: `Recipe.create(context)` builds the nets, optimizers and compiles (with `jit`);
- data: `training_arrays()` gives the named arrays the pipeline batches into dicts (`x`,
  `label`, ...), `pipeline_batch` how many rows one `train_step` takes;
- training: `train_step` (Keras), `single_update(mode, batch)` for the Step buttons, the
  scalars in `metrics`, `watched_scalars` checked for divergence, `derived_scalars`;
- several devices (a family that trains on them, `FamilySpec.single_device` empty):
  `train_step` takes its replica's rows (`batch / replicas`), draws random values with
  `core.replicas`, makes its losses with `objectives.batch_mean` (listed in `replica_shares`)
  and ends with `step_logs(logs)`; single updates go through `single_step(fn)`;
- views: `prepare_views(rng)` fixes the probe inputs once, `views()` returns numpy panels;
- state: `state_variables()` in a stable order for checkpoints, `network_variables()` (their
  networks' part, hashed into `run.json`'s `weights_digest`), `steps`;
- generation and export: `input_specs()`, `generate(inputs)` in the dataset's units,
  `export_specs()` (named signatures) and `export_layers()`;
- metrics: `make_evaluator(...)`, `equilibrium(scalars)` for the stop rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import keras
import numpy as np

from ganstudio.config import ObjectiveConfig, RunConfig
from ganstudio.core import replicas
from ganstudio.core.data.base import Dataset, Normalizer
from ganstudio.core.optimizers import FusedAdam
from ganstudio.core.precision import inner, loss_scaled

LR_FLOOR = 0.01  # a decayed learning rate ends at this share of its starting value


@dataclass
class RecipeContext:
    """What a recipe is built from.

    Args:
        config: The run's settings.
        dataset: The loaded data, in its own units.
        normalizer: Maps the data's units to the network's range and back.
        jit: Whether `train_step` is XLA-compiled.
    """

    config: RunConfig
    dataset: Dataset
    normalizer: Normalizer
    jit: bool


@dataclass(frozen=True)
class InputSpec:
    """One input of a generation signature.

    Args:
        name: `z`, `label`, `caption`, `x`, ...
        dtype: `float32`, `int32` or `string`.
        shape: One example's shape (`(64,)` for z, `()` for a label or caption); the whole
            input's shape when not `batched`.
        help: What to give, for the CLI and the metadata.
        batched: One row per example (the signature's shape is `(None, *shape)`); `False`
            for a plain argument such as a sample count (its shape is `shape`).
        default: For a plain argument: the value a caller that does not choose passes (the
            CLI's `sample`), e.g. the Gibbs sweeps the run itself used; `None`: none.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    help: str = ""
    batched: bool = True
    default: int | float | None = None

    def signature_shape(self) -> tuple[int | None, ...]:
        """The input's shape in a signature: a batch dimension first when `batched`."""
        return (None, *self.shape) if self.batched else tuple(self.shape)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for the export metadata)."""
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape),
                "help": self.help, "batched": self.batched, "default": self.default}


@dataclass(frozen=True)
class ExportSpec:
    """One named signature of the export.

    Args:
        name: Signature name (`serving_default`, `stage1`, ...).
        inputs: Its inputs, in order.
        fn: Tensors in `inputs` order -> the output tensor, in the dataset's units; with
            `outputs`, a dict of tensors by those names.
        help: One line on what it returns.
        outputs: The names of a signature with several outputs (`("mean", "log_var")`);
            empty: one output, named `output_0`.
    """

    name: str
    inputs: tuple[InputSpec, ...]
    fn: Callable[..., Any]
    help: str = ""
    outputs: tuple[str, ...] = ()


def learning_rate(lr: float, decay: str, total_updates: int):
    """A constant rate, or a Keras schedule falling to `LR_FLOOR * lr` over `total_updates`.

    Args:
        lr: The starting learning rate.
        decay: `none`, `cosine` or `linear` (see `ObjectiveConfig.lr_decay`), or `half`:
            constant for the first half, then linearly to 0 (`HoldThenLinear`).
        total_updates: Optimizer updates over the whole run; the rate holds at the floor after.

    Returns:
        A float or a `keras.optimizers.schedules.LearningRateSchedule`, driven by the
        optimizer's own `iterations`, so a resumed run continues where it left off.
    """
    if decay == "none":
        return lr
    total = max(1, int(total_updates))
    if decay == "cosine":
        return keras.optimizers.schedules.CosineDecay(lr, decay_steps=total, alpha=LR_FLOOR)
    if decay == "linear":
        return keras.optimizers.schedules.PolynomialDecay(
            lr, decay_steps=total, end_learning_rate=lr * LR_FLOOR, power=1.0)
    if decay == "half":
        return HoldThenLinear(lr, decay_start=total // 2, decay_steps=total - total // 2)
    raise ValueError(f"unknown learning-rate decay {decay!r}")


class HoldThenLinear(keras.optimizers.schedules.LearningRateSchedule):
    """CycleGAN's schedule: the starting rate for `decay_start` updates, then a straight line
    to 0 over `decay_steps` (the paper: 100 epochs at 2e-4, then 100 falling to 0).

    Args:
        initial_learning_rate: The rate until `decay_start`.
        decay_start: Updates at the full rate.
        decay_steps: Updates over which it falls to 0 (and stays there).
    """

    def __init__(self, initial_learning_rate: float, decay_start: int, decay_steps: int):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_start = int(decay_start)
        self.decay_steps = max(1, int(decay_steps))

    def __call__(self, step):
        past = (keras.ops.cast(step, "float32") - self.decay_start) / self.decay_steps
        return self.initial_learning_rate * (1.0 - keras.ops.clip(past, 0.0, 1.0))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_start": self.decay_start, "decay_steps": self.decay_steps}


def make_optimizer(obj: ObjectiveConfig, lr: float, total_updates: int):
    """The optimizer an objective asks for: RMSprop for `wgan` (as in its paper), else Adam
    with the configured betas; the rate follows `obj.lr_decay` over `total_updates`."""
    rate = learning_rate(lr, obj.lr_decay, total_updates)
    if obj.name == "wgan":
        return loss_scaled(keras.optimizers.RMSprop(rate))
    return loss_scaled(FusedAdam(rate, beta_1=obj.beta1, beta_2=obj.beta2))


class Recipe(keras.Model):
    """Base of every model family's recipe; see the module docstring for the contract.

    Subclasses set the class attributes, implement `create` and the abstract methods, and
    keep their trackers in `self.trackers` (exposed as Keras `metrics`).

    Attributes:
        family: The family's registry name.
        scalar_keys: The per-step scalars `train_step` returns (the loss plot's curves).
        watched_scalars: Scalars whose becoming NaN or infinite stops training.
        step_modes: Single-update modes of the Step buttons (besides `both`); empty for a
            family with one optimizer, whose Step is one whole `train_step`.
        headline_scalars: The scalars a one-line progress report shows (the CLI's); empty:
            the adversarial line (D and G losses, D on real and fake).
        critic_output: True when D's outputs are critic scores, not probabilities.
        replica_shares: The scalars `train_step` makes with `objectives.batch_mean` (the
            losses): under several replicas each replica holds its share of them, and
            `step_logs` sums them (see `core.replicas.global_logs`).
    """

    family: ClassVar[str] = ""
    scalar_keys: ClassVar[tuple[str, ...]] = ()
    watched_scalars: ClassVar[tuple[str, ...]] = ()
    step_modes: ClassVar[tuple[str, ...]] = ()
    headline_scalars: ClassVar[tuple[str, ...]] = ()
    replica_shares: ClassVar[tuple[str, ...]] = ()
    critic_output: bool = False

    @classmethod
    def create(cls, context: RecipeContext) -> Recipe:
        """Builds the recipe, its nets and optimizers, compiled and with every variable made."""
        raise NotImplementedError

    # -- keras plumbing ----------------------------------------------------------------------

    @property
    def metrics(self):
        return list(self.trackers.values())

    def update_trackers(self, logs: dict[str, Any]) -> None:
        """Feeds this step's scalars to the trackers (inside `train_step`)."""
        for key, tracker in self.trackers.items():
            tracker.update_state(logs[key])

    def step_logs(self, logs: dict[str, Any]) -> dict[str, Any]:
        """The end of a `train_step`: the step's scalars as the global batch's figures (the
        same on every replica under a strategy, `core.replicas.global_logs`), fed to the
        trackers; returns them for Keras."""
        logs = replicas.global_logs(logs, self.replica_shares)
        self.update_trackers(logs)
        return logs

    def finish_build(self) -> None:
        """Marks the recipe built once `create` has made every variable (the session calls
        it after `create`): the recipe and its weightless helper layers (packing, ...) are
        complete then; a layer that still lacks its weights is left alone."""
        for layer in self._flatten_layers():
            if not layer.built and (layer is self or not layer.weights):
                layer.built = True

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Keras's build before `fit` under a strategy, skipped for a built recipe.

        Under a distribution strategy Keras's `fit` first takes a batch from the data,
        reduces it over the replicas (which fails for a dict of batches under a multi-worker
        strategy) and builds an unbuilt model by calling it on that batch, which a recipe
        (whose `call` takes z, not the data) cannot take: the first failure of keras#20164 (a
        GAN's custom `train_step` under MirroredStrategy). A recipe is built by `create`
        (`finish_build`); this overrides a private Keras method, so it is checked by the
        distributed tests (tests/unit/test_distribute.py, tests/e2e/test_cli_distribute.py).
        """
        if all(layer.built for layer in self._flatten_layers()):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    @property
    def steps(self) -> int:
        """Training steps so far (continues across resume)."""
        raise NotImplementedError

    def state_variables(self) -> list:
        """All variables that define the training state, in a stable order."""
        raise NotImplementedError

    def network_variables(self) -> list:
        """The networks' variables, in `state_variables()` order: the training state without
        the optimizers' variables and the random state (what a run's `weights_digest`
        hashes)."""
        skip = {id(v) for optimizer in self.optimizers() for v in optimizer.variables}
        skip |= {id(g.state) for g in vars(self).values()
                 if isinstance(g, keras.random.SeedGenerator)}
        return [v for v in self.state_variables() if id(v) not in skip]

    def optimizers(self) -> list:
        """The recipe's optimizers, in attribute-name order."""
        found = {name: value for name, value in vars(self).items()
                 if isinstance(value, keras.optimizers.Optimizer)}
        return [found[name] for name in sorted(found)]

    def scale_learning_rates(self, factor: float) -> None:
        """Multiplies every optimizer's learning rate by `factor` (a schedule is replaced by
        the same schedule from a scaled start, and the train step is traced again for it).

        Args:
            factor: The multiplier, e.g. 0.5 after a divergence.
        """
        retrace = False
        for optimizer in self.optimizers():
            schedule = _schedule(optimizer)
            if schedule is not None:
                config = schedule.get_config()
                for key in ("initial_learning_rate", "end_learning_rate"):
                    if key in config:
                        config[key] = float(config[key]) * factor
                optimizer.learning_rate = type(schedule).from_config(config)
                retrace = True
            else:
                optimizer.learning_rate = _rate(optimizer) * factor
        if retrace:
            self.train_function = None  # fit() traces it again with the new schedules

    def constant_learning_rates(self) -> list[tuple[Any, float]]:
        """(optimizer, rate) of each optimizer whose rate is a constant (not a schedule): a
        checkpoint restores the rate variable, so a resumed run with new rates sets them back."""
        return [(o, _rate(o)) for o in self.optimizers() if _schedule(o) is None]

    def apply_live_settings(self, config: RunConfig) -> None:
        """Takes the family's live settings (`FamilySpec.live_settings`) from `config`, between
        two steps, without a new model (default: the family has none)."""

    # -- data ----------------------------------------------------------------------------------

    def training_arrays(self) -> dict[str, np.ndarray]:
        """Named arrays, one row per example, in the network's range; the pipeline yields
        dicts of batches of them."""
        raise NotImplementedError

    def training_streams(self) -> list[dict[str, np.ndarray]]:
        """The pipeline's streams: each a dict of named arrays with one row per example, shuffled
        on its own (rows of one stream stay together); a batch holds `pipeline_batch` rows of
        each. Default: one stream, `training_arrays()`. Two-domain recipes give one stream per
        domain, so the domains are never paired."""
        return [self.training_arrays()]

    @property
    def pipeline_batch(self) -> int:
        """Rows one `train_step` takes from the pipeline."""
        raise NotImplementedError

    # -- training outside fit ------------------------------------------------------------------

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """One update of one player (a Step button), on a batch of `training_arrays()` rows."""
        raise NotImplementedError

    def single_step(self, fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        """A compiled update outside `fit` (a Step button's), placed like `train_step`.

        On one device: `tf.function(fn)` with the run's `jit_compile`. Under a strategy (the
        session calls single updates in its scope) the variables' gradients exist only inside
        a replica, so each call splits every argument's rows over the replicas, runs `fn` on
        each share with `strategy.run` (as `fit` runs `train_step`) and returns the global
        logs (`core.replicas.global_logs`).

        Args:
            fn: Tensors (rows of one batch) -> a dict of scalar logs.

        Returns:
            A callable taking the whole batch's tensors.
        """
        import tensorflow as tf

        strategy = tf.distribute.get_strategy()
        count = strategy.num_replicas_in_sync
        if count == 1:
            return tf.function(fn, jit_compile=bool(self.jit_compile))
        shares = self.replica_shares

        @tf.function
        def run(*args):
            logs = strategy.run(lambda *a: replicas.global_logs(fn(*a), shares), args=args)
            return {k: strategy.experimental_local_results(v)[0] for k, v in logs.items()}

        def split(tensor):
            rows = int(tensor.shape[0]) // count
            return strategy.experimental_distribute_values_from_function(
                lambda ctx: tensor[ctx.replica_id_in_sync_group * rows:
                                   (ctx.replica_id_in_sync_group + 1) * rows])

        return lambda *tensors: run(*(split(t) for t in tensors))

    def derived_scalars(self, scalars: dict[str, float]) -> dict[str, float]:
        """Figures derived from a step's scalars (e.g. the JSD bound); default none."""
        return {}

    def equilibrium(self, scalars: dict[str, float]) -> float | None:
        """Mean D output for the stop rule's 0.5 test, or `None` where it does not apply."""
        return None

    # -- views -------------------------------------------------------------------------------

    def prepare_views(self, rng: np.random.Generator) -> None:
        """Fixes the probe inputs of the live views (called once, after `create`)."""

    def views(self) -> dict[str, Any]:
        """The live panels (`core.panels` dataclasses), numpy, in the dataset's units."""
        return {}

    # -- generation and export -------------------------------------------------------------------

    def input_specs(self) -> tuple[InputSpec, ...]:
        """The inputs of `generate` and of the export's `serving_default`."""
        return self.export_specs()[0].inputs

    def generate(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Samples for named numpy inputs (see `input_specs`), in the dataset's units."""
        raise NotImplementedError

    def export_specs(self) -> list[ExportSpec]:
        """The export's signatures; the first is `serving_default`."""
        raise NotImplementedError

    def export_layers(self) -> list:
        """The layers and models the export's signatures use (tracked by the archive)."""
        raise NotImplementedError

    def condition_info(self) -> dict[str, Any] | None:
        """For a conditional family: the condition's input name (`label`, `caption`) and the
        choices a user picks from (class names, or the training captions and vocabulary);
        `None` for an unconditional one."""
        return None

    def example_inputs(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """Inputs for `n` samples drawn with a seed (export round trip, `sample`, eval)."""
        raise NotImplementedError

    def signature_examples(self, name: str, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """Inputs of the export's signature `name` for its round-trip check (default: the same
        `example_inputs` for every signature; the translation families give each direction
        examples of its own source domain)."""
        return self.example_inputs(n, seed)

    def picture(self) -> Any:
        """What the run's samples.png shows where the family has a picture of its own (a
        `core.panels.Samples`: the translation families' round trip, or translated points over
        the target domain's); `None`: the live sample grid, or 2,500 samples over the real
        points."""
        return None

    def describe(self) -> dict[str, Any]:
        """What the run's files record about the built model (resolved nets, sizes)."""
        return {}

    def objective_text(self) -> str:
        """The objective in a few words, for status lines (default: `objective.name`)."""
        return self.context.config.objective.name if getattr(self, "context", None) else ""

    def param_counts(self) -> dict[str, int]:
        """Parameter count of each network."""
        return {}

    # -- metrics ---------------------------------------------------------------------------------

    def make_evaluator(self, dataset: Dataset, n: int | None, seed: int,
                       status: Callable[[str], Any] | None = None) -> Evaluator:
        """The quality evaluator of this family (see `Evaluator`)."""
        raise NotImplementedError

    def quality_report(self, dataset: Dataset, seed: int,
                       status: Callable[[str], Any] | None = None) -> tuple[dict[str, Any], str]:
        """The end-of-run evaluation written to run.json, and its table for the CLI."""
        raise NotImplementedError


def _rate(optimizer) -> float:
    """An optimizer's constant learning rate (read with `numpy()`: `float()` fails on the
    mirrored variable a distribution strategy makes of it)."""
    return float(optimizer.learning_rate.numpy())


def _schedule(optimizer) -> Any:
    """The optimizer's learning-rate schedule, or `None` when its rate is a constant."""
    rate = getattr(inner(optimizer), "_learning_rate", None)  # Keras keeps it only here
    return rate if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule) else None


class TwoPlayerRecipe(Recipe):
    """A recipe with a D and a G optimizer (the adversarial families): their compile."""

    def compile(self, d_optimizer, g_optimizer, jit_compile="auto"):
        """Sets the two optimizers; `jit_compile` as in `keras.Model.compile`."""
        super().compile(jit_compile=jit_compile)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    def compile_players(self, context: RecipeContext) -> None:
        """The objective's optimizers for D (k updates a step) and G, compiled with the run's
        `jit`, and every variable made (`build_state`)."""
        cfg = context.config
        obj = cfg.objective
        self.compile(d_optimizer=make_optimizer(obj, obj.lr_d, cfg.train.steps * obj.d_steps),
                     g_optimizer=make_optimizer(obj, obj.lr_g, cfg.train.steps),
                     jit_compile=context.jit)
        self.build_state()

    def build_state(self) -> None:
        """Creates every variable (optimizer slots included) so checkpoints can be restored."""
        raise NotImplementedError


class Evaluator:
    """Live quality figures of a recipe, comparable over a run.

    Attributes:
        main_metric: The figure the stop rule watches.
        main_mode: `"min"` or `"max"`: which way is better for it.
        baseline: name -> the real-vs-real value.
        names: The figures each call returns, in order (known after the first call at latest).
        better: name -> `"lower"` or `"higher"`.
        n: Samples per evaluation.
    """

    main_metric: str = ""
    main_mode: str = "min"
    baseline: dict[str, float]
    names: tuple[str, ...] = ()
    better: dict[str, str]
    n: int = 0

    def __call__(self, recipe: Recipe) -> dict[str, float]:
        """Returns name -> value for the recipe's current weights."""
        raise NotImplementedError
