"""The `ganstudio` command: the studio window (default) and the headless engine.

    ganstudio                      open the studio window
    ganstudio train ...            train headless, write run.json, generator/, checkpoints/
    ganstudio export --run DIR     export a run's generator as a SavedModel
    ganstudio sample --model DIR   draw samples from an export into a PNG grid or a CSV
    ganstudio translate --model DIR --in FOLDER --out FOLDER   translate images A ↔ B
    ganstudio eval --model DIR     quality metrics of an export against its dataset
    ganstudio datasets [PATH]      list the built-in datasets, or check a folder/file

A user's mistake prints one line (`ganstudio: error: ...`) and exits 2. This module never
imports Qt; the window is reached through a lazy import of `ganstudio.ui.app`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from ganstudio import __version__
from ganstudio.config import (
    JIT_MODES,
    LR_DECAYS,
    NETS,
    OBJECTIVES,
    PRECISIONS,
    STRATEGIES,
    RunConfig,
)
from ganstudio.core.quiet import quiet_tensorflow_import
from ganstudio.core.run_folder import (
    LOCK_FILE,
    RunLock,
    check_export_target,
    check_run_target,
    is_own_export,
)
from ganstudio.errors import GanStudioError

EXIT_USER_ERROR = 2
MAX_SAMPLES = 100_000  # `sample --n`: a bound on memory (100,000 64×64 RGB images: 4.9 GB)


# -- progress -------------------------------------------------------------------------------------


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressReporter:
    """Shows training progress: a live bar on a terminal, periodic lines otherwise.

    Args:
        target: The step training stops at.
        stream: Where to write (stderr by default).
        interactive: Force the live bar on or off (default: `stream.isatty()`).
        line_every: Seconds between lines when not interactive.
        headline: The scalars each line shows (`Recipe.headline_scalars`); empty: the
            adversarial line (D and G losses, D on real and fake).
    """

    def __init__(self, target: int, stream: TextIO | None = None, interactive: bool | None = None,
                 line_every: float = 10.0, headline: tuple[str, ...] = ()) -> None:
        self.target = target
        self.headline = tuple(headline)
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.line_every = line_every
        self._last_line = -float("inf")
        self._next_fraction = 0.1
        self._bar_shown = False
        self.last = None

    def metrics_line(self, snap) -> str:
        """One line for a snapshot that carries quality figures (the periodic evaluation)."""
        shown = [f"{k} {v:.3g}" for k, v in list((snap.metrics or {}).items())[:6]
                 if isinstance(v, (int, float))]
        return f"evaluation at step {snap.step}: " + ", ".join(shown)

    def line(self, snap) -> str:
        """One progress line for a snapshot."""
        sc = snap.scalars
        frac = min(1.0, snap.step / self.target) if self.target else 1.0
        eta = (self.target - snap.step) / snap.steps_per_sec if snap.steps_per_sec > 0 else 0.0
        d_label = "f(x)" if snap.critic else "D(x)"
        parts = [f"step {snap.step}/{self.target}", f"{100 * frac:3.0f}%"]
        if sc and self.headline:
            parts += [f"{name} {sc[name]:.4g}" for name in self.headline if name in sc]
        elif sc:
            parts += [f"D {sc.get('d_loss', float('nan')):.3f}",
                      f"G {sc.get('g_loss', float('nan')):.3f}",
                      f"{d_label} real {sc.get('d_real', float('nan')):.2f} "
                      f"fake {sc.get('d_fake', float('nan')):.2f}"]
        eta_text = _fmt_duration(eta) if snap.steps_per_sec > 0 else "--:--"
        parts += [f"{snap.steps_per_sec:.0f} steps/s", f"ETA {eta_text}"]
        return "  ".join(parts)

    def _bar(self, snap) -> str:
        width = 20
        frac = min(1.0, snap.step / self.target) if self.target else 1.0
        filled = int(width * frac)
        return "[" + "#" * filled + "." * (width - filled) + "] " + self.line(snap)

    def snapshot(self, snap) -> None:
        """Receives a snapshot from the session."""
        self.last = snap
        if snap.event == "metrics" and snap.metrics:
            self.status(self.metrics_line(snap))
        if self.interactive:
            # one terminal line, never wrapped: cut to the width and padded to clear the last
            width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
            self.stream.write("\r" + self._bar(snap)[:width].ljust(width))
            self.stream.flush()
            self._bar_shown = True
            return
        now = time.monotonic()
        frac = snap.step / self.target if self.target else 1.0
        if now - self._last_line >= self.line_every or frac >= self._next_fraction:
            self._last_line = now
            while self._next_fraction <= frac:
                self._next_fraction += 0.1
            self.stream.write(self.line(snap) + "\n")
            self.stream.flush()

    def status(self, text: str) -> None:
        """Receives a status line from the session."""
        if self.interactive and self._bar_shown:
            self.stream.write("\n")
            self._bar_shown = False
        self.stream.write(f"{text}\n")
        self.stream.flush()

    def close(self) -> None:
        """Ends the live bar's line."""
        if self.interactive and self._bar_shown:
            self.stream.write("\n")
            self._bar_shown = False


