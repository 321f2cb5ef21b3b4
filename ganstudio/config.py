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
from typing import Any, ClassVar

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
STRATEGIES = ("auto", "none", "mirrored", "multiworker")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")  # core.precision
LR_DECAYS = ("none", "cosine", "linear")
# the translation families' schedules: CycleGAN's `half` (constant, then linearly to 0) first
TRANSLATION_LR_DECAYS = ("half", "none", "cosine", "linear")
CONDITIONS = ("auto", "label", "caption")
D_DESIGNS = ("joint", "separate", "projection")
TEXT_ENCODERS = ("bag", "gru")
AE_LOSSES = ("auto", "mse", "bce")
LIKELIHOODS = ("auto", "bernoulli", "gaussian")
BINARIZE = ("threshold", "stochastic")


def suggest(value: str, allowed: tuple[str, ...] | list[str]) -> str:
    """`" Did you mean 'x'?"` for the closest of `allowed` to a mistyped `value`, else `""`."""
    close = difflib.get_close_matches(str(value), list(allowed), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def _check_choice(section: str, name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"{section}.{name}: {value!r} is not allowed; choose one of {', '.join(allowed)}."
            + suggest(value, allowed)
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


def setting(default: Any = dataclasses.MISSING, *, label: str, help: str = "",
            choices: tuple[str, ...] | None = None, lo: float | None = None,
            hi: float | None = None, lo_open: bool = False, factory: Any = None) -> Any:
    """A config field with the metadata that validates it and drives the studio's form and
    the CLI's `--set section.field=value`.

    Args:
        default: The default value (`None` makes the field optional).
        label: A short label for forms.
        help: One sentence for tooltips and `--help`.
        choices: The allowed values of a text field.
        lo: The smallest allowed number.
        hi: The largest allowed number (`None`: no upper bound).
        lo_open: `lo` itself is not allowed.
        factory: A default factory instead of `default`.

    Returns:
        A `dataclasses.field`.
    """
    meta = {"label": label, "help": help, "choices": choices, "lo": lo, "hi": hi,
            "lo_open": lo_open}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def field_kind(f: dataclasses.Field) -> tuple[str, bool]:
    """The value kind of a config field (`int`, `float`, `bool`, `str`) and whether `None`
    is allowed, read from its type annotation."""
    text = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    parts = [p.strip() for p in text.split("|")]
    optional = "None" in parts
    kind = next(p for p in parts if p != "None")
    return kind, optional


class Section:
    """Base of the config sections: validates every field from its `setting` metadata.

    Subclasses set `SECTION` (the section's name in files and messages) and may add checks
    that involve several fields in their own `__post_init__` (after calling this one).
    """

    SECTION: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            check_setting(self.SECTION, f, getattr(self, f.name))


def check_setting(section: str, f: dataclasses.Field, value: Any) -> None:
    """Validates one value against a field's kind and metadata.

    Raises:
        ConfigError: naming `section.field`, the bad value and what is allowed.
    """
    kind, optional = field_kind(f)
    if value is None and optional:
        return
    meta = f.metadata
    name = f.name
    if meta.get("choices"):
        _check_choice(section, name, value, meta["choices"])
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{section}.{name}: {value!r} must be true or false.")
    elif kind == "int":
        _check_int(section, name, value, int(meta["lo"]),
                   None if meta.get("hi") is None else int(meta["hi"]))
    elif kind == "float":
        _check_float(section, name, value, meta["lo"], meta.get("hi"), meta.get("lo_open", False))
    elif kind == "str" and not isinstance(value, str):
        raise ConfigError(f"{section}.{name}: {value!r} must be text.")


def parse_setting(f: dataclasses.Field, text: str) -> Any:
    """Turns the text of a command-line value into the field's kind (`none` for optional).

    Raises:
        ConfigError: if the text is not a value of that kind.
    """
    kind, optional = field_kind(f)
    raw = text.strip()
    if optional and raw.lower() in ("none", "auto", ""):
        return None
    if kind == "bool":
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{f.name}: {text!r} must be true or false.")
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{f.name}: {text!r} is not an integer; give a whole number.") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{f.name}: {text!r} is not a number.") from None
    return text


@dataclass(frozen=True)
class DataConfig(Section):
    """Which data to train on and how to shape it.

    Args:
        name: A built-in dataset name (`ganstudio datasets` lists them) or a path to a folder,
            .zip, .npz, image file, or .csv/.npy of points. A folder whose subfolders are
            `A/` and `B/` (or `trainA/` and `trainB/`) loads as two domains.
        name_b: The second domain, for the translation families: a built-in name or a path of
            the same kind as `name` (images are loaded at the first domain's size unless
            `image_size` is set); `None` for one domain.
        image_size: Square side in pixels that images are resized and cropped to; `None` takes
            the most common size in the data, capped at 64.
        color: `"grayscale"`, `"rgb"`, or `"auto"` (RGB if any image has color).
        n_points: How many points a synthetic 2D dataset draws.
        limit: Use at most this many examples (`None` for all).
        holdout: Captioned data only: a comma-separated list of caption fragments (for example
            `"large yellow triangle"`); every example whose caption holds all the words of one
            fragment is left out of training, to measure whether captions compose.
        follow_links: Follow links in a dataset folder that lead outside it (links within it
            are always followed, each folder once).
    """

    SECTION: ClassVar[str] = "data"
    name: str = setting("ring8", label="Dataset", help="a built-in name or a path")
    name_b: str | None = setting(None, label="Dataset B",
                                 help="the second domain, for translation families: a folder "
                                      "or file of the same kind")
    image_size: int | None = setting(None, label="Image size", lo=8, hi=128,
                                     help="square side images are resized to (auto: their own)")
    color: str = setting("auto", label="Color", choices=COLORS,
                         help="grayscale, rgb, or auto (rgb if any image has color)")
    n_points: int = setting(100_000, label="Points", lo=100, hi=10_000_000,
                            help="how many points a synthetic 2D dataset draws")
    limit: int | None = setting(None, label="Limit", lo=1,
                                help="use at most this many examples (auto: all)")
    holdout: str = setting("", label="Held out",
                           help="caption fragments left out of training, e.g. "
                                "'large yellow triangle'")
    follow_links: bool = setting(False, label="Follow links",
                                 help="in a dataset folder, also follow links that lead outside "
                                      "it")

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError("data.name: give a dataset name or a path; see `ganstudio datasets`.")
        if isinstance(self.name_b, str) and not self.name_b.strip():
            object.__setattr__(self, "name_b", None)  # an emptied field: one domain
        super().__post_init__()


@dataclass(frozen=True)
class NetConfig(Section):
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
            default: against mode dropping, and D sees half as many inputs). Families whose D
            also sees a condition judge one example at a time.
        minibatch_std: Append the minibatch standard deviation as a feature in D.
        sync_bn: Synchronized batch normalization: with several devices, every batch-norm
            layer normalizes with the statistics of the whole global batch (one all-reduce per
            layer and call) instead of its own replica's share; its moving statistics then
            agree on every replica. No effect on one device.
    """

    SECTION: ClassVar[str] = "net"
    name: str = setting("auto", label="Architecture", choices=NETS,
                        help="mlp for points, dcgan for images, or auto")
    latent_dim: int | None = setting(None, label="Latent size", lo=1, hi=4096,
                                     help="size of z (auto: 8 for points, 64 for images; "
                                          "2 and 16 for the encoder families)")
    depth: int = setting(3, label="Depth", lo=1, hi=16, help="hidden layers of the mlp")
    width: int = setting(256, label="Width", lo=2, hi=8192, help="units per mlp layer")
    activation: str = setting("relu", label="Activation", choices=ACTIVATIONS,
                              help="hidden activation of the mlp")
    filters: int = setting(32, label="Filters", lo=4, hi=1024,
                           help="filters of dcgan's full-resolution block")
    g_norm: str = setting("auto", label="G norm", choices=G_NORMS,
                          help="normalization in the generator")
    d_norm: str = setting("auto", label="D norm", choices=D_NORMS,
                          help="normalization in the discriminator")
    pack: int = setting(2, label="Packing", lo=1, hi=16,
                        help="PacGAN: D judges this many samples at once")
    minibatch_std: bool = setting(False, label="Minibatch std",
                                  help="give D the minibatch standard deviation as a feature")
    sync_bn: bool = setting(False, label="Synchronized BN",
                            help="with several devices: batch norm over the whole global batch")


@dataclass(frozen=True)
class ObjectiveConfig(Section):
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

    SECTION: ClassVar[str] = "objective"
    name: str = setting("nonsaturating", label="Objective", choices=OBJECTIVES,
                        help="the adversarial loss")
    d_steps: int = setting(1, label="D steps (k)", lo=1, hi=100,
                           help="discriminator updates per generator update")
    lr_d: float = setting(1e-3, label="LR D", lo=0.0, hi=1.0, lo_open=True,
                          help="discriminator learning rate")
    lr_g: float = setting(1e-3, label="LR G", lo=0.0, hi=1.0, lo_open=True,
                          help="generator learning rate")
    beta1: float = setting(0.5, label="Adam β1", lo=0.0, hi=0.9999)
    beta2: float = setting(0.999, label="Adam β2", lo=0.0, hi=0.99999)
    clip: float = setting(0.01, label="Clip c", lo=0.0, hi=100.0, lo_open=True,
                          help="weight clipping bound for wgan")
    gp_lambda: float = setting(10.0, label="GP λ", lo=0.0, hi=1e4,
                               help="gradient-penalty weight for wgan-gp")
    r1_gamma: float = setting(0.02, label="R1 γ", lo=0.0, hi=1e4,
                              help="R1 penalty on real data (0: off)")
    ema: float = setting(0.99, label="EMA", lo=0.0, hi=0.99999,
                         help="moving average of G's weights for samples and export (0: off)")
    lr_decay: str = setting("none", label="LR decay", choices=LR_DECAYS,
                            help="learning rates fall to 1% over the run")


@dataclass(frozen=True)
class TrainConfig(Section):
    """How long and how training runs.

    Args:
        steps: Generator updates to run (each after `d_steps` discriminator updates).
        batch: Samples per player update.
        seed: Seeds data shuffling, weights, z and the fixed probe batch.
        jit: XLA compilation of the train step: `"auto"` (on with a GPU, off on CPU and under
            a distribution strategy, as Keras decides), on, off.
        strategy: How training spreads over devices (`core.distribute`): `none` (one device),
            `mirrored` (several devices of this machine, one replica each, gradients summed
            every step), `multiworker` (several machines or processes, described by the
            `TF_CONFIG` environment variable), or `auto` (mirrored when more than one device
            is there or asked for by `devices`, else none). `batch` stays the global batch:
            each replica takes `batch / replicas` of it.
        devices: Replicas in this process: the first N GPUs, or on a machine without GPUs N
            logical CPU devices (made before TensorFlow sets up its devices, so the
            multi-device path runs on any machine); `None`: every GPU, or one CPU.
        threads: Threads one TensorFlow operation may use (its intra-op parallelism;
            `core.distribute.kernel_threads`). `None` (auto): 1 for 2D points on a machine
            without GPUs when the run has its process to itself (the CLI), where the mlp's small
            products run faster one thread each, two at a time; otherwise TensorFlow's default
            (every core). TensorFlow fixes the count at its first operation in a process.
        precision: The networks' arithmetic (`core.precision`): `float32`, or `mixed_bfloat16` /
            `mixed_float16` (layers compute in 16 bits; variables, network outputs, losses and
            optimizer states stay float32; float16 with dynamic loss scaling). bfloat16 is
            several times faster on CPUs with AMX or AVX-512 bfloat16 units and on recent
            GPUs; float16 is for GPUs.
        checkpoint_every: Write a checkpoint every this many steps (0: only at the end).
        keep_checkpoints: How many checkpoints to keep on disk.
        probe_size: Real and fake samples scored by D for the live histograms.
        n_samples: Samples drawn from the fixed z for the live view.
        eval_every: Evaluate quality metrics every this many steps, in the training thread
            (0: never). Costs about 0.1 s for points and 1 s for small images each time.
        eval_n: Samples per evaluation (`None`: 2,500 points or 1,000 images).
        steps_per_execution: Training steps run by one compiled call (Keras's
            `steps_per_execution`): for small nets, where Python's per-step work shows, more is
            faster. `None` (auto): measured on the run's first steps, as many as take about
            0.1 s (at most 16; one while paused, so Step runs one step; the run still ends
            exactly at `steps`). A number: live views, pause, Step, checkpoints and the end of
            the run then come on multiples of it (a run of `steps` ends at the next multiple).
        stop_rule: Stop early when |mean D − 0.5| < `stop_epsilon` (the seeds' equilibrium
            signal) and the main metric has not improved for `stop_patience` evaluations.
        stop_epsilon: Equilibrium tolerance of the stop rule.
        stop_patience: Evaluations without improvement before the stop rule fires.
    """

    SECTION: ClassVar[str] = "train"
    steps: int = setting(5000, label="Steps", lo=1, hi=100_000_000,
                         help="generator updates to run")
    batch: int = setting(512, label="Batch", lo=1, hi=65_536, help="samples per update")
    seed: int = setting(0, label="Seed", lo=0, hi=2**31 - 1,
                        help="seeds data order, weights, z and the probes")
    jit: str = setting("auto", label="XLA", choices=JIT_MODES,
                       help="XLA compilation (auto: on with a GPU)")
    steps_per_execution: int | None = setting(None, label="Steps per call", lo=1, hi=1000,
                                              help="training steps per compiled call (auto: "
                                                   "about 0.1 s of steps; a number: views, "
                                                   "pause and Step act every that many)")
    strategy: str = setting("auto", label="Strategy", choices=STRATEGIES,
                            help="devices: none, mirrored (this machine), multiworker "
                                 "(TF_CONFIG), auto (mirrored with several devices)")
    devices: int | None = setting(None, label="Devices", lo=1, hi=1024,
                                  help="replicas here: the first N GPUs, or N logical CPUs "
                                       "(auto: every GPU, or one CPU)")
    threads: int | None = setting(None, label="Threads per op", lo=1, hi=1024,
                                  help="threads one TensorFlow operation may use (auto: 1 for "
                                       "2D points on a CPU in the CLI, else every core; fixed "
                                       "at a process's first run)")
    precision: str = setting("float32", label="Precision", choices=PRECISIONS,
                             help="the networks' arithmetic: float32, or 16-bit layers with "
                                  "float32 weights and losses (bfloat16: fast on AMX CPUs and "
                                  "recent GPUs; float16: GPUs, with loss scaling)")
    checkpoint_every: int = setting(1000, label="Checkpoint every", lo=0,
                                    help="steps between checkpoints (0: only at the end)")
    keep_checkpoints: int = setting(3, label="Keep checkpoints", lo=1, hi=1000)
    probe_size: int = setting(512, label="Probe size", lo=8, hi=100_000,
                              help="samples scored by D for the live histograms")
    n_samples: int = setting(64, label="Samples shown", lo=1, hi=100_000)
    eval_every: int = setting(1000, label="Evaluate every", lo=0,
                              help="steps between quality evaluations (0: never)")
    eval_n: int | None = setting(None, label="Eval samples", lo=10, hi=1_000_000,
                                 help="samples per evaluation (auto: 2,500 points, 1,000 images)")
    stop_rule: bool = setting(False, label="Stop rule",
                              help="stop at the 0.5 equilibrium once the metric stalls")
    stop_epsilon: float = setting(0.05, label="Stop ε", lo=0.0, hi=0.5, lo_open=True)
    stop_patience: int = setting(5, label="Stop patience", lo=1, hi=10_000)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.strategy == "none" and (self.devices or 1) > 1:
            raise ConfigError(f"train.devices: {self.devices} devices need train.strategy "
                              "mirrored (or auto); strategy none trains on one device.",
                              "Use --strategy mirrored, or drop --devices.")
        if self.strategy == "multiworker" and self.stop_rule:
            raise ConfigError("train.stop_rule: the stop rule is evaluated on the chief only, "
                              "so with multiworker the other workers would wait for it forever.",
                              "Drop --stop-rule and set --steps.")


@dataclass(frozen=True)
class CGANConfig(Section):
    """The conditional GAN's own settings (family `cgan`).

    Args:
        condition: What conditions G and D: `label` (class labels), `caption` (text), or
            `auto` (captions when the data has them, else labels).
        d_design: `joint` (one network sees x and c, one score), `separate` (a realness head on
            x alone and a match head on (x, c), each with its own loss) or `projection` (the
            projection discriminator of Miyato & Koyama 2018).
        fake_weight: Weight of the fake term in D's loss (GAN-CLS: ½).
        mismatch_weight: Weight of the real-image, wrong-condition term in D's loss (GAN-CLS: ½).
        embed_dim: Size of the condition's embedding (labels) or text code (captions).
        text_encoder: `bag` (mean of word embeddings) or `gru` (a small GRU over the words).
        augment: Conditioning augmentation (StackGAN): G sees c = μ + σ·ε drawn around the
            text code, with a KL term towards N(0, I).
        augment_kl: Weight of conditioning augmentation's KL term.
        max_words: Caption length in words the text encoder reads (longer ones are cut).
        augment_warmup: G updates over which the augmentation's noise ε grows linearly from 0
            to its full size (0: full from the start). With the noise at full size from the
            start G followed the caption's colour on shapes at chance after 2,000 steps.
    """

    SECTION: ClassVar[str] = "cgan"
    condition: str = setting("auto", label="Condition", choices=CONDITIONS,
                             help="class labels, text captions, or auto")
    d_design: str = setting("projection", label="D design", choices=D_DESIGNS,
                            help="joint score, separate realness and match heads, or projection")
    fake_weight: float = setting(0.5, label="Fake weight", lo=0.0, hi=10.0,
                                 help="weight of (fake, c) in D's loss")
    mismatch_weight: float = setting(0.5, label="Mismatch weight", lo=0.0, hi=10.0,
                                     help="weight of (real, wrong c) in D's loss")
    embed_dim: int = setting(32, label="Condition size", lo=1, hi=1024,
                             help="size of the label embedding or text code")
    text_encoder: str = setting("bag", label="Text encoder", choices=TEXT_ENCODERS,
                                help="mean of word embeddings, or a small GRU")
    augment: bool = setting(False, label="Cond. augmentation",
                            help="StackGAN's c = μ + σ·ε with a KL term")
    augment_kl: float = setting(2.0, label="Augmentation KL", lo=0.0, hi=100.0,
                                help="weight of the augmentation's KL term")
    max_words: int = setting(16, label="Max words", lo=1, hi=256,
                             help="caption length the text encoder reads")
    augment_warmup: int = setting(2000, label="Augmentation warm-up", lo=0, hi=10_000_000,
                                  help="G updates over which the augmentation's noise grows "
                                       "from 0 to its full σ")


STACK_SCHEDULES = ("stages", "joint")
STACK_STAGES = ("auto", "I", "II", "joint")


@dataclass(frozen=True)
class StackGANConfig(CGANConfig):
    """StackGAN's own settings (family `stackgan`): stage I is a conditional GAN at
    1/`factor` of the final side, read with the conditional GAN's settings below (its
    condition, text encoder, D design and D loss weights); stage II redraws stage I's image at
    the full size.

    Args:
        factor: The final side over stage I's (4: 16x16 then 64x64).
        schedule: `stages` (the paper's: stage I alone for `stage1_share` of the steps, then
            stage II with stage I frozen) or `joint` (both stages every step, StackGAN++ style).
        stage1_share: The share of `train.steps` that stage I trains alone (`stages`; stage II
            steps cost ~3 of stage I's at 16 -> 64 pixels).
        stage: Which stage trains now: `auto` follows the schedule; `I`, `II` or `joint` hold
            one by hand (the studio changes it while training runs).
        res_blocks: Residual blocks of stage II's generator, at stage I's resolution.
        filters2: Filters of stage II's generator at the final resolution (doubled per level
            down to stage I's side) and of its D's first block.
        skip: Stage II adds its output to stage I's image enlarged bilinearly (before the
            tanh), drawing a correction; off: it draws the whole image, as in the paper.
    """

    SECTION: ClassVar[str] = "stackgan"
    augment: bool = setting(True, label="Cond. augmentation",
                            help="StackGAN's c = μ + σ·ε with a KL term (both stages)")
    factor: int = setting(4, label="Stage II factor", lo=2, hi=8,
                          help="the final side over stage I's (4: 16x16 -> 64x64)")
    schedule: str = setting("stages", label="Schedule", choices=STACK_SCHEDULES,
                            help="stage I then stage II (stage I frozen), or both at once")
    stage1_share: float = setting(0.4, label="Stage I share", lo=0.0, hi=1.0,
                                  help="share of the steps stage I trains alone (stages)")
    stage: str = setting("auto", label="Training stage", choices=STACK_STAGES,
                         help="auto follows the schedule; I, II or joint hold one by hand")
    res_blocks: int = setting(2, label="Residual blocks", lo=0, hi=16,
                              help="stage II's residual blocks at stage I's resolution")
    filters2: int = setting(8, label="Stage II filters", lo=4, hi=512,
                            help="stage II's filters at the final size (doubled per level down)")
    skip: bool = setting(True, label="Stage II corrects",
                         help="stage II draws a correction to stage I's image enlarged "
                              "(off: the whole image, as in the paper)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.factor & (self.factor - 1):
            raise ConfigError(f"stackgan.factor: {self.factor} is not a power of two.",
                              "Use 2, 4 or 8.")


@dataclass(frozen=True)
class AEConfig(Section):
    """The autoencoder's own settings (family `ae`).

    The latent size is `net.latent_dim` (auto: 2 for points, 16 for images); the encoder and
    decoder follow `net.name`, `depth`, `width`, `activation` and `filters`.

    Args:
        recon_loss: `mse` (squared error in the network's range), `bce` (binary cross-entropy
            of pixel values in [0, 1]; images only) or `auto` (bce for images, mse for points).
        lr: Adam's learning rate.
        lr_decay: How the rate falls over `train.steps`: none, cosine or linear (to 1%).
    """

    SECTION: ClassVar[str] = "ae"
    recon_loss: str = setting("auto", label="Reconstruction loss", choices=AE_LOSSES,
                              help="mse, bce (images only), or auto (bce for images)")
    lr: float = setting(1e-3, label="Learning rate", lo=0.0, hi=1.0, lo_open=True,
                        help="Adam's learning rate")
    lr_decay: str = setting("cosine", label="LR decay", choices=LR_DECAYS,
                            help="the learning rate falls to 1% over the run")


@dataclass(frozen=True)
class VAEConfig(Section):
    """The variational autoencoder's own settings (family `vae`).

    The loss per example is recon + β_t · KL, with the KL's free bits; the ELBO reported is
    always the plain −(recon + KL) in nats.

    Args:
        likelihood: The decoder's p(x|z): `bernoulli` (pixel values in [0, 1] read as the
            probabilities of black-and-white pixels; images only), `gaussian` (a learned
            variance per output dimension; the one choice for points) or `auto` (bernoulli for
            images, gaussian for points).
        beta: β, the weight of the KL term (1: the ELBO itself; β > 1: β-VAE).
        kl_warmup: Steps over which β rises linearly from 0 (0: no warm-up).
        free_bits: Nats per latent dimension below which its (batch-mean) KL is not pushed
            down (Kingma et al. 2016; 0: off).
        lr: Adam's learning rate.
        lr_decay: How the rate falls over `train.steps`: none, cosine or linear (to 1%).
    """

    SECTION: ClassVar[str] = "vae"
    likelihood: str = setting("auto", label="Likelihood", choices=LIKELIHOODS,
                              help="bernoulli (images), gaussian, or auto")
    beta: float = setting(1.0, label="β (KL weight)", lo=0.0, hi=1000.0,
                          help="weight of the KL term; 1 is the ELBO")
    kl_warmup: int = setting(0, label="KL warm-up", lo=0,
                             help="steps over which β rises from 0 (0: none)")
    free_bits: float = setting(0.0, label="Free bits", lo=0.0, hi=100.0,
                               help="nats per latent dimension the KL may keep for free")
    lr: float = setting(1e-3, label="Learning rate", lo=0.0, hi=1.0, lo_open=True,
                        help="Adam's learning rate")
    lr_decay: str = setting("cosine", label="LR decay", choices=LR_DECAYS,
                            help="the learning rate falls to 1% over the run")


@dataclass(frozen=True)
class RBMConfig(Section):
    """The restricted Boltzmann machine's own settings (family `rbm`).

    The learning settings follow Hinton's "A practical guide to training RBMs" (2010): weights
    from N(0, 0.01²), visible biases log(p/(1−p)) of the pixel marginals, momentum 0.5 for the
    first epochs then 0.9, and an L2 weight cost of 1e-4.

    Args:
        hidden: Hidden units H (exact log-likelihood up to 20, annealed importance sampling
            above).
        k: Gibbs steps per update (CD-k, or the persistent chains' steps with PCD).
        persistent: Persistent contrastive divergence (PCD, Tieleman 2008): the negative
            chains carry over between updates instead of restarting at the data.
        learning_rate: Step size on the mean gradient of the batch.
        momentum: Momentum after the first `momentum_epochs` epochs (0.5 before).
        momentum_epochs: Epochs at momentum 0.5 before `momentum` applies.
        weight_decay: L2 weight cost (applied to W, not to the biases).
        lr_decay: `none`, or `linear` / `cosine` from `learning_rate` to 1% of it over
            `train.steps` (PCD's chains mix on a large rate early; a falling one lets the
            weights settle instead of ending on a random swing).
        binarize: How [0, 1] images become binary: `threshold` (at 0.5, once) or
            `stochastic` (each pixel drawn as Bernoulli(x), afresh at every update).
        holdout: Share of the examples held out of training, for the test log-likelihood.
        sample_steps: Gibbs steps from the fixed starts of the live sample view.
        ais_runs: Annealed importance sampling runs of the final evaluation.
        ais_betas: Intermediate distributions of each AIS run.
        compare_sklearn: Also train scikit-learn's `BernoulliRBM` (same data, hidden units and
            epochs) in the final evaluation and score it with the same AIS code.
    """

    SECTION: ClassVar[str] = "rbm"
    hidden: int = setting(128, label="Hidden units", lo=1, hi=65_536,
                          help="hidden units H (exact likelihood up to 20)")
    k: int = setting(1, label="Gibbs steps k", lo=1, hi=1000,
                     help="Gibbs steps per update (CD-k / PCD-k)")
    persistent: bool = setting(True, label="Persistent (PCD)",
                               help="negative chains carry over between updates")
    learning_rate: float = setting(0.02, label="Learning rate", lo=0.0, hi=10.0, lo_open=True,
                                   help="step size on the batch's mean gradient")
    momentum: float = setting(0.9, label="Momentum", lo=0.0, hi=0.999,
                              help="momentum after the first epochs (0.5 before)")
    momentum_epochs: int = setting(5, label="Momentum 0.5 epochs", lo=0, hi=1_000_000,
                                   help="epochs at momentum 0.5 first")
    weight_decay: float = setting(1e-4, label="Weight decay", lo=0.0, hi=1.0,
                                  help="L2 weight cost on W")
    lr_decay: str = setting("linear", label="LR decay", choices=LR_DECAYS,
                            help="learning rate over the run: constant, or falling to 1%")
    binarize: str = setting("threshold", label="Binarize", choices=BINARIZE,
                            help="threshold at 0.5, or draw each pixel as Bernoulli(x)")
    holdout: float = setting(0.2, label="Held-out share", lo=0.0, hi=0.9, lo_open=True,
                             help="examples kept out of training for the test likelihood")
    sample_steps: int = setting(200, label="Sample Gibbs steps", lo=1, hi=100_000,
                                help="Gibbs steps behind the live samples")
    ais_runs: int = setting(100, label="AIS runs", lo=2, hi=100_000,
                            help="annealed importance sampling runs (final evaluation)")
    ais_betas: int = setting(14_500, label="AIS steps", lo=10, hi=10_000_000,
                             help="intermediate distributions per AIS run")
    compare_sklearn: bool = setting(True, label="Compare scikit-learn",
                                    help="also train and score sklearn's BernoulliRBM")


@dataclass(frozen=True)
class VAEGANConfig(Section):
    """The VAE-GAN's own settings (family `vaegan`, Larsen et al. 2016).

    Encoder ← β·KL + L_llike; decoder ← γ·L_llike + its GAN loss; D ← the GAN loss; L_llike is
    ½ Σ (D_l(x) − D_l(x̃))², the squared error of D's features at hidden layer l.

    Args:
        gamma: γ, the weight of the feature reconstruction L_llike in the decoder's loss
            (against its GAN loss; the paper's 1e-6 suits its summed 64x64 features).
        feature_layer: D's hidden layer l whose features L_llike compares: k ≥ 1 the k-th
            from the input; 0 the last one before the logit.
        beta: β, the weight of the KL term in the encoder's loss. L_llike on D's (spectrally
            normalized, small) features is a few nats, so β = 1 lets the KL win: on digits the
            codes fell toward the prior (KL 0.4 nats and a batch MSE of 0.12 per value at step
            800, above the mean image's 0.073); 0.05 keeps ~12 nats (MSE ratio 0.16 after
            1,500 steps).
        lr: Adam's learning rate for the encoder and the decoder.
        lr_d: Adam's learning rate for D.
        beta1: Adam's β₁ of the three optimizers.
        lr_decay: How the rates fall over `train.steps`: none, cosine or linear (to 1%).
    """

    SECTION: ClassVar[str] = "vaegan"
    gamma: float = setting(0.1, label="γ (feature recon)", lo=0.0, hi=1e6,
                           help="weight of L_llike against the GAN loss in the decoder's loss")
    feature_layer: int = setting(0, label="D feature layer", lo=0, hi=64,
                                 help="D's hidden layer for L_llike: k-th from the input; 0 last")
    beta: float = setting(0.05, label="β (KL weight)", lo=0.0, hi=1000.0,
                          help="weight of the KL term in the encoder's loss")
    lr: float = setting(1e-3, label="Learning rate", lo=0.0, hi=1.0, lo_open=True,
                        help="Adam's learning rate of the encoder and the decoder")
    lr_d: float = setting(2e-4, label="D learning rate", lo=0.0, hi=1.0, lo_open=True,
                          help="Adam's learning rate of the discriminator")
    beta1: float = setting(0.5, label="Adam β₁", lo=0.0, hi=1.0,
                           help="Adam's first-moment decay, the three optimizers")
    lr_decay: str = setting("cosine", label="LR decay", choices=LR_DECAYS,
                            help="the learning rates fall to 1% over the run")


def _lr_setting(default: float, help: str, label: str = "Learning rate") -> Any:
    """An Adam learning rate in (0, 1] (the translation sections' `lr` and, labelled
    `D learning rate`, `lr_d`)."""
    return setting(default, label=label, lo=0.0, hi=1.0, lo_open=True, help=help)


def _beta1_setting() -> Any:
    """Adam's β₁ of a translation section's two optimizers (0.5)."""
    return setting(0.5, label="Adam β₁", lo=0.0, hi=1.0,
                   help="Adam's first-moment decay, both optimizers")


def _translation_decay_setting(default: str = "half",
                               help: str = "half: constant, then linearly to 0 over the "
                                           "second half") -> Any:
    """A translation section's `lr_decay` (`TRANSLATION_LR_DECAYS`)."""
    return setting(default, label="LR decay", choices=TRANSLATION_LR_DECAYS, help=help)


def _res_blocks_setting(help: str, lo: int = 0) -> Any:
    """A translation section's `res_blocks` (`None`: sized from the images)."""
    return setting(None, label="Residual blocks", lo=lo, hi=32, help=help)


@dataclass(frozen=True)
class CycleGANConfig(Section):
    """CycleGAN's own settings (family `cyclegan`, Zhu et al. 2017).

    G: A → B and F: B → A, each against its domain's D (LSGAN), with the cycle loss
    λ·(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁) and the identity loss
    λ_id·λ·(‖G(b) − b‖₁ + ‖F(a) − a‖₁) (off by default); D sees fakes from a history pool.

    Args:
        cycle_weight: λ, the weight of the cycle-consistency L1 terms (the paper's 10).
        identity_weight: λ_id, the identity terms' weight as a share of λ (0: off). The
            paper adds them, at 0.5, for painting → photo only; they ask G to leave B's
            examples as they are, which fights mappings that change every pixel: measured on
            digits2inverted (1,200 steps), at 0.5 G and F learned a permutation of the digits
            or no change at all (the label kept in under 2% of translations, the error 0.34 to
            0.63 per pixel against a do-nothing 0.79), at 0 the inversion (0.036). Only when
            both domains have the same shape.
        pool_size: Generated examples each D's history pool keeps (the paper's 50; 0: D sees
            only the newest fakes).
        lr: Adam's learning rate of G and F.
        lr_d: Adam's learning rate of D_A and D_B.
        beta1: Adam's β₁ of both optimizers (the paper's 0.5).
        lr_decay: `half` (the paper's: constant for the first half of `train.steps`, then
            linearly to 0), or none, cosine, linear (to 1%).
        res_blocks: Residual blocks of the image translators (`None`: none up to 16 pixels, so
            the translator stays local; 3 at 32; 6 from 64, the paper's; see
            `nets.translation`).
    """

    SECTION: ClassVar[str] = "cyclegan"
    cycle_weight: float = setting(10.0, label="Cycle weight λ", lo=0.0, hi=1e4,
                                  help="weight of the cycle-consistency L1 terms")
    identity_weight: float = setting(0.0, label="Identity (× λ)", lo=0.0, hi=100.0,
                                     help="weight of the identity L1 terms, as a share of λ "
                                          "(the paper's 0.5 for painting → photo; 0: off)")
    pool_size: int = setting(50, label="History pool", lo=0, hi=100_000,
                             help="older fakes each D also sees (0: off)")
    lr: float = _lr_setting(2e-4, "Adam's learning rate of the translators G and F")
    lr_d: float = _lr_setting(2e-4, "Adam's learning rate of D_A and D_B", "D learning rate")
    beta1: float = _beta1_setting()
    lr_decay: str = _translation_decay_setting()
    res_blocks: int | None = _res_blocks_setting("residual blocks of the image translators "
                                                 "(auto: none up to 16 px, 3 at 32, 6 from 64)")


@dataclass(frozen=True)
class TranslateConfig(Section):
    """Direct translation's own settings (family `translate`; seed 002's first way).

    One translator G: A → B against a discriminator of domain B (LSGAN), tied to its input
    only by the optional encoder consistency: a frozen classifier trained on both domains'
    labelled images should read the same class in x and in G(x).

    Args:
        consistency: Weight of the encoder-consistency term KL(p(·|x) ‖ p(·|G(x))) (0: off;
            used only for labelled image pairs whose domains share their classes). Measured
            over 3,000 steps: on digits2printed the label is kept in 46% of translations at
            0, 88-89% at 0.1 to 1 (FD 11.9, 13.4, 16.3) and 83% at 3 (FD 31); on
            digits2inverted and digits2edges 0.1 and 0.3 keep 94% against 94% and 89% at 0,
            while 1 fell to 84% and 67% (G's images drift toward what the frozen CNN reads
            confidently: FD 16.5 and 27 against 2.4 and 2.9 at 0.3). Hence 0.3.
        lr: Adam's learning rate of G.
        lr_d: Adam's learning rate of D.
        beta1: Adam's β₁ of both optimizers.
        lr_decay: `half` (constant for the first half of `train.steps`, then linearly to
            0), or none, cosine, linear (to 1%).
        res_blocks: Residual blocks of the image translator (`None`: 3 up to 32 pixels, 6
            above; unlike cyclegan's, also at 8 and 16: G must redraw the image, and the
            encoder, not locality, ties it to its input).
    """

    SECTION: ClassVar[str] = "translate"
    consistency: float = setting(0.3, label="Encoder consistency", lo=0.0, hi=1e4,
                                 help="weight of KL(p(·|x) ‖ p(·|G(x))) under a frozen "
                                      "classifier of both domains (0: off)")
    lr: float = _lr_setting(2e-4, "Adam's learning rate of the translator G")
    lr_d: float = _lr_setting(2e-4, "Adam's learning rate of D", "D learning rate")
    beta1: float = _beta1_setting()
    lr_decay: str = _translation_decay_setting()
    res_blocks: int | None = _res_blocks_setting("residual blocks of the image translator "
                                                 "(auto: 3 up to 32 px, 6 above)")


@dataclass(frozen=True)
class UNITConfig(Section):
    """UNIT's own settings (family `unit`, Liu et al. 2017: the shared latent space).

    A VAE per domain whose encoders share their last layers and decoders their first, and a
    D per domain. The weights are the paper's λ₀..λ₄ (its code's `gan_w`, `kl_direct_link_w`,
    `ll_direct_link_w`, `kl_cycle_link_w`, `ll_cycle_link_w`).

    Args:
        gan_weight: λ₀, the adversarial terms.
        kl_weight: λ₁, the KL terms of the codes of real examples.
        recon_weight: λ₂, the L1 reconstruction terms (x → z → x within a domain).
        kl_cycle_weight: λ₃, the KL terms of the codes of translated examples.
        cycle_weight: λ₄, the L1 cycle terms (x → other domain → x).
        shared_blocks: Residual blocks (images; points: hidden layers) that the two
            encoders share at their end, and the two decoders at their start.
        res_blocks: Residual blocks on each side of the code, shared ones included
            (`None`: 3 up to 32 pixels, 6 above; unlike cyclegan's translator, also at 8
            and 16 pixels: the shared code keeps the digit, see `nets.unit`).
        code_dim: Points only: values in a code (images: the code is the encoder's
            feature map).
        lr: Adam's learning rate of the encoders and decoders.
        lr_d: Adam's learning rate of D_A and D_B.
        beta1: Adam's β₁ of both optimizers (the paper's 0.5).
        lr_decay: none, half (constant, then linearly to 0), cosine or linear (to 1%).
    """

    SECTION: ClassVar[str] = "unit"
    gan_weight: float = setting(10.0, label="GAN weight λ₀", lo=0.0, hi=1e4,
                                help="weight of the adversarial terms")
    kl_weight: float = setting(0.1, label="KL weight λ₁", lo=0.0, hi=1e4,
                               help="weight of the codes' KL terms")
    recon_weight: float = setting(100.0, label="Reconstruction λ₂", lo=0.0, hi=1e6,
                                  help="weight of the L1 reconstruction terms")
    kl_cycle_weight: float = setting(0.1, label="Cycle KL weight λ₃", lo=0.0, hi=1e4,
                                     help="weight of the translated codes' KL terms")
    cycle_weight: float = setting(100.0, label="Cycle weight λ₄", lo=0.0, hi=1e6,
                                  help="weight of the L1 cycle terms")
    shared_blocks: int = setting(1, label="Shared blocks", lo=1, hi=32,
                                 help="residual blocks (points: layers) the domains share "
                                      "on each side of the code")
    res_blocks: int | None = _res_blocks_setting("residual blocks on each side of the code "
                                                 "(auto: 3 up to 32 px, 6 above)", lo=1)
    code_dim: int = setting(8, label="Code size (points)", lo=1, hi=4096,
                            help="points: values in a code (images: a feature map)")
    lr: float = _lr_setting(1e-4, "Adam's learning rate of the encoders and decoders")
    lr_d: float = _lr_setting(1e-4, "Adam's learning rate of D_A and D_B", "D learning rate")
    beta1: float = _beta1_setting()
    lr_decay: str = _translation_decay_setting("none", "how the rates fall over the run")


_SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "net": NetConfig,
    "objective": ObjectiveConfig,
    "train": TrainConfig,
    "cgan": CGANConfig,
    "ae": AEConfig,
    "vae": VAEConfig,
    "rbm": RBMConfig,
    "vaegan": VAEGANConfig,
    "cyclegan": CycleGANConfig,
    "translate": TranslateConfig,
    "unit": UNITConfig,
    "stackgan": StackGANConfig,
}
SECTIONS: dict[str, type] = _SECTIONS  # every section, shared and per-family, by name


