"""The family contract: what every recipe (one `keras.Model` per model family) provides.

The session, the telemetry callback, checkpoints, export, the CLI and the studio talk to a
recipe only through this interface, so adding a family adds a recipe file, its config section
and its panels, and no branches elsewhere:

- building: `Recipe.create(context)` builds the nets, optimizers and compiles (with `jit`);
- data: `training_arrays()` gives the named arrays the pipeline batches into dicts (`x`,
  `label`, ...), `pipeline_batch` how many rows one `train_step` takes;
- training: `train_step` (Keras), `single_update(mode, batch)` for the Step buttons, the
  scalars in `metrics`, `watched_scalars` checked for divergence, `derived_scalars`;
- views: `prepare_views(rng)` fixes the probe inputs once, `views()` returns numpy panels;
- state: `state_variables()` in a stable order for checkpoints, `steps`;
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
from ganstudio.core.data.base import Dataset, Normalizer

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
        return keras.optimizers.RMSprop(rate)
    return keras.optimizers.Adam(rate, beta_1=obj.beta1, beta_2=obj.beta2)


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
    """

    family: ClassVar[str] = ""
    scalar_keys: ClassVar[tuple[str, ...]] = ()
    watched_scalars: ClassVar[tuple[str, ...]] = ()
    step_modes: ClassVar[tuple[str, ...]] = ()
    headline_scalars: ClassVar[tuple[str, ...]] = ()
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

    @property
    def steps(self) -> int:
        """Training steps so far (continues across resume)."""
        raise NotImplementedError

    def state_variables(self) -> list:
        """All variables that define the training state, in a stable order."""
        raise NotImplementedError

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
                optimizer.learning_rate = float(optimizer.learning_rate) * factor
        if retrace:
            self.train_function = None  # fit() traces it again with the new schedules

    def constant_learning_rates(self) -> list[tuple[Any, float]]:
        """(optimizer, rate) of each optimizer whose rate is a constant (not a schedule): a
        checkpoint restores the rate variable, so a resumed run with new rates sets them back."""
        return [(o, float(o.learning_rate)) for o in self.optimizers() if _schedule(o) is None]

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


def _schedule(optimizer) -> Any:
    """The optimizer's learning-rate schedule, or `None` when its rate is a constant."""
    rate = getattr(optimizer, "_learning_rate", None)  # Keras keeps the schedule only here
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