# -- arguments ------------------------------------------------------------------------------------


def _add_train_options(p: argparse.ArgumentParser) -> None:
    d = RunConfig()  # the help shows the real defaults, so it cannot drift from config.py
    from ganstudio.core.families import family_names

    p.add_argument("--family", choices=family_names(),
                   help=f"model family (default: {d.family}; `ganstudio families` lists them)")
    p.add_argument("--set", dest="settings", action="append", default=[],
                   metavar="SECTION.FIELD=VALUE",
                   help="any setting, e.g. --set cgan.d_design=separate (repeatable; "
                        "`ganstudio families --settings` lists them)")
    p.add_argument("--dataset", help=f"built-in name (see `ganstudio datasets`) or a path "
                   f"(folder, .zip, .npz, images, .csv/.npy points); a folder holding A/ and "
                   f"B/ (or trainA/ and trainB/) loads as two domains; default {d.data.name}")
    p.add_argument("--dataset-b", help="the second domain, for the translation families: a "
                   "folder or file of the same kind as --dataset (or a built-in name)")
    p.add_argument("--net", choices=NETS, help=f"architecture (default: {d.net.name})")
    p.add_argument("--objective", choices=OBJECTIVES,
                   help=f"loss (default: {d.objective.name})")
    p.add_argument("--steps", type=int, help=f"generator updates (default: {d.train.steps})")
    p.add_argument("--batch", type=int, help=f"batch size (default: {d.train.batch})")
    p.add_argument("--seed", type=int, help=f"random seed (default: {d.train.seed})")
    p.add_argument("--jit", choices=JIT_MODES,
                   help=f"XLA compilation (default: {d.train.jit}: on with a GPU, off on CPU)")
    p.add_argument("--precision", choices=PRECISIONS,
                   help=f"the networks' arithmetic (default: {d.train.precision}); "
                        "mixed_bfloat16: 16-bit layers, float32 weights and losses, several "
                        "times faster on CPUs with AMX/AVX-512 bfloat16 and on recent GPUs; "
                        "mixed_float16: GPUs, with dynamic loss scaling")
    p.add_argument("--strategy", choices=STRATEGIES,
                   help=f"devices to train on (default: {d.train.strategy}): none, mirrored "
                        "(this machine's GPUs, or --devices logical CPUs), multiworker "
                        "(several processes or machines described by TF_CONFIG), auto "
                        "(mirrored with more than one device)")
    p.add_argument("--devices", type=int,
                   help="replicas in this process: the first N GPUs, or N logical CPU devices "
                        "(default: every GPU, or one CPU)")
    p.add_argument("--sync-bn", action="store_const", const=True,
                   help="with several devices: batch norm over the whole global batch")
    p.add_argument("--d-steps", type=int, help=f"discriminator updates per generator update "
                   f"k (default: {d.objective.d_steps})")
    p.add_argument("--lr-d", type=float,
                   help=f"discriminator learning rate (default: {d.objective.lr_d:g})")
    p.add_argument("--lr-g", type=float,
                   help=f"generator learning rate (default: {d.objective.lr_g:g})")
    p.add_argument("--latent", type=int, help="latent size (default: 8 for points, 64 images)")
    p.add_argument("--pack", type=int, help=f"PacGAN packing degree m (default: {d.net.pack})")
    p.add_argument("--ema", type=float, help=f"EMA decay of the generator's weights, 0: off "
                   f"(default: {d.objective.ema:g})")
    p.add_argument("--lr-decay", choices=LR_DECAYS,
                   help=f"learning rates fall to 1%% over the steps: none, cosine or linear "
                        f"(default: {d.objective.lr_decay})")
    p.add_argument("--image-size", type=int, help="resize images to this square size")
    p.add_argument("--d-norm", choices=("auto", "batch", "layer", "spectral", "none"),
                   help="normalization in D (spectral: spectral normalization)")
    p.add_argument("--minibatch-std", action="store_const", const=True,
                   help="give D the minibatch standard deviation as a feature")
    p.add_argument("--r1", type=float, help=f"R1 penalty weight γ on real data, 0: off "
                   f"(default: {d.objective.r1_gamma:g})")
    p.add_argument("--clip", type=float, help="weight clipping c for wgan")
    p.add_argument("--gp-lambda", type=float, help="gradient penalty λ for wgan-gp")
    p.add_argument("--eval-every", type=int, help=f"quality metrics every N steps, 0: never "
                   f"(default: {d.train.eval_every})")
    p.add_argument("--stop-rule", action="store_const", const=True,
                   help="stop when mean D(x) is within ε of 0.5 and the main metric stalls")
    p.add_argument("--config", help="TOML or JSON config file (options given here win)")
    from ganstudio.core.presets import PRESETS

    p.add_argument("--preset", choices=list(PRESETS), metavar="NAME",
                   help="a named set of settings, applied over the defaults and --config "
                        "(options given here win): " + "; ".join(
                            f"{p.name}: {p.title} ({p.settings_text()})"
                            for p in PRESETS.values()))


