"""Frozen run configuration: data, network, objective and training settings.

Every field is validated when the dataclass is made; a bad value raises a `ConfigError` whose
message names the field, the bad value and what is allowed. Configs load from and save to TOML
or JSON, and round-trip exactly.

Example:

```python
cfg = RunConfig.from_dict({"data": {"name": "grid25"}, "train": {"steps": 2000}})
cfg.save("run.toml")
assert RunConfig.load("run.toml") == cfg
```
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ganstudio.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NETS = ("auto", "mlp", "dcgan")
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "swish", "tanh")
G_NORMS = ("auto", "batch", "layer", "none")
D_NORMS = ("auto", "batch", "layer", "spectral", "none")
OBJECTIVES = ("minimax", "nonsaturating", "wgan", "wgan-gp", "lsgan", "hinge")
COLORS = ("auto", "grayscale", "rgb")
JIT_MODES = ("auto", "on", "off")
LR_DECAYS = ("none", "cosine", "linear")


def _suggest(value: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value), allowed, n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def _check_choice(section: str, name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"{section}.{name}: {value!r} is not allowed; choose one of {', '.join(allowed)}."
            + _suggest(value, allowed)
        )


def _check_int(section: str, name: str, value: Any, lo: int, hi: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{section}.{name}: {value!r} is not an integer; give a whole number.")
    if value < lo or (hi is not None and value > hi):
        upper = f" and at most {hi}" if hi is not None else ""
        raise ConfigError(f"{section}.{name}: {value} is out of range; it must be at least {lo}{upper}.")


def _check_float(
    section: str, name: str, value: Any, lo: float, hi: float | None = None, lo_open: bool = False
) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{section}.{name}: {value!r} is not a finite number.")
    too_low = value <= lo if lo_open else value < lo
    if too_low or (hi is not None and value > hi):
        low = f"greater than {lo}" if lo_open else f"at least {lo}"
        upper = f" and at most {hi}" if hi is not None else ""
        raise ConfigError(f"{section}.{name}: {value} is out of range; it must be {low}{upper}.")


@dataclass(frozen=True)
class DataConfig:
    """Which data to train on and how to shape it.

    Args:
        name: A built-in dataset name (`ganstudio datasets` lists them) or a path to a folder,
            .zip, .npz, image file, or .csv/.npy of points.
        image_size: Square side in pixels that images are resized and cropped to; `None` takes
            the most common size in the data, capped at 64.
        color: `"grayscale"`, `"rgb"`, or `"auto"` (RGB if any image has color).
        n_points: How many points a synthetic 2D dataset draws.
        limit: Use at most this many examples (`None` for all).
    """

    name: str = "ring8"
    image_size: int | None = None
    color: str = "auto"
    n_points: int = 100_000
    limit: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError("data.name: give a dataset name or a path; see `ganstudio datasets`.")
        if self.image_size is not None:
            _check_int("data", "image_size", self.image_size, 8, 128)
        _check_choice("data", "color", self.color, COLORS)
        _check_int("data", "n_points", self.n_points, 100, 10_000_000)
        if self.limit is not None:
            _check_int("data", "limit", self.limit, 1)


@dataclass(frozen=True)
class NetConfig:
    """The generator and discriminator architecture.

    Args:
        name: `"mlp"` (for points), `"dcgan"` (convolutional, for images), or `"auto"` (mlp for
            points, dcgan for images).
        latent_dim: Size of z; `None` picks 8 for points and 64 for images.
        depth: Hidden layers of the mlp.
        width: Units per hidden layer of the mlp (256: tight enough for the 2D toys' modes
            in 5,000 steps).
        activation: Hidden activation of the mlp.
        filters: Filters of dcgan's widest-resolution block (doubling as the image shrinks).
        g_norm: Normalization in the generator: batch, layer, none, or auto (batch for dcgan,
            none for mlp).
        d_norm: Normalization in the discriminator: batch, layer, spectral, none, or auto (none
            for mlp; for dcgan spectral, or layer with wgan-gp). Batch norm is refused with a
            gradient penalty or R1, whose per-example gradients it would mix.
        pack: PacGAN packing degree m: the discriminator judges m samples at once (2 by
            default: against mode dropping, and D sees half as many inputs).
        minibatch_std: Append the minibatch standard deviation as a feature in D.
    """

    name: str = "auto"
    latent_dim: int | None = None
    depth: int = 3
    width: int = 256
    activation: str = "relu"
    filters: int = 32
    g_norm: str = "auto"
    d_norm: str = "auto"
    pack: int = 2
    minibatch_std: bool = False

    def __post_init__(self) -> None:
        _check_choice("net", "name", self.name, NETS)
        if self.latent_dim is not None:
            _check_int("net", "latent_dim", self.latent_dim, 1, 4096)
        _check_int("net", "depth", self.depth, 1, 16)
        _check_int("net", "width", self.width, 2, 8192)
        _check_choice("net", "activation", self.activation, ACTIVATIONS)
        _check_int("net", "filters", self.filters, 4, 1024)
        _check_choice("net", "g_norm", self.g_norm, G_NORMS)
        _check_choice("net", "d_norm", self.d_norm, D_NORMS)
        _check_int("net", "pack", self.pack, 1, 16)
        if not isinstance(self.minibatch_std, bool):
            raise ConfigError(f"net.minibatch_std: {self.minibatch_std!r} must be true or false.")


@dataclass(frozen=True)
class ObjectiveConfig:
    """The adversarial objective and how the two players are optimized.

    Args:
        name: minimax, nonsaturating, wgan, wgan-gp, lsgan or hinge.
        d_steps: k, the discriminator (critic) updates per generator update.
        lr_d: Discriminator learning rate (Adam, or RMSprop for `wgan`).
        lr_g: Generator learning rate.
        beta1: Adam's first-moment decay.
        beta2: Adam's second-moment decay.
        clip: Weight clipping bound c for `wgan`.
        gp_lambda: Gradient-penalty weight λ for `wgan-gp`.
        r1_gamma: R1 penalty weight γ on real data (0 turns it off); composes with any objective.
            The default 0.02 kept all 25 grid25 modes in 5,000 steps where γ = 0 dropped 3-13.
        ema: Decay of an exponential moving average of G's weights used for samples and export
            (0 turns it off; 0.99 by default, 0.999 for long runs).
        lr_decay: How both learning rates fall over the run's `train.steps`: `none` (constant),
            `cosine` or `linear`, each down to 1% of the starting rate at the last step and
            held there if training goes on. Small late steps make the samples precise.
    """

    name: str = "nonsaturating"
    d_steps: int = 1
    lr_d: float = 1e-3
    lr_g: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    clip: float = 0.01
    gp_lambda: float = 10.0
    r1_gamma: float = 0.02
    ema: float = 0.99
    lr_decay: str = "none"

    def __post_init__(self) -> None:
        _check_choice("objective", "name", self.name, OBJECTIVES)
        _check_int("objective", "d_steps", self.d_steps, 1, 100)
        _check_float("objective", "lr_d", self.lr_d, 0.0, 1.0, lo_open=True)
        _check_float("objective", "lr_g", self.lr_g, 0.0, 1.0, lo_open=True)
        _check_float("objective", "beta1", self.beta1, 0.0, 0.9999)
        _check_float("objective", "beta2", self.beta2, 0.0, 0.99999)
        _check_float("objective", "clip", self.clip, 0.0, 100.0, lo_open=True)
        _check_float("objective", "gp_lambda", self.gp_lambda, 0.0, 1e4)
        _check_float("objective", "r1_gamma", self.r1_gamma, 0.0, 1e4)
        _check_float("objective", "ema", self.ema, 0.0, 0.99999)
        _check_choice("objective", "lr_decay", self.lr_decay, LR_DECAYS)


@dataclass(frozen=True)
class TrainConfig:
    """How long and how training runs.

    Args:
        steps: Generator updates to run (each after `d_steps` discriminator updates).
        batch: Samples per player update.
        seed: Seeds data shuffling, weights, z and the fixed probe batch.
        jit: XLA compilation of the train step: `"auto"` (on with a GPU, off on CPU), on, off.
        checkpoint_every: Write a checkpoint every this many steps (0: only at the end).
        keep_checkpoints: How many checkpoints to keep on disk.
        probe_size: Real and fake samples scored by D for the live histograms.
        n_samples: Samples drawn from the fixed z for the live view.
        eval_every: Evaluate quality metrics every this many steps, in the training thread
            (0: never). Costs about 0.1 s for points and 1 s for small images each time.
        eval_n: Samples per evaluation (`None`: 2,500 points or 1,000 images).
        stop_rule: Stop early when |mean D − 0.5| < `stop_epsilon` (the seeds' equilibrium
            signal) and the main metric has not improved for `stop_patience` evaluations.
        stop_epsilon: Equilibrium tolerance of the stop rule.
        stop_patience: Evaluations without improvement before the stop rule fires.
    """

    steps: int = 5000
    batch: int = 512
    seed: int = 0
    jit: str = "auto"
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    probe_size: int = 512
    n_samples: int = 64
    eval_every: int = 1000
    eval_n: int | None = None
    stop_rule: bool = False
    stop_epsilon: float = 0.05
    stop_patience: int = 5

    def __post_init__(self) -> None:
        _check_int("train", "steps", self.steps, 1, 100_000_000)
        _check_int("train", "batch", self.batch, 1, 65_536)
        _check_int("train", "seed", self.seed, 0, 2**31 - 1)
        _check_choice("train", "jit", self.jit, JIT_MODES)
        _check_int("train", "checkpoint_every", self.checkpoint_every, 0)
        _check_int("train", "keep_checkpoints", self.keep_checkpoints, 1, 1000)
        _check_int("train", "probe_size", self.probe_size, 8, 100_000)
        _check_int("train", "n_samples", self.n_samples, 1, 100_000)
        _check_int("train", "eval_every", self.eval_every, 0)
        if self.eval_n is not None:
            _check_int("train", "eval_n", self.eval_n, 10, 1_000_000)
        if not isinstance(self.stop_rule, bool):
            raise ConfigError(f"train.stop_rule: {self.stop_rule!r} must be true or false.")
        _check_float("train", "stop_epsilon", self.stop_epsilon, 0.0, 0.5, lo_open=True)
        _check_int("train", "stop_patience", self.stop_patience, 1, 10_000)


_SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "net": NetConfig,
    "objective": ObjectiveConfig,
    "train": TrainConfig,
}


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run; frozen, so the UI edits a copy.

    Args:
        data: Which dataset and how to shape it.
        net: The architecture.
        objective: The loss and the optimizers.
        train: Steps, batch, seed, jit and checkpoints.
    """

    data: DataConfig = field(default_factory=DataConfig)
    net: NetConfig = field(default_factory=NetConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Returns the config as nested plain dicts (JSON and TOML friendly)."""
        return {name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RunConfig:
        """Builds a validated config from nested dicts; missing fields take their defaults.

        Raises:
            ConfigError: on an unknown section or field, or a value that is not allowed.
        """
        if not isinstance(raw, Mapping):
            raise ConfigError("config: expected a table of sections (data, net, objective, train).")
        unknown = set(raw) - set(_SECTIONS)
        if unknown:
            bad = sorted(unknown)[0]
            raise ConfigError(
                f"config: unknown section {bad!r}; allowed sections are {', '.join(_SECTIONS)}."
                + _suggest(bad, tuple(_SECTIONS))
            )
        parts = {}
        for name, klass in _SECTIONS.items():
            section = raw.get(name, {}) or {}
            if not isinstance(section, Mapping):
                raise ConfigError(f"config: section {name!r} must be a table of settings.")
            allowed = tuple(f.name for f in fields(klass))
            for key in section:
                if key not in allowed:
                    raise ConfigError(
                        f"{name}.{key}: unknown setting; {name} has {', '.join(allowed)}."
                        + _suggest(key, allowed)
                    )
            parts[name] = klass(**dict(section))
        return cls(**parts)

    def with_changes(self, **sections: Mapping[str, Any]) -> RunConfig:
        """Returns a copy with some fields changed, validated.

        Example: `cfg.with_changes(train={"steps": 100}, net={"name": "mlp"})`.
        """
        merged = self.to_dict()
        for name, changes in sections.items():
            if name not in _SECTIONS:
                raise ConfigError(f"config: unknown section {name!r}.")
            merged[name].update(changes)
        return RunConfig.from_dict(merged)

    def replace(self, **parts: Any) -> RunConfig:
        """Returns a copy with whole sections replaced (`dataclasses.replace`)."""
        return replace(self, **parts)

    # -- files ---------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Writes the config as TOML (`.toml`) or JSON (any other suffix)."""
        path = Path(path)
        text = to_toml(self.to_dict()) if path.suffix.lower() == ".toml" else self.to_json()
        path.write_text(text, encoding="utf-8")
        return path

    def to_json(self) -> str:
        """Returns the config as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def load(cls, path: str | Path) -> RunConfig:
        """Reads a TOML or JSON config file.

        Raises:
            ConfigError: if the file is missing, not valid TOML/JSON, or holds bad values.
        """
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file {str(path)!r} does not exist; check the path.")
        text = path.read_text(encoding="utf-8")
        try:
            raw = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid: {exc}.") from None
        return cls.from_dict(raw)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    raise TypeError(f"cannot write {value!r} to TOML")


def to_toml(tables: Mapping[str, Mapping[str, Any]]) -> str:
    """Writes one level of tables of scalars as TOML; `None` values are left out.

    Args:
        tables: Section name to a mapping of scalar settings.

    Returns:
        The TOML text.
    """
    lines: list[str] = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None)
        lines.append("")
    return "\n".join(lines)