def section_fields(section: str) -> dict[str, dataclasses.Field]:
    """The fields of a config section by name (what the form and `--set` offer).

    Raises:
        ConfigError: for an unknown section.
    """
    if section not in _SECTIONS:
        raise ConfigError(f"config: unknown section {section!r}; sections are "
                          f"{', '.join(_SECTIONS)}." + suggest(section, tuple(_SECTIONS)))
    return {f.name: f for f in fields(_SECTIONS[section])}


def _family_names() -> tuple[str, ...]:
    from ganstudio.core.families import family_names

    return family_names()


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run; frozen, so the UI edits a copy.

    Args:
        family: The model family (`gan`, `cgan`; `ganstudio families` lists them).
        data: Which dataset and how to shape it.
        net: The architecture.
        objective: The loss and the optimizers.
        train: Steps, batch, seed, jit and checkpoints.
        cgan: The conditional GAN's own settings (read when `family` is `cgan`).
        ae: The autoencoder's own settings (family `ae`).
        vae: The variational autoencoder's own settings (family `vae`).
        rbm: The restricted Boltzmann machine's own settings (read when `family` is `rbm`).
        vaegan: The VAE-GAN's own settings (family `vaegan`).
        cyclegan: CycleGAN's own settings (family `cyclegan`).
        translate: Direct translation's own settings (family `translate`).
        unit: UNIT's own settings (family `unit`).
        stackgan: StackGAN's own settings (family `stackgan`).
    """

    family: str = "gan"
    data: DataConfig = field(default_factory=DataConfig)
    net: NetConfig = field(default_factory=NetConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    cgan: CGANConfig = field(default_factory=CGANConfig)
    ae: AEConfig = field(default_factory=AEConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    rbm: RBMConfig = field(default_factory=RBMConfig)
    vaegan: VAEGANConfig = field(default_factory=VAEGANConfig)
    cyclegan: CycleGANConfig = field(default_factory=CycleGANConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    unit: UNITConfig = field(default_factory=UNITConfig)
    stackgan: StackGANConfig = field(default_factory=StackGANConfig)

    def __post_init__(self) -> None:
        _check_choice("config", "family", self.family, _family_names())

    def to_dict(self) -> dict[str, Any]:
        """Returns the config as plain dicts: `family`, then one table per section."""
        out: dict[str, Any] = {"family": self.family}
        out.update({name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS})
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RunConfig:
        """Builds a validated config from nested dicts; missing fields take their defaults.

        Raises:
            ConfigError: on an unknown section or field, or a value that is not allowed.
        """
        if not isinstance(raw, Mapping):
            raise ConfigError("config: expected a table of sections (data, net, objective, train).")
        unknown = set(raw) - set(_SECTIONS) - {"family"}
        if unknown:
            bad = sorted(unknown)[0]
            raise ConfigError(
                f"config: unknown section {bad!r}; allowed sections are {', '.join(_SECTIONS)}."
                + suggest(bad, tuple(_SECTIONS))
            )
        parts: dict[str, Any] = {}
        for name, klass in _SECTIONS.items():
            section = raw.get(name, {}) or {}
            if not isinstance(section, Mapping):
                raise ConfigError(f"config: section {name!r} must be a table of settings.")
            allowed = tuple(f.name for f in fields(klass))
            for key in section:
                if key not in allowed:
                    raise ConfigError(
                        f"{name}.{key}: unknown setting; {name} has {', '.join(allowed)}."
                        + suggest(key, allowed)
                    )
            parts[name] = klass(**dict(section))
        family = raw.get("family", "gan")
        return cls(family=family, **parts)

    def with_changes(self, family: str | None = None, **sections: Mapping[str, Any]) -> RunConfig:
        """Returns a copy with some fields changed, validated.

        Example: `cfg.with_changes(train={"steps": 100}, net={"name": "mlp"})`.
        """
        merged = self.to_dict()
        if family is not None:
            merged["family"] = family
        for name, changes in sections.items():
            if name not in _SECTIONS:
                raise ConfigError(f"config: unknown section {name!r}.")
            merged[name].update(changes)
        return RunConfig.from_dict(merged)

    @classmethod
    def for_family(cls, family: str = "gan") -> RunConfig:
        """A fresh config for a family: the defaults, then the family's own defaults for
        shared settings (`FamilySpec.defaults`).

        Raises:
            ConfigError: for an unknown family.
        """
        from ganstudio.core.families import get_family

        changes: dict[str, dict[str, Any]] = {}
        for key, value in get_family(family).defaults:
            section, _, name = key.partition(".")
            changes.setdefault(section, {})[name] = value
        return cls().with_changes(family=family, **changes)

    def switch_family(self, family: str) -> RunConfig:
        """A copy for another family: the settings any family tunes (`FamilySpec.defaults`)
        take the new family's defaults; every other setting is kept.

        Raises:
            ConfigError: for an unknown family.
        """
        if family == self.family:
            return self
        from ganstudio.core.families import FAMILIES

        fresh = RunConfig.for_family(family)
        changes: dict[str, dict[str, Any]] = {}
        for spec in FAMILIES.values():
            for key, _ in spec.defaults:
                section, _, name = key.partition(".")
                changes.setdefault(section, {})[name] = getattr(getattr(fresh, section), name)
        return self.with_changes(family=family, **changes)

    def with_setting(self, assignment: str) -> RunConfig:
        """Returns a copy with one `section.field=value` assignment applied (the CLI's `--set`).

        Example: `cfg.with_setting("cgan.d_design=separate")`.

        Raises:
            ConfigError: for a malformed assignment, an unknown section or field, or a bad value.
        """
        key, sep, text = assignment.partition("=")
        if sep and key.strip() == "family":
            return self.with_changes(family=text.strip())
        section, dot, name = key.strip().partition(".")
        if not sep or not dot:
            raise ConfigError(f"--set {assignment!r}: write section.field=value, "
                              "e.g. --set cgan.d_design=separate.")
        known = section_fields(section)
        if name not in known:
            raise ConfigError(f"{section}.{name}: unknown setting; {section} has "
                              f"{', '.join(known)}." + suggest(name, tuple(known)))
        value = parse_setting(known[name], text)
        return self.with_changes(**{section: {name: value}})

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
        from ganstudio.textfile import read_text_file

        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file {str(path)!r} does not exist; check the path.")
        text = read_text_file(path, "config file", ConfigError)
        try:
            raw = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid: {exc}.") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"config file {str(path)!r} holds a {type(raw).__name__}, not a "
                              "table of settings.", "See `ganstudio families --settings`.")
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
        tables: Section name to a mapping of scalar settings; plain scalars (such as
            `family`) are written first, as top-level keys.

    Returns:
        The TOML text.
    """
    lines: list[str] = []
    for name, value in tables.items():
        if not isinstance(value, Mapping) and value is not None:
            lines.append(f"{name} = {_toml_value(value)}")
    if lines:
        lines.append("")
    for name, table in tables.items():
        if not isinstance(table, Mapping):
            continue
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None)
        lines.append("")
    return "\n".join(lines)