_OPTION_FIELDS = {
    "dataset": ("data", "name"),
    "dataset_b": ("data", "name_b"),
    "image_size": ("data", "image_size"),
    "net": ("net", "name"),
    "latent": ("net", "latent_dim"),
    "pack": ("net", "pack"),
    "d_norm": ("net", "d_norm"),
    "minibatch_std": ("net", "minibatch_std"),
    "r1": ("objective", "r1_gamma"),
    "clip": ("objective", "clip"),
    "gp_lambda": ("objective", "gp_lambda"),
    "eval_every": ("train", "eval_every"),
    "stop_rule": ("train", "stop_rule"),
    "objective": ("objective", "name"),
    "d_steps": ("objective", "d_steps"),
    "lr_d": ("objective", "lr_d"),
    "lr_g": ("objective", "lr_g"),
    "ema": ("objective", "ema"),
    "lr_decay": ("objective", "lr_decay"),
    "steps": ("train", "steps"),
    "batch": ("train", "batch"),
    "seed": ("train", "seed"),
    "jit": ("train", "jit"),
    "strategy": ("train", "strategy"),
    "precision": ("train", "precision"),
    "devices": ("train", "devices"),
    "sync_bn": ("net", "sync_bn"),
}


def config_from_args(args: argparse.Namespace, base: RunConfig | None = None) -> RunConfig:
    """Builds the run config: the family's defaults (or `base`), then `--config`, then explicit
    options and `--set` assignments."""
    family = getattr(args, "family", None)
    cfg = base or RunConfig.for_family(family or "gan")
    if getattr(args, "config", None):
        cfg = RunConfig.load(args.config)
    if getattr(args, "preset", None):
        from ganstudio.core.data.registry import BUILTINS
        from ganstudio.core.presets import apply_preset

        if family:
            cfg = cfg.with_changes(family=family)
        name = getattr(args, "dataset", None) or cfg.data.name
        entry = BUILTINS.get(str(name).strip().lower())
        cfg = apply_preset(cfg, args.preset, entry.kind if entry else None, str(name))
    changes: dict[str, dict[str, Any]] = {}
    for option, (section, name) in _OPTION_FIELDS.items():
        value = getattr(args, option, None)
        if value is not None:
            changes.setdefault(section, {})[name] = value
    if changes or family:
        cfg = cfg.with_changes(family=family, **changes)
    for assignment in getattr(args, "settings", None) or []:
        cfg = cfg.with_setting(assignment)
    return cfg


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit 2), like every other mistake."""

    def error(self, message: str):  # noqa: D102
        self.exit(EXIT_USER_ERROR, f"ganstudio: error: {message}; see `{self.prog} --help`.\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `ganstudio`."""
    parser = OneLineParser(
        prog="ganstudio",
        description="GAN Studio: train, watch and understand GANs. With no command, opens the "
                    "studio window.")
    parser.add_argument("--version", action="version", version=f"ganstudio {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)

    gui = sub.add_parser("gui", help="open the studio window (the default)")
    gui.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    train = sub.add_parser("train", help="train headless")
    _add_train_options(train)
    train.add_argument("--out", help="output folder (default: runs/<dataset>-<time>)")
    train.add_argument("--resume", help="continue the run in this folder (same settings)")
    train.add_argument("--no-export", action="store_true", help="skip the SavedModel export")
    train.add_argument("--no-eval", action="store_true",
                       help="skip the final quality evaluation written to run.json")

    export = sub.add_parser("export", help="export a run's generator as a SavedModel")
    export.add_argument("--run", required=True, help="a run folder from `ganstudio train`")
    export.add_argument("--out", help="export folder (default: RUN/generator)")
    export.add_argument("--force", action="store_true",
                        help="replace an earlier export at --out (never other files)")

    sample = sub.add_parser("sample", help="draw samples from an exported generator")
    sample.add_argument("--model", required=True, help="a run folder or its generator/ export")
    sample.add_argument("--n", type=int, default=64, help="how many samples (default 64)")
    sample.add_argument("--out", required=True, help="output .png (grid/scatter) or .csv/.npy")
    sample.add_argument("--seed", type=int, default=0, help="latent seed (default 0)")
    sample.add_argument("--truncation", type=float, default=1.0,
                        help="truncation ψ: scale z towards 0 (default 1: none)")
    sample.add_argument("--label", help="conditional models: the class (index or name)")
    sample.add_argument("--signature", default="serving_default",
                        help="which of the export's signatures draws them (StackGAN: stage1 for "
                             "stage I's low-resolution images; default serving_default)")
    sample.add_argument("--caption", help="conditional models: the caption, e.g. "
                        "\"a large red circle at the top\"")

    tr = sub.add_parser("translate", help="translate images (or points) with a translation "
                        "model (cyclegan, translate, unit)")
    tr.add_argument("--model", required=True, help="a run folder or its generator/ export")
    tr.add_argument("--in", dest="source", required=True,
                    help="a folder of images (points: a .csv/.npy/.npz file)")
    tr.add_argument("--out", required=True,
                    help="the folder for the translated PNGs (points: a .csv or a folder)")
    tr.add_argument("--direction", choices=("a_to_b", "b_to_a"), default="a_to_b",
                    help="a_to_b (default: the model's domain A to B) or b_to_a")

    fam = sub.add_parser("families", help="list the model families and their settings")
    fam.add_argument("--settings", action="store_true",
                     help="also list every setting --set takes, with its default and range")

    ev = sub.add_parser("eval", help="quality metrics of an exported generator")
    ev.add_argument("--model", required=True, help="a run folder or its generator/ export")
    ev.add_argument("--dataset", help="dataset to compare with (default: the one it was "
                    "trained on)")
    ev.add_argument("--n", type=int, help="generated samples (default 2500 points, 2000 images)")
    ev.add_argument("--seed", type=int, default=0, help="seed of the latents (default 0)")
    ev.add_argument("--json", dest="json_out", help="write the figures here (default: "
                    "MODEL/eval.json)")

    ds = sub.add_parser("datasets", help="list the built-in datasets, or check a path")
    ds.add_argument("path", nargs="?", help="a folder/.zip/.npz/image/.csv to check and report "
                    "(a folder holding A/ and B/ is checked as two domains)")
    ds.add_argument("path_b", nargs="?", help="a second domain to check with PATH as a pair")
    ds.add_argument("--json", action="store_true", help="print JSON")

    lab = sub.add_parser("lab", help="the theory lab: the seeds' arguments as 1D experiments")
    lab.add_argument("name", nargs="?", help="the lab to run (without a name: list them)")
    lab.add_argument("--json", dest="json_out", help="write its numbers to this file")
    lab.add_argument("--seed", type=int, default=0, help="seed (default 0)")

    launcher = sub.add_parser("install-launcher",
                              help="add GAN Studio to the desktop's application menu (Linux)")
    launcher.add_argument("--prefix", type=Path, default=Path.home() / ".local" / "share",
                          help="XDG data folder (default ~/.local/share)")
    launcher.add_argument("--print", action="store_true", help="print the launcher after writing")
    return parser


# -- commands -------------------------------------------------------------------------------------


def _default_out(dataset: str) -> Path:
    stem = Path(dataset).stem if any(c in dataset for c in "/\\.") else dataset
    return Path("runs") / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"


def cmd_train(args: argparse.Namespace) -> int:
    """`ganstudio train`."""
    from ganstudio.core.checkpoint import load_checkpoint

    base = None
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        base = RunConfig.from_dict(ckpt.meta["config"])
    cfg = config_from_args(args, base)
    out = Path(args.out) if args.out else (Path(args.resume) if args.resume
                                           else _default_out(cfg.data.name))
    check_run_target(out, own=args.resume)
    existed = out.exists()
    with RunLock(out):
        try:
            return _train(args, cfg, out)
        except GanStudioError:
            # a refused setting or dataset: no run folder is left behind holding only the lock
            if not existed and {p.name for p in out.iterdir()} <= {LOCK_FILE}:
                (out / LOCK_FILE).unlink(missing_ok=True)
                out.rmdir()
            raise


def _train(args: argparse.Namespace, cfg: RunConfig, out: Path) -> int:
    progress = ProgressReporter(cfg.train.steps)
    progress.status(f"ganstudio {__version__}: training {cfg.data.name} -> {out}")

    from ganstudio.core.session import TrainingSession

    # no histograms or samples while training: the terminal shows scalars only
    session = TrainingSession(cfg, out_dir=out, reporter=progress, resume=args.resume,
                              own_process=True, image_hz=None)
    interrupted = {"n": 0}

    def on_sigint(signum, frame):  # first Ctrl-C: stop cleanly and save; second: abort
        interrupted["n"] += 1
        if interrupted["n"] > 1:
            raise KeyboardInterrupt
        progress.status("stopping after this step (Ctrl-C again to abort without saving)")
        session.control.stop()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        session.prepare()
        progress.headline = tuple(session.recipe.headline_scalars)
        report_text = session.dataset.report_summary()  # each domain's, for two
        if report_text is not None:
            progress.status(report_text)
        counts = ", ".join(f"{name} {count:,}" for name, count in session.param_counts.items())
        net = getattr(session.net_config, "name", "")
        progress.status(f"{cfg.family}{f' ({net})' if net else ''}: params {counts}; "
                        f"objective {session.recipe.objective_text()}; device {session.device}; jit "
                        f"{'on' if session.jit else 'off'}")
        out.mkdir(parents=True, exist_ok=True)
        cfg.save(out / "config.toml")
        result = session.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.close()
    extra: dict[str, Any] = {}
    if not session.chief:  # another worker of a multi-worker run: the chief writes the run
        session.save_run(out, result, extra, export=False)
        progress.status(f"worker finished at step {result.steps} "
                        f"({result.steps_per_sec:.0f} steps/s); weights "
                        f"{session.weights_digest()}; wrote {out / 'run.json'}")
        return 0
    if not args.no_eval:
        try:
            quality, table = session.recipe.quality_report(session.dataset, cfg.train.seed,
                                                           progress.status)
        except GanStudioError as exc:  # e.g. too few samples: the run is still written whole
            extra["quality"] = {"skipped": str(exc)}
            progress.status(f"quality metrics skipped: {exc}")
        else:
            extra["quality"] = quality
            progress.status(table)
    report = session.save_run(out, result, extra, export=not args.no_export)
    if report is not None:
        progress.status(report.summary())
    verb = "stopped" if result.stopped_early else "finished"
    progress.status(f"{verb} at step {result.steps} ({result.steps_per_sec:.0f} steps/s); "
                    f"wrote {out / 'run.json'}, {out / 'samples.png'}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`ganstudio export`."""
    from ganstudio.core.checkpoint import load_checkpoint
    from ganstudio.core.session import TrainingSession

    out = Path(args.out) if args.out else Path(args.run) / "generator"
    # the run's own generator/ is replaced; anywhere else an earlier export needs --force
    replace = args.force or is_own_export(out, args.run)
    check_export_target(out, replace=replace)  # before TensorFlow builds anything
    ckpt = load_checkpoint(args.run)
    cfg = RunConfig.from_dict(ckpt.meta["config"])
    session = TrainingSession(cfg, out_dir=args.run, resume=args.run)
    session.prepare()
    report = session.export(out, replace=replace)
    print(report.summary())
    return 0 if report.ok else 1


def cmd_sample(args: argparse.Namespace) -> int:
    """`ganstudio sample`."""
    import numpy as np

    from ganstudio.core.export import LoadedGenerator
    from ganstudio.core.latent import truncate
    from ganstudio.core.render import points_csv, samples_png
    from ganstudio.errors import ConfigError

    if not 1 <= args.n <= MAX_SAMPLES:
        raise ConfigError(f"--n: {args.n} is not between 1 and {MAX_SAMPLES:,} samples.",
                          "Draw more in several calls with different --seed values.")
    if not 0.0 <= args.truncation <= 2.0:
        raise ConfigError(f"--truncation: {args.truncation} is not between 0 and 2.",
                          "1 draws from the prior; smaller values give typical samples.")
    out = Path(args.out)
    suffix = out.suffix.lower()
    if out.is_dir():
        raise ConfigError(f"--out: {str(out)!r} is a folder.",
                          "Give a file name ending in .png, .csv or .npy.")
    if suffix not in (".png", ".csv", ".npy"):
        raise ConfigError(f"--out: {out.name!r} must end in .png, .csv or .npy.")
    gen = LoadedGenerator(args.model, args.signature)
    condition = _sample_condition(gen, args)
    if gen.has_latent:
        z = np.random.default_rng(args.seed).standard_normal((args.n, gen.latent_dim))
        samples = gen(truncate(z.astype(np.float32), args.truncation), condition)
    elif args.truncation != 1.0:
        raise ConfigError("--truncation: this model draws its samples without a latent "
                          "vector (an RBM's Gibbs chains), so there is nothing to truncate.",
                          "Drop --truncation.")
    else:
        samples = gen.draw(args.n, args.seed)
    if not np.isfinite(samples).all():
        from ganstudio.errors import ModelError

        raise ModelError("the generator gives NaN or infinite values (its weights diverged).",
                         "Export from an earlier checkpoint of the run.")
    out.parent.mkdir(parents=True, exist_ok=True)
    kind = gen.metadata.get("kind", "images")
    if suffix == ".npy":
        np.save(out, samples)
    elif suffix == ".csv":
        points_csv(samples, out)
    else:
        modes = gen.metadata.get("modes")
        samples_png(samples, kind, out, modes=None if modes is None else np.asarray(modes))
    print(f"wrote {args.n} samples to {out}")
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    """`ganstudio translate`: every image under --in (or every point of a file) through one
    direction of a translation export, written under --out."""
    from ganstudio.core.export import LoadedTranslator
    from ganstudio.core.translate_files import (
        read_images,
        read_points,
        write_images,
        write_points,
    )

    model = LoadedTranslator(args.model)
    model.check_direction(args.direction)  # before reading --in (translate has a_to_b only)
    source, target = model.source(args.direction), model.target(args.direction)
    shape = tuple(int(s) for s in source["shape"])
    arrow = f"{source['name']} → {target['name']}"
    if source.get("kind") == "points":
        points, report = read_points(args.source, shape[0])
        if report is not None and report.skipped:
            print(report.summary(), file=sys.stderr)
        out = write_points(args.out, model(points, args.direction), args.source)
        print(f"translated {len(points)} points ({arrow}) to {out}")
        return 0
    names, images, report = read_images(args.source, shape)
    if report.skipped:
        print(f"ganstudio: note: {report.summary()}", file=sys.stderr)
    written = write_images(args.out, names, model(images, args.direction))
    print(f"translated {len(written)} images ({arrow}) into {args.out}"
          + (f"; {len(report.skipped)} skipped" if report.skipped else ""))
    return 0


def _sample_condition(gen, args: argparse.Namespace) -> Any:
    """The condition `sample` passes: --label (an index or a class name) or --caption."""
    from ganstudio.errors import ConfigError

    name = gen.condition_name
    given = {"label": args.label, "caption": args.caption}
    for option, value in given.items():
        if value is not None and option != name:
            what = f"takes a {name}" if name else "is unconditional"
            raise ConfigError(f"--{option}: this generator {what}.",
                              f"Drop --{option}" + (f" and give --{name}." if name else "."))
    if name is None:
        return None
    value = given[name]
    if value is None:
        hint = ("e.g. --label 3" if name == "label" else
                "e.g. --caption \"a large red circle at the top\"")
        raise ConfigError(f"this generator is conditional: give --{name}.", hint)
    if name == "label":
        classes = [str(c) for c in gen.metadata.get("class_names") or []]
        if value in classes:
            return classes.index(value)
        try:
            index = int(value)
        except ValueError:
            raise ConfigError(f"--label: {value!r} is not a class; classes are "
                              f"{', '.join(classes)}.") from None
        if not 0 <= index < max(1, len(classes)):
            raise ConfigError(f"--label: {index} is out of range; classes are 0.."
                              f"{len(classes) - 1}.")
        return index
    vocab = set(gen.metadata.get("vocabulary") or [])
    import re

    unknown = [w for w in re.sub(r"[^\w\s]", " ", value.lower()).split() if w not in vocab]
    if vocab and unknown:
        print(f"ganstudio: note: the model never saw the words {', '.join(unknown)}",
              file=sys.stderr)
    return value


def cmd_lab(args: argparse.Namespace) -> int:
    """`ganstudio lab [NAME]`: lists the labs, or runs one and prints (and writes) its numbers."""
    from ganstudio.core.lab import LABS, run_lab

    if args.name is None:
        for name, lab in LABS.items():
            print(f"{name:12s} {lab.title}: {lab.caption}")
        return 0
    if args.name in LABS:
        quiet_tensorflow_import()
    result = run_lab(args.name, seed=args.seed, status=lambda text: print(text, flush=True))
    # every number, whole (a cut JSON text is no use to a script); the curves only in --json
    summary = {k: v for k, v in result.items()
               if k not in ("caption", "curves", "plots", "frames", "animations")}
    print(json.dumps(summary, indent=2, default=float))
    if args.json_out:
        out = Path(args.json_out)
        if out.is_dir():
            raise GanStudioError(f"--json: {str(out)!r} is a folder.",
                                 "Give a file name ending in .json.")
        out.write_text(json.dumps(result, indent=2, default=float), encoding="utf-8")
        print(f"wrote {out}")
    return 0


def cmd_families(args: argparse.Namespace) -> int:
    """`ganstudio families`."""
    from ganstudio.config import section_fields
    from ganstudio.core.families import FAMILIES

    width = max(len(name) for name in FAMILIES)
    for spec in FAMILIES.values():
        print(f"{spec.name:<{width}}  {spec.description} ({spec.seed_note})")
    if args.settings:
        defaults = RunConfig()
        for section in defaults.to_dict():
            if section == "family":
                continue
            print(f"\n[{section}]")
            for name, f in section_fields(section).items():
                meta = f.metadata
                allowed = (", ".join(meta["choices"]) if meta.get("choices") else
                           f"{meta.get('lo')}..{meta.get('hi') if meta.get('hi') is not None else ''}"
                           if meta.get("lo") is not None else "")
                value = getattr(getattr(defaults, section), name)
                print(f"  {section}.{name} = {value!r}  {meta.get('help', '')}"
                      + (f" [{allowed}]" if allowed else ""))
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    """`ganstudio datasets`."""
    from ganstudio.core.data.registry import describe_builtins, load_dataset

    if args.path:
        from ganstudio.config import DataConfig

        ds = load_dataset(DataConfig(name=args.path, name_b=args.path_b))
        info = ds.info()
        b = ds.domain_b
        if args.json:
            reports = {"report": ds.report.to_dict() if ds.report else None}
            if b is not None:
                reports["report_b"] = b.report.to_dict() if b.report else None
            print(json.dumps({**info, **reports}, indent=2))
        else:
            report_text = ds.report_summary()
            if report_text is not None:
                print(report_text)
            labels = ("", "") if b is None else tuple(f"{t}: " for t in ds.domain_labels())
            for label, part in zip(labels, (ds, b), strict=True):
                if part is None:
                    continue
                classes = part.class_names or []
                print(f"{label}{part.kind}: {len(part)} examples of shape {part.shape}"
                      + (f", {len(classes)} classes" if classes else ""))
        return 0
    rows = describe_builtins()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        kind = f"{r['kind']}×2" if r["two_domains"] else r["kind"]
        print(f"{r['name']:<{width}}  {kind:<8}  {r['description']}")
    print("\nOr give a path: a folder of images (subfolders = classes), a .zip, a .npz "
          "(x, optional y), image files, or a .csv/.npy of points. Two domains (×2, for the "
          "translation families): a folder holding A/ and B/, or `train --dataset A "
          "--dataset-b B`.")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """`ganstudio eval`."""
    from ganstudio.core.metrics.conditional import format_conditional
    from ganstudio.core.metrics.evaluate import evaluate_export, format_table
    from ganstudio.core.metrics.translation import format_translation

    result = evaluate_export(args.model, dataset=args.dataset, n=args.n, seed=args.seed)
    if "n_sources" in result:  # a translation model's two directions
        print(format_translation(result))
    else:
        print(format_conditional(result) if "main_metric" in result and "condition" in result
              else format_table(result))
    model_dir = Path(args.model)
    out = Path(args.json_out) if args.json_out else model_dir / "eval.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def cmd_gui(argv: list[str]) -> int:
    """Opens the studio window (lazy import: the CLI never imports Qt itself)."""
    if not {"-h", "--help"} & set(argv):
        from ganstudio.system_libs import gui_blocker

        blocker = gui_blocker()
        if blocker is not None:  # before PySide6 fails to import or Qt aborts
            print(blocker, file=sys.stderr)
            return EXIT_USER_ERROR
    try:
        from ganstudio.ui.app import main as gui_main
    except ImportError as exc:
        raise GanStudioError(f"the studio window cannot start: {exc}.",
                             "Reinstall with `pip install -e .`, or train headless with "
                             "`ganstudio train --dataset ring8 --out runs/ring8`.") from None
    return int(gui_main(argv) or 0)


def cmd_install_launcher(args: argparse.Namespace) -> int:
    """Writes the desktop launcher and icon from the package's resources."""
    from ganstudio.desktop_entry import install

    for path in install(args.prefix):
        print(f"wrote {path}")
        if args.print and path.suffix == ".desktop":
            print(path.read_text(encoding="utf-8"))
    return 0


COMMANDS = {
    "train": cmd_train,
    "export": cmd_export,
    "sample": cmd_sample,
    "translate": cmd_translate,
    "eval": cmd_eval,
    "datasets": cmd_datasets,
    "families": cmd_families,
    "install-launcher": cmd_install_launcher,
    "lab": cmd_lab,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ganstudio` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--verbose" in argv:  # any command: TensorFlow's start-up messages are shown
        argv.remove("--verbose")
        os.environ["GANSTUDIO_DEBUG"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if os.environ.get("GANSTUDIO_DEBUG")
                          else "2")
    if not argv or argv[0].startswith("--") and argv[0] not in ("--help", "--version"):
        argv = ["gui", *argv]
    elif argv[0] not in (*COMMANDS, "gui") and not argv[0].startswith("-") and (
            os.path.exists(argv[0])):
        argv = ["gui", *argv]  # `ganstudio PATH...`: the desktop launcher's `Exec=ganstudio %F`
    parser = build_parser()
    if argv and argv[0] == "gui":
        try:
            return cmd_gui(argv[1:])
        except GanStudioError as exc:
            print(f"ganstudio: error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command not in ("datasets", "families", "install-launcher", "lab"):
            quiet_tensorflow_import()
        return COMMANDS[args.command](args)
    except GanStudioError as exc:
        print(f"ganstudio: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("ganstudio: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a folder without permission, a vanished file
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"ganstudio: error: {exc.strerror or exc}{where}. Check the path, its "
              "permissions and the free space.", file=sys.stderr)
        return EXIT_USER_ERROR
    except MemoryError:
        print("ganstudio: error: out of memory. Lower the batch size, the image size or "
              "--n.", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as exc:
        if type(exc).__name__ == "ResourceExhaustedError":  # TensorFlow's out of memory
            print("ganstudio: error: TensorFlow ran out of memory. Lower the batch size, the "
                  "image size or the net's width.", file=sys.stderr)
            return EXIT_USER_ERROR
        import traceback

        traceback.print_exc()
        print(f"ganstudio: internal error: {type(exc).__name__}: {exc}. This is a bug in GAN "
              "Studio: please report it with the lines above.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
